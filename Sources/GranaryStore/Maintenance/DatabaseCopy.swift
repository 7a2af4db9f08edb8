import Foundation
import GRDB

/// `granary copy --to-database`: a single-node library's SQLite database copied row for row into an empty
/// PostgreSQL library, the move up to a cluster.
///
/// One read snapshot of the source and one write transaction on the target, so the copy is of one moment and either
/// all there or not there at all; safe beside the running service, whose later changes it does not see (stop writes,
/// or copy again into a fresh database, before moving the service over). Tables go parents first, each row with its
/// values as stored (dates as their UTC text, so they hash and compare the same), events with their ids and hashes,
/// so the audit trail's chain verifies on the target; the rows SQLite orders by `rowid` keep it. What triggers keep
/// (the live resource counts, the catalogue revision, the newest event id) is rebuilt by the target's triggers.
public enum DatabaseCopy {
    /// Rows copied, per table, parents first.
    public struct Report: Sendable, Equatable {
        /// Table and rows.
        public let tables: [Table]

        /// One table's rows.
        public struct Table: Sendable, Equatable {
            public let name: String
            public let rows: Int
        }
    }

    /// Why a copy was refused.
    public enum Failure: Error, CustomStringConvertible {
        case sourceNotSQLite
        case targetNotPostgreSQL
        case sourceNotPostgreSQL
        case targetNotSQLite
        case targetNotEmpty(String)

        public var description: String {
            switch self {
            case .sourceNotSQLite: "the library to copy is already on PostgreSQL; copy from a SQLite library (--data)"
            case .targetNotPostgreSQL: "--to-database must name a PostgreSQL database (postgresql://…)"
            case .sourceNotPostgreSQL: "the library to copy back is not on PostgreSQL; name it with --database"
            case .targetNotSQLite: "the way back goes into a data folder's SQLite database"
            case .targetNotEmpty(let table): "the target database is not empty (\(table) has rows); copy into a new database"
            }
        }
    }

    /// Tables whose rows the target's triggers make, and its own bookkeeping.
    static let derived: Set<String> = ["granarymigrations", "liveresourcecounts", "cataloguerevision", "eventshead"]

    /// Copies every row of `source` into `target`; `progress(table, rows)` follows each table as it is done.
    public static func copy(
        from source: LibraryDatabase,
        to target: LibraryDatabase,
        progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        guard let sqlite = source.sqlite else { throw Failure.sourceNotSQLite }
        guard target.engine == .postgresql else { throw Failure.targetNotPostgreSQL }
        return try await target.write { postgres in
            let plan = try Self.plan(postgres)
            for table in ["users", "events", "majors"] where try postgres.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM \(table)") != 0 {
                throw Failure.targetNotEmpty(table)
            }
            // The source's snapshot, read on this thread while the target's transaction stays open.
            let tables = try sqlite.read { grdb in
                let db = SQLiteConnection(grdb)
                return try plan.map { table in
                    let rows = try Self.copy(table, from: db, to: postgres)
                    progress(table.name, rows)
                    return Report.Table(name: table.name, rows: rows)
                }
            }
            // Identity columns go on from the highest copied value; the trail's end from SQLite's own counter.
            for (table, column) in try Self.identityColumns(postgres) {
                try postgres.execute(
                    sql: "SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), COALESCE(MAX(\(column)), 0) + 1, false) FROM \(table)"
                )
            }
            let counter = try sqlite.read { grdb in try Int64.fetchOne(grdb, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'") } ?? 0
            try postgres.execute(sql: "UPDATE eventsHead SET lastEvent = GREATEST(lastEvent, ?)", arguments: [counter])
            // The planner's statistics, which autovacuum would gather only later: without them it guesses the joins
            // of millions of fresh rows badly.
            try postgres.execute(sql: "ANALYZE")
            return Report(tables: tables)
        }
    }

    /// The way back: every row of a PostgreSQL library (`source`) copied into a new SQLite library (`target`), from
    /// one read snapshot in one write transaction, tables parents first, values and event ids as stored, so `verify`
    /// finds the same chain on both sides; the trail's counter goes on from the source's.
    public static func copyBack(
        from source: LibraryDatabase,
        to target: LibraryDatabase,
        progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        guard source.engine == .postgresql else { throw Failure.sourceNotPostgreSQL }
        guard let sqlite = target.sqlite else { throw Failure.targetNotSQLite }
        return try await source.read { postgres in
            let plan = try Self.plan(postgres)
            let last = try postgres.fetchValue(Int64.self, sql: "SELECT lastEvent FROM eventsHead")
            // The target's transaction, on this thread while the source's snapshot stays open.
            return try sqlite.write { grdb in
                let db = SQLiteConnection(grdb)
                for table in ["users", "events", "majors"] where try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM \(table)") != 0 {
                    throw Failure.targetNotEmpty(table)
                }
                let tables = try plan.map { table in
                    let rows = try Self.copy(table, from: postgres, to: db)
                    progress(table.name, rows)
                    return Report.Table(name: table.name, rows: rows)
                }
                try db.execute(
                    sql:
                        "INSERT INTO sqlite_sequence (name, seq) SELECT 'events', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')"
                )
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'events'", arguments: [last])
                return Report(tables: tables)
            }
        }
    }

    /// One table to copy: its name and the target's columns (lower case, as PostgreSQL keeps them).
    struct Table {
        let name: String
        let columns: [String]
    }

    /// The target's tables, each after every table it refers to.
    static func plan(_ db: any SQLConnection) throws -> [Table] {
        var columns: [String: [String]] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position
                """
        ) {
            let table: String = row["table_name"]
            if !Self.derived.contains(table) { columns[table, default: []].append(row["column_name"]) }
        }
        var parents: [String: Set<String>] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint c
                JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
                JOIN pg_namespace n ON n.oid = child.relnamespace
                WHERE c.contype = 'f' AND n.nspname = current_schema()
                """
        ) {
            let (child, parent): (String, String) = (row["child"], row["parent"])
            if child != parent { parents[child, default: []].insert(parent) }
        }
        var ordered: [Table] = []
        var placed: Set<String> = []
        var remaining = columns.keys.sorted()
        while !remaining.isEmpty {
            let ready = remaining.filter { (parents[$0] ?? []).subtracting(placed).isEmpty }
            // A cycle of foreign keys between tables would stop here; the schema has none.
            precondition(!ready.isEmpty, "foreign keys form a cycle among \(remaining)")
            for table in ready {
                ordered.append(Table(name: table, columns: columns[table] ?? []))
                placed.insert(table)
            }
            remaining.removeAll { placed.contains($0) }
        }
        return ordered
    }

    /// The target's identity columns (events, reviews, resource use, and the `rowid`s), as (table, column).
    static func identityColumns(_ db: any SQLConnection) throws -> [(String, String)] {
        try db.fetchAll(
            sql: """
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name
                """
        ).map { ($0["table_name"], $0["column_name"]) }
    }

    /// Copies one table's rows in insertion order (parents before the replies that name them), a few hundred to a
    /// statement; returns how many. `table` is as PostgreSQL has it, whichever side it is on: SQLite's `rowid`
    /// stands behind PostgreSQL's `rowid` column where the statements order by it.
    static func copy(_ table: Table, from source: any SQLConnection, to target: any SQLConnection) throws -> Int {
        let sqlite = source.engine == .sqlite ? source : target
        let present = Set(
            try sqlite.fetchAll(String.self, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table.name]).map { $0.lowercased() }
        )
        let columns = table.columns.filter { present.contains($0) || $0 == "rowid" }
        let order = source.engine == .sqlite || columns.contains("rowid") ? " ORDER BY rowid" : ""
        let batch = max(1, min(1000, 30_000 / max(1, columns.count)))
        let insert = "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES "
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let cursor = try source.fetchStream(sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table.name)" + order)
        var values: [DatabaseValue] = []
        var pending = 0
        var copied = 0
        func flush() throws {
            guard pending > 0 else { return }
            try target.execute(
                sql: insert + Array(repeating: row, count: pending).joined(separator: ", "),
                arguments: SQLArguments(values)
            )
            copied += pending
            values.removeAll(keepingCapacity: true)
            pending = 0
        }
        while let next = try cursor.next() {
            values.append(contentsOf: next.values)
            pending += 1
            if pending == batch { try flush() }
        }
        try flush()
        return copied
    }
}
