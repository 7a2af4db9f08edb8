import Foundation
import GRDB
import GranaryModel
import GranaryStore
import Testing

@testable import GranaryLearning

/// Views and downloads: committed before `record` returns, many to a transaction when they come together.
@Suite struct UseWriterTests {
    /// Counts the transactions that commit.
    final class Commits: TransactionObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { self.lock.withLock { self.count } }
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { eventKind.tableName == "resourceUses" }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: GRDB.Database) { self.lock.withLock { self.count += 1 } }
        func databaseDidRollback(_ db: GRDB.Database) {}
    }

    @Test func usesThatComeTogetherShareTransactionsAndABadOneFailsAlone() async throws {
        let database = try LibraryDatabase(DatabaseQueue(), schemas: [.learning])
        let accounts = Accounts(database: database, bcryptCost: 4, tokenLifetime: 3600)
        let teacher = try await accounts.createUser(
            username: "zhang",
            password: "Passw0rd-123",
            displayName: nil,
            role: .teacher,
            institution: nil,
            actor: "test"
        )
        let learner = try await accounts.createUser(
            username: "xue",
            password: "Passw0rd-123",
            displayName: nil,
            role: .learner,
            institution: nil,
            actor: "test"
        )
        try await database.write { db in
            try ReviewedItems.resources.insertDraft(db, id: "r1", author: teacher, at: Date())
        }
        let commits = Commits()
        database.sqlite!.add(transactionObserver: commits, extent: .observerLifetime)
        let analytics = Analytics(database: database)

        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for number in 0..<60 {
                group.addTask {
                    // Every twentieth names a resource that does not exist: the foreign key refuses that row only.
                    let resource = number % 20 == 19 ? "missing" : "r1"
                    do {
                        try await analytics.record(number % 2 == 0 ? .view : .download, resource: resource, user: learner)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 57)
        let rows = try await database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM resourceUses") }
        #expect(rows == 57)
        // Fifty-seven uses in far fewer commits (and the failed batches' retries one by one among them).
        #expect(commits.value < 57 / 2, "\(commits.value) commits for 57 uses")
    }
}
