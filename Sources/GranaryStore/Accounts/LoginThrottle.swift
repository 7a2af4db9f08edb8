import Foundation
import GRDB

/// The caller must wait before trying to log in again.
public struct RateLimited: Error {
    /// Seconds to wait.
    public let retryAfter: Int
}

/// Limits failed log-ins per account and per address, so passwords cannot be guessed at speed.
///
/// The failures are rows in the database, so every node of a cluster counts the same ones: spreading guesses over
/// nodes gains nothing. An address gets far more room than an account: a whole college often reaches the service
/// through one NAT address, and one student's typos must not lock out the class.
public struct LoginThrottle: Sendable {
    private let database: LibraryDatabase
    private let accountLimit: Int
    private let addressLimit: Int
    private let window: TimeInterval

    /// Allows `accountLimit` failures per account and `addressLimit` per address within `window` seconds.
    public init(database: LibraryDatabase, accountLimit: Int = 5, addressLimit: Int = 100, window: TimeInterval = 15 * 60) {
        self.database = database
        self.accountLimit = accountLimit
        self.addressLimit = addressLimit
        self.window = window
    }

    /// Throws `RateLimited` when the account or the address has failed too often lately.
    public func check(account: String, address: String) async throws {
        let now = self.database.clock.now()
        let since = now.addingTimeInterval(-self.window)
        let limits = [(Self.key(account: account), self.accountLimit), (Self.key(address: address), self.addressLimit)]
        let oldest = try await self.database.read { db in
            try limits.compactMap { key, limit -> Date? in
                // The limit-th newest failure: while it lies inside the window, the key must wait until it leaves.
                try db.fetchOne(
                    Date.self,
                    sql: "SELECT at FROM loginFailures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
                    arguments: [key, since, limit - 1]
                )
            }.max()
        }
        if let oldest {
            throw RateLimited(retryAfter: max(1, Int((self.window - now.timeIntervalSince(oldest)).rounded(.up))))
        }
    }

    /// Records a failure against the account and the address, and forgets failures older than the window.
    public func fail(account: String, address: String) async throws {
        let now = self.database.clock.now()
        try await self.database.write { db in
            try db.execute(
                sql: "INSERT INTO loginFailures (key, at) VALUES (?, ?), (?, ?)",
                arguments: [Self.key(account: account), now, Self.key(address: address), now]
            )
            try db.execute(sql: "DELETE FROM loginFailures WHERE at < ?", arguments: [now.addingTimeInterval(-self.window)])
        }
    }

    /// Forgets the account's failures after a successful log-in.
    public func succeed(account: String) async throws {
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM loginFailures WHERE key = ?", arguments: [Self.key(account: account)])
        }
    }

    private static func key(account: String) -> String { "account:" + account.lowercased() }
    private static func key(address: String) -> String { "address:" + address }

    /// The table, created by GranaryStore's migration "store 5".
    static let schemaSQL = """
        CREATE TABLE loginFailures (key TEXT NOT NULL, at DATETIME NOT NULL);
        CREATE INDEX loginFailures_key ON loginFailures(key, at);
        CREATE INDEX loginFailures_at ON loginFailures(at);
        """
}
