import Foundation
import GranaryLearning
import GranaryModel
import Hummingbird

/// `/analytics`: resource usage (资源使用) and teaching behaviour (教学行为) for teachers, reviewers and admins, from
/// the same `Analytics` service and the same period rules as `GET /api/v1/analytics/*`.
struct AnalyticsPages: Sendable {
    let pages: Pages
    let analytics: Analytics

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("analytics", use: self.analyticsPage)
    }

    struct AnalyticsPage: Sendable {
        struct Option: Sendable {
            let value: String
            let label: String
            let selected: Bool
        }

        struct GroupRow: Sendable {
            let name: String
            let href: String?
            let views: Int
            let downloads: Int
            let completions: Int
            let ratings: Int
            let stars: String
        }

        struct Bar: Sendable {
            let period: String
            let uses: Int
            let widthClass: String
            let detail: String
        }

        struct TeachingRow: Sendable {
            let name: String
            let detail: String
            let cells: [String]
        }

        let from: String
        let to: String
        let groupings: [Option]
        let intervals: [Option]
        let totals: [Pages.Fact]
        let groupHeading: String
        let groups: [GroupRow]
        let groupTotal: Int
        let bars: [Bar]
        let teachingColumns: [String]
        let teachers: [TeachingRow]
        let institutions: [TeachingRow]
        let teachingTotals: [String]
    }

    @Sendable func analyticsPage(request: Request, context: AppRequestContext) async throws -> Response {
        // The same roles as GET /api/v1/analytics/*.
        _ = try self.pages.require(context, roles: .teacher, .reviewer, .admin, to: "查看数据分析")
        let uri = request.uri
        let (from, to) = try LearningController.period(uri)
        let by = uri.queryParameters["by"].flatMap { ResourceAnalytics.Grouping(rawValue: String($0)) } ?? .resource
        let interval = uri.queryParameters["interval"].flatMap { ResourceAnalytics.Interval(rawValue: String($0)) } ?? .month
        let usage = try await self.analytics.resources(from: from, to: to, by: by, interval: interval, PageRequest(page: 1, pageSize: 50))
        let teaching = try await self.analytics.teaching(from: from, to: to)
        let names = try await self.pages.names.current()
        let last = Date(timeInterval: -1, since: to)

        let groupNames: [ResourceAnalytics.Grouping: String] = [.resource: "按资源", .course: "按课程", .kind: "按资源类型"]
        let peak = max(1, usage.series.map { $0.figures.views + $0.figures.downloads + $0.figures.completions }.max() ?? 1)
        func stars(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "—" }
        func cells(_ f: TeachingAnalytics.Figures) -> [String] {
            [
                f.resourcesUploaded, f.questionsWritten, f.offeringsBuilt, f.offeringsPublished, f.resourcesReusedAcrossCourses,
                f.othersResourcesUsed, f.papersGiven, f.attemptsSubmitted, f.attemptsGraded,
            ].map(String.init) + [f.medianGradingHours.map { String(format: "%.1f", $0) } ?? "—"]
        }
        let page = AnalyticsPage(
            from: Pages.day(from),
            to: Pages.day(last),
            groupings: ResourceAnalytics.Grouping.allCases.map {
                .init(value: $0.rawValue, label: groupNames[$0] ?? $0.rawValue, selected: $0 == by)
            },
            intervals: [
                .init(value: "month", label: "按月", selected: interval == .month), .init(value: "day", label: "按日", selected: interval == .day),
            ],
            totals: [
                Pages.Fact(label: "浏览", value: String(usage.totals.views)),
                Pages.Fact(label: "下载", value: String(usage.totals.downloads)),
                Pages.Fact(label: "完成学习", value: String(usage.totals.completions)),
                Pages.Fact(
                    label: "评价",
                    value: String(usage.totals.ratings) + (usage.totals.averageStars.map { String(format: "（平均 %.1f 星）", $0) } ?? "")
                ),
                Pages.Fact(label: "使用人数", value: String(usage.users)),
            ],
            groupHeading: by == .resource ? "资源" : (by == .course ? "课程" : "资源类型"),
            groups: usage.items.map { group in
                AnalyticsPage.GroupRow(
                    name: by == .course ? (names.courses[group.key]?.name ?? group.name) : group.name,
                    href: by == .resource ? "/resources/\(group.key)" : (by == .course ? Pages.link("/search", [("course", group.key)]) : nil),
                    views: group.figures.views,
                    downloads: group.figures.downloads,
                    completions: group.figures.completions,
                    ratings: group.figures.ratings,
                    stars: stars(group.figures.averageStars)
                )
            },
            groupTotal: usage.total,
            bars: usage.series.map { period in
                let uses = period.figures.views + period.figures.downloads + period.figures.completions
                // Widths in steps of 5 %, as classes: the pages' CSP allows no inline style.
                let step = uses == 0 ? 0 : max(1, Int((Double(uses) * 20 / Double(peak)).rounded()))
                return AnalyticsPage.Bar(
                    period: period.period,
                    uses: uses,
                    widthClass: "w\(step * 5)",
                    detail: "浏览 \(period.figures.views)，下载 \(period.figures.downloads)，完成 \(period.figures.completions)"
                )
            },
            teachingColumns: ["上传资源", "编写试题", "组建课程", "发布课程", "跨课程复用资源", "使用他人资源", "组织测验", "学生交卷", "批阅份数", "批阅用时中位数（小时）"],
            teachers: teaching.byTeacher.map {
                AnalyticsPage.TeachingRow(
                    name: $0.displayName,
                    detail: [$0.username, $0.institution].compactMap { $0 }.joined(separator: " · "),
                    cells: cells($0.figures)
                )
            },
            institutions: teaching.byInstitution.map {
                AnalyticsPage.TeachingRow(name: $0.institution, detail: "\($0.teachers) 位教师", cells: cells($0.figures))
            },
            teachingTotals: cells(teaching.totals)
        )
        return try await self.pages.render("analytics", title: "数据分析", page: page, context: context, path: "/analytics")
    }
}
