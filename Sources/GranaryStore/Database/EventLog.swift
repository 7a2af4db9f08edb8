import Crypto
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
    /// The network address the request came from, for what the audit trail must place (log-ins, role changes,
    /// exports); nil for what the service did itself or what came from the console.
    public var address: String? = nil
    /// How it ended, for attempts that can fail: `success`, `failure` (a wrong password or code), `locked` (the
    /// attempt that locked the account, or one refused while it is locked) or `denied` (refused by a rule).
    public var outcome: String? = nil
}

/// What the audit trail is searched by; a field left nil matches every event.
public struct AuditFilter: Codable, Sendable, Equatable {
    /// The username who acted.
    public var actor: String?
    /// An action (`session.failed`), or every action of a kind when it ends in a dot (`session.`).
    public var action: String?
    /// The kind of item acted on (`user`, `resource`, …).
    public var itemType: String?
    /// The item acted on.
    public var itemId: String?
    /// `success`, `failure`, `locked` or `denied`.
    public var outcome: String?
    /// The address the request came from.
    public var address: String?
    /// From this time on (inclusive).
    public var from: Date?
    /// Before this time.
    public var to: Date?

    public init(
        actor: String? = nil,
        action: String? = nil,
        itemType: String? = nil,
        itemId: String? = nil,
        outcome: String? = nil,
        address: String? = nil,
        from: Date? = nil,
        to: Date? = nil
    ) {
        (self.actor, self.action, self.itemType, self.itemId) = (actor, action, itemType, itemId)
        (self.outcome, self.address, self.from, self.to) = (outcome, address, from, to)
    }

    /// The WHERE condition and its arguments. A kind of actions is a range of the action index (`session.` up to
    /// `session/`, the next character), not a LIKE that would read every event.
    var sql: (condition: String, arguments: SQLArguments) {
        var conditions = ["1 = 1"]
        var arguments = SQLArguments()
        for (column, value) in [
            ("actor", self.actor), ("itemType", self.itemType), ("itemId", self.itemId), ("outcome", self.outcome), ("address", self.address),
        ] {
            if let value {
                conditions.append("\(column) = ?")
                arguments = arguments + [value]
            }
        }
        if let action = self.action {
            if action.hasSuffix("."), action.count > 1 {
                conditions.append("action >= ? AND action < ?")
                arguments = arguments + [action, String(action.dropLast()) + "/"]
            } else {
                conditions.append("action = ?")
                arguments = arguments + [action]
            }
        }
        if let from = self.from {
            conditions.append("at >= ?")
            arguments = arguments + [from]
        }
        if let to = self.to {
            conditions.append("at < ?")
            arguments = arguments + [to]
        }
        return (conditions.joined(separator: " AND "), arguments)
    }
}

/// The append-only audit trail. Writes happen inside the transaction of the change they describe.
public enum EventLog {
    /// Appends an event within the caller's write transaction, chained to the one before it, at the time the caller's
    /// library clock gave the change.
    public static func record(
        _ db: any SQLConnection,
        actor: String?,
        action: String,
        itemType: String,
        itemId: String,
        before: (any Encodable)? = nil,
        after: (any Encodable)? = nil,
        address: String? = nil,
        outcome: String? = nil,
        at: Date
    ) throws {
        // The text SQLite stores for the date, so the hash can be recomputed from the row as it is.
        let stamp = String.fromDatabaseValue(at.databaseValue) ?? ""
        let stored = [stamp, actor, action, itemType, itemId, try before.map(Self.json), try after.map(Self.json), address, outcome]
        let previous = try db.fetchOne(String.self, sql: "SELECT hash FROM events ORDER BY id DESC LIMIT 1") ?? Self.genesis
        try db.execute(
            sql: """
                INSERT INTO events (at, actor, action, itemType, itemId, before, after, address, outcome, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: SQLArguments(stored) + [Self.chainHash(previous: previous, fields: Self.hashed(stored))]
        )
    }

    /// The address and outcome columns and the indexes the audit trail's filters use (GranaryStore's migration
    /// "store 7", "store 4" on PostgreSQL).
    static let auditSchemaSQL = """
        ALTER TABLE events ADD COLUMN address TEXT;
        ALTER TABLE events ADD COLUMN outcome TEXT;
        CREATE INDEX events_actor ON events(actor, id);
        CREATE INDEX events_action ON events(action, id);
        """

    // MARK: - The hash chain

    /// The `previous` of the first event.
    static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 over the previous event's hash and this event's fields, each length-prefixed so no two different rows
    /// read the same. Changing, inserting or deleting any event breaks every hash after it.
    static func chainHash(previous: String, fields: [String?]) -> String {
        var text = previous
        for field in fields {
            if let field {
                text += "|\(field.utf8.count):" + field
            } else {
                text += "|-"
            }
        }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Hashes every event that has none yet, in order (the rows written before the chain existed, and before events
    /// had an address or an outcome).
    static func chainUnhashedEvents(_ db: any SQLConnection) throws {
        var previous = Self.genesis
        for row in try db.fetchAll(
            sql: """
                SELECT id, CAST(at AS TEXT) AS at, actor, action, itemType, itemId, before, after, NULL AS address, NULL AS outcome, hash
                FROM events ORDER BY id
                """
        ) {
            if let hash = row["hash"] as String? {
                previous = hash
                continue
            }
            let hash = Self.chainHash(previous: previous, fields: Self.fields(row))
            try db.execute(sql: "UPDATE events SET hash = ? WHERE id = ?", arguments: [hash, row["id"] as Int64])
            previous = hash
        }
    }

    /// What is wrong with the chain: a changed, inserted or deleted event, or a missing hash. Empty when intact.
    public static func verifyChain(_ db: any SQLConnection) throws -> [String] {
        var problems: [String] = []
        var previous = Self.genesis
        var lastID: Int64 = 0
        let rows = try db.fetchCursor(
            sql: "SELECT \(Self.chainColumns) FROM events ORDER BY id"
        )
        while let row = try rows.next() {
            let id: Int64 = row["id"]
            let expected = Self.chainHash(previous: previous, fields: Self.fields(row))
            guard let hash = row["hash"] as String? else {
                problems.append("event \(id) has no hash")
                previous = expected
                lastID = id
                continue
            }
            if hash != expected {
                problems.append("event \(id) does not match the chain: it, or an event before it, was changed, inserted or deleted")
            }
            previous = hash
            lastID = id
        }
        // Deleting the newest events leaves a consistent chain; SQLite's AUTOINCREMENT counter remembers how far it
        // went, and on PostgreSQL (whose sequences also count rolled-back inserts) a trigger keeps the newest id.
        let highest =
            switch db.engine {
            case .sqlite: try db.fetchOne(Int64.self, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'") ?? 0
            case .postgresql: try db.fetchOne(Int64.self, sql: "SELECT lastEvent FROM eventsHead") ?? 0
            }
        if highest > lastID {
            problems.append("events \(lastID + 1)–\(highest) are missing from the end of the trail")
        }
        return problems
    }

    private static func fields(_ row: SQLRow) -> [String?] {
        Self.hashed([
            row["at"], row["actor"], row["action"], row["itemType"], row["itemId"], row["before"], row["after"], row["address"], row["outcome"],
        ])
    }

    /// The stored fields the chain hashes: address and outcome only when the event has either, so every event
    /// written before they existed keeps its hash.
    private static func hashed(_ stored: [String?]) -> [String?] {
        stored[7] == nil && stored[8] == nil ? Array(stored.prefix(7)) : stored
    }

    /// The columns of an event row the chain is computed from.
    private static let chainColumns = "id, CAST(at AS TEXT) AS at, actor, action, itemType, itemId, before, after, address, outcome, hash"

    /// Events of one item, oldest first.
    public static func events(
        _ db: any SQLConnection,
        itemType: String,
        itemId: String,
        offset: Int,
        limit: Int
    ) throws -> (items: [Event], total: Int) {
        // The page counts what it is a page of; only a page past the end asks again.
        let rows = try db.fetchAll(
            sql: "SELECT *, COUNT(*) OVER () AS total FROM events WHERE itemType = ? AND itemId = ? ORDER BY id LIMIT ? OFFSET ?",
            arguments: [itemType, itemId, limit, offset]
        )
        let total =
            try rows.first.map { $0["total"] as Int }
            ?? db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events WHERE itemType = ? AND itemId = ?", arguments: [itemType, itemId]) ?? 0
        let items = rows.map(Self.event(from:))
        return (items, total)
    }

    // MARK: - The audit trail

    /// Events matching `filter`, newest first, a page of them with how many match.
    public static func search(_ db: any SQLConnection, _ filter: AuditFilter, offset: Int, limit: Int) throws -> (items: [Event], total: Int) {
        let (condition, arguments) = filter.sql
        let rows = try db.fetchAll(
            sql: "SELECT *, COUNT(*) OVER () AS total FROM events WHERE \(condition) ORDER BY id DESC LIMIT ? OFFSET ?",
            arguments: arguments + [limit, offset]
        )
        let total =
            try rows.first.map { $0["total"] as Int }
            ?? db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events WHERE \(condition)", arguments: arguments) ?? 0
        return (rows.map(Self.event(from:)), total)
    }

    /// Events matching `filter`, newest first, at most `limit` of them, handed to `each` one at a time (for exports).
    public static func forEach(_ db: any SQLConnection, _ filter: AuditFilter, limit: Int, _ each: (Event) throws -> Void) throws {
        let (condition, arguments) = filter.sql
        let rows = try db.fetchCursor(sql: "SELECT * FROM events WHERE \(condition) ORDER BY id DESC LIMIT ?", arguments: arguments + [limit])
        while let row = try rows.next() { try each(Self.event(from: row)) }
    }

    private static func event(from row: SQLRow) -> Event {
        let decoder = JSONDecoder()
        return Event(
            id: row["id"],
            at: row["at"],
            actor: row["actor"],
            action: row["action"],
            itemType: row["itemType"],
            itemId: row["itemId"],
            before: (row["before"] as String?).flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) },
            after: (row["after"] as String?).flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) },
            address: row["address"],
            outcome: row["outcome"]
        )
    }

    private static func json(_ value: any Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
