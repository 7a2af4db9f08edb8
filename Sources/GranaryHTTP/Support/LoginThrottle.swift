import Foundation

/// The caller must wait before trying to log in again.
struct RateLimited: Error {
    /// Seconds to wait.
    let retryAfter: Int
}

/// Limits failed log-ins per account and per address, so passwords cannot be guessed at speed.
actor LoginThrottle {
    private let maximumFailures: Int
    private let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    /// Allows `maximumFailures` failures per key within `window` seconds.
    init(maximumFailures: Int = 5, window: TimeInterval = 15 * 60) {
        self.maximumFailures = maximumFailures
        self.window = window
    }

    /// Throws `RateLimited` when any key has failed too often lately.
    func check(_ keys: [String], now: Date = Date()) throws {
        for key in keys {
            let recent = (self.failures[key] ?? []).filter { now.timeIntervalSince($0) < self.window }
            self.failures[key] = recent.isEmpty ? nil : recent
            if recent.count >= self.maximumFailures, let oldest = recent.first {
                throw RateLimited(retryAfter: max(1, Int((self.window - now.timeIntervalSince(oldest)).rounded(.up))))
            }
        }
    }

    /// Records a failure against every key.
    func fail(_ keys: [String], now: Date = Date()) {
        for key in keys { self.failures[key, default: []].append(now) }
        if self.failures.count > 100_000 { self.failures = self.failures.filter { now.timeIntervalSince($0.value.last!) < self.window } }
    }

    /// Forgets the account's failures after a successful log-in.
    func succeed(_ key: String) {
        self.failures[key] = nil
    }
}
