/// The few places where SQLite's and PostgreSQL's SQL differ, as fragments a statement puts in.
///
/// Dates are stored as UTC text (`2026-12-03 08:00:00.000`, GRDB's format) on both engines, so they compare and
/// sort alike; arithmetic on them differs.
extension DatabaseEngine {
    /// The day in China (days since 1970-01-01, UTC+8 all year since 1991) of a stored date column, as an integer:
    /// `ChinaDate.dayNumber(of:)` in SQL.
    public func chinaDayNumber(_ column: String) -> String {
        switch self {
        case .sqlite: "(CAST(strftime('%s', \(column)) AS INTEGER) + 28800) / 86400"
        case .postgresql: "(CAST(FLOOR(EXTRACT(EPOCH FROM CAST(\(column) AS timestamp))) AS BIGINT) + 28800) / 86400"
        }
    }

    /// The year in China of a stored date column, as an integer.
    public func chinaYear(_ column: String) -> String {
        switch self {
        case .sqlite: "CAST(strftime('%Y', \(column), '+8 hours') AS INTEGER)"
        case .postgresql: "CAST(EXTRACT(YEAR FROM CAST(\(column) AS timestamp) + INTERVAL '8 hours') AS INTEGER)"
        }
    }

    /// A table of the elements of a JSON array of strings bound to `parameter`, in one column named `value`:
    /// `x IN (SELECT value FROM \(engine.jsonArrayElements()))` takes any number of ids as one argument.
    public func jsonArrayElements(_ parameter: String = "?") -> String {
        switch self {
        case .sqlite: "json_each(\(parameter))"
        case .postgresql: "json_array_elements_text(CAST(\(parameter) AS json)) AS value"
        }
    }

    /// The JSON text of a key of a JSON object stored as text.
    public func jsonField(_ column: String, _ key: String) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(key)')"
        case .postgresql: "(CAST(\(column) AS json) -> '\(key)')::text"
        }
    }

    /// True when `needle` occurs in `haystack` (both text expressions), case and all.
    public func contains(_ haystack: String, _ needle: String) -> String {
        switch self {
        case .sqlite: "instr(\(haystack), \(needle)) > 0"
        case .postgresql: "strpos(\(haystack), \(needle)) > 0"
        }
    }

    /// `LIKE` that ignores the case of ASCII letters, as SQLite's does.
    public var likeIgnoringCase: String {
        switch self {
        case .sqlite: "LIKE"
        case .postgresql: "ILIKE"
        }
    }

    /// The condition that `username` is the bound name, without regard to the case of ASCII letters: SQLite's
    /// column is `COLLATE NOCASE` (and indexed so), PostgreSQL's is indexed on `lower(username)`.
    public var sameUsername: String {
        switch self {
        case .sqlite: "username = ?"
        case .postgresql: "lower(username) = lower(?)"
        }
    }

    /// A join the planner must take in the order written: SQLite's `CROSS JOIN` (which, unlike PostgreSQL's, takes
    /// an `ON`); PostgreSQL chooses its own order well, so a plain `JOIN`.
    public var joinInThisOrder: String {
        switch self {
        case .sqlite: "CROSS JOIN"
        case .postgresql: "JOIN"
        }
    }
}
