import Foundation
import GRDB
import GranaryLearning
import GranaryModel
import GranaryStore

/// Computes the monitoring report from the database as it is now.
///
/// Everything counts published items only: resources with an approved version that are not retired, approved
/// questions. A year runs from 1 January 00:00 to 31 December 24:00 in Asia/Shanghai.
public struct ReportService: Sendable {
    private let database: LibraryDatabase
    /// Who learned and how resources were rated: the usage index adds that up.
    private let analytics: Analytics

    /// Creates the service; `analytics` is the service's own, whose usage index it shares (one of its own otherwise).
    public init(database: LibraryDatabase, analytics: Analytics? = nil) {
        self.database = database
        self.analytics = analytics ?? Analytics(database: database)
    }

    /// Where the guideline's years are cut.
    public static let timeZone = TimeZone(identifier: "Asia/Shanghai")!

    /// The calendar year it is now in Asia/Shanghai, by the library's clock: the report's default.
    public func currentYear() -> Int {
        Self.year(of: self.database.clock.now())
    }

    /// The calendar year of `date` in Asia/Shanghai.
    public static func year(of date: Date) -> Int {
        Calendar.current.dateComponents(in: Self.timeZone, from: date).year!
    }

    /// The first instant of `year` and of the year after, in Asia/Shanghai.
    public static func bounds(of year: Int) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.timeZone
        let start = calendar.date(from: DateComponents(year: year, month: 1, day: 1))!
        let end = calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1))!
        return (start, end)
    }

    /// The report for `year`.
    public func report(year: Int, now: Date? = nil) async throws -> MonitoringReport {
        let now = now ?? self.database.clock.now()
        let (start, end) = Self.bounds(of: year)
        // From the usage index, as of its last catch-up: at most a moment older than what the transaction reads.
        let learning = try await self.analytics.learners(from: start, to: end)
        let satisfaction = try await self.analytics.satisfaction(from: start, to: end, good: 4, limit: MonitoringReport.itemLimit)
        return try await self.database.read { db in
            var library = Tally()
            var majors: [String: Tally] = [:]
            var courses: [String: Tally] = [:]
            // The live resources counted by what the rules look at; Swift adds up a few hundred groups.
            let groups = try LibraryFacts.liveResourceGroups(db, year: year)
            for row in groups {
                let group = Tally.Group(
                    kind: row.kind,
                    original: row.original,
                    existedAtStart: row.existedAtStart,
                    existedAtEnd: row.existedAtEnd,
                    count: row.count
                )
                library.add(group)
                majors[row.major, default: Tally()].add(group)
                courses[row.course, default: Tally()].add(group)
            }
            // Resources added or given a new version in the year, counted once each, per course (and so per major):
            // those made in the year, and those made before that got a version in it.
            for group in groups where group.existedAtEnd && !group.existedAtStart {
                library.updated += group.count
                majors[group.major, default: Tally()].updated += group.count
                courses[group.course, default: Tally()].updated += group.count
            }
            for row in try LibraryFacts.liveResourcesRevised(db, start: start, end: end) {
                library.updated += row.count
                majors[row.major, default: Tally()].updated += row.count
                courses[row.course, default: Tally()].updated += row.count
            }
            let textOrImage = try LibraryFacts.firstLiveResources(db, kinds: [.text, .image], limit: MonitoringReport.itemLimit)
                .map { MonitoringReport.Item(type: "resource", id: $0.id, name: $0.title) }
            let cited = try LibraryFacts.firstLiveResources(db, original: false, limit: MonitoringReport.itemLimit)
                .map { MonitoringReport.Item(type: "resource", id: $0.id, name: $0.title) }

            var rules = library.resourceRules(textOrImage: textOrImage, cited: cited)
            let allCourses = try LibraryFacts.courses(db)
            rules += try Self.coverageRules(db, courses: allCourses, withResources: Set(groups.map(\.course)))
            rules += try Self.usageRules(db, start: start, end: end, learning: learning, satisfaction: satisfaction)

            let majorNames = try LibraryFacts.majorNames(db)
            let courseNames = Dictionary(uniqueKeysWithValues: allCourses.map { ($0.id, $0.name) })
            // Every major and course of the library appears, with zeros where nothing is published yet.
            for code in majorNames.keys where majors[code] == nil { majors[code] = Tally() }
            for id in courseNames.keys where courses[id] == nil { courses[id] = Tally() }
            return MonitoringReport(
                year: year,
                generatedAt: now,
                timeZone: Self.timeZone.identifier,
                totals: library.totals,
                rules: rules,
                byMajor: majors.reduce(into: [:]) { $0[$1.key] = $1.value.scope(name: majorNames[$1.key] ?? $1.key) },
                byCourse: courses.reduce(into: [:]) { $0[$1.key] = $1.value.scope(name: courseNames[$1.key] ?? $1.key) }
            )
        }
    }

    // MARK: - Coverage

    private static func coverageRules(
        _ db: any SQLConnection,
        courses: [(id: String, name: String, category: CourseCategory)],
        withResources coursesWithResources: Set<String>
    ) throws -> [MonitoringReport.Rule] {
        let pointsWithResources = try LibraryFacts.pointsWithLiveResources(db)
        let pointsWithQuestions = try LibraryFacts.pointsWithLiveQuestions(db)
        let coursesWithQuestions = try LibraryFacts.coursesWithLiveQuestions(db)
        let coreCourses = courses.filter { $0.category == .core }
        let points = try LibraryFacts.points(db)

        let uncoveredCourses = coreCourses.filter { !coursesWithResources.contains($0.id) }
            .map { MonitoringReport.Item(type: "course", id: $0.id, name: $0.name) }
        let uncoveredPoints = points.filter { !pointsWithResources.contains($0.id) }
            .map { MonitoringReport.Item(type: "point", id: $0.id, name: $0.name) }

        // A core course's bank is complete when it has approved questions and they assess every point of the course.
        var bankGaps: [MonitoringReport.Item] = []
        var completeBanks = 0
        for course in coreCourses {
            let missing = points.filter { $0.course == course.id && !pointsWithQuestions.contains($0.id) }
            if !coursesWithQuestions.contains(course.id) {
                bankGaps.append(MonitoringReport.Item(type: "course", id: course.id, name: course.name))
            }
            bankGaps += missing.map { MonitoringReport.Item(type: "point", id: $0.id, name: $0.name) }
            if coursesWithQuestions.contains(course.id) && missing.isEmpty { completeBanks += 1 }
        }

        let questions = try LibraryFacts.liveQuestionTypes(db)
        let practical = (questions[.short] ?? 0) + (questions[.practical] ?? 0)
        let allQuestions = questions.values.reduce(0, +)

        return [
            Threshold.atLeast(1, 1).rule(
                "core_course_coverage",
                "专业核心课程全部建有已发布资源",
                count: coreCourses.count - uncoveredCourses.count,
                of: coreCourses.count,
                items: uncoveredCourses
            ),
            Threshold.atLeast(1, 1).rule(
                "point_resource_coverage",
                "每个知识（技能）点都有已发布资源",
                count: points.count - uncoveredPoints.count,
                of: points.count,
                items: uncoveredPoints
            ),
            Threshold.atLeast(1, 1).rule(
                "question_bank_coverage",
                "每门专业核心课程建有覆盖全部知识点的试题库",
                count: completeBanks,
                of: coreCourses.count,
                items: bankGaps
            ),
            Threshold.atLeast(1, 2).rule("practical_share", "主观与实践类试题（简答、综合实践）不少于客观题", count: practical, of: allQuestions),
        ]
    }

    // MARK: - Usage

    private static func usageRules(
        _ db: any SQLConnection,
        start: Date,
        end: Date,
        learning: Analytics.Learners,
        satisfaction: Analytics.Satisfaction
    ) throws -> [MonitoringReport.Rule] {
        let accounts = try LibraryFacts.hostAccounts(db, start: start, end: end)
        let inactive = accounts.filter { !($0.acted || learning.contains($0.id)) }.map {
            MonitoringReport.Item(type: "user", id: $0.username, name: $0.displayName)
        }
        // The lowest first; only the listed ones need their titles.
        let titles = try ResourceStore.headings(db, ids: Set(satisfaction.lowest.map(\.resource)))
        let items = satisfaction.lowest.map {
            MonitoringReport.Item(type: "rating", id: $0.resource, name: "\(titles[$0.resource]?.title ?? $0.resource)（\($0.stars) 星）")
        }
        return [
            Threshold.atLeast(4, 5).rule(
                "usage_coverage",
                "主持单位师生使用覆盖率不低于 80%",
                count: accounts.count - inactive.count,
                of: accounts.count,
                items: inactive
            ),
            Threshold.atLeast(9, 10).rule(
                "satisfaction",
                "评价满意度（4 星及以上）不低于 90%",
                count: satisfaction.ratings - satisfaction.low,
                of: satisfaction.ratings,
                items: items,
                itemsTotal: satisfaction.low
            ),
        ]
    }
}

/// Counts of published resources within one scope (the library, a major, a course).
struct Tally {
    /// Published resources alike in everything the rules look at, and how many there are.
    struct Group {
        let kind: ResourceKind
        let original: Bool
        let existedAtStart: Bool
        let existedAtEnd: Bool
        let count: Int
    }

    var count = 0
    var byKind: [ResourceKind: Int] = [:]
    var textOrImage = 0
    var original = 0
    var atStart = 0
    var atEnd = 0
    var updated = 0

    mutating func add(_ group: Group) {
        self.count += group.count
        self.byKind[group.kind, default: 0] += group.count
        if group.kind.countsAsTextOrImage { self.textOrImage += group.count }
        if group.original { self.original += group.count }
        if group.existedAtStart { self.atStart += group.count }
        if group.existedAtEnd { self.atEnd += group.count }
    }

    var totals: MonitoringReport.Totals {
        MonitoringReport.Totals(
            resources: self.count,
            byKind: Dictionary(uniqueKeysWithValues: ResourceKind.allCases.map { ($0.rawValue, self.byKind[$0] ?? 0) })
        )
    }

    /// Text + image share, original share and the yearly update ratio.
    func resourceRules(textOrImage: [MonitoringReport.Item] = [], cited: [MonitoringReport.Item] = []) -> [MonitoringReport.Rule] {
        // A library with nothing at the start of the year is measured against what it has at the end, so it scores 1.
        let base = self.atStart > 0 ? self.atStart : self.atEnd
        return [
            Threshold.atMost(3, 10).rule(
                "text_image_share",
                "文本类和图形（图像）类资源占比不超过 30%",
                count: self.textOrImage,
                of: self.count,
                items: textOrImage,
                itemsTotal: self.textOrImage
            ),
            Threshold.atLeast(7, 10).rule(
                "original_share",
                "原创资源占比不低于 70%",
                count: self.original,
                of: self.count,
                items: cited,
                itemsTotal: self.count - self.original
            ),
            Threshold.atLeast(1, 10).rule("annual_update", "年度更新比例不低于 10%", count: self.updated, of: base),
        ]
    }

    func scope(name: String) -> MonitoringReport.Scope {
        MonitoringReport.Scope(name: name, totals: self.totals, rules: self.resourceRules())
    }
}
