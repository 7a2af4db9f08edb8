import Foundation
import GRDB
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

    /// The first instant of `year` and of the year after, in Asia/Shanghai.
    public static func bounds(of year: Int) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.timeZone
        let start = calendar.date(from: DateComponents(year: year, month: 1, day: 1))!
        let end = calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1))!
        return (start, end)
    }

    /// The report for `year`.
    public func report(year: Int, now: Date = Date()) async throws -> MonitoringReport {
        let (start, end) = Self.bounds(of: year)
        return try await self.database.pool.read { db in
            var library = Tally()
            var majors: [String: Tally] = [:]
            var courses: [String: Tally] = [:]
            var textOrImage: [MonitoringReport.Item] = []
            var cited: [MonitoringReport.Item] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.id, v.title, v.major, v.course, v.kind, v.original,
                           r.createdAt < ?1 AS existedAtStart, r.createdAt < ?2 AS existedAtEnd,
                           EXISTS (SELECT 1 FROM resourceVersions x WHERE x.resource = r.id AND x.createdAt >= ?1 AND x.createdAt < ?2) AS updated
                    FROM resources r JOIN resourceVersions v ON v.resource = r.id AND v.version = r.publishedVersion
                    WHERE r.status <> 'retired'
                    """,
                arguments: [start, end]
            )
            while let row = try rows.next() {
                let resource = Tally.Resource(
                    kind: ResourceKind(rawValue: row["kind"]) ?? .other,
                    original: row["original"],
                    existedAtStart: row["existedAtStart"],
                    existedAtEnd: row["existedAtEnd"],
                    updated: row["updated"]
                )
                library.add(resource)
                majors[row["major"], default: Tally()].add(resource)
                courses[row["course"], default: Tally()].add(resource)
                let item = MonitoringReport.Item(type: "resource", id: row["id"], name: row["title"])
                if resource.kind.countsAsTextOrImage { textOrImage.append(item) }
                if !resource.original { cited.append(item) }
            }

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

    // MARK: - Coverage

    private static func coverageRules(_ db: GRDB.Database) throws -> [MonitoringReport.Rule] {
        let published = """
            SELECT DISTINCT v.course, p.point FROM resources r
            JOIN resourceVersions v ON v.resource = r.id AND v.version = r.publishedVersion
            JOIN resourceVersionPoints p ON p.resource = r.id AND p.version = r.publishedVersion
            WHERE r.status <> 'retired'
            """
        let coursesWithResources = Set(try String.fetchAll(db, sql: "SELECT DISTINCT course FROM (\(published))"))
        let pointsWithResources = Set(try String.fetchAll(db, sql: "SELECT DISTINCT point FROM (\(published))"))
        let pointsWithQuestions = Set(
            try String.fetchAll(
                db,
                sql: "SELECT DISTINCT qp.point FROM questionPoints qp JOIN questions q ON q.id = qp.question WHERE q.status = 'approved'"
            )
        )
        let coursesWithQuestions = Set(try String.fetchAll(db, sql: "SELECT DISTINCT course FROM questions WHERE status = 'approved'"))
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

        let questions = try Row.fetchAll(db, sql: "SELECT type, COUNT(*) AS n FROM questions WHERE status = 'approved' GROUP BY type")
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
                SELECT u.username, u.displayName,
                       EXISTS (SELECT 1 FROM events e WHERE e.actor = u.username AND e.at >= ? AND e.at < ?) AS active
                FROM users u JOIN institutions i ON i.name = u.institution
                WHERE i.role = 'host' AND u.role IN ('teacher', 'learner')
                ORDER BY u.username
                """,
            arguments: [start, end]
        )
        let inactive = accounts.filter { !($0["active"] as Bool) }.map {
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
    struct Resource {
        let kind: ResourceKind
        let original: Bool
        let existedAtStart: Bool
        let existedAtEnd: Bool
        let updated: Bool
    }

    var count = 0
    var byKind: [ResourceKind: Int] = [:]
    var textOrImage = 0
    var original = 0
    var atStart = 0
    var atEnd = 0
    var updated = 0

    mutating func add(_ resource: Resource) {
        self.count += 1
        self.byKind[resource.kind, default: 0] += 1
        if resource.kind.countsAsTextOrImage { self.textOrImage += 1 }
        if resource.original { self.original += 1 }
        if resource.existedAtStart { self.atStart += 1 }
        if resource.existedAtEnd { self.atEnd += 1 }
        if resource.updated { self.updated += 1 }
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
            Threshold.atMost(3, 10).rule("text_image_share", "文本类和图形（图像）类资源占比不超过 30%", count: self.textOrImage, of: self.count, items: textOrImage),
            Threshold.atLeast(7, 10).rule("original_share", "原创资源占比不低于 70%", count: self.original, of: self.count, items: cited),
            Threshold.atLeast(1, 10).rule("annual_update", "年度更新比例不低于 10%", count: self.updated, of: base),
        ]
    }

    func scope(name: String) -> MonitoringReport.Scope {
        MonitoringReport.Scope(name: name, totals: self.totals, rules: self.resourceRules())
    }
}
