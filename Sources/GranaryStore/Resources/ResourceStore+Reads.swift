import GRDB
import GranaryModel

/// What other targets read of resources inside their own transactions.
extension ResourceStore {
    /// The title, kind and course of the version that stands for resource `id` (the published one, else the current
    /// draft); nil when there is no such resource.
    public static func heading(_ db: GRDB.Database, id: String) throws -> (title: String, kind: ResourceKind?, course: String)? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT v.title, v.kind, v.course FROM resources r
                JOIN resourceVersions v ON v.resource = r.id AND v.version = \(ReviewedItems.standingVersionSQL("r"))
                WHERE r.id = ?
                """,
            arguments: [id]
        ).map { ($0["title"], ResourceKind(rawValue: $0["kind"]), $0["course"]) }
    }

    /// The other resources rated 4 or 5 stars by accounts that rated `id` so, with how many such accounts each
    /// (the `ratings_user` index finds each rater's ratings).
    public static func coRated(_ db: GRDB.Database, with id: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(
            db,
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
}
