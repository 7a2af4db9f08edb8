import Foundation
import GranaryModel
import GranaryReview
import Hummingbird

/// `/report`: the monitoring report of `GET /api/v1/report`, the same figures inside the layout.
struct ReportPages: Sendable {
    let pages: Pages
    let reports: ReportService

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("report", use: self.reportPage)
    }

    struct ReportPageModel: Sendable {
        struct Rule: Sendable {
            let title: String
            let id: String
            let requirement: String
            let actual: String
            let pass: Bool
            let items: [String]
            let more: Int?
            let itemsTotal: Int
        }

        struct Count: Sendable {
            let label: String
            let count: Int
        }

        struct Scope: Sendable {
            let name: String
            let resources: Int
            let cells: [Cell]
        }

        struct Cell: Sendable {
            let text: String
            let state: String
        }

        struct Year: Sendable {
            let value: Int
            let selected: Bool
        }

        let year: Int
        let years: [Year]
        let generatedAt: String
        let total: Int
        let kinds: [Count]
        let rules: [Rule]
        let majors: [Scope]
        let courses: [Scope]
        let jsonURL: String
    }

    @Sendable func reportPage(request: Request, context: AppRequestContext) async throws -> Response {
        // The same roles as GET /api/v1/report.
        _ = try self.pages.require(context, roles: .admin, .reviewer, .teacher, to: "查看监测报告")
        let thisYear = self.reports.currentYear()
        let year = try request.uri.positiveInt("year") ?? thisYear
        guard (2000...2100).contains(year) else {
            throw GranaryError(.invalidQuery, LocalizedText(zh: "年份应在 2000–2100 之间", en: "year must be 2000 to 2100"))
        }
        let report = try await self.reports.report(year: year)
        func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
        func scopes(_ scopes: [String: MonitoringReport.Scope]) -> [ReportPageModel.Scope] {
            scopes.sorted { $0.key < $1.key }.map { key, scope in
                ReportPageModel.Scope(
                    name: "\(scope.name)（\(key)）",
                    resources: scope.totals.resources,
                    cells: scope.rules.map { rule in
                        ReportPageModel.Cell(text: rule.value.map(percent) ?? "—", state: rule.value == nil ? "" : rule.pass ? "pass" : "fail")
                    }
                )
            }
        }
        let page = ReportPageModel(
            year: year,
            years: Set((max(2000, thisYear - 4)...thisYear).map { $0 } + [year]).sorted(by: >).map { .init(value: $0, selected: $0 == year) },
            generatedAt: Pages.format(report.generatedAt),
            total: report.totals.resources,
            kinds: ResourceKind.allCases.map { .init(label: $0.chineseName, count: report.totals.byKind[$0.rawValue] ?? 0) },
            rules: report.rules.map { rule in
                ReportPageModel.Rule(
                    title: rule.title,
                    id: rule.id,
                    requirement: (rule.comparison == "<=" ? "≤ " : "≥ ") + percent(rule.threshold),
                    actual: rule.value.map { "\(percent($0))（\(rule.numerator)/\(rule.denominator)）" } ?? "无数据",
                    pass: rule.pass,
                    items: rule.items.map { "\($0.name)（\($0.id)）" },
                    more: rule.itemsTotal > rule.items.count ? rule.itemsTotal - rule.items.count : nil,
                    itemsTotal: rule.itemsTotal
                )
            },
            majors: scopes(report.byMajor),
            courses: scopes(report.byCourse),
            jsonURL: "/api/v1/report?year=\(year)"
        )
        return try await self.pages.render("report", title: "\(year) 年度监测报告", page: page, context: context, path: "/report")
    }
}
