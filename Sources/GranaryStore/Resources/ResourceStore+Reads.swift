import GRDB
import GranaryModel

/// What other targets read of resources inside their own transactions.
extension ResourceStore {
    /// The title, kind and course of the version that stands for each of these resources (the published one, else
    /// the current draft), in one read; ids of no resource are left out.
    public static func headings(_ db: any SQLConnection, ids: Set<String>) throws -> [String: (title: String, kind: ResourceKind?, course: String)] {
        guard !ids.isEmpty else { return [:] }
        var headings: [String: (title: String, kind: ResourceKind?, course: String)] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT r.id, v.title, v.kind, v.course FROM resources r
                JOIN resourceVersions v ON v.resource = r.id AND v.version = \(ReviewedItems.standingVersionSQL("r"))
                WHERE r.id IN (\(databaseQuestionMarks(count: ids.count)))
                """,
            arguments: SQLArguments(Array(ids))
        ) {
            headings[row["id"]] = (row["title"], ResourceKind(rawValue: row["kind"]), row["course"])
        }
        return headings
    }

    /// The other resources rated 4 or 5 stars by accounts that rated `id` so, with how many such accounts each
    /// (the `ratings_user` index finds each rater's ratings).
    public static func coRated(_ db: any SQLConnection, with id: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT other.resource, COUNT(*) FROM ratings mine
                JOIN ratings other ON other.user = mine.user AND other.stars >= 4 AND other.resource <> mine.resource
                WHERE mine.resource = ? AND mine.stars >= 4 GROUP BY other.resource
                """,
            arguments: [id]
        ) {
            counts[row[0]] = row[1]
        }
        return counts
    }

    /// The title, kind and course of the published version of each of these resources that is live; the others
    /// are left out.
    public static func publishedFacts(_ db: any SQLConnection, ids: [String]) throws -> [String: (title: String, kind: ResourceKind, course: String)]
    {
        guard !ids.isEmpty else { return [:] }
        var facts: [String: (title: String, kind: ResourceKind, course: String)] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT r.id, v.title, v.kind, v.course FROM resources r
                JOIN resourceVersions v ON v.resource = r.id AND v.version = r.publishedVersion
                WHERE r.id IN (\(databaseQuestionMarks(count: ids.count))) AND \(ReviewedItems.liveSQL("r"))
                """,
            arguments: SQLArguments(ids)
        ) {
            guard let kind = ResourceKind(rawValue: row["kind"]) else { continue }
            facts[row["id"]] = (row["title"], kind, row["course"])
        }
        return facts
    }

    /// The points the published versions of these resources are on.
    public static func publishedPoints(_ db: any SQLConnection, ids: Set<String>) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return Set(
            try db.fetchAll(
                String.self,
                sql: """
                    SELECT DISTINCT p.point FROM resourceVersionPoints p JOIN resources r ON r.id = p.resource AND p.version = r.publishedVersion
                    WHERE p.resource IN (\(databaseQuestionMarks(count: ids.count)))
                    """,
                arguments: SQLArguments(Array(ids))
            )
        )
    }

    /// The resources `user` (an id) rated.
    public static func rated(_ db: any SQLConnection, by user: String) throws -> [String] {
        try db.fetchAll(String.self, sql: "SELECT resource FROM ratings WHERE user = ?", arguments: [user])
    }

    /// The ids of the `limit` live resources created last.
    public static func newestPublished(_ db: any SQLConnection, limit: Int) throws -> [String] {
        try db.fetchAll(
            String.self,
            sql: "SELECT id FROM resources r WHERE \(ReviewedItems.liveSQL("r")) ORDER BY r.rowid DESC LIMIT ?",
            arguments: [limit]
        )
    }

    /// The `limit` live resources last updated whose published version is on any of `points`, with the first such
    /// point; a read over every resource on those points (the search index answers this in the service).
    public static func newestPublished(
        _ db: any SQLConnection,
        onPoints points: Set<String>,
        limit: Int
    ) throws -> [(resource: String, point: String)] {
        guard !points.isEmpty else { return [] }
        var seen = Set<String>()
        return try db.fetchAll(
            sql: """
                SELECT p.resource, p.point FROM resourceVersionPoints p
                JOIN resources r ON r.id = p.resource AND p.version = r.publishedVersion AND \(ReviewedItems.liveSQL("r"))
                WHERE p.point IN (\(databaseQuestionMarks(count: points.count)))
                ORDER BY r.updatedAt DESC, p.resource, p.position
                """,
            arguments: SQLArguments(Array(points))
        ).compactMap { row in seen.insert(row["resource"]).inserted ? (row["resource"], row["point"]) : nil }.prefix(limit).map { $0 }
    }

    /// The `limit` live resources with the most ratings, then the higher mean.
    public static func mostRated(_ db: any SQLConnection, limit: Int) throws -> [String] {
        try db.fetchAll(
            String.self,
            sql: """
                SELECT a.resource FROM ratings a JOIN resources r ON r.id = a.resource AND \(ReviewedItems.liveSQL("r"))
                GROUP BY a.resource ORDER BY COUNT(*) DESC, AVG(a.stars) DESC, r.createdAt DESC LIMIT ?
                """,
            arguments: [limit]
        )
    }
}

extension ResourceStore {
    /// What stays known of a resource for analytics: the course and kind of the version that stands for it (the
    /// published one, else the current draft), who uploaded it and on which Asia/Shanghai day (days since 1970-01-01).
    public struct StandingFacts: Sendable {
        public let id: String
        public let course: String
        public let kind: String
        public let author: String
        public let createdDay: Int
    }

    /// The standing facts of each resource, of every resource when `ids` is nil; one row each, read with a cursor.
    public static func standingFacts(_ db: any SQLConnection, ids: Set<String>? = nil, _ body: (StandingFacts) throws -> Void) throws {
        var sql = """
            SELECT r.id, v.course, v.kind, r.createdBy, \(db.engine.chinaDayNumber("r.createdAt")) FROM resources r
            JOIN resourceVersions v ON v.resource = r.id AND v.version = \(ReviewedItems.standingVersionSQL("r"))
            """
        var arguments = SQLArguments()
        if let ids {
            guard !ids.isEmpty else { return }
            sql += " WHERE r.id IN (\(databaseQuestionMarks(count: ids.count)))"
            arguments = SQLArguments(Array(ids))
        }
        let rows = try db.fetchCursor(sql: sql, arguments: arguments)
        while let row = try rows.next() {
            try body(StandingFacts(id: row[0], course: row[1], kind: row[2], author: row[3], createdDay: row[4]))
        }
    }

    /// Every rating of these resources (of all resources when `resources` is nil): resource, account id, stars and
    /// the Asia/Shanghai day it was given on, as days since 1970-01-01.
    public static func ratingDays(
        _ db: any SQLConnection,
        resources: Set<String>? = nil,
        _ body: (_ resource: String, _ user: String, _ stars: Int, _ day: Int) throws -> Void
    ) throws {
        var sql = "SELECT resource, user, stars, \(db.engine.chinaDayNumber("ratedAt")) FROM ratings"
        var arguments = SQLArguments()
        if let resources {
            guard !resources.isEmpty else { return }
            sql += " WHERE resource IN (\(databaseQuestionMarks(count: resources.count)))"
            arguments = SQLArguments(Array(resources))
        }
        let rows = try db.fetchCursor(sql: sql, arguments: arguments)
        while let row = try rows.next() {
            try body(row[0], row[1], row[2], row[3])
        }
    }
}
