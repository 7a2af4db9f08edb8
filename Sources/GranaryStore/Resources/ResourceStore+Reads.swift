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
}
