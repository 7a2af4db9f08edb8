import Foundation
import GRDB
import GranaryModel

/// What other targets read of the question bank, inside their own transactions: papers pick, pin and show versions
/// through these, and never name the bank's tables.
extension QuestionStore {
    /// One version of a question, as much as a paper needs to choose and count it.
    public struct Summary: Sendable, Equatable {
        public let question: String
        public let version: Int
        public let course: String
        public let type: QuestionType
        public let difficulty: Int
        public let score: Double
        /// The points it assesses, in the order the version lists them.
        public let points: [String]
    }

    /// The published versions of `course`'s live questions, oldest question first, in two queries.
    public static func liveSummaries(_ db: any SQLConnection, course: String) throws -> [Summary] {
        var points: [String: [String]] = [:]
        let pointRows = try db.fetchCursor(
            sql: """
                SELECT p.question, p.point FROM questions q
                JOIN questionVersionPoints p ON p.question = q.id AND p.version = q.publishedVersion
                WHERE q.course = ? AND \(ReviewedItems.liveSQL("q")) ORDER BY p.question, p.position
                """,
            arguments: [course]
        )
        while let row = try pointRows.next() { points[row[0], default: []].append(row[1]) }
        return try db.fetchAll(
            sql: """
                SELECT q.id, v.version, v.course, v.type, v.difficulty, v.score FROM questions q
                JOIN questionVersions v ON v.question = q.id AND v.version = q.publishedVersion
                WHERE q.course = ? AND \(ReviewedItems.liveSQL("q")) ORDER BY q.createdAt, q.id
                """,
            arguments: [course]
        ).map { row in Self.summary(row, points: points[row["id"]] ?? []) }
    }

    /// The published version of a live question; nil when it is unpublished, retired or unknown.
    public static func liveSummary(_ db: any SQLConnection, question: String) throws -> Summary? {
        guard let version = try Self.liveVersions(db, ids: [question])[question] else { return nil }
        return try Self.summary(db, question: question, version: version)
    }

    /// One version of a question, published or not; nil when there is no such version.
    public static func summary(_ db: any SQLConnection, question: String, version: Int) throws -> Summary? {
        try Self.summaries(db, versions: [(question, version)]).first
    }

    /// These versions of questions, in the order given, in two statements; pairs that do not exist are left out.
    public static func summaries(_ db: any SQLConnection, versions keys: [(question: String, version: Int)]) throws -> [Summary] {
        guard !keys.isEmpty else { return [] }
        guard keys.count <= 500 else {
            // SQLite takes at most 32,766 arguments in one statement.
            return try stride(from: 0, to: keys.count, by: 500).flatMap {
                try Self.summaries(db, versions: Array(keys[$0..<min($0 + 500, keys.count)]))
            }
        }
        let wanted = Set(keys.map { VersionKey(id: $0.question, version: $0.version) })
        let ids = Array(Set(keys.map(\.question)))
        let versions = """
            SELECT question AS id, version, course, type, difficulty, score FROM questionVersions
            WHERE question IN (\(databaseQuestionMarks(count: ids.count)))
            """
        // Both go out before the first is answered: neither depends on the other.
        db.sendAhead(sql: versions, arguments: SQLArguments(ids))
        let points = try Self.points(db, of: wanted, ids: ids)
        var found: [VersionKey: Summary] = [:]
        let rows = try db.fetchCursor(sql: versions, arguments: SQLArguments(ids))
        while let row = try rows.next() {
            let key = VersionKey(id: row["id"], version: row["version"])
            guard wanted.contains(key) else { continue }
            found[key] = Self.summary(row, points: points[key] ?? [])
        }
        return keys.compactMap { found[VersionKey(id: $0.question, version: $0.version)] }
    }

    /// The published version of each of `ids` that is live; the others are left out.
    public static func liveVersions(_ db: any SQLConnection, ids: [String]) throws -> [String: Int] {
        guard !ids.isEmpty else { return [:] }
        var versions: [String: Int] = [:]
        for row in try db.fetchAll(
            sql:
                "SELECT id, publishedVersion FROM questions q WHERE \(ReviewedItems.liveSQL("q")) AND id IN (\(databaseQuestionMarks(count: ids.count)))",
            arguments: SQLArguments(ids)
        ) {
            versions[row["id"]] = row["publishedVersion"]
        }
        return versions
    }

    /// A whole version of a question (stem, options, answer, rubric, analysis, media), published or not, for those
    /// who already hold its id and version (a paper, an attempt, an export).
    public static func version(_ db: any SQLConnection, question: String, version: Int) throws -> Question? {
        try Self.fetch(db, id: question, version: version)
    }

    /// Whole versions of questions, in the order given, in two statements; pairs that do not exist are left out.
    public static func versions(_ db: any SQLConnection, _ keys: [(question: String, version: Int)]) throws -> [Question] {
        try Self.fetch(db, versions: keys.map { (id: $0.question, version: $0.version) })
    }

    private static func summary(_ row: SQLRow, points: [String]) -> Summary {
        Summary(
            question: row["id"],
            version: row["version"],
            course: row["course"],
            type: QuestionType(rawValue: row["type"])!,
            difficulty: row["difficulty"],
            score: row["score"],
            points: points
        )
    }
}
