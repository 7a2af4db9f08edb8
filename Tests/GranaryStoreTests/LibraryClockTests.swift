import Foundation
import GRDB
import GranaryModel
import Synchronization
import Testing

@testable import GranaryStore

/// A library in memory, on a clock the test sets: changes are recorded at the clock's time and rules that depend on
/// time follow it.
@Suite struct LibraryClockTests {
    /// A clock that stands still until the test moves it.
    final class SetClock: Sendable {
        private let time: Mutex<Date>
        init(_ start: Date) { self.time = Mutex(start) }
        func advance(by seconds: TimeInterval) { self.time.withLock { $0 += seconds } }
        var clock: LibraryClock { LibraryClock { self.time.withLock { $0 } } }
    }

    @Test func aLibraryInMemoryRecordsChangesAtItsClocksTimeAndTokensExpireByIt() async throws {
        let start = try Date("2026-03-05T06:00:00Z", strategy: .iso8601)
        let time = SetClock(start)
        let database = try LibraryDatabase(DatabaseQueue(), schemas: [], clock: time.clock)
        // Idle sessions end later than this token expires: here the token's own expiry is tested.
        let accounts = Accounts(database: database, bcryptCost: 4, tokenLifetime: 3600, idleTimeout: 2 * 3600)
        let teacher = try await accounts.createUser(
            username: "zhang",
            password: "Passw0rd-123",
            displayName: nil,
            role: .teacher,
            institution: "测试学院",
            actor: "test"
        )
        #expect(teacher.createdAt == start)

        time.advance(by: 60)
        let session = try #require(try await accounts.logIn(username: "zhang", password: "Passw0rd-123", address: "127.0.0.1"))
        #expect(session.expiresAt == start.addingTimeInterval(60 + 3600))
        let stamps = try await database.read { db in try db.fetchAll(Date.self, sql: "SELECT at FROM events ORDER BY id") }
        #expect(stamps.first == start)
        #expect(stamps.last == start.addingTimeInterval(60))
        // The chain of hashes holds for events stamped by a set clock as for any.
        #expect(try await database.read { db in try EventLog.verifyChain(db) }.isEmpty)

        time.advance(by: 3599)
        #expect(try await accounts.user(forToken: session.token)?.username == "zhang")
        time.advance(by: 2)
        #expect(try await accounts.user(forToken: session.token) == nil)
    }
}
