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

    /// Creates the service.
    public init(database: LibraryDatabase) {
        self.database = database
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
        return try await self.database.writer.read { db in
            var library = Tally()
            var majors: [String: Tally] = [:]
            var courses: [String: Tally] = [:]
            // SQLite groups the published resources by what the rules look at; Swift adds up a few hundred groups.
            let live = ReviewedItems.liveSQL("resources")
            let groups = try Row.fetchAll(
                db,
                sql: """
                    SELECT publishedMajor AS major, publishedCourse AS course, publishedKind AS kind, publishedOriginal AS original,
                           createdAt < ?1 AS existedAtStart, createdAt < ?2 AS existedAtEnd, COUNT(*) AS n
                    FROM resources WHERE \(live)
                    GROUP BY 1, 2, 3, 4, 5, 6
                    """,
                arguments: [start, end]
            )
            for row in groups {
                let group = Tally.Group(
                    kind: ResourceKind(rawValue: row["kind"]) ?? .other,
                    original: row["original"],
                    existedAtStart: row["existedAtStart"],
                    existedAtEnd: row["existedAtEnd"],
                    count: row["n"]
                )
                library.add(group)
                majors[row["major"], default: Tally()].add(group)
                courses[row["course"], default: Tally()].add(group)
            }
            // Resources added or given a new version in the year, counted once each, per course (and so per major).
            let updates = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.publishedMajor AS major, r.publishedCourse AS course, COUNT(DISTINCT r.id) AS n
                    FROM resourceVersions x JOIN resources r ON r.id = x.resource
                    WHERE x.createdAt >= ?1 AND x.createdAt < ?2 AND \(ReviewedItems.liveSQL("r"))
                    GROUP BY 1, 2
                    """,
                arguments: [start, end]
            )
            for row in updates {
                let count: Int = row["n"]
                library.updated += count
                majors[row["major"], default: Tally()].updated += count
                courses[row["course"], default: Tally()].updated += count
            }
            let textOrImage = try Self.resourceItems(db, where: "r.publishedKind IN ('text', 'image')")
            let cited = try Self.resourceItems(db, where: "NOT r.publishedOriginal")

            var rules = library.resourceRules(textOrImage: textOrImage, cited: cited)
            rules += try Self.coverageRules(db)
            rules += try Self.usageRules(db, start: start, end: end)

            let majorNames = try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT code, name FROM majors").map { ($0["code"] as String, $0["name"] as String) }
            )
            let courseNames = try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, name FROM courses").map { ($0["id"] as String, $0["name"] as String) }
            )
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

    /// The first published resources matching `condition` (as many as a rule lists), oldest first.
    private static func resourceItems(_ db: GRDB.Database, where condition: String) throws -> [MonitoringReport.Item] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT r.id, v.title FROM resources r JOIN resourceVersions v ON v.resource = r.id AND v.version = r.publishedVersion
                WHERE \(ReviewedItems.liveSQL("r")) AND \(condition)
                ORDER BY r.createdAt, r.id LIMIT \(MonitoringReport.itemLimit)
                """
        ).map { MonitoringReport.Item(type: "resource", id: $0["id"], name: $0["title"]) }
    }

    // MARK: - Coverage

    private static func coverageRules(_ db: GRDB.Database) throws -> [MonitoringReport.Rule] {
        let coursesWithResources = Set(
            try String.fetchAll(db, sql: "SELECT DISTINCT publishedCourse FROM resources r WHERE \(ReviewedItems.liveSQL("r"))")
        )
        // Asked point by point: each stops at its first published resource, instead of listing every resource's points.
        let pointsWithResources = Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM points WHERE EXISTS (
                        SELECT 1 FROM resourceVersionPoints p JOIN resources r ON r.id = p.resource AND r.publishedVersion = p.version
                        WHERE p.point = points.id AND \(ReviewedItems.liveSQL("r")))
                    """
            )
        )
        let pointsWithQuestions = Set(
            try String.fetchAll(
                db,
                sql:
                    "SELECT DISTINCT qp.point FROM questionPoints qp JOIN questions q ON q.id = qp.question WHERE \(ReviewedItems.liveSQL("q"))"
            )
        )
        let coursesWithQuestions = Set(
            try String.fetchAll(db, sql: "SELECT DISTINCT course FROM questions q WHERE \(ReviewedItems.liveSQL("q"))")
        )
        let coreCourses = try Row.fetchAll(db, sql: "SELECT id, name FROM courses WHERE category = 'core' ORDER BY id")
        let points = try Row.fetchAll(
            db,
            sql:
                "SELECT points.id, points.name, points.course, courses.category FROM points JOIN courses ON courses.id = points.course ORDER BY points.course, points.id"
        )

        let uncoveredCourses = coreCourses.filter { !coursesWithResources.contains($0["id"]) }
            .map { MonitoringReport.Item(type: "course", id: $0["id"], name: $0["name"]) }
        let uncoveredPoints = points.filter { !pointsWithResources.contains($0["id"]) }
            .map { MonitoringReport.Item(type: "point", id: $0["id"], name: $0["name"]) }

        // A core course's bank is complete when it has approved questions and they assess every point of the course.
        var bankGaps: [MonitoringReport.Item] = []
        var completeBanks = 0
        for course in coreCourses {
            let id: String = course["id"]
            let missing = points.filter { $0["course"] == id && !pointsWithQuestions.contains($0["id"]) }
            if !coursesWithQuestions.contains(id) {
                bankGaps.append(MonitoringReport.Item(type: "course", id: id, name: course["name"]))
            }
            bankGaps += missing.map { MonitoringReport.Item(type: "point", id: $0["id"], name: $0["name"]) }
            if coursesWithQuestions.contains(id) && missing.isEmpty { completeBanks += 1 }
        }

        let questions = try Row.fetchAll(
            db,
            sql: "SELECT type, COUNT(*) AS n FROM questions q WHERE \(ReviewedItems.liveSQL("q")) GROUP BY type"
        )
        let practical = questions.filter { ["short", "practical"].contains($0["type"] as String) }.reduce(0) { $0 + ($1["n"] as Int) }
        let allQuestions = questions.reduce(0) { $0 + ($1["n"] as Int) }

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

    private static func usageRules(_ db: GRDB.Database, start: Date, end: Date) throws -> [MonitoringReport.Rule] {
        let accounts = try Row.fetchAll(
            db,
            sql: """
                SELECT u.id, u.username, u.displayName,
                       EXISTS (SELECT 1 FROM events e WHERE e.actor = u.username AND e.at >= ?1 AND e.at < ?2) AS acted
                FROM users u JOIN institutions i ON i.name = u.institution
                WHERE i.role = 'host' AND u.role IN ('teacher', 'learner')
                ORDER BY u.username
                """,
            arguments: [start, end]
        )
        let learning = try Analytics.learningUsers(db, from: start, to: end)
        let inactive = accounts.filter { !($0["acted"] as Bool || learning.contains($0["id"] as String)) }.map {
            MonitoringReport.Item(type: "user", id: $0["username"], name: $0["displayName"])
        }
        let ratings = try Row.fetchAll(
            db,
            sql: """
                SELECT ratings.resource, ratings.stars, v.title FROM ratings
                JOIN resources r ON r.id = ratings.resource
                JOIN resourceVersions v ON v.resource = r.id AND v.version = r.currentVersion
                WHERE ratings.ratedAt >= ? AND ratings.ratedAt < ?
                """,
            arguments: [start, end]
        )
        let low = ratings.filter { ($0["stars"] as Int) < 4 }
            .map { MonitoringReport.Item(type: "rating", id: $0["resource"], name: "\($0["title"] as String)（\($0["stars"] as Int) 星）") }
        return [
            Threshold.atLeast(4, 5).rule(
                "usage_coverage",
                "主持单位师生使用覆盖率不低于 80%",
                count: accounts.count - inactive.count,
                of: accounts.count,
                items: inactive
            ),
            Threshold.atLeast(9, 10).rule("satisfaction", "评价满意度（4 星及以上）不低于 90%", count: ratings.count - low.count, of: ratings.count, items: low),
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
