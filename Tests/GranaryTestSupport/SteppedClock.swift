import Foundation
import GranaryStore
import Synchronization

/// A library clock that stands still until a test moves it.
public final class SteppedClock: Sendable {
    private let time: Mutex<Date>

    public init(_ start: Date) {
        self.time = Mutex(start)
    }

    /// The clock to give a library.
    public var clock: LibraryClock { LibraryClock { self.time.withLock { $0 } } }

    /// Moves the time on.
    public func advance(by seconds: TimeInterval) {
        self.time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
