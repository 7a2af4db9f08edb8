import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// What a learner might study next (为你推荐), from what they studied and the course system's prerequisites:
/// first the next items of the offerings they chose, then resources on points that build on points they studied,
/// then more resources on the points they studied, and for a newcomer the library's most used and newest resources.
public struct LearnerRecommendations: Sendable {
    let database: LibraryDatabase

    /// Creates the service over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
    }

    /// One suggested resource and why.
    public struct Suggestion: Codable, Sendable, Equatable {
        public var resource: String
        public var title: String
        public var kind: ResourceKind
        public var course: String
        /// `enrolled_offering`, `next_point`, `same_point`, `popular` or `newest`.
        public var reason: String
        /// The point that led here (for `next_point` and `same_point`).
        public var point: String?
        public var pointName: String?
        /// The offering that holds it (for `enrolled_offering`).
        public var offering: String?
    }

    /// Up to `limit` published resources `user` has not used yet, best first.
    public func suggestions(for user: User, limit: Int = 10) async throws -> [Suggestion] {
        try await self.database.writer.read { db in
            let used = Set(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT itemId FROM progress WHERE user = ?1 AND itemType = 'resource'
                        UNION SELECT resource FROM resourceUses WHERE user = ?1
                        UNION SELECT resource FROM ratings WHERE user = ?1
                        """,
                    arguments: [user.id]
                )
            )
            var chosen: [Suggestion] = []
            var seen = used
            func take(_ rows: [Row], reason: String) {
                for row in rows where chosen.count < limit {
                    let id: String = row["resource"]
                    guard seen.insert(id).inserted, let kind = ResourceKind(rawValue: row["kind"]) else { continue }
                    chosen.append(
                        Suggestion(
                            resource: id,
                            title: row["title"],
                            kind: kind,
                            course: row["course"],
                            reason: reason,
                            point: row["point"],
                            pointName: row["pointName"],
                            offering: row["offering"]
                        )
                    )
                }
            }
            let published = """
                JOIN resources r ON r.id = x.resource AND \(ReviewedItems.liveSQL("r"))
                JOIN resourceVersions v ON v.resource = r.id AND v.version = r.publishedVersion
                """
            // The next items of chosen offerings, in course order.
            take(
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT x.resource, x.offering, v.title, v.kind, v.course, NULL AS point, NULL AS pointName FROM (
                            SELECT i.itemId AS resource, i.offering, e.enrolledAt, i.unitPosition, i.position FROM enrollments e
                            JOIN offerings o ON o.id = e.offering
                            JOIN offeringItems i ON i.offering = o.id AND i.revision = o.revision AND i.itemType = 'resource'
                            WHERE e.user = ?
                        ) x \(published)
                        ORDER BY x.enrolledAt DESC, x.offering, x.unitPosition, x.position
                        LIMIT 200
                        """,
                    arguments: [user.id]
                ),
                reason: "enrolled_offering"
            )
            let studied = """
                SELECT DISTINCT rp.point FROM resourceVersionPoints rp JOIN resources r ON r.id = rp.resource AND rp.version = r.publishedVersion
                WHERE rp.resource IN (
                    SELECT itemId FROM progress WHERE user = ?1 AND itemType = 'resource'
                    UNION SELECT resource FROM resourceUses WHERE user = ?1
                    UNION SELECT resource FROM ratings WHERE user = ?1)
                """
            // Points that build on what was studied (the point's prerequisite was studied, the point was not).
            take(
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT x.resource, NULL AS offering, v.title, v.kind, v.course, x.point, p.name AS pointName FROM (
                            SELECT DISTINCT rp.resource, rp.point FROM pointPrerequisites pp
                            JOIN resourceVersionPoints rp ON rp.point = pp.point
                            JOIN resources q ON q.id = rp.resource AND rp.version = q.publishedVersion
                            WHERE pp.prerequisite IN (\(studied)) AND pp.point NOT IN (\(studied))
                        ) x \(published)
                        JOIN points p ON p.id = x.point
                        ORDER BY r.updatedAt DESC LIMIT 200
                        """,
                    arguments: [user.id]
                ),
                reason: "next_point"
            )
            // More on the points studied.
            take(
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT x.resource, NULL AS offering, v.title, v.kind, v.course, x.point, p.name AS pointName FROM (
                            SELECT DISTINCT rp.resource, rp.point FROM resourceVersionPoints rp
                            JOIN resources q ON q.id = rp.resource AND rp.version = q.publishedVersion
                            WHERE rp.point IN (\(studied))
                        ) x \(published)
                        JOIN points p ON p.id = x.point
                        ORDER BY r.updatedAt DESC LIMIT 200
                        """,
                    arguments: [user.id]
                ),
                reason: "same_point"
            )
            // A newcomer: the most used, then the newest.
            if chosen.count < limit {
                take(
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT x.resource, NULL AS offering, v.title, v.kind, v.course, NULL AS point, NULL AS pointName FROM (
                                SELECT resource, COUNT(*) AS uses FROM resourceUses GROUP BY resource ORDER BY uses DESC LIMIT ?
                            ) x \(published)
                            ORDER BY x.uses DESC
                            """,
                        arguments: [limit + used.count]
                    ),
                    reason: "popular"
                )
            }
            if chosen.count < limit {
                take(
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT x.resource, NULL AS offering, v.title, v.kind, v.course, NULL AS point, NULL AS pointName FROM (
                                SELECT r.id AS resource FROM resources r WHERE \(ReviewedItems.liveSQL("r")) ORDER BY r.rowid DESC LIMIT ?
                            ) x \(published)
                            """,
                        arguments: [limit + used.count]
                    ),
                    reason: "newest"
                )
            }
            return chosen
        }
    }
}
