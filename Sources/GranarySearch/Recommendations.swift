import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// Resources related to one resource: by the knowledge points they share, the points one step away in the course
/// system (prerequisites either way), the same course, and the learners who rated both.
public struct Recommendations: Sendable {
    private let database: LibraryDatabase
    private let resources: ResourceStore

    /// Creates the service.
    public init(database: LibraryDatabase, resources: ResourceStore) {
        self.database = database
        self.resources = resources
    }

    /// One related resource and why.
    public struct Related: Codable, Sendable, Equatable {
        public let id: String
        public let title: String
        public let kind: ResourceKind
        public let course: String
        public let score: Int
        /// `shared_point`, `neighbouring_point`, `same_course`, `co_rated`.
        public let reasons: [String]
    }

    /// Up to `limit` published resources related to `id`, best first. `viewer` must be able to see `id`.
    public func related(to id: String, viewer: User, limit: Int = 10) async throws -> [Related] {
        let resource = try await self.resources.resource(id: id, viewer: viewer)
        let points = resource.knowledgePoints
        let course = resource.course
        let own = resource.id
        return try await self.database.writer.read { db in
            let pointList = points.map { _ in "?" }.joined(separator: ",")
            let neighbours = try String.fetchAll(
                db,
                sql: """
                    SELECT prerequisite FROM pointPrerequisites WHERE point IN (\(pointList))
                    UNION SELECT point FROM pointPrerequisites WHERE prerequisite IN (\(pointList))
                    """,
                arguments: StatementArguments(points + points)
            ).filter { !points.contains($0) }
            let neighbourList = neighbours.map { _ in "?" }.joined(separator: ",")
            // Each signal scores every published resource it touches; SQLite adds them up.
            let sql = """
                WITH live AS (
                    SELECT r.id, v.title, v.kind, v.course, v.version FROM resources r
                    JOIN resourceVersions v ON v.resource = r.id AND v.version = r.publishedVersion
                    WHERE \(ReviewedItems.liveSQL("r")) AND r.id <> ?
                ),
                signals AS (
                    SELECT l.id, 3 AS score, 'shared_point' AS reason FROM live l
                    JOIN resourceVersionPoints p ON p.resource = l.id AND p.version = l.version WHERE p.point IN (\(pointList))
                    UNION ALL
                    SELECT l.id, 1, 'neighbouring_point' FROM live l
                    JOIN resourceVersionPoints p ON p.resource = l.id AND p.version = l.version WHERE p.point IN (\(neighbours.isEmpty ? "NULL" : neighbourList))
                    UNION ALL
                    SELECT l.id, 1, 'same_course' FROM live l WHERE l.course = ?
                    UNION ALL
                    SELECT l.id, 1, 'co_rated' FROM live l
                    JOIN ratings other ON other.resource = l.id AND other.stars >= 4
                    JOIN ratings mine ON mine.user = other.user AND mine.resource = ? AND mine.stars >= 4
                )
                SELECT live.id, live.title, live.kind, live.course, SUM(signals.score) AS score, GROUP_CONCAT(DISTINCT signals.reason) AS reasons
                FROM signals JOIN live ON live.id = signals.id
                GROUP BY live.id ORDER BY score DESC, live.id LIMIT ?
                """
            let arguments =
                StatementArguments([own]) + StatementArguments(points) + StatementArguments(neighbours)
                + StatementArguments([course, own, limit] as [any DatabaseValueConvertible])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                Related(
                    id: row["id"],
                    title: row["title"],
                    kind: ResourceKind(rawValue: row["kind"]) ?? .other,
                    course: row["course"],
                    score: row["score"],
                    reasons: (row["reasons"] as String? ?? "").split(separator: ",").map(String.init).sorted()
                )
            }
        }
    }
}
