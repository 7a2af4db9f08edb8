import Foundation
import GRDB
import GranaryModel
import GranaryTestSupport
import Synchronization
import Testing

@testable import GranaryStore

/// The change feed: what committed, in order, seen at once through this database and by polling from another.
@Suite struct ChangeFeedTests {
    static func append(_ database: LibraryDatabase, _ action: String, itemId: String = "x") async throws {
        try await database.write { db in
            try EventLog.record(db, actor: "test", action: action, itemType: "test", itemId: itemId, at: Date())
        }
    }

    @Test func aCommitMovesTheHeadBeforeTheWriterReturnsAndARollbackDoesNot() async throws {
        try await TemporaryDirectory.with("feed") { path in
            let database = try LibraryDatabase(path: path + "/granary.sqlite", schemas: [])
            let start = database.feed.head
            try await Self.append(database, "test.one")
            #expect(database.feed.head == start + 1)
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await database.write { db in
                    try EventLog.record(db, actor: "test", action: "test.rolled_back", itemType: "test", itemId: "x", at: Date())
                    throw Refused()
                }
            }
            #expect(database.feed.head == start + 1)
            try await Self.append(database, "test.two")
            let changes = try await database.feed.changes(after: start)
            #expect(changes.map(\.action) == ["test.one", "test.two"])
            #expect(changes.map(\.sequence) == [start + 1, start + 2])
        }
    }

    @Test func anotherConnectionsCommitsArriveWhenTheFeedIsPolled() async throws {
        try await TemporaryDirectory.with("feed") { path in
            let served = try LibraryDatabase(path: path + "/granary.sqlite", schemas: [])
            let beside = try LibraryDatabase(path: path + "/granary.sqlite", schemas: [])
            let start = served.feed.head
            try await Self.append(beside, "test.elsewhere")
            #expect(served.feed.head == start)
            #expect(try await served.feed.poll() == start + 1)
            #expect(try await served.feed.changes(after: start).map(\.action) == ["test.elsewhere"])
        }
    }

    @Test func aFollowerAppliesEachChangeOnceInOrderAndRetriesAfterAFailure() async throws {
        try await TemporaryDirectory.with("feed") { path in
            let database = try LibraryDatabase(path: path + "/granary.sqlite", schemas: [])
            let seen = Mutex<[String]>([])
            let failNext = Atomic<Bool>(false)
            struct Broken: Error {}
            let follower = FeedFollower(feed: database.feed, from: database.feed.head) { changes in
                if failNext.exchange(false, ordering: .relaxed) { throw Broken() }
                seen.withLock { $0 += changes.map(\.itemId) }
            }
            #expect(follower.isCurrent)
            for id in ["a", "b", "c"] { try await Self.append(database, "test.change", itemId: id) }
            #expect(!follower.isCurrent)
            // Many callers at once: each change is still applied exactly once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { try await follower.catchUp() } }
                try await group.waitForAll()
            }
            #expect(seen.withLock { $0 } == ["a", "b", "c"])
            #expect(follower.isCurrent)

            try await Self.append(database, "test.change", itemId: "d")
            failNext.store(true, ordering: .relaxed)
            await #expect(throws: Broken.self) { try await follower.catchUp() }
            #expect(!follower.isCurrent)
            try await follower.catchUp()
            #expect(seen.withLock { $0 } == ["a", "b", "c", "d"])
        }
    }
}
