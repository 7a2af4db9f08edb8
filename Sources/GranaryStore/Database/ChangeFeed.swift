import Foundation
import GRDB
import Synchronization

/// One committed change as the feed tells it: the event's sequence number and the item it touched.
public struct Change: Sendable, Equatable {
    /// The event's sequence number (its id in the audit trail).
    public let sequence: Int64
    /// What was done, e.g. `resource.versioned`.
    public let action: String
    /// Kind of item: `resource`, `point`, `question`, ...
    public let itemType: String
    /// The item's identifier.
    public let itemId: String

    /// Creates a change.
    public init(sequence: Int64, action: String, itemType: String, itemId: String) {
        self.sequence = sequence
        self.action = action
        self.itemType = itemType
        self.itemId = itemId
    }
}

/// The change feed (变更流): every committed change, in order, as the audit trail's events.
///
/// Every change already appends its event in its own transaction, so the events table is a sequence-numbered log
/// of exactly what committed. Derived state (the search index, the graph index, caches) keeps a position in it and
/// reads what came after, after commit, instead of being told by whoever made the change. Two ways move `head` on:
/// a commit through this process's database (seen by a transaction observer, before the writer's call returns, so
/// the very next request sees it), and `poll()`, which reads the newest sequence number and so catches changes made
/// by another process on the same file (`granary import catalogue` beside a running service). Another database
/// engine can provide the same feed: a sequence-numbered table read after commit.
public final class ChangeFeed: Sendable {
    private enum Source: Sendable {
        case sqlite(any DatabaseWriter)
        case postgresql(PostgresEngine)
    }

    private let source: Source
    private let committed: CommittedHead
    // Kept alive here: GRDB holds its observers weakly.
    private let observer: CommitObserver?

    /// Starts following `writer`'s commits from the newest event it holds.
    public init(_ writer: any DatabaseWriter) throws {
        self.source = .sqlite(writer)
        self.committed = CommittedHead()
        let observer = CommitObserver(head: self.committed)
        self.observer = observer
        let newest = try writer.read { db in try Self.newest(SQLiteConnection(db)) }
        self.committed.advance(to: newest)
        writer.add(transactionObserver: observer, extent: .observerLifetime)
    }

    /// Starts following a PostgreSQL database from the newest event it holds. Writes through this process move the
    /// head when they return (`LibraryDatabase.write` polls); other nodes' are found by `poll()`.
    init(_ engine: PostgresEngine) async throws {
        self.source = .postgresql(engine)
        self.committed = CommittedHead()
        self.observer = nil
        self.committed.advance(to: try await engine.read(Self.newest))
    }

    /// The sequence number of the newest change known to have committed.
    public var head: Int64 {
        self.committed.value
    }

    /// Reads the newest committed sequence number, which takes in changes other processes made; returns the head.
    @discardableResult
    public func poll() async throws -> Int64 {
        let newest = try await self.read(Self.newest)
        self.committed.advance(to: newest)
        return self.head
    }

    /// Calls `wake` as soon as it hears that another process committed changes, until the task is cancelled; on
    /// PostgreSQL that is every node's commit (`pg_notify` from the events table). SQLite has no such notice: this
    /// returns at once, and other processes' changes are found by `poll()` alone.
    public func followCommits(_ wake: @escaping @Sendable () async -> Void) async {
        switch self.source {
        case .sqlite: return
        case .postgresql(let engine): await engine.followCommits(wake)
        }
    }

    /// The changes after `sequence`, oldest first, at most `limit` of them.
    public func changes(after sequence: Int64, limit: Int = 1000) async throws -> [Change] {
        try await self.read { db in
            try db.fetchAll(
                sql: "SELECT id, action, itemType, itemId FROM events WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [sequence, limit]
            ).map { Change(sequence: $0["id"], action: $0["action"], itemType: $0["itemType"], itemId: $0["itemId"]) }
        }
    }

    /// The newest sequence number inside a read transaction: what state read in the same transaction is current to.
    public static func newest(_ db: any SQLConnection) throws -> Int64 {
        try db.fetchOne(Int64.self, sql: "SELECT MAX(id) FROM events") ?? 0
    }

    private func read<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        switch self.source {
        case .sqlite(let writer): try await writer.read { db in try body(SQLiteConnection(db)) }
        case .postgresql(let engine): try await engine.read(body)
        }
    }
}

/// The newest committed sequence number; it only moves forward.
final class CommittedHead: Sendable {
    private let storage = Atomic<Int64>(0)

    var value: Int64 {
        self.storage.load(ordering: .acquiring)
    }

    func advance(to sequence: Int64) {
        var current = self.storage.load(ordering: .relaxed)
        while current < sequence {
            let (exchanged, original) = self.storage.compareExchange(
                expected: current,
                desired: sequence,
                successOrdering: .acquiringAndReleasing,
                failureOrdering: .relaxed
            )
            if exchanged { return }
            current = original
        }
    }
}

/// Sees the events a transaction appends and publishes the newest once the transaction has committed.
private final class CommitObserver: TransactionObserver, Sendable {
    private let head: CommittedHead
    private let pending = Mutex<Int64>(0)

    init(head: CommittedHead) {
        self.head = head
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if case .insert(tableName: "events") = eventKind { return true }
        return false
    }

    func databaseDidChange(with event: DatabaseEvent) {
        let id = event.rowID
        self.pending.withLock { $0 = max($0, id) }
    }

    func databaseDidCommit(_ db: GRDB.Database) {
        let newest = self.pending.withLock { value in
            defer { value = 0 }
            return value
        }
        if newest > 0 { self.head.advance(to: newest) }
    }

    func databaseDidRollback(_ db: GRDB.Database) {
        self.pending.withLock { $0 = 0 }
    }
}
