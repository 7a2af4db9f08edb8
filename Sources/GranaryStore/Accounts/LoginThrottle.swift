import Foundation
import GRDB
import GranaryModel

/// The caller must wait before trying to log in again.
public struct RateLimited: Error {
    /// Seconds to wait.
    public let retryAfter: Int

    /// What the person trying to log in is told.
    public var detail: LocalizedText {
        LocalizedText(
            zh: "登录失败次数过多，账户已锁定：请 \(self.retryAfter) 秒后再试，或请安全管理员解锁",
            en: "Too many failed log-ins: the account is locked; retry in \(self.retryAfter) s or ask a security administrator to unlock it"
        )
    }
}

/// Limits failed log-ins per account and per address, so passwords cannot be guessed at speed: the fifth failure
/// within 15 minutes locks the account until the oldest of them is 15 minutes old, or until a security administrator
/// unlocks it.
///
/// The failures are rows in the database, so every node of a cluster counts the same ones: spreading guesses over
/// nodes gains nothing. An address gets far more room than an account: a whole college often reaches the service
/// through one NAT address, and one student's typos must not lock out the class.
public struct LoginThrottle: Sendable {
    private let database: LibraryDatabase
    /// Failures within the window that lock an account.
    public let accountLimit: Int
    private let addressLimit: Int
    /// How long a failure counts.
    public let window: TimeInterval

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

    /// Records a failure against the account and the address, inside the caller's transaction (the one that records
    /// the failure's event), and forgets failures older than the window; whether this failure locked the account.
    func recordFailure(_ db: any SQLConnection, account: String, address: String, now: Date) throws -> Bool {
        try db.execute(
            sql: "INSERT INTO loginFailures (key, at) VALUES (?, ?), (?, ?)",
            arguments: [Self.key(account: account), now, Self.key(address: address), now]
        )
        try db.execute(sql: "DELETE FROM loginFailures WHERE at < ?", arguments: [now.addingTimeInterval(-self.window)])
        let failures =
            try db.fetchOne(
                Int.self,
                sql: "SELECT COUNT(*) FROM loginFailures WHERE key = ? AND at > ?",
                arguments: [Self.key(account: account), now.addingTimeInterval(-self.window)]
            ) ?? 0
        return failures == self.accountLimit
    }

    /// Forgets the account's failures, inside the caller's transaction: after a successful log-in, or when a
    /// security administrator unlocks the account. Whether it had any.
    @discardableResult
    func forgetFailures(_ db: any SQLConnection, account: String) throws -> Bool {
        let had = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM loginFailures WHERE key = ?", arguments: [Self.key(account: account)]) ?? 0
        if had > 0 { try db.execute(sql: "DELETE FROM loginFailures WHERE key = ?", arguments: [Self.key(account: account)]) }
        return had > 0
    }

    /// The accounts locked now: their name as typed at log-in (lower case), failures in the window, and when the lock
    /// ends by itself.
    public func lockedAccounts() async throws -> [(username: String, failures: Int, until: Date)] {
        let now = self.database.clock.now()
        let rows = try await self.database.read { db in
            try db.fetchAll(
                sql: "SELECT key, at FROM loginFailures WHERE key >= 'account:' AND key < 'account;' AND at > ? ORDER BY key, at DESC",
                arguments: [now.addingTimeInterval(-self.window)]
            ).map { ($0["key"] as String, $0["at"] as Date) }
        }
        var locked: [(username: String, failures: Int, until: Date)] = []
        for (key, failures) in Dictionary(grouping: rows, by: \.0).sorted(by: { $0.key < $1.key }) where failures.count >= self.accountLimit {
            // Newest first: the limit-th newest failure leaving the window ends the lock (as `check` reckons it).
            locked.append(
                (String(key.dropFirst("account:".count)), failures.count, failures[self.accountLimit - 1].1.addingTimeInterval(self.window))
            )
        }
        return locked
    }

    /// The minutes an account stays locked after its last allowed failure.
    public var lockMinutes: Int { Int(self.window / 60) }

    private static func key(account: String) -> String { "account:" + account.lowercased() }
    private static func key(address: String) -> String { "address:" + address }

    /// The table, created by GranaryStore's migration "store 5".
    static let schemaSQL = """
        CREATE TABLE loginFailures (key TEXT NOT NULL, at DATETIME NOT NULL);
        CREATE INDEX loginFailures_key ON loginFailures(key, at);
        CREATE INDEX loginFailures_at ON loginFailures(at);
        """
}
