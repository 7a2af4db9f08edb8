import Foundation
import GranaryStore
import Logging

/// A real PostgreSQL server for the tests: Debian's (`apt-get install postgresql`), a throwaway cluster started once
/// per test process on a free loopback port (as the `postgres` account when the tests run as root, since initdb
/// refuses root), with a database of its own for each library.
///
/// `GRANARY_TEST_DATABASE=postgresql swift test` runs the whole suite with every library on it, as a cluster node
/// would run; the server stops when the test process ends, however it ends.
public enum TestDatabase {
    /// Whether the tests should put every library on PostgreSQL.
    public static var isPostgreSQL: Bool {
        ProcessInfo.processInfo.environment["GRANARY_TEST_DATABASE"] == "postgresql"
    }

    /// The database a test library in `dataDirectory` uses: with `GRANARY_TEST_DATABASE=postgresql` a PostgreSQL
    /// database named after the folder (created on first use, so a library opened again finds its data), else nil
    /// (`granary.sqlite` in the folder).
    public static func defaultDatabase(
        forLibraryIn dataDirectory: String,
        schemas: [TableSchema],
        clock: LibraryClock = .system
    ) async throws -> LibraryDatabase? {
        guard Self.isPostgreSQL else { return nil }
        return try await Self.database(named: Self.name(forLibraryIn: dataDirectory), schemas: schemas, clock: clock)
    }

    /// A PostgreSQL library database named `name` on the test server, created if missing and migrated.
    public static func database(named name: String, schemas: [TableSchema], clock: LibraryClock = .system) async throws -> LibraryDatabase {
        let server = try Self.server.get()
        try Self.psql(server, "SELECT 'CREATE DATABASE \(name)' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '\(name)')\\gexec")
        return try await LibraryDatabase(
            postgresql: try PostgresLocation(Self.url(server, name)),
            schemas: schemas,
            clock: clock,
            logger: Logger(label: "granary.test.postgresql")
        )
    }

    /// The database name for a library folder.
    public static func name(forLibraryIn dataDirectory: String) -> String {
        let folder = URL(fileURLWithPath: dataDirectory).lastPathComponent.lowercased()
        return "lib_" + String(folder.map { $0.isLetter || $0.isNumber ? $0 : "_" }).suffix(50)
    }

    private struct Server: Sendable {
        let port: Int
        let socketFolder: String
    }

    private static func url(_ server: Server, _ name: String) -> String {
        "postgresql://postgres@127.0.0.1:\(server.port)/\(name)"
    }

    private static let server: Result<Server, any Error> = Result { try Self.start() }

    private static func start() throws -> Server {
        let bin = ProcessInfo.processInfo.environment["GRANARY_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
        guard FileManager.default.isExecutableFile(atPath: bin + "/initdb") else {
            throw TestObjectStore.NotStarted(reason: "PostgreSQL is not installed: `apt-get install postgresql` (or set GRANARY_PG_BIN)")
        }
        let folder = TestFolders.make("postgresql")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        let run = asRoot ? "runuser -u postgres -- " : ""
        if asRoot { try Self.shell("chown postgres '\(folder)'") }
        try Self.shell(
            "\(run)'\(bin)/initdb' --no-sync -U postgres -A trust -E UTF8 --locale=C.UTF-8 -D '\(folder)/data' >'\(folder)/initdb.log' 2>&1"
        )
        let port = Int.random(in: 40000...49000)
        // Every library the tests hold open at once keeps a pool of up to 16 connections and one that listens; 400
        // ran out ("too many clients already") once two-step log-in's tests added their libraries to the parallel run.
        let options = "-c listen_addresses=127.0.0.1 -p \(port) -k '\(folder)' -c fsync=off -c synchronous_commit=off -c max_connections=1000"
        // The shell stops the server once this process is gone (a test run killed or crashed included). It signals
        // the server by the pid in postmaster.pid: a signal to runuser does not reach the server under it, and the
        // test folder (data and all) may be removed by then, which leaves pg_ctl nothing to read.
        let pidFile = "\(folder)/data/postmaster.pid"
        let watch = """
            \(run)'\(bin)/postgres' -D '\(folder)/data' \(options) >'\(folder)/server.log' 2>&1 & w=$!; \
            until [ -s '\(pidFile)' ] || ! kill -0 $w 2>/dev/null; do sleep 0.1; done; p=$(head -1 '\(pidFile)' 2>/dev/null); \
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \
            kill -INT ${p:-$w} 2>/dev/null; sleep 3; kill -KILL ${p:-$w} 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watch]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = Server(port: port, socketFolder: folder)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? Self.psql(server, "SELECT 1")) != nil { return server }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
        throw TestObjectStore.NotStarted(reason: "PostgreSQL did not start on port \(port): \(log.suffix(2000))")
    }

    private static func psql(_ server: Server, _ command: String) throws {
        try Self.shell("echo \"\(command)\" | psql -q -h 127.0.0.1 -p \(server.port) -U postgres -d postgres >/dev/null 2>&1")
    }

    private static func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestObjectStore.NotStarted(reason: "`\(command)` exited with \(process.terminationStatus)")
        }
    }
}
