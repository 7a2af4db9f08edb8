import Foundation
import GRDB
import GranaryModel

/// What the monitoring report and the course-system graph read of GranaryStore's tables: counts and lists of what
/// is published, who acted and how resources were rated, each in one query inside the caller's read transaction.
/// The callers decide what the figures mean; only this file knows where they are kept.
public enum LibraryFacts {
    /// Live resources alike in everything the report's rules look at, and how many there are.
    public struct ResourceGroup: Sendable {
        public let major: String
        public let course: String
        public let kind: ResourceKind
        public let original: Bool
        /// Created before the start, and before the end, of the period asked about.
        public let existedAtStart: Bool
        public let existedAtEnd: Bool
        public let count: Int
    }

    /// Live resources grouped by their published major, course, kind and originality, and by whether they existed at
    /// the start and at the end of `year` (in China).
    public static func liveResourceGroups(_ db: any SQLConnection, year: Int) throws -> [ResourceGroup] {
        try db.fetchAll(
            sql: """
                SELECT major, course, kind, original, createdYear < ?1 AS atStart, createdYear <= ?1 AS atEnd, SUM(count) AS n
                FROM liveResourceCounts GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(count) > 0
                """,
            arguments: [year]
        ).map { row in
            ResourceGroup(
                major: row["major"],
                course: row["course"],
                kind: ResourceKind(rawValue: row["kind"]) ?? .other,
                original: row["original"],
                existedAtStart: row["atStart"],
                existedAtEnd: row["atEnd"],
                count: row["n"]
            )
        }
    }

    /// How many live resources there are of each published major, course, kind and originality, by the year (in
    /// China) they were made: kept by triggers on `resources`, so every change of what is live, whichever code
    /// makes it, counts in the same transaction. (A resource's published columns are set just after its published
    /// version, so for a moment in that transaction it counts under empty names; the next update moves it.)
    static let liveCountsSQL: String = {
        let live = { (row: String) in "\(row).publishedVersion IS NOT NULL AND \(row).status <> 'retired'" }
        let key = { (row: String) in
            """
            COALESCE(\(row).publishedMajor, ''), COALESCE(\(row).publishedCourse, ''), COALESCE(\(row).publishedKind, ''),
            COALESCE(\(row).publishedOriginal, 0), \(DatabaseEngine.sqlite.chinaYear("\(row).createdAt"))
            """
        }
        let keyMatches = { (row: String) in "(major, course, kind, original, createdYear) = (\(key(row)))" }
        let add = "INSERT INTO liveResourceCounts SELECT \(key("NEW")), 1 WHERE \(live("NEW")) ON CONFLICT DO UPDATE SET count = count + 1;"
        let remove = """
            UPDATE liveResourceCounts SET count = count - 1 WHERE \(live("OLD")) AND \(keyMatches("OLD"));
            DELETE FROM liveResourceCounts WHERE count = 0 AND \(keyMatches("OLD"));
            """
        return """
            CREATE TABLE liveResourceCounts (
                major TEXT NOT NULL,
                course TEXT NOT NULL,
                kind TEXT NOT NULL,
                original BOOLEAN NOT NULL,
                createdYear INTEGER NOT NULL,
                count INTEGER NOT NULL CHECK (count >= 0),
                PRIMARY KEY (major, course, kind, original, createdYear)
            ) WITHOUT ROWID;
            INSERT INTO liveResourceCounts
                SELECT \(key("r")), COUNT(*) FROM resources r WHERE \(live("r")) GROUP BY 1, 2, 3, 4, 5;
            CREATE TRIGGER resources_live_insert AFTER INSERT ON resources BEGIN \(add) END;
            CREATE TRIGGER resources_live_update
                AFTER UPDATE OF publishedVersion, status, publishedMajor, publishedCourse, publishedKind, publishedOriginal, createdAt ON resources
                BEGIN \(remove) \(add) END;
            CREATE TRIGGER resources_live_delete AFTER DELETE ON resources BEGIN \(remove) END;
            """
    }()

    /// Per published major and course: how many live resources made before `start` got a later version between
    /// `start` and `end`. (Those made in the period got their first one in it: `liveResourceGroups` counts them.)
    public static func liveResourcesRevised(_ db: any SQLConnection, start: Date, end: Date) throws -> [(major: String, course: String, count: Int)] {
        // `resourceVersions_later` holds only the versions after the first, so the period's new resources cost nothing.
        try db.fetchAll(
            sql: """
                SELECT r.publishedMajor AS major, r.publishedCourse AS course, COUNT(*) AS n FROM resources r
                WHERE r.id IN (SELECT x.resource FROM resourceVersions x WHERE x.version > 1 AND x.createdAt >= ?1 AND x.createdAt < ?2)
                AND r.createdAt < ?1 AND \(ReviewedItems.liveSQL("r"))
                GROUP BY 1, 2
                """,
            arguments: [start, end]
        ).map { ($0["major"], $0["course"], $0["n"]) }
    }

    /// The first `limit` live resources (oldest first) whose published version is of one of `kinds` (any kind when
    /// nil) and, when `original` is given, is or is not original; with their published titles.
    public static func firstLiveResources(
        _ db: any SQLConnection,
        kinds: Set<ResourceKind>? = nil,
        original: Bool? = nil,
        limit: Int
    ) throws -> [(id: String, title: String)] {
        // Each kind's first `limit` in the order of `resources_live_kind` (or of `resources_live_original`), merged,
        // and only the kept ones joined to their titles: sorting every text and image resource first took a second.
        if let kinds, kinds.isEmpty { return [] }
        var arguments: [any DatabaseValueConvertible] = []
        let firsts = (kinds.map { $0.map(\.rawValue).sorted().map(Optional.some) } ?? [nil]).enumerated().map { index, kind in
            var conditions = [ReviewedItems.liveSQL("r")]
            if let kind {
                conditions.append("r.publishedKind = ?")
                arguments.append(kind)
            }
            if let original {
                conditions.append("r.publishedOriginal = ?")
                arguments.append(original)
            }
            arguments.append(limit)
            return
                "SELECT * FROM (SELECT id, createdAt FROM resources r WHERE \(conditions.joined(separator: " AND ")) ORDER BY createdAt, id LIMIT ?) AS kind\(index)"
        }
        return try db.fetchAll(
            sql: """
                SELECT r.id, v.title FROM (\(firsts.joined(separator: " UNION ALL ")) ORDER BY createdAt, id LIMIT ?) AS first
                JOIN resources r ON r.id = first.id JOIN resourceVersions v ON v.resource = r.id AND v.version = r.publishedVersion
                ORDER BY first.createdAt, first.id
                """,
            arguments: SQLArguments(arguments + [limit])
        ).map { ($0["id"], $0["title"]) }
    }

    /// The points the published version of at least one live resource is on.
    public static func pointsWithLiveResources(_ db: any SQLConnection) throws -> Set<String> {
        // Asked point by point: each stops at its first published resource, instead of listing every resource's points.
        Set(
            try db.fetchAll(
                String.self,
                sql: """
                    SELECT id FROM points WHERE EXISTS (
                        SELECT 1 FROM resourceVersionPoints p JOIN resources r ON r.id = p.resource AND r.publishedVersion = p.version
                        WHERE p.point = points.id AND \(ReviewedItems.liveSQL("r")))
                    """
            )
        )
    }

    /// The points at least one live question assesses.
    public static func pointsWithLiveQuestions(_ db: any SQLConnection) throws -> Set<String> {
        // Point by point, each stopping at its first live question, as for resources.
        Set(
            try db.fetchAll(
                String.self,
                sql: """
                    SELECT id FROM points WHERE EXISTS (
                        SELECT 1 FROM questionPoints qp JOIN questions q ON q.id = qp.question
                        WHERE qp.point = points.id AND \(ReviewedItems.liveSQL("q")))
                    """
            )
        )
    }

    /// The courses with at least one live question.
    public static func coursesWithLiveQuestions(_ db: any SQLConnection) throws -> Set<String> {
        Set(try db.fetchAll(String.self, sql: "SELECT DISTINCT course FROM questions q WHERE \(ReviewedItems.liveSQL("q"))"))
    }

    /// How many live questions there are of each type.
    public static func liveQuestionTypes(_ db: any SQLConnection) throws -> [QuestionType: Int] {
        var counts: [QuestionType: Int] = [:]
        for row in try db.fetchAll(sql: "SELECT type, COUNT(*) AS n FROM questions q WHERE \(ReviewedItems.liveSQL("q")) GROUP BY type") {
            if let type = QuestionType(rawValue: row["type"]) { counts[type] = row["n"] }
        }
        return counts
    }

    /// Every course: its id, name and category, by id.
    public static func courses(_ db: any SQLConnection) throws -> [(id: String, name: String, category: CourseCategory)] {
        try db.fetchAll(sql: "SELECT id, name, category FROM courses ORDER BY id").map {
            ($0["id"], $0["name"], CourseCategory(rawValue: $0["category"]) ?? .core)
        }
    }

    /// Every point: its id, name and course, by course and id.
    public static func points(_ db: any SQLConnection) throws -> [(id: String, name: String, course: String)] {
        try db.fetchAll(sql: "SELECT id, name, course FROM points ORDER BY course, id").map { ($0["id"], $0["name"], $0["course"]) }
    }

    /// Every major's name by its code.
    public static func majorNames(_ db: any SQLConnection) throws -> [String: String] {
        try Dictionary(
            uniqueKeysWithValues: db.fetchAll(sql: "SELECT code, name FROM majors").map { ($0["code"] as String, $0["name"] as String) }
        )
    }

    /// A teacher or learner of a host institution, and whether the audit trail shows them acting in a period.
    public struct HostAccount: Sendable {
        public let id: String
        public let username: String
        public let displayName: String
        public let acted: Bool
    }

    /// The teachers and learners of host institutions, by username, each with whether an event between `start` and
    /// `end` was theirs.
    public static func hostAccounts(_ db: any SQLConnection, start: Date, end: Date) throws -> [HostAccount] {
        try db.fetchAll(
            sql: """
                SELECT u.id, u.username, u.displayName,
                       EXISTS (SELECT 1 FROM events e WHERE e.actor = u.username AND e.at >= ?1 AND e.at < ?2) AS acted
                FROM users u JOIN institutions i ON i.name = u.institution
                WHERE i.role = 'host' AND u.role IN ('teacher', 'learner')
                ORDER BY u.username
                """,
            arguments: [start, end]
        ).map { HostAccount(id: $0["id"], username: $0["username"], displayName: $0["displayName"], acted: $0["acted"]) }
    }

    // MARK: - Per point

    /// How many live resources (by their published version) are on each of `points`. Points with none are left out.
    public static func liveResourcesPerPoint(_ db: any SQLConnection, points: Set<String>) throws -> [String: Int] {
        guard !points.isEmpty else { return [:] }
        var resources: [String: Int] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT p.point, COUNT(DISTINCT p.resource) FROM resourceVersionPoints p
                JOIN resources r ON r.id = p.resource AND r.publishedVersion = p.version
                WHERE \(ReviewedItems.liveSQL("r")) AND p.point IN (SELECT value FROM \(db.engine.jsonArrayElements())) GROUP BY p.point
                """,
            arguments: [String(decoding: try JSONEncoder().encode(points.sorted()), as: UTF8.self)]
        ) {
            resources[row[0]] = row[1]
        }
        return resources
    }

    /// How many live questions assess each of `points`. Points with none are left out.
    public static func liveQuestionsPerPoint(_ db: any SQLConnection, points: Set<String>) throws -> [String: Int] {
        guard !points.isEmpty else { return [:] }
        var questions: [String: Int] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT qp.point, COUNT(*) FROM questionPoints qp JOIN questions q ON q.id = qp.question
                WHERE \(ReviewedItems.liveSQL("q")) AND qp.point IN (SELECT value FROM \(db.engine.jsonArrayElements())) GROUP BY qp.point
                """,
            arguments: [String(decoding: try JSONEncoder().encode(points.sorted()), as: UTF8.self)]
        ) {
            questions[row[0]] = row[1]
        }
        return questions
    }

    /// The newest `limit` live resources whose published version is on `point`, and how many there are in all.
    public static func liveResources(
        _ db: any SQLConnection,
        onPoint point: String,
        limit: Int
    ) throws -> (newest: [(id: String, title: String, kind: ResourceKind)], count: Int) {
        let published = """
            FROM resourceVersionPoints p JOIN resources r ON r.id = p.resource AND r.publishedVersion = p.version
            JOIN resourceVersions v ON v.resource = p.resource AND v.version = p.version
            WHERE p.point = ? AND \(ReviewedItems.liveSQL("r"))
            """
        let newest = try db.fetchAll(
            sql: "SELECT r.id, v.title, v.kind \(published) ORDER BY v.createdAt DESC, r.id LIMIT ?",
            arguments: [point, limit]
        ).map { (id: $0[0] as String, title: $0[1] as String, kind: ResourceKind(rawValue: $0[2]) ?? .other) }
        let count = try db.fetchOne(Int.self, sql: "SELECT COUNT(DISTINCT r.id) \(published)", arguments: [point]) ?? 0
        return (newest, count)
    }
}
