import Foundation
import GRDB
import GranaryModel
import GranaryTestSupport
import Synchronization
import Testing

@testable import GranaryStore

/// The PostgreSQL engine: the URL, the SQL it rewrites, the values it converts, and a real server.
@Suite struct PostgresEngineTests {
    @Test func aURLNamesTheRoleTheHostsAndTheDatabase() throws {
        let one = try PostgresLocation("postgresql://granary:s%40cret@db.example:6432/library")
        #expect(one.username == "granary")
        #expect(one.password == "s@cret")
        #expect(one.endpoints == [.init(host: "db.example", port: 6432)])
        #expect(one.database == "library")
        #expect(one.description == "postgresql://granary@db.example:6432/library")
        let two = try PostgresLocation("postgres://granary@10.0.0.1,10.0.0.2:5433/library?target_session_attrs=read-write")
        #expect(two.password == nil)
        #expect(two.endpoints == [.init(host: "10.0.0.1", port: 5432), .init(host: "10.0.0.2", port: 5433)])
        for bad in [
            "mysql://a@b/c", "postgresql://b/c", "postgresql://a@b", "postgresql://a@b/", "postgresql://a@b:0/c", "postgresql://a@b:x/c",
            "postgresql://a@,b/c",
        ] {
            #expect(throws: PostgresLocation.Problem.self, "\(bad)") { try PostgresLocation(bad) }
        }
        // A refused URL never repeats its password.
        let message = try #require(
            (#expect(throws: PostgresLocation.Problem.self) { try PostgresLocation("postgresql://a:hunter2@b") })?.message
        )
        #expect(!message.contains("hunter2"))
    }

    @Test func placeholdersBecomeNumberedAndTheUserColumnIsQuoted() {
        let translate = PostgresSQLConnection.placeholders
        #expect(translate("SELECT * FROM t WHERE a = ? AND b = ?") == "SELECT * FROM t WHERE a = $1 AND b = $2")
        #expect(translate("WHERE (?1 IS NULL OR a = ?1) AND b = ?2") == "WHERE ($1 IS NULL OR a = $1) AND b = $2")
        #expect(translate("SELECT '?', \"?\" -- ?\n, ?") == "SELECT '?', \"?\" -- ?\n, $1")
        #expect(translate("INSERT INTO ratings (resource, user) VALUES (?, ?)") == "INSERT INTO ratings (resource, \"user\") VALUES ($1, $2)")
        #expect(translate("SELECT u.user, users.id, userId FROM x u") == "SELECT u.\"user\", users.id, userId FROM x u")
        #expect(translate("SELECT 'user'") == "SELECT 'user'")
    }

    @Test func scriptsAreCutIntoStatementsOutsideLiteralsAndFunctionBodies() {
        let script = """
            CREATE TABLE a (x TEXT DEFAULT ';');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'no; never';
            END
            $$;
            -- a comment; with a semicolon
            INSERT INTO a VALUES ('b');
            """
        let statements = PostgresSQLConnection.statements(script).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(statements.count == 3)
        #expect(statements[0] == "CREATE TABLE a (x TEXT DEFAULT ';')")
        #expect(statements[1].hasPrefix("CREATE FUNCTION f()") && statements[1].hasSuffix("$$"))
        #expect(statements[2].hasSuffix("INSERT INTO a VALUES ('b')"))
    }

    @Test func argumentsKeepTheirOrderAndJoin() {
        let arguments: SQLArguments = ["a", 2, nil, 1.5, Data([1, 2])]
        #expect(arguments.values == ["a".databaseValue, 2.databaseValue, .null, 1.5.databaseValue, Data([1, 2]).databaseValue])
        #expect((SQLArguments(["x", "y"]) + [3]).values == ["x".databaseValue, "y".databaseValue, 3.databaseValue])
        #expect(SQLArguments().isEmpty && !arguments.isEmpty)
    }

    @Test func aPreparedQueryStatesItsArgumentsTypesAndOnlyQueriesArePrepared() {
        let typed = PostgresSQLConnection.typed
        #expect(
            typed("SELECT a FROM t WHERE b = $1 AND c = $2 OR d IS $3", ["text", "int8", nil])
                == "SELECT a FROM t WHERE b = $1::text AND c = $2::int8 OR d IS $3"
        )
        #expect(typed("SELECT '$1', \"$1\", $1, $12", ["float8"]) == "SELECT '$1', \"$1\", $1::float8, $12")
        #expect(typed("SELECT $1", [nil]) == "SELECT $1")
        for query in ["SELECT 1", "  select x FROM t", "(SELECT 1) UNION (SELECT 2)", "WITH a AS (SELECT 1) SELECT * FROM a"] {
            #expect(PostgresSQLConnection.isQuery(query), "\(query)")
        }
        for other in ["INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "DELETE FROM t", "DECLARE c CURSOR FOR SELECT 1", "BEGIN", "SET LOCAL x = 1"]
        {
            #expect(!PostgresSQLConnection.isQuery(other), "\(other)")
        }
    }

    @Test func aConnectionPreparesAQueryOnceForEachSetOfArgumentTypesAndKeepsItAcrossTransactions() async throws {
        let database = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "prepared-\(UUID().uuidString)"), schemas: [])
        let marker = "marker-\(UUID().uuidString)"
        let query = "SELECT CAST(? AS TEXT) AS word, ? + 1 AS next, '\(marker)' AS marker"
        // Sixteen transactions at once, then again: every connection of the pool runs the query, with a NULL as well.
        for round in 0..<2 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        let word: String? = index % 2 == 0 ? "w\(index)" : nil
                        let row = try await database.read { db in try db.fetchOne(sql: query, arguments: [word, index]) }
                        #expect(row?["word"] as String? == word, "round \(round)")
                        #expect(row?["next"] as Int? == index + 1)
                    }
                }
                try await group.waitForAll()
            }
        }
        // A connection holds the statement under its typed text once per set of types, whichever transaction ran it.
        let prepared = try await database.read { db in
            try db.fetchAll(String.self, sql: "SELECT statement FROM pg_prepared_statements WHERE strpos(statement, ?) > 0", arguments: [marker])
        }
        #expect(!prepared.isEmpty && prepared.count <= 2)
        #expect(prepared.allSatisfy { $0.contains("$2::int8") })
        #expect(prepared.contains { $0.contains("CAST($1::text AS TEXT)") } || prepared.contains { $0.contains("CAST($1 AS TEXT)") })
    }

    @Test func valuesComeBackAsSQLiteWouldReturnThem() async throws {
        let database = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "values-\(UUID().uuidString)"), schemas: [])
        let row = try #require(
            try await database.read { db in
                try db.fetchOne(
                    sql: """
                        SELECT 1 = 1 AS yes, CAST(7 AS SMALLINT) AS small, SUM(x) AS total, AVG(x) AS mean, 'text' AS word,
                               CAST(NULL AS TEXT) AS nothing, CAST('ab' AS BYTEA) AS bytes, 2.5::float8 AS real
                        FROM (VALUES (1), (2)) AS v(x)
                        """
                )
            }
        )
        #expect(row["yes"] as Bool == true)
        #expect(row["small"] as Int == 7)
        #expect(row["total"] as Int == 3)
        #expect(row["mean"] as Double == 1.5)
        #expect(row["word"] as String == "text")
        #expect(row["nothing"] as String? == nil)
        #expect(row["bytes"] as Data == Data("ab".utf8))
        #expect(row["real"] as Double == 2.5)
        // Dates go in and come out as SQLite's UTC text, so they compare alike on both engines.
        let date = Date(timeIntervalSince1970: 1_764_720_000.123)
        let back = try await database.read { db in try db.fetchOne(Date.self, sql: "SELECT ?", arguments: [date]) }
        #expect(back.map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
    }

    @Test func aLargeResultStreamsThroughACursorInBatchesWithOtherStatementsBetween() async throws {
        let database = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "stream-\(UUID().uuidString)"), schemas: [])
        // More rows than two of the cursor's batches, read while other statements run on the same connection.
        let (numbers, between) = try await database.read { db in
            let rows = try db.fetchStream(
                sql: "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) SELECT x, 'n' || x AS name FROM n",
                arguments: [4_500]
            )
            var numbers: [Int] = []
            var between: [Int] = []
            while let row = try rows.next() {
                numbers.append(row["x"])
                #expect(row["NAME"] as String == "n\(numbers.last!)")
                if numbers.count % 1_500 == 0 { between.append(try db.fetchValue(Int.self, sql: "SELECT ? + 1", arguments: [numbers.count])) }
            }
            #expect(try rows.next() == nil)
            return (numbers, between)
        }
        #expect(numbers == Array(1...4_500))
        #expect(between == [1_501, 3_001, 4_501])
        // A cursor left unread ends with its transaction; a refused query fails at once as the kind it is.
        let first = try await database.read { db in try db.fetchStream(sql: "SELECT x FROM (VALUES (1), (2)) AS v(x)").next()?["x"] as Int? }
        #expect(first == 1)
        let refused = await #expect(throws: SQLFailure.self) {
            try await database.read { db in _ = try db.fetchStream(sql: "SELECT nothing FROM nowhere").next() }
        }
        #expect(refused?.sqlState == "42P01")
    }

    @Test func aQuerySentAheadRunsBeforeTheStatementsAfterItAndItsFetchTakesThatAnswer() async throws {
        let database = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "ahead-\(UUID().uuidString)"), schemas: [])
        // nextval shows which statement ran when, and how often.
        let next = "SELECT nextval('ahead') AS n, ? AS tag"
        let (taken, between, again, other) = try await database.write { db in
            try db.execute(sql: "CREATE SEQUENCE ahead")
            db.sendAhead(sql: next, arguments: ["a"])
            db.sendAhead(sql: next, arguments: ["a"])  // the same query twice goes out once
            let between = try db.fetchValue(Int.self, sql: "SELECT nextval('ahead')")
            let taken = try db.fetchValue(Int.self, sql: next, arguments: ["a"])
            // Taken once: the same query again runs anew, and other arguments are another query.
            let again = try db.fetchValue(Int.self, sql: next, arguments: ["a"])
            db.sendAhead(sql: next, arguments: ["b"])
            let other = try db.fetchValue(Int.self, sql: next, arguments: ["c"])
            return (taken, between, again, other)
        }
        #expect(taken == 1)
        #expect(between == 2)
        #expect(again == 3)
        #expect(other == 5)
        // A query sent ahead and never fetched (the read was refused first) leaves the connection fit for the next.
        await #expect(throws: GranaryError.self) {
            try await database.read { db in
                db.sendAhead(sql: "SELECT ? AS unread", arguments: [1])
                throw GranaryError.forbidden(LocalizedText(zh: "拒绝", en: "Refused"))
            }
        }
        for round in 0..<20 {
            #expect(try await database.read { db in try db.fetchValue(Int.self, sql: "SELECT ? + 1", arguments: [round]) } == round + 1)
        }
    }

    @Test func aRefusedStatementRollsBackTheWholeTransactionAndSaysWhatKindOfFailure() async throws {
        let database = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "refused-\(UUID().uuidString)"), schemas: [])
        let failure = await #expect(throws: SQLFailure.self) {
            try await database.write { db in
                try db.execute(sql: "INSERT INTO institutions (name, role, createdAt) VALUES ('甲', 'host', '2026-12-03 00:00:00.000')")
                try db.execute(sql: "INSERT INTO institutions (name, role, createdAt) VALUES ('甲', 'host', '2026-12-03 00:00:00.000')")
            }
        }
        #expect(failure?.kind == .constraint)
        #expect(failure?.sqlState == "23505")
        #expect(try await database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM institutions") } == 0)
        // A savepoint undoes only its own part.
        try await database.write { db in
            try db.execute(sql: "INSERT INTO institutions (name, role, createdAt) VALUES ('乙', 'host', '2026-12-03 00:00:00.000')")
            #expect(throws: SQLFailure.self) {
                try db.inSavepoint {
                    try db.execute(sql: "INSERT INTO institutions (name, role, createdAt) VALUES ('丙', 'host', '2026-12-03 00:00:00.000')")
                    try db.execute(sql: "INSERT INTO institutions (name, role, createdAt) VALUES ('乙', 'host', '2026-12-03 00:00:00.000')")
                }
            }
        }
        #expect(try await database.read { db in try db.fetchAll(String.self, sql: "SELECT name FROM institutions") } == ["乙"])
    }

    @Test func writesFromTwoNodesTakeTurnsAndEventsNumberInCommitOrder() async throws {
        let name = TestDatabase.name(forLibraryIn: "turns-\(UUID().uuidString)")
        let first = try await TestDatabase.database(named: name, schemas: [])
        let second = try await TestDatabase.database(named: name, schemas: [])
        // Each write reads the newest event and appends the next: with writes taking turns, none is lost or doubled.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (node, database) in [first, second].enumerated() {
                group.addTask {
                    for index in 0..<20 {
                        try await database.write { db in
                            try EventLog.record(db, actor: "node\(node)", action: "test.turn", itemType: "test", itemId: "\(index)", at: Date())
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let ids = try await first.read { db in try db.fetchAll(Int64.self, sql: "SELECT id FROM events ORDER BY id") }
        #expect(ids.count == 40)
        #expect(try await first.read { db in try EventLog.verifyChain(db) } == [])
        // Each node's feed sees the other's writes once it polls.
        #expect(try await first.feed.poll() == ids.last)
        #expect(try await second.feed.poll() == ids.last)
    }
}

extension PostgresEngineTests {
    @Test func aNodeHearsOfAnotherNodesCommitWithoutPolling() async throws {
        let name = TestDatabase.name(forLibraryIn: "notices-\(UUID().uuidString)")
        let writer = try await TestDatabase.database(named: name, schemas: [])
        let follower = try await TestDatabase.database(named: name, schemas: [])
        // What the follower's feed head was each time it was woken.
        let heard = Mutex<[Int64]>([])
        let listening = Task {
            await follower.feed.followCommits {
                let head = (try? await follower.feed.poll()) ?? -1
                heard.withLock { $0.append(head) }
            }
        }
        defer { listening.cancel() }
        // Once on connecting (for what committed while nobody listened), then once per committed transaction.
        #expect(try await Self.wait { heard.withLock { $0 } == [0] })
        var expected: [Int64] = [0]
        for round in 1...2 {
            try await writer.write { db in
                try EventLog.record(db, actor: "node0", action: "test.notice", itemType: "test", itemId: "\(round)a", at: Date())
                try EventLog.record(db, actor: "node0", action: "test.notice", itemType: "test", itemId: "\(round)b", at: Date())
            }
            expected.append(try await writer.read { db in try ChangeFeed.newest(db) })
            let soFar = expected
            #expect(try await Self.wait { heard.withLock { $0 } == soFar })
        }
        // A transaction that rolls back tells nobody.
        await #expect(throws: SQLFailure.self) {
            try await writer.write { db in
                try EventLog.record(db, actor: "node0", action: "test.notice", itemType: "test", itemId: "3", at: Date())
                try db.execute(sql: "INSERT INTO institutions (name, role, createdAt) VALUES ('', 'host', '')")
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(heard.withLock { $0 } == expected)
    }

    /// Whether `condition` held within a minute, looking every 10 ms (the notices take milliseconds; the minute is for
    /// a machine busy with the whole suite).
    private static func wait(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

extension PostgresEngineTests {
    @Test func aStatementSentAfterItsConnectionClosedFailsAsUnavailableInsteadOfWaitingForever() async throws {
        // The driver drops what is sent on a connection already closed (a primary killed a moment before): with the
        // wait for its answer unbounded, each such statement held one of the engine's threads for good.
        let database = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "closed-\(UUID().uuidString)"), schemas: [])
        let observer = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "closed-observer-\(UUID().uuidString)"), schemas: [])
        let backend = Mutex<Int?>(nil)
        let terminated = DispatchSemaphore(value: 0)
        let reading = Task {
            try await database.read { db in
                backend.withLock { $0 = try? db.fetchOne(Int.self, sql: "SELECT pg_backend_pid()") }
                terminated.wait()
                // Long enough for the driver to see the end and take the channel down.
                Thread.sleep(forTimeInterval: 0.5)
                return try db.fetchOne(Int.self, sql: "SELECT 1")
            }
        }
        var pid: Int?
        while pid == nil {
            try await Task.sleep(for: .milliseconds(10))
            pid = backend.withLock { $0 }
        }
        let target = pid
        let killed = try await observer.read { db in
            try db.fetchOne(Bool.self, sql: "SELECT pg_terminate_backend(CAST(? AS INTEGER))", arguments: [target])
        }
        #expect(killed == true)
        let asked = ContinuousClock.now
        terminated.signal()
        let failure = await #expect(throws: SQLFailure.self) { try await reading.value }
        #expect(failure?.kind == .unavailable)
        #expect(ContinuousClock.now - asked < .seconds(10))
        // The engine's other connections go on.
        #expect(try await database.read { db in try db.fetchOne(Int.self, sql: "SELECT 1") } == 1)
    }

    @Test func aTransactionThatGetsNoConnectionFailsAsUnavailableAndTheOthersFinish() async throws {
        let database = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "lease-\(UUID().uuidString)"), schemas: [])
        // Watches the server's processes on the library's database from a pool of its own.
        let target = try await database.read { db in try db.fetchValue(String.self, sql: "SELECT current_database()") }
        let observer = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: "lease-observer-\(UUID().uuidString)"), schemas: [])
        let connected = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ? AND backend_type = 'client backend'"
        // Every connection of the pool (16) held by a transaction that waits to be let go.
        let letGo = DispatchSemaphore(value: 0)
        let holding = HoldingCount()
        let holders = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await database.read { _ in
                            holding.count.withLock { $0 += 1 }
                            letGo.wait()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Every holder has its connection before the 17th asks (on a busy machine that took more than the second
        // this test once slept): as many server processes as the pool holds, and the engine's threads all busy.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let count = try await observer.read { db in try db.fetchValue(Int.self, sql: connected, arguments: [target]) }
            if count >= 16 && holding.count.withLock { $0 } >= 8 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(holding.count.withLock { $0 } >= 8)
        // Should the wait never give up, the holders are let go after 40 s and the transaction below succeeds.
        let releaser = Task {
            try await Task.sleep(for: .seconds(40))
            for _ in 0..<16 { letGo.signal() }
        }
        let asked = ContinuousClock.now
        let failure = await #expect(throws: SQLFailure.self) {
            try await database.read { db in try db.fetchOne(Int.self, sql: "SELECT 1") }
        }
        #expect(failure?.kind == .unavailable)
        // Given up at the limit, not when a connection came back.
        #expect(ContinuousClock.now - asked < .seconds(30))
        releaser.cancel()
        if (try? await releaser.value) == nil { for _ in 0..<16 { letGo.signal() } }
        try await holders.value
        #expect(try await database.read { db in try db.fetchOne(Int.self, sql: "SELECT 1") } == 1)
    }
}

/// How many transactions are inside their body, counted from the engine's threads.
private final class HoldingCount: Sendable {
    let count = Mutex(0)
}
