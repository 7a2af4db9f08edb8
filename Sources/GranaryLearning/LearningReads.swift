import Foundation
import GRDB

/// What other targets read of offerings, progress and use, inside their own transactions: the narrow read model
/// through which they see this target's tables.
extension Analytics {
    /// The users (ids) who viewed or downloaded a resource or completed an item of an offering between `from` and `to`.
    public static func learningUsers(_ db: GRDB.Database, from: Date, to: Date) throws -> Set<String> {
        Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT user FROM resourceUses WHERE at >= ?1 AND at < ?2
                    UNION SELECT user FROM progress WHERE completedAt >= ?1 AND completedAt < ?2
                    """,
                arguments: [from, to]
            )
        )
    }
}
