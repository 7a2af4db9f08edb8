import Synchronization

/// Keeps one piece of derived state in step with the change feed: applies the changes after its position, in order,
/// one batch at a time, and never two batches at once.
///
/// Callers that need the state current (a search, a graph request) call `catchUp()`; it returns at once when nothing
/// new committed. A catch-up that fails leaves the position where it was, so the next one retries the same changes.
public actor FeedFollower {
    private let feed: ChangeFeed
    private let apply: @Sendable ([Change]) async throws -> Void
    private let applied = Atomic<Int64>(0)
    private var running: Task<Int64, any Error>?

    /// Follows `feed` from `position`, handing each batch of later changes to `apply`.
    public init(feed: ChangeFeed, from position: Int64, apply: @escaping @Sendable ([Change]) async throws -> Void) {
        self.feed = feed
        self.apply = apply
        self.applied.store(position, ordering: .releasing)
    }

    /// The sequence number of the last change applied.
    public nonisolated var position: Int64 {
        self.applied.load(ordering: .acquiring)
    }

    /// Whether every change known to have committed is applied.
    public nonisolated var isCurrent: Bool {
        self.position >= self.feed.head
    }

    /// Moves the position without applying anything: the state was just rebuilt as of `sequence`.
    public func reset(to sequence: Int64) {
        self.applied.store(sequence, ordering: .releasing)
    }

    /// Applies every change that had committed when it was called.
    public func catchUp() async throws {
        let target = self.feed.head
        while self.position < target {
            // Join the batch being applied, or start the next one; whoever sees a batch end records it, so no caller
            // waits for another to come back to the actor.
            let batch: Task<Int64, any Error>
            if let running = self.running {
                batch = running
            } else {
                let (feed, apply, from) = (self.feed, self.apply, self.position)
                batch = Task {
                    let changes = try await feed.changes(after: from)
                    if !changes.isEmpty { try await apply(changes) }
                    return changes.last?.sequence ?? target
                }
                self.running = batch
            }
            let reached: Int64
            do {
                reached = try await batch.value
            } catch {
                if self.running == batch { self.running = nil }
                throw error
            }
            if self.running == batch { self.running = nil }
            if reached > self.position { self.applied.store(reached, ordering: .releasing) }
        }
    }
}
