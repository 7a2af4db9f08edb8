import Foundation
import GRDB
import GranaryModel

/// One entry of the audit trail.
public struct Event: Codable, Sendable, Equatable {
    /// Sequence number.
    public let id: Int64
    /// When it happened.
    public let at: Date
    /// Username of who did it; nil for the system.
    public let actor: String?
    /// What was done, e.g. `resource.created`.
    public let action: String
    /// Kind of item: `resource`, `user`, `major`, ...
    public let itemType: String
    /// The item's identifier.
    public let itemId: String
    /// State before, as JSON, when the action changed something.
    public let before: JSONValue?
    /// State after, as JSON.
    public let after: JSONValue?
}

/// The append-only audit trail. Writes happen inside the transaction of the change they describe.
public enum EventLog {
    /// Appends an event within the caller's write transaction.
    public static func record(
        _ db: GRDB.Database,
        actor: String?,
        action: String,
        itemType: String,
        itemId: String,
        before: (any Encodable)? = nil,
        after: (any Encodable)? = nil,
        at: Date = Date()
    ) throws {
        try db.execute(
            sql: "INSERT INTO events (at, actor, action, itemType, itemId, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [at, actor, action, itemType, itemId, try before.map(Self.json), try after.map(Self.json)]
        )
    }

    /// Events of one item, oldest first.
    public static func events(_ db: GRDB.Database, itemType: String, itemId: String, offset: Int, limit: Int) throws -> (items: [Event], total: Int) {
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE itemType = ? AND itemId = ?", arguments: [itemType, itemId]) ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM events WHERE itemType = ? AND itemId = ? ORDER BY id LIMIT ? OFFSET ?",
            arguments: [itemType, itemId, limit, offset]
        )
        let decoder = JSONDecoder()
        let items = rows.map { row in
            Event(
                id: row["id"],
                at: row["at"],
                actor: row["actor"],
                action: row["action"],
                itemType: row["itemType"],
                itemId: row["itemId"],
                before: (row["before"] as String?).flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) },
                after: (row["after"] as String?).flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) }
            )
        }
        return (items, total)
    }

    private static func json(_ value: any Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
