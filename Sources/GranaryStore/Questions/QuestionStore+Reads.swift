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
        guard
            let row = try db.fetchOne(
                sql: "SELECT question AS id, version, course, type, difficulty, score FROM questionVersions WHERE question = ? AND version = ?",
                arguments: [question, version]
            )
        else { return nil }
        let points = try db.fetchAll(
            String.self,
            sql: "SELECT point FROM questionVersionPoints WHERE question = ? AND version = ? ORDER BY position",
            arguments: [question, version]
        )
        return Self.summary(row, points: points)
    }

    /// The published version of each of `ids` that is live; the others are left out.
    public static func liveVersions(_ db: any SQLConnection, ids: [String]) throws -> [String: Int] {
        guard !ids.isEmpty else { return [:] }
        var versions: [String: Int] = [:]
        for row in try db.fetchAll(
            sql:
                "SELECT id, publishedVersion FROM questions q WHERE \(ReviewedItems.liveSQL("q")) AND id IN (\(databaseQuestionMarks(count: ids.count)))",
            arguments: StatementArguments(ids)
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
