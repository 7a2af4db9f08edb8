import GranaryModel
import NIOConcurrencyHelpers

/// Who an assistant session acts for: one Granary account, fixed when the session begins.
///
/// Over HTTP every request of the session is authenticated again (its bearer token must still be live and belong to
/// this account), and the account as that request found it replaces the one held here, so a tool always obeys the
/// account's role as it is now. Over stdio the token is checked again before every call in the same way.
public final class Caller: Sendable {
    private let current: NIOLockedValueBox<User>
    /// What links to pages start with (`https://ziyuan.example.edu.cn`); empty gives paths (`/resources/…`).
    public let linkBase: String

    public init(user: User, linkBase: String = "") {
        self.current = NIOLockedValueBox(user)
        self.linkBase = linkBase.hasSuffix("/") ? String(linkBase.dropLast()) : linkBase
    }

    /// The account, as the latest request found it.
    public var user: User { self.current.withLockedValue { $0 } }

    /// Takes the account as a new request of the session found it (same id: the transport checked that).
    public func refresh(_ user: User) {
        self.current.withLockedValue { $0 = user }
    }

    /// A page's address to cite or open.
    func link(_ path: String) -> String { self.linkBase + path }
}
