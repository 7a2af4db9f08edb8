import Foundation
import GRDB
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import _ConnectionPoolModule

/// A library's PostgreSQL database: a pool of connections to the primary, and transactions over it.
///
/// Writes are serialised across every node by a transaction-scoped advisory lock, as SQLite serialises them in one
/// process: the stores' read-then-write checks stay correct, and events get their sequence numbers in commit order,
/// which the change feed needs. Reads run in `REPEATABLE READ` snapshots, as SQLite's WAL readers do.
///
/// When the primary goes away and an operator promotes a standby, the first failed transaction makes the engine
/// look for the server among `--database`'s hosts that takes writes and move its pool there; requests meanwhile fail
/// with `storage_unavailable` (503) and succeed again once it has moved, without a restart.
public final class PostgresEngine: Sendable {
    /// Where the database is.
    public let location: PostgresLocation
    private let logger: Logger
    private let threads: NIOThreadPool
    private let current: Mutex<Pool?>
    private let moving = Mutex<Task<Void, Never>?>(nil)

    /// The advisory lock every write transaction takes ("GRNY").
    static let writeLock: Int64 = 0x4752_4E59

    private struct Pool: Sendable {
        let endpoint: PostgresLocation.Endpoint
        let client: PostgresClient
        let running: Task<Void, Never>
    }

    /// Connects to the server among `location`'s that takes writes.
    public init(location: PostgresLocation, logger: Logger) async throws {
        self.location = location
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: 8)
        self.threads.start()
        self.current = Mutex(nil)
        try await self.moveToPrimary()
    }

    deinit {
        self.current.withLock { $0?.running.cancel() }
        self.threads.shutdownGracefully { _ in }
    }

    /// Runs `body` in a read-only snapshot.
    func read<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await self.transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: false, body)
    }

    /// Runs `body` in a write transaction, after every other node's write has committed or rolled back.
    func write<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await self.transaction(begin: "BEGIN", lock: true, body)
    }

    private func transaction<T: Sendable>(
        begin: String,
        lock: Bool,
        _ body: @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        let client = try self.client()
        do {
            // `body` stays here: what may outlive this call (a lease granted too late, the pool's thread) holds only
            // the box, emptied before it returns.
            return try await withoutActuallyEscaping(body) { body in
                let box = BodyBox(body)
                defer { box.empty() }
                return try await self.withConnection(from: client) { connection in
                    try await self.blocking(box) { body in
                        let sql = PostgresSQLConnection(connection)
                        // BEGIN goes out with the first statement instead of taking a round trip of its own (a
                        // connection runs its statements in order); its answer is checked before anything counts.
                        let begun = sql.sendControl(begin)
                        do {
                            if lock {
                                try sql.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.writeLock])
                                // Before the body writes: outside a transaction each write would commit alone.
                                _ = try sql.wait(begun, begin)
                            }
                            let result = try body(sql)
                            _ = try sql.wait(begun, begin)
                            if lock {
                                try sql.execute(sql: "COMMIT")
                            } else {
                                // A read's COMMIT changes nothing and cannot fail for it: not waited for. The
                                // connection's next transaction queues behind it.
                                sql.sendControl("COMMIT").whenComplete { _ in }
                            }
                            return result
                        } catch {
                            if !sql.isClosed { try? sql.execute(sql: "ROLLBACK") }
                            throw error
                        }
                    }
                }
            }
        } catch let failure as SQLFailure where failure.kind == .unavailable {
            self.findPrimaryInBackground()
            throw failure
        } catch let error as PSQLError {
            self.findPrimaryInBackground()
            throw SQLFailure(error)
        } catch let error as ConnectionPoolError {
            // No connection could be made for a while (the server is gone), or the pool was shut as it moved.
            self.findPrimaryInBackground()
            throw SQLFailure(kind: .unavailable, message: "no connection to PostgreSQL at \(self.location): \(error)")
        }
    }

    /// How long a transaction waits for a connection before the engine checks that its server still takes writes
    /// (the wait goes on meanwhile), and before the transaction fails as `unavailable`.
    static let (leaseCheck, leaseTimeout): (Duration, Duration) = (.seconds(2), .seconds(15))

    /// Runs `work` on a connection from `client`; looks for the primary when none comes within `leaseCheck`, and
    /// fails as `unavailable` when none comes within `leaseTimeout`.
    ///
    /// While it cannot connect, the pool keeps requests waiting for a minute before it fails them: a primary that
    /// died would hold every request, and the health check, that long, and nothing would start the search for the
    /// promoted standby. A busy machine can also take seconds to hand out a connection, so the first step only looks
    /// (moving the pool when another server has been promoted), and only the second gives up. A transaction that has
    /// its connection is never cut short. The wait is not a child task: a pool shut down as the engine moved may
    /// never answer a cancelled request, and a task group would wait for it.
    private func withConnection<T: Sendable>(
        from client: PostgresClient,
        _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let lease = Lease<T>()
        return try await withCheckedThrowingContinuation { continuation in
            lease.begin(continuation)
            let leasing = Task {
                do {
                    let value = try await client.withConnection { connection in
                        // Too late: the caller was told the database is unavailable and has gone.
                        guard lease.take() else { throw CancellationError() }
                        return try await work(connection)
                    }
                    lease.finish(.success(value))
                } catch {
                    lease.finish(.failure(error))
                }
            }
            lease.watch(
                Task { [weak self] in
                    try await Task.sleep(for: Self.leaseCheck)
                    if lease.isWaiting { self?.findPrimaryInBackground() }
                    try await Task.sleep(for: Self.leaseTimeout - Self.leaseCheck)
                    if lease.expire() { leasing.cancel() }
                }
            )
        }
    }

    /// One transaction's wait for a connection: it ends once, by the connection's work or by the timeout.
    private final class Lease<T: Sendable>: Sendable {
        private enum Phase { case waiting, leased, over }
        private struct State {
            var phase = Phase.waiting
            var caller: CheckedContinuation<T, any Error>?
            var watchdog: Task<Void, any Error>?
        }
        private let state = Mutex(State())

        func begin(_ caller: CheckedContinuation<T, any Error>) {
            self.state.withLock { $0.caller = caller }
        }

        func watch(_ watchdog: Task<Void, any Error>) {
            let over = self.state.withLock { state in
                state.watchdog = watchdog
                return state.phase == .over
            }
            if over { watchdog.cancel() }
        }

        var isWaiting: Bool {
            self.state.withLock { $0.phase == .waiting }
        }

        /// Whether the connection came in time (and may now be used).
        func take() -> Bool {
            self.state.withLock { state in
                guard state.phase == .waiting else { return false }
                state.phase = .leased
                return true
            }
        }

        /// Tells the caller the database is unavailable, unless a connection came first; whether it did so.
        func expire() -> Bool {
            let caller = self.state.withLock { state -> CheckedContinuation<T, any Error>? in
                guard state.phase == .waiting else { return nil }
                state.phase = .over
                defer { state.caller = nil }
                return state.caller
            }
            caller?.resume(
                throwing: SQLFailure(kind: .unavailable, message: "no connection to PostgreSQL within \(PostgresEngine.leaseTimeout)")
            )
            return caller != nil
        }

        /// Hands the caller what the connection's work ended with, unless the timeout already answered it.
        func finish(_ result: Result<T, any Error>) {
            let (caller, watchdog) = self.state.withLock { state in
                state.phase = .over
                defer { state.caller = nil }
                return (state.caller, state.watchdog)
            }
            watchdog?.cancel()
            caller?.resume(with: result)
        }
    }

    /// Runs `work` with the box's body on the engine's threads, where statements may wait for their answers; fails
    /// when the box was emptied first (the transaction already gave up).
    private func blocking<T: Sendable>(
        _ box: BodyBox<T>,
        _ work: @escaping @Sendable (@Sendable (any SQLConnection) throws -> T) throws -> T
    ) async throws -> T {
        try await self.threads.runIfActive {
            guard let body = box.body else { throw CancellationError() }
            return try work(body)
        }
    }

    private func client() throws -> PostgresClient {
        guard let pool = self.current.withLock({ $0 }) else {
            self.findPrimaryInBackground()
            throw SQLFailure(kind: .unavailable, message: "no PostgreSQL server among \(self.location) takes writes")
        }
        return pool.client
    }

    // MARK: Hearing of commits

    /// Calls `wake` whenever a transaction that appended events commits on the primary, from whichever node, and once
    /// after each (re)connection, since what is sent while nobody listens is lost. Returns when the task is cancelled.
    ///
    /// Only the primary sends notices (a standby relays none), so this listens where the pool is, on a connection of
    /// its own, and follows the pool when it moves. Polling stays the fallback: a lost notice costs one poll interval.
    func followCommits(_ wake: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            if let endpoint = self.current.withLock({ $0?.endpoint }) {
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: self.configuration(endpoint).connection,
                        id: 1,
                        logger: self.logger
                    )
                    do {
                        try await withTaskCancellationHandler {
                            try await connection.listen(on: "granary_events") { notices in
                                await wake()
                                // Ends when the connection is lost or closed, or the task is cancelled.
                                for try await _ in notices {
                                    await wake()
                                    if self.current.withLock({ $0?.endpoint }) != endpoint { break }
                                }
                            }
                        } onCancel: {
                            connection.close().whenComplete { _ in }
                        }
                    } catch {
                        self.logger.notice("listening for commits at \(endpoint) stopped: \(String(reflecting: error))")
                    }
                    // Closed, and the closing waited for, on every way out: the driver insists on it.
                    try? await connection.close().get()
                } catch {
                    self.logger.debug("no connection to listen for commits at \(endpoint): \(String(reflecting: error))")
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: Finding the primary

    /// Looks for the primary, one search at a time, asking every second until a server takes writes: the pool
    /// keeps requests waiting while it fails to connect, so no further failure would come to start a new search when
    /// an operator promotes a standby. Stays where it is when the current server turns out to be the primary still.
    private func findPrimaryInBackground() {
        self.moving.withLock { moving in
            guard moving == nil else { return }
            // Weakly held: an engine nobody uses any more stops looking.
            moving = Task { [weak self] in
                var attempts = 0
                while !Task.isCancelled {
                    do {
                        guard let engine = self else { return }
                        do {
                            try await engine.moveToPrimary()
                            engine.moving.withLock { $0 = nil }
                            return
                        } catch {
                            if attempts == 0 { engine.logger.warning("no PostgreSQL server takes writes yet, asking every second: \(error)") }
                        }
                    }
                    attempts += 1
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Asks each server whether it takes writes and moves the pool to the first that does.
    private func moveToPrimary() async throws {
        var reasons: [String] = []
        for endpoint in self.location.endpoints {
            do {
                guard try await self.takesWrites(endpoint) else {
                    reasons.append("\(endpoint) is a standby")
                    continue
                }
            } catch let error as PSQLError {
                // The driver's own description hides the server's words; a refused log-in is worth saying.
                reasons.append("\(endpoint): \(error.serverInfo?[.message] ?? String(reflecting: error.code))")
                continue
            } catch {
                reasons.append("\(endpoint): \(error)")
                continue
            }
            let previous = self.current.withLock { $0 }
            if previous?.endpoint == endpoint { return }
            // The pool warns when it is asked for a connection a moment before its run() has begun, as it is here.
            var quieter = self.logger
            quieter.logLevel = max(self.logger.logLevel, .error)
            let client = PostgresClient(configuration: self.configuration(endpoint), backgroundLogger: quieter)
            let running = Task { await client.run() }
            self.current.withLock { $0 = Pool(endpoint: endpoint, client: client, running: running) }
            previous?.running.cancel()
            if previous != nil { self.logger.notice("PostgreSQL primary is now \(endpoint)") }
            return
        }
        throw SQLFailure(kind: .unavailable, message: reasons.joined(separator: "; "))
    }

    private func takesWrites(_ endpoint: PostgresLocation.Endpoint) async throws -> Bool {
        let connection = try await PostgresConnection.connect(
            configuration: self.configuration(endpoint).connection,
            id: 0,
            logger: self.logger
        )
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query("SELECT pg_is_in_recovery()", logger: self.logger)
        for try await (recovering) in rows.decode(Bool.self) { return !recovering }
        return false
    }

    private func configuration(_ endpoint: PostgresLocation.Endpoint) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: endpoint.host,
            port: endpoint.port,
            username: self.location.username,
            password: self.location.password,
            database: self.location.database,
            tls: .disable
        )
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 16
        return configuration
    }
}

extension PostgresClient.Configuration {
    /// The same server and role for a single connection.
    fileprivate var connection: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: self.host ?? "127.0.0.1",
            port: self.port ?? 5432,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: .disable
        )
    }
}

/// A transaction's body, for what runs it elsewhere: emptied when the transaction returns, so nothing keeps it.
private final class BodyBox<T>: Sendable {
    private let stored: Mutex<(@Sendable (any SQLConnection) throws -> T)?>

    init(_ body: @escaping @Sendable (any SQLConnection) throws -> T) {
        self.stored = Mutex(body)
    }

    var body: (@Sendable (any SQLConnection) throws -> T)? {
        self.stored.withLock { $0 }
    }

    func empty() {
        self.stored.withLock { $0 = nil }
    }
}
