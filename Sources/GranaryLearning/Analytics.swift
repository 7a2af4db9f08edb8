import Foundation
import GRDB
import GranaryAssessment
import GranaryModel
import GranaryStore

/// Usage and teaching-behaviour figures (数据分析) from what the library already records: views and downloads,
/// completions in offerings, ratings, offerings, papers, attempts and grading.
public struct Analytics: Sendable {
    let database: LibraryDatabase
    /// Writes views and downloads, many to a transaction when they come together.
    private let uses: UseWriter

    /// Creates the service over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
        self.uses = UseWriter(database: database)
    }

    /// What a use of a resource's bytes was.
    public enum Use: String, Sendable {
        /// Shown in place (a page played or showed it).
        case view
        /// Saved as a file.
        case download
    }

    /// Records one view or download, and returns once it is committed. Uses that arrive while another batch is being
    /// written share the next transaction, so a busy library commits a handful of times a second for them instead of
    /// once per page view, and uploads wait less for the writer.
    public func record(_ use: Use, resource: String, user: User) async throws {
        try await self.uses.record(UseWriter.Row(resource: resource, user: user.id, action: use.rawValue, at: self.database.clock.now()))
    }

    // MARK: - Resources

    /// Views, downloads, completions and ratings between `from` (inclusive) and `to` (exclusive), grouped by
    /// resource, course or kind, with a time series in Asia/Shanghai days or months.
    public func resources(
        from: Date,
        to: Date,
        by grouping: ResourceAnalytics.Grouping,
        interval: ResourceAnalytics.Interval,
        _ page: PageRequest
    ) async throws -> ResourceAnalytics {
        try await self.database.writer.read { db in
            let key: String
            let name: String
            switch grouping {
            case .resource: (key, name) = ("f.resource", "f.title")
            case .course: (key, name) = ("f.course", "COALESCE(c.name, f.course)")
            case .kind: (key, name) = ("f.kind", "f.kind")
            }
            let uses = """
                WITH facts AS (
                    SELECT r.id AS resource, v.title, v.course, v.kind FROM resources r
                    JOIN resourceVersions v ON v.resource = r.id AND v.version = \(ReviewedItems.standingVersionSQL("r"))
                ), uses AS (
                    SELECT resource, user, action = 'view' AS views, action = 'download' AS downloads, 0 AS completions,
                           NULL AS stars, at FROM resourceUses WHERE at >= ?1 AND at < ?2
                    UNION ALL
                    SELECT itemId, user, 0, 0, 1, NULL, completedAt FROM progress
                    WHERE itemType = 'resource' AND completedAt >= ?1 AND completedAt < ?2
                    UNION ALL
                    SELECT resource, user, 0, 0, 0, stars, ratedAt FROM ratings WHERE ratedAt >= ?1 AND ratedAt < ?2
                )
                """
            let figures =
                "SUM(u.views) AS views, SUM(u.downloads) AS downloads, SUM(u.completions) AS completions, COUNT(u.stars) AS ratings, AVG(u.stars) AS stars"
            let joined = "FROM uses u JOIN facts f ON f.resource = u.resource LEFT JOIN courses c ON c.id = f.course"
            let arguments: StatementArguments = [from, to]

            let totalsRow = try Row.fetchOne(db, sql: uses + " SELECT \(figures), COUNT(DISTINCT u.user) AS users " + joined, arguments: arguments)
            let groupCount = try Int.fetchOne(db, sql: uses + " SELECT COUNT(DISTINCT \(key)) " + joined, arguments: arguments) ?? 0
            let groups = try Row.fetchAll(
                db,
                sql: uses + """
                     SELECT \(key) AS key, MAX(\(name)) AS name, \(figures) \(joined)
                    GROUP BY \(key) ORDER BY SUM(u.views) + SUM(u.downloads) + SUM(u.completions) DESC, COUNT(u.stars) DESC, \(key)
                    LIMIT ?3 OFFSET ?4
                    """,
                arguments: arguments + [page.pageSize, page.offset]
            ).map { row in
                var label: String = row["name"]
                if grouping == .kind, let kind = ResourceKind(rawValue: label) { label = kind.chineseName }
                return ResourceAnalytics.Group(key: row["key"], name: label, figures: Self.figures(row))
            }
            // SQLite's datetime() reads GRDB's stored UTC text; China keeps one offset all year.
            let format = interval == .day ? "%Y-%m-%d" : "%Y-%m"
            let series = try Row.fetchAll(
                db,
                sql: uses + """
                     SELECT strftime('\(format)', u.at, '+8 hours') AS period, \(figures) \(joined)
                    GROUP BY period ORDER BY period
                    """,
                arguments: arguments
            ).map { ResourceAnalytics.Period(period: $0["period"], figures: Self.figures($0)) }
            return ResourceAnalytics(
                from: from,
                to: to,
                by: grouping,
                interval: interval,
                totals: totalsRow.map(Self.figures) ?? .zero,
                users: totalsRow?["users"] ?? 0,
                items: groups,
                total: groupCount,
                series: series
            )
        }
    }

    private static func figures(_ row: Row) -> ResourceAnalytics.Figures {
        ResourceAnalytics.Figures(
            views: row["views"] ?? 0,
            downloads: row["downloads"] ?? 0,
            completions: row["completions"] ?? 0,
            ratings: row["ratings"] ?? 0,
            averageStars: (row["stars"] as Double?).map { ($0 * 100).rounded() / 100 }
        )
    }

    // MARK: - Teaching

    /// What each teacher did between `from` and `to`, summed per institution and for the library.
    public func teaching(from: Date, to: Date) async throws -> TeachingAnalytics {
        try await self.database.writer.read { db in
            var figures: [String: TeachingAnalytics.Figures] = [:]
            func count(_ sql: String, _ field: WritableKeyPath<TeachingAnalytics.Figures, Int>) throws {
                for row in try Row.fetchAll(db, sql: sql, arguments: [from, to]) {
                    figures[row[0], default: .init()][keyPath: field] = row[1]
                }
            }
            try count("SELECT createdBy, COUNT(*) FROM resources WHERE createdAt >= ? AND createdAt < ? GROUP BY createdBy", \.resourcesUploaded)
            try count("SELECT createdBy, COUNT(*) FROM questions WHERE createdAt >= ? AND createdAt < ? GROUP BY createdBy", \.questionsWritten)
            try count("SELECT createdBy, COUNT(*) FROM offerings WHERE createdAt >= ? AND createdAt < ? GROUP BY createdBy", \.offeringsBuilt)
            try count(
                """
                SELECT o.createdBy, COUNT(*) FROM offeringRevisions r JOIN offerings o ON o.id = r.offering
                WHERE r.revision = 1 AND r.publishedAt >= ? AND r.publishedAt < ? GROUP BY o.createdBy
                """,
                \.offeringsPublished
            )
            for (author, given) in try AttemptStore.givenPerAuthor(db, from: from, to: to) {
                figures[author, default: .init()].papersGiven = given.papers
                figures[author, default: .init()].attemptsSubmitted = given.attempts
            }
            // Reuse is a state, not an act: the published offerings as they stand.
            let reuse = """
                FROM offerings o
                JOIN offeringItems i ON i.offering = o.id AND i.revision = o.revision AND i.itemType = 'resource'
                JOIN resources r ON r.id = i.itemId
                JOIN resourceVersions v ON v.resource = r.id AND v.version = \(ReviewedItems.standingVersionSQL("r"))
                WHERE o.status = 'published'
                """
            let across = "COUNT(DISTINCT CASE WHEN v.course <> o.course THEN r.id END)"
            let others = "COUNT(DISTINCT CASE WHEN r.createdBy <> o.createdBy THEN r.id END)"
            for row in try Row.fetchAll(db, sql: "SELECT o.createdBy, \(across), \(others) \(reuse) GROUP BY o.createdBy") {
                figures[row[0], default: .init()].resourcesReusedAcrossCourses = row[1]
                figures[row[0], default: .init()].othersResourcesUsed = row[2]
            }
            let gradingHours = try AttemptStore.gradingHours(db, from: from, to: to)
            for (user, hours) in gradingHours {
                figures[user, default: .init()].attemptsGraded = hours.count
                figures[user, default: .init()].medianGradingHours = Self.median(hours)
            }

            var teachers: [TeachingAnalytics.Teacher] = []
            var institutions: [String: (teachers: Int, figures: TeachingAnalytics.Figures, hours: [Double])] = [:]
            var totals = TeachingAnalytics.Figures()
            for person in try Accounts.accounts(db, roles: [.teacher, .admin]) {
                let line = figures[person.id] ?? .init()
                guard person.role == .teacher || line != .init() else { continue }
                teachers.append(.init(username: person.username, displayName: person.displayName, institution: person.institution, figures: line))
                let institution = person.institution ?? "（未注明单位）"
                var entry = institutions[institution] ?? (0, .init(), [])
                entry.teachers += 1
                entry.figures.add(line)
                entry.hours += gradingHours[person.id] ?? []
                institutions[institution] = entry
                totals.add(line)
            }
            totals.medianGradingHours = Self.median(gradingHours.values.flatMap { $0 })
            // Distinct across teachers: two teachers reusing the same resource count it once for the library.
            if let row = try Row.fetchOne(db, sql: "SELECT \(across), \(others) \(reuse)") {
                totals.resourcesReusedAcrossCourses = row[0]
                totals.othersResourcesUsed = row[1]
            }
            return TeachingAnalytics(
                from: from,
                to: to,
                totals: totals,
                byTeacher: teachers,
                byInstitution: institutions.sorted { $0.key < $1.key }.map { name, entry in
                    var figures = entry.figures
                    figures.medianGradingHours = Self.median(entry.hours)
                    return .init(institution: name, teachers: entry.teachers, figures: figures)
                }
            )
        }
    }

    private static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        let value = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return (value * 100).rounded() / 100
    }
}

extension TeachingAnalytics.Figures {
    /// Adds another line's counts (not its median, which does not add).
    fileprivate mutating func add(_ other: Self) {
        self.resourcesUploaded += other.resourcesUploaded
        self.questionsWritten += other.questionsWritten
        self.offeringsBuilt += other.offeringsBuilt
        self.offeringsPublished += other.offeringsPublished
        self.resourcesReusedAcrossCourses += other.resourcesReusedAcrossCourses
        self.othersResourcesUsed += other.othersResourcesUsed
        self.papersGiven += other.papersGiven
        self.attemptsSubmitted += other.attemptsSubmitted
        self.attemptsGraded += other.attemptsGraded
    }
}

/// Group commit for views and downloads: a use waits for the batch it joined to commit, never for a timer, so it is
/// as durable as before when it returns; while one batch is written, the uses that arrive form the next.
actor UseWriter {
    struct Row: Sendable {
        let resource: String
        let user: String
        let action: String
        let at: Date
    }

    private let database: LibraryDatabase
    private var pending: [Row] = []
    private var waiting: [CheckedContinuation<Void, any Error>] = []
    private var writing = false

    init(database: LibraryDatabase) {
        self.database = database
    }

    func record(_ row: Row) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.pending.append(row)
            self.waiting.append(continuation)
            if !self.writing {
                self.writing = true
                Task { await self.drain() }
            }
        }
    }

    /// Writes batches until none is left; the actor takes new uses while a batch commits.
    private func drain() async {
        while !self.pending.isEmpty {
            let rows = self.pending
            let waiting = self.waiting
            self.pending = []
            self.waiting = []
            do {
                let failures = try await self.write(rows)
                for (continuation, failure) in zip(waiting, failures) {
                    if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
                }
            } catch {
                for continuation in waiting { continuation.resume(throwing: error) }
            }
        }
        self.writing = false
    }

    /// Inserts the rows in one transaction, each in a savepoint of its own, so a bad row (a resource that is not
    /// there) fails alone; returns each row's error, or nil.
    private func write(_ rows: [Row]) async throws -> [(any Error)?] {
        try await self.database.writer.write { db in
            rows.map { row in
                do {
                    try db.inSavepoint {
                        try db.execute(
                            sql: "INSERT INTO resourceUses (resource, user, action, at) VALUES (?, ?, ?, ?)",
                            arguments: [row.resource, row.user, row.action, row.at]
                        )
                        return .commit
                    }
                    return nil
                } catch {
                    return error
                }
            }
        }
    }
}
