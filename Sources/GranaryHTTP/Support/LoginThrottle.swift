import Foundation

/// The caller must wait before trying to log in again.
struct RateLimited: Error {
    /// Seconds to wait.
    let retryAfter: Int
}

/// Limits failed log-ins per account and per address, so passwords cannot be guessed at speed.
///
/// An address gets far more room than an account: a whole college often reaches the service through one NAT
/// address, and one student's typos must not lock out the class.
actor LoginThrottle {
    private let accountLimit: Int
    private let addressLimit: Int
    private let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    /// Allows `accountLimit` failures per account and `addressLimit` per address within `window` seconds.
    init(accountLimit: Int = 5, addressLimit: Int = 100, window: TimeInterval = 15 * 60) {
        self.accountLimit = accountLimit
        self.addressLimit = addressLimit
        self.window = window
    }

    /// Throws `RateLimited` when the account or the address has failed too often lately.
    func check(account: String, address: String, now: Date = Date()) throws {
        for (key, limit) in [(Self.key(account: account), self.accountLimit), (Self.key(address: address), self.addressLimit)] {
            let recent = (self.failures[key] ?? []).filter { now.timeIntervalSince($0) < self.window }
            self.failures[key] = recent.isEmpty ? nil : recent
            if recent.count >= limit, let oldest = recent.first {
                throw RateLimited(retryAfter: max(1, Int((self.window - now.timeIntervalSince(oldest)).rounded(.up))))
            }
        }
    }

    /// Records a failure against the account and the address.
    func fail(account: String, address: String, now: Date = Date()) {
        self.failures[Self.key(account: account), default: []].append(now)
        self.failures[Self.key(address: address), default: []].append(now)
        // Forget old entries now and then, so guessing random usernames cannot grow the table without bound.
        if self.failures.count > 100_000 { self.failures = self.failures.filter { now.timeIntervalSince($0.value.last!) < self.window } }
    }

    /// Forgets the account's failures after a successful log-in.
    func succeed(account: String) {
        self.failures[Self.key(account: account)] = nil
    }

    private static func key(account: String) -> String { "account:" + account.lowercased() }
    private static func key(address: String) -> String { "address:" + address }
}
