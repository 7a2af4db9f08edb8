import Foundation
import GRDB

/// The database engine a library runs on.
public enum DatabaseEngine: String, Sendable {
    /// One SQLite file (the embedded default).
    case sqlite
    /// A PostgreSQL server (the cluster mode).
    case postgresql
}

/// One connection inside a read or write transaction, on either engine.
///
/// Stores write their statements once, in the SQL both engines understand (`?` placeholders, `ON CONFLICT`,
/// `COALESCE`, camelCase names left unquoted), and ask `engine` where the two differ (dates in China's time zone,
/// case-insensitive matching). Values go in as `SQLArguments` (GRDB's `DatabaseValue`s) and come out as `SQLRow`s decoded with
/// GRDB's `DatabaseValueConvertible`, so a date or a JSON column reads the same from both.
public protocol SQLConnection: AnyObject {
    /// Which SQL dialect runs the statements.
    var engine: DatabaseEngine { get }
    /// Runs statements that return no rows (several, separated by `;`, when `arguments` is empty).
    func execute(sql: String, arguments: SQLArguments) throws
    /// The rows of one query, one at a time; the cursor is valid only inside the transaction.
    func fetchCursor(sql: String, arguments: SQLArguments) throws -> SQLRowCursor
    /// The rows of a query too large to hold at once (a whole table), one at a time: SQLite steps through them as
    /// `fetchCursor` does; PostgreSQL, which answers a statement whole, reads them through a server-side cursor a
    /// batch at a time, planned for reading every row. Other statements may run between rows.
    func fetchStream(sql: String, arguments: SQLArguments) throws -> SQLRowCursor
    /// Whether the table exists.
    func tableExists(_ name: String) throws -> Bool
    /// Runs `body` in a savepoint: its changes are undone when it throws, and the error goes on.
    func inSavepoint(_ body: () throws -> Void) throws
    /// Sends a query the transaction will run soon, before the statements in between are answered: the next fetch of
    /// the same text and arguments takes its answer. PostgreSQL runs a connection's statements back to back, so reads
    /// that do not depend on each other cost one wait on this thread instead of one each; SQLite, in this process,
    /// has nothing to wait for and ignores it. For reads only, whose answer nothing sent in between changes.
    func sendAhead(sql: String, arguments: SQLArguments)
}

extension SQLConnection {
    /// Runs statements without arguments.
    public func execute(sql: String) throws {
        try self.execute(sql: sql, arguments: SQLArguments())
    }

    /// The rows of a query without arguments, one at a time.
    public func fetchCursor(sql: String) throws -> SQLRowCursor {
        try self.fetchCursor(sql: sql, arguments: SQLArguments())
    }

    /// The rows of a large query without arguments, one at a time (see `fetchStream(sql:arguments:)`).
    public func fetchStream(sql: String) throws -> SQLRowCursor {
        try self.fetchStream(sql: sql, arguments: SQLArguments())
    }

    /// Every row of a query.
    public func fetchAll(sql: String, arguments: SQLArguments = SQLArguments()) throws -> [SQLRow] {
        let cursor = try self.fetchCursor(sql: sql, arguments: arguments)
        var rows: [SQLRow] = []
        while let row = try cursor.next() { rows.append(row) }
        return rows
    }

    /// The first row of a query, if any.
    public func fetchOne(sql: String, arguments: SQLArguments = SQLArguments()) throws -> SQLRow? {
        try self.fetchCursor(sql: sql, arguments: arguments).next()
    }

    /// The first column of every row; a NULL among them is an error.
    public func fetchAll<Value: DatabaseValueConvertible>(
        _ type: Value.Type,
        sql: String,
        arguments: SQLArguments = SQLArguments()
    ) throws -> [Value] {
        let cursor = try self.fetchCursor(sql: sql, arguments: arguments)
        var values: [Value] = []
        while let row = try cursor.next() {
            guard let value = Value.fromDatabaseValue(row.value(at: 0)) else {
                throw SQLDecodingError(column: row.columns.names.first ?? "?", value: row.value(at: 0), type: Value.self)
            }
            values.append(value)
        }
        return values
    }

    /// The first column of the first row; nil when there is no row or it holds NULL.
    public func fetchOne<Value: DatabaseValueConvertible>(
        _ type: Value.Type,
        sql: String,
        arguments: SQLArguments = SQLArguments()
    ) throws -> Value? {
        guard let row = try self.fetchCursor(sql: sql, arguments: arguments).next() else { return nil }
        let value = row.value(at: 0)
        if value.isNull { return nil }
        guard let decoded = Value.fromDatabaseValue(value) else {
            throw SQLDecodingError(column: row.columns.names.first ?? "?", value: value, type: Value.self)
        }
        return decoded
    }
}

extension SQLConnection {
    /// The first column of the first row, which the statement always returns (`COUNT(*)`, `RETURNING id`).
    public func fetchValue<Value: DatabaseValueConvertible>(
        _ type: Value.Type,
        sql: String,
        arguments: SQLArguments = SQLArguments()
    ) throws -> Value {
        guard let row = try self.fetchCursor(sql: sql, arguments: arguments).next() else {
            throw SQLDecodingError(column: "?", value: .null, type: Value.self)
        }
        guard let value = Value.fromDatabaseValue(row.value(at: 0)) else {
            throw SQLDecodingError(column: row.columns.names.first ?? "?", value: row.value(at: 0), type: Value.self)
        }
        return value
    }
}

/// The values a statement's `?` placeholders stand for, in order.
///
/// GRDB's `StatementArguments` keeps its values to itself; PostgreSQL needs them one by one, so statements take these
/// (written the same way: `[id, version]`, `SQLArguments(ids)`) and SQLite gets GRDB's from them.
public struct SQLArguments: Sendable, Hashable, ExpressibleByArrayLiteral {
    /// The values in placeholder order.
    public var values: [DatabaseValue]

    /// Whether there are none.
    public var isEmpty: Bool { self.values.isEmpty }

    /// No values.
    public init() {
        self.values = []
    }

    /// The database values of `values`; nil is NULL.
    public init(_ values: some Sequence<(any DatabaseValueConvertible)?>) {
        self.values = values.map { $0?.databaseValue ?? .null }
    }

    /// The database values of `values`.
    public init(_ values: some Sequence<some DatabaseValueConvertible>) {
        self.values = values.map(\.databaseValue)
    }

    public init(arrayLiteral elements: (any DatabaseValueConvertible)?...) {
        self.init(elements)
    }

    /// These values, then `other`'s.
    public static func + (left: SQLArguments, right: SQLArguments) -> SQLArguments {
        var joined = left
        joined.values += right.values
        return joined
    }
}

/// A value the database held that the reading code cannot take as the type it asked for.
public struct SQLDecodingError: Error, CustomStringConvertible {
    /// The column.
    public let column: String
    /// What it held.
    public let value: DatabaseValue
    /// The type asked for.
    public let type: Any.Type

    public var description: String {
        "column \(self.column) holds \(self.value), not a \(self.type)"
    }
}

/// The names of a result's columns, shared by its rows; looked up without regard to case, as PostgreSQL folds
/// unquoted names to lower case and SQLite keeps them as written.
public final class SQLColumns: Sendable {
    /// The names in order.
    public let names: [String]
    private let indexes: [CaselessName: Int]

    /// The columns named `names`.
    public init(_ names: [String]) {
        self.names = names
        var indexes: [CaselessName: Int] = [:]
        for (index, name) in names.enumerated() where indexes[CaselessName(name)] == nil {
            indexes[CaselessName(name)] = index
        }
        self.indexes = indexes
    }

    func index(of name: String) -> Int? {
        self.indexes[CaselessName(name)]
    }
}

/// A column name compared and hashed without regard to ASCII case, without making a lower-case copy (a whole
/// library's rows are read by name at start).
private struct CaselessName: Hashable, Sendable {
    let name: String

    init(_ name: String) {
        self.name = name
    }

    @inline(__always)
    private static func folded(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    static func == (left: CaselessName, right: CaselessName) -> Bool {
        var (first, second) = (left.name, right.name)
        return first.withUTF8 { first in
            second.withUTF8 { second in
                guard first.count == second.count else { return false }
                for index in first.indices where Self.folded(first[index]) != Self.folded(second[index]) { return false }
                return true
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        var sum: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in self.name.utf8 { sum = (sum ^ UInt64(Self.folded(byte))) &* 0x100_0000_01b3 }
        hasher.combine(sum)
    }
}

/// One row of a result, read by column name or position with GRDB's conversions.
public struct SQLRow: Sendable {
    /// Its result's columns.
    public let columns: SQLColumns
    /// Its values in column order.
    public let values: [DatabaseValue]

    /// A row.
    public init(columns: SQLColumns, values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value at `index`.
    public func value(at index: Int) -> DatabaseValue {
        self.values[index]
    }

    /// The value in the column named `name`; a name the query did not select is a programming error.
    public func value(named name: String) -> DatabaseValue {
        guard let index = self.columns.index(of: name) else {
            fatalError("no column \(name) among \(self.columns.names)")
        }
        return self.values[index]
    }

    /// The column's value, as in GRDB: ask for an optional type to read NULL as nil; NULL for a non-optional type or
    /// a value of another type is a programming error.
    public subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value {
        Self.decode(self.value(named: name), column: name)
    }

    /// The column's value, nil for NULL (`row["x"] == nil`).
    public subscript(_ name: String) -> (any DatabaseValueConvertible)? {
        let value = self.value(named: name)
        return value.isNull ? nil : value
    }

    /// The value at a position.
    public subscript<Value: DatabaseValueConvertible>(_ index: Int) -> Value {
        Self.decode(self.values[index], column: "#\(index)")
    }

    private static func decode<Value: DatabaseValueConvertible>(_ value: DatabaseValue, column: String) -> Value {
        guard let decoded = Value.fromDatabaseValue(value) else {
            fatalError(SQLDecodingError(column: column, value: value, type: Value.self).description)
        }
        return decoded
    }
}

/// The rows of a query, one at a time.
public final class SQLRowCursor {
    private let step: () throws -> SQLRow?

    /// A cursor over `step`, which answers nil after the last row.
    public init(_ step: @escaping () throws -> SQLRow?) {
        self.step = step
    }

    /// The next row, nil after the last.
    public func next() throws -> SQLRow? {
        try self.step()
    }

    /// Calls `body` with each remaining row.
    public func forEach(_ body: (SQLRow) throws -> Void) throws {
        while let row = try self.next() { try body(row) }
    }
}

/// A GRDB connection (SQLite) as an `SQLConnection`.
public final class SQLiteConnection: SQLConnection {
    /// The GRDB connection, valid inside the closure that was handed it.
    public let db: GRDB.Database

    /// Wraps `db`.
    public init(_ db: GRDB.Database) {
        self.db = db
    }

    public var engine: DatabaseEngine { .sqlite }

    public func execute(sql: String, arguments: SQLArguments) throws {
        try self.db.execute(sql: sql, arguments: StatementArguments(arguments.values))
    }

    public func fetchCursor(sql: String, arguments: SQLArguments) throws -> SQLRowCursor {
        let rows = try GRDB.Row.fetchCursor(self.db, sql: sql, arguments: StatementArguments(arguments.values))
        var columns: SQLColumns?
        return SQLRowCursor {
            guard let row = try rows.next() else { return nil }
            let names: SQLColumns
            if let columns {
                names = columns
            } else {
                names = SQLColumns(Array(row.columnNames))
                columns = names
            }
            return SQLRow(columns: names, values: Array(row.databaseValues))
        }
    }

    public func fetchStream(sql: String, arguments: SQLArguments) throws -> SQLRowCursor {
        try self.fetchCursor(sql: sql, arguments: arguments)
    }

    public func tableExists(_ name: String) throws -> Bool {
        try self.db.tableExists(name)
    }

    public func inSavepoint(_ body: () throws -> Void) throws {
        try self.db.inSavepoint {
            try body()
            return .commit
        }
    }

    public func sendAhead(sql: String, arguments: SQLArguments) {}
}

extension SQLFailure {
    /// What kind of database failure `error` is, on either engine; nil when it is not the database's.
    public static func kind(of error: any Error) -> Kind? {
        switch error {
        case let failure as SQLFailure: failure.kind
        case let error as DatabaseError where error.resultCode == .SQLITE_FULL: .full
        case let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT: .constraint
        default: nil
        }
    }
}
