import Foundation

/// What time it is, for every change a library records and every rule that depends on the time (claims, tokens,
/// report years): the system clock in the service, a set or stepped one in tests.
public struct LibraryClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock that reads `read`.
    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The time now.
    public func now() -> Date {
        self.read()
    }

    /// The system's clock.
    public static let system = LibraryClock { Date() }
}
