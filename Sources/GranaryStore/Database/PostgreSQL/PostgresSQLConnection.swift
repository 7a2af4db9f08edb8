import Foundation
import GRDB
import NIOCore
import PostgresNIO
import Synchronization

/// A PostgreSQL connection leased for one transaction, as an `SQLConnection`.
///
/// The stores' transactions are synchronous closures (as GRDB's are), so each statement waits for its answer on the
/// engine's own thread pool, never on an event loop or a task's thread. `?` and `?N` placeholders become `$N`.
final class PostgresSQLConnection: SQLConnection {
    private let connection: PostgresConnection
    private var savepoints = 0
    private var cursors = 0
    /// Answers to queries sent ahead, until their fetch takes them.
    private var ahead: [Query: EventLoopFuture<[PostgresRow]>] = [:]

    private struct Query: Hashable {
        let sql: String
        let arguments: SQLArguments
    }

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    var engine: DatabaseEngine { .postgresql }

    func execute(sql: String, arguments: SQLArguments) throws {
        if arguments.isEmpty {
            // Several statements (DDL) go one at a time: a prepared statement holds one.
            for statement in Self.statements(sql) { _ = try self.query(statement, arguments) }
        } else {
            _ = try self.query(sql, arguments)
        }
    }

    func fetchCursor(sql: String, arguments: SQLArguments) throws -> SQLRowCursor {
        let rows: [PostgresRow]
        if let answer = self.ahead.removeValue(forKey: Query(sql: sql, arguments: arguments)) {
            rows = try self.wait(answer, sql)
        } else {
            rows = try self.preparedRows(sql, arguments) ?? self.query(sql, arguments).rows
        }
        guard let first = rows.first else { return SQLRowCursor { nil } }
        let columns = SQLColumns(first.map(\.columnName))
        var index = 0
        return SQLRowCursor {
            guard index < rows.count else { return nil }
            defer { index += 1 }
            return SQLRow(columns: columns, values: try rows[index].map(Self.value(of:)))
        }
    }

    func fetchStream(sql: String, arguments: SQLArguments) throws -> SQLRowCursor {
        self.cursors += 1
        let name = "granary_rows_\(self.cursors)"
        // A cursor is planned for its first tenth by default (nested loops that start fast); this one is read whole.
        try self.execute(sql: "SET LOCAL cursor_tuple_fraction = 1")
        _ = try self.query("DECLARE \(name) NO SCROLL CURSOR FOR " + sql, arguments)
        // The next batch is asked for before this one is decoded, so the server reads while this thread decodes.
        let fetch = "FETCH 2000 FROM \(name)"
        var pending: EventLoopFuture<PostgresQueryResult>? = self.send(fetch, SQLArguments())
        var batch: [PostgresRow] = []
        var index = 0
        var columns: SQLColumns?
        return SQLRowCursor {
            if index == batch.count {
                guard let next = pending else { return nil }
                batch = try self.wait(next, fetch).rows
                index = 0
                if batch.count == 2000 {
                    pending = self.send(fetch, SQLArguments())
                } else {
                    pending = nil
                    try self.execute(sql: "CLOSE \(name)")
                }
                guard !batch.isEmpty else { return nil }
            }
            defer { index += 1 }
            let row = batch[index]
            let names = columns ?? SQLColumns(row.map(\.columnName))
            columns = names
            return SQLRow(columns: names, values: try row.map(Self.value(of:)))
        }
    }

    func tableExists(_ name: String) throws -> Bool {
        try self.fetchOne(Int.self, sql: "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = lower(?)", arguments: [name])
            != nil
    }

    func inSavepoint(_ body: () throws -> Void) throws {
        self.savepoints += 1
        let name = "granary_\(self.savepoints)"
        defer { self.savepoints -= 1 }
        try self.execute(sql: "SAVEPOINT \(name)")
        do {
            try body()
        } catch {
            try self.execute(sql: "ROLLBACK TO SAVEPOINT \(name)")
            throw error
        }
        try self.execute(sql: "RELEASE SAVEPOINT \(name)")
    }

    func sendAhead(sql: String, arguments: SQLArguments) {
        let query = Query(sql: sql, arguments: arguments)
        guard self.ahead[query] == nil else { return }
        // As a prepared statement when the connection has it; else as any statement, while it is prepared for the
        // next time (a query's answer does not depend on which of the two runs first).
        if let text = Self.preparedText(sql, arguments) {
            if let prepared = PreparedStatements.shared.statement(text, on: self.connection) {
                self.ahead[query] = prepared.execute(arguments.values.map(Self.data(for:)))
                return
            }
            self.prepareInBackground(text)
        }
        self.ahead[query] = self.send(sql, arguments).map(\.rows)
    }

    /// The rows of a query run as a statement this connection has prepared (parsed and planned once, answered without
    /// describing its columns again); nil when the query is not one to prepare. Queries only: a prepared statement
    /// outlives the transaction, and the text with the arguments' types is its name's key.
    private func preparedRows(_ sql: String, _ arguments: SQLArguments) throws -> [PostgresRow]? {
        guard let text = Self.preparedText(sql, arguments) else { return nil }
        let binds = arguments.values.map(Self.data(for:))
        if let prepared = PreparedStatements.shared.statement(text, on: self.connection) {
            return try self.wait(prepared.execute(binds), sql)
        }
        guard PreparedStatements.shared.hasRoom(on: self.connection) else { return nil }
        let prepared = try self.wait(self.connection.prepare(query: text), sql)
        PreparedStatements.shared.keep(prepared, text, on: self.connection)
        return try self.wait(prepared.execute(binds), sql)
    }

    /// The text `sql` is prepared under with these arguments' types (its name's key), nil when it is not one to
    /// prepare: not a query, or too long.
    private static func preparedText(_ sql: String, _ arguments: SQLArguments) -> String? {
        guard sql.utf8.count < 4096, arguments.values.count <= 64, Self.isQuery(sql) else { return nil }
        return Self.typed(Self.placeholders(sql), arguments.values.map(Self.typeName(of:)))
    }

    /// Prepares `text` for this connection's later statements, without waiting, when it has room for another.
    private func prepareInBackground(_ text: String) {
        guard PreparedStatements.shared.hasRoom(on: self.connection) else { return }
        let connection = self.connection
        self.connection.prepare(query: text).whenSuccess { PreparedStatements.shared.keep($0, text, on: connection) }
    }

    /// Whether `sql` reads rows (a `SELECT` or `WITH`), so preparing it is worth a name.
    static func isQuery(_ sql: String) -> Bool {
        let start = sql.drop { $0.isWhitespace || $0 == "(" }.prefix(6).uppercased()
        return start.hasPrefix("SELECT") || start.hasPrefix("WITH ")
    }

    /// The PostgreSQL type a value binds as, nil for NULL (whose type the statement decides).
    static func typeName(of value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case .int64: "int8"
        case .double: "float8"
        case .string: "text"
        case .blob: "bytea"
        }
    }

    /// `sql` (with `$N` placeholders) with each placeholder cast to its argument's type: a statement prepared by
    /// name states its parameters' types in its text, as an unnamed one does in its parse message.
    static func typed(_ sql: String, _ types: [String?]) -> String {
        guard types.contains(where: { $0 != nil }) else { return sql }
        var result = ""
        var quote: Character?
        var characters = sql.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            result.append(character)
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "$" {
                var digits = ""
                while let digit = pending, digit.isASCII, digit.isNumber {
                    digits.append(digit)
                    pending = characters.next()
                }
                result += digits
                if let index = Int(digits), index >= 1, index <= types.count, let type = types[index - 1] {
                    result += "::" + type
                }
            }
        }
        return result
    }

    private func query(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        try self.wait(self.send(sql, arguments), sql)
    }

    /// How often a statement's wait looks whether its connection closed.
    static let closedCheck = 1.0

    /// Whether the connection closed (a transaction that failed does not send its ROLLBACK then).
    var isClosed: Bool { self.connection.isClosed }

    /// Sends a statement; its answer comes through the future (statements on one connection run in order).
    func send(_ sql: String, _ arguments: SQLArguments = SQLArguments()) -> EventLoopFuture<PostgresQueryResult> {
        self.connection.query(Self.placeholders(sql), arguments.values.map(Self.data(for:)))
    }

    /// Sends `BEGIN …` or `COMMIT`: as this connection's prepared statement once it has one (its answer is three
    /// short messages), else as any statement while it is prepared for the next time (preparing first would let the
    /// statements sent meanwhile overtake it).
    func sendControl(_ sql: String) -> EventLoopFuture<Void> {
        if let prepared = PreparedStatements.shared.statement(sql, on: self.connection) {
            return prepared.execute().map { _ in }
        }
        self.prepareInBackground(sql)
        return self.send(sql).map { _ in }
    }

    /// The answer to a statement sent, waited for on this thread, with the driver's errors as `SQLFailure`s.
    ///
    /// The driver never answers a statement sent after its connection closed (the primary died a moment before): the
    /// channel drops it. So the wait looks every `closedCheck` whether the connection is still open, and once it is
    /// closed gives the answer one more look before it fails as `unavailable`; else the engine's thread would wait
    /// forever, and with it the request and every later one once all the threads are stuck.
    func wait<Answer: Sendable>(_ answer: EventLoopFuture<Answer>, _ sql: String) throws -> Answer {
        let result: Result<Answer, any Error>
        let answered = Answered<Answer>()
        answer.whenComplete { answered.set($0) }
        var sawClosed = false
        while true {
            if let outcome = answered.wait(seconds: Self.closedCheck) {
                result = outcome
                break
            }
            if sawClosed {
                throw SQLFailure(kind: .unavailable, message: "the connection closed before PostgreSQL answered: \(sql.prefix(400))")
            }
            sawClosed = self.connection.isClosed
        }
        do {
            return try result.get()
        } catch let error as PSQLError {
            throw SQLFailure(error, statement: Self.placeholders(sql))
        } catch let error as PostgresError {
            throw SQLFailure(error, statement: Self.placeholders(sql))
        }
    }

    // MARK: Values

    static func data(for value: DatabaseValue) -> PostgresData {
        switch value.storage {
        case .null: .null
        case .int64(let number): PostgresData(int64: number)
        case .double(let number): PostgresData(double: number)
        case .string(let text): PostgresData(string: text)
        case .blob(let bytes): PostgresData(bytes: bytes)
        }
    }

    /// A result cell as the value SQLite would have returned: integers and booleans as integers, numerics as
    /// integers when whole, text as text.
    static func value(of cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        // The driver always asks for rows in binary; a prepared statement's cells still say text, the format its
        // columns were described in before any was asked for.
        var cell = cell
        cell.format = .binary
        switch cell.dataType {
        case .bool:
            return (try cell.decode(Bool.self) ? 1 : 0).databaseValue
        case .int2, .int4, .int8, .oid:
            return try cell.decode(Int64.self).databaseValue
        case .float4, .float8:
            return try cell.decode(Double.self).databaseValue
        case .numeric:
            let number = NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue
            if let whole = Int64(exactly: number) { return whole.databaseValue }
            return number.databaseValue
        case .bytea:
            return Data(cell.bytes!.readableBytesView).databaseValue
        default:
            return try cell.decode(String.self).databaseValue
        }
    }

    // MARK: Statements and placeholders

    /// `sql` cut at each `;` outside string literals, quoted names, comments and `$$` bodies.
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var comment = false
        var dollar = false
        var previous: Character = " "
        for character in sql {
            current.append(character)
            if comment {
                if character == "\n" { comment = false }
            } else if dollar {
                if character == "$" && previous == "$" { dollar = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-" && previous == "-" {
                comment = true
            } else if character == "$" && previous == "$" {
                dollar = true
                previous = " "
                continue
            } else if character == ";" {
                current.removeLast()
                if !current.allSatisfy(\.isWhitespace) { statements.append(current) }
                current = ""
            }
            previous = character
        }
        if !current.allSatisfy(\.isWhitespace) { statements.append(current) }
        return statements
    }

    private static let translations = Mutex<[String: String]>([:])

    /// `sql` with `?` and `?N` placeholders as PostgreSQL's `$N` and the column name `user` quoted, leaving string
    /// literals, quoted names and comments alone.
    static func placeholders(_ sql: String) -> String {
        if let known = Self.translations.withLock({ $0[sql] }) { return known }
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var next = 0
        var quote: Character?
        var comment = false
        var characters = sql.makeIterator()
        var pending: Character? = characters.next()
        while let character = pending {
            pending = characters.next()
            if comment {
                result.append(character)
                if character == "\n" { comment = false }
            } else if let open = quote {
                result.append(character)
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "-" && pending == "-" {
                comment = true
                result.append(character)
            } else if character.isLetter || character == "_" {
                // A name: `user` is a column on both engines, but a reserved word to PostgreSQL unless quoted.
                var word = String(character)
                while let letter = pending, letter.isLetter || letter.isNumber || letter == "_" || letter == "$" {
                    word.append(letter)
                    pending = characters.next()
                }
                result += word.lowercased() == "user" ? "\"user\"" : word
            } else if character == "?" {
                var digits = ""
                while let digit = pending, digit.isASCII, digit.isNumber {
                    digits.append(digit)
                    pending = characters.next()
                }
                if digits.isEmpty {
                    next += 1
                    result += "$\(next)"
                } else {
                    result += "$" + digits
                }
            } else {
                result.append(character)
            }
        }
        Self.translations.withLock { known in
            // Statements with lists of placeholders vary by length; a bound keeps the cache from growing with them.
            if known.count >= 4096 { known.removeAll(keepingCapacity: true) }
            known[sql] = result
        }
        return result
    }
}

/// A statement PostgreSQL refused or could not run, by the class of its SQLSTATE.
public struct SQLFailure: Error, CustomStringConvertible {
    /// What went wrong, as far as the service answers differently.
    public enum Kind: Sendable {
        /// A constraint (unique, foreign key, check, not null): 23xxx.
        case constraint
        /// The disk is full: 53100.
        case full
        /// The server went away, is starting or stopping, or takes no writes (a standby): the request may succeed
        /// once the library finds the primary again.
        case unavailable
        /// Anything else (a bug, usually).
        case other
    }

    /// Its kind.
    public let kind: Kind
    /// The SQLSTATE, when the server sent one.
    public let sqlState: String?
    /// The server's or the driver's words, for the log.
    public let message: String

    init(_ error: PSQLError, statement: String? = nil) {
        let state = error.serverInfo?[.sqlState]
        self.sqlState = state
        self.message = (error.serverInfo?[.message] ?? String(reflecting: error)) + (statement.map { " in: \($0.prefix(400))" } ?? "")
        switch (error.code, state) {
        case (.server, let state?) where state.hasPrefix("23"): self.kind = .constraint
        case (.server, "53100"): self.kind = .full
        // read_only_sql_transaction, admin_shutdown, crash_shutdown, cannot_connect_now, connection exceptions
        case (.server, let state?) where state == "25006" || state.hasPrefix("57P") || state.hasPrefix("08"): self.kind = .unavailable
        case (.server, _): self.kind = .other
        default: self.kind = .unavailable
        }
    }

    /// The future-based API's errors (the one statements use, as they wait on a thread of their own).
    init(_ error: PostgresError, statement: String? = nil) {
        switch error {
        case .server(let server):
            let state = server.fields[.sqlState]
            self.sqlState = state
            self.message = (server.fields[.message] ?? server.description) + (statement.map { " in: \($0.prefix(400))" } ?? "")
            self.kind =
                switch state {
                case let state? where state.hasPrefix("23"): .constraint
                case "53100": .full
                case let state? where state == "25006" || state.hasPrefix("57P") || state.hasPrefix("08"): .unavailable
                default: .other
                }
        case .protocol(let message):
            self.sqlState = nil
            self.message = message
            self.kind = .unavailable
        case .connectionClosed:
            self.sqlState = nil
            self.message = "connection closed"
            self.kind = .unavailable
        }
    }

    init(kind: Kind, message: String) {
        self.kind = kind
        self.sqlState = nil
        self.message = message
    }

    public var description: String {
        "PostgreSQL \(self.sqlState ?? "-"): \(self.message)"
    }
}

/// The statements each connection has prepared, by their typed text; a process-wide table, as the pool hands out its
/// connections to any transaction. A connection's entry holds the connection itself, so no new connection can take
/// its place in the table by address, and entries of closed connections go when a new connection comes.
/// A statement's answer, handed from the event loop to the thread that waits for it.
private final class Answered<Answer: Sendable>: @unchecked Sendable {
    // @unchecked: `outcome` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var outcome: Result<Answer, any Error>?

    func set(_ outcome: Result<Answer, any Error>) {
        self.condition.lock()
        self.outcome = outcome
        self.condition.broadcast()
        self.condition.unlock()
    }

    /// The answer, or nil when none came within `seconds`.
    func wait(seconds: Double) -> Result<Answer, any Error>? {
        self.condition.lock()
        defer { self.condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while self.outcome == nil, self.condition.wait(until: deadline) {}
        return self.outcome
    }
}

final class PreparedStatements: Sendable {
    static let shared = PreparedStatements()
    /// Statements one connection keeps at most: lists of placeholders vary by length, and the server keeps each one.
    static let perConnection = 256

    private struct Entry {
        let connection: PostgresConnection
        var statements: [String: PreparedQuery]
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    func statement(_ text: String, on connection: PostgresConnection) -> PreparedQuery? {
        self.entries.withLock { $0[ObjectIdentifier(connection)]?.statements[text] }
    }

    func hasRoom(on connection: PostgresConnection) -> Bool {
        self.entries.withLock { ($0[ObjectIdentifier(connection)]?.statements.count ?? 0) < Self.perConnection }
    }

    func keep(_ statement: PreparedQuery, _ text: String, on connection: PostgresConnection) {
        self.entries.withLock { entries in
            let key = ObjectIdentifier(connection)
            if entries[key] == nil {
                entries = entries.filter { !$0.value.connection.isClosed }
                entries[key] = Entry(connection: connection, statements: [:])
            }
            entries[key]?.statements[text] = statement
        }
    }
}
