import Synchronization

/// Answers to reads of what rarely changes (the course system, institutions), remembered until it changes.
///
/// Majors, courses, points, jobs and plans change a few times a term and are read on almost every page, so each node
/// keeps what it read (on PostgreSQL every read is a round trip to the server) and forgets all of it when the change
/// feed shows an event of one of `itemTypes`: in this process (the write moves the feed's head before it returns, and
/// the next read catches up first) or on another node over the same database (as soon as the feed shows it, as the
/// graph index and the search index learn of it). Whatever the answers depend on must change only with such an event.
final class RememberedReads: Sendable {
    /// More answers than a library's catalogue pages: beyond it (free-text job searches) everything is forgotten.
    static let capacity = 4096

    private let answers = Answers()
    private let follower: FeedFollower

    /// Answers forgotten whenever `feed` shows an event whose item type is one of `itemTypes`.
    init(feed: ChangeFeed, forgettingOn itemTypes: Set<String>) {
        let answers = self.answers
        self.follower = FeedFollower(feed: feed, from: feed.head) { changes in
            if changes.contains(where: { itemTypes.contains($0.itemType) }) { answers.forget() }
        }
    }

    /// The remembered answer for `key`, or `read`'s, remembered unless the catalogue changed while it ran.
    func answer<Value: Sendable>(_ key: String, _ read: () async throws -> Value) async throws -> Value {
        if !self.follower.isCurrent { try await self.follower.catchUp() }
        let (known, generation) = self.answers.look(key)
        // Unwrapped first: a missing answer cast to an optional `Value` would pass for a remembered nil.
        if let known, let value = known as? Value { return value }
        let value = try await read()
        self.answers.keep(value, for: key, ifStill: generation)
        return value
    }

    private final class Answers: Sendable {
        private struct Memory {
            var answers: [String: any Sendable] = [:]
            /// Moves on each time the answers are forgotten, so a read that began before a change is not kept after.
            var generation = 0
        }

        private let memory = Mutex(Memory())

        func look(_ key: String) -> (answer: (any Sendable)?, generation: Int) {
            self.memory.withLock { ($0.answers[key], $0.generation) }
        }

        func keep(_ answer: any Sendable, for key: String, ifStill generation: Int) {
            self.memory.withLock { memory in
                guard memory.generation == generation else { return }
                if memory.answers.count >= RememberedReads.capacity { memory.answers.removeAll() }
                memory.answers[key] = answer
            }
        }

        func forget() {
            self.memory.withLock { memory in
                memory.answers.removeAll()
                memory.generation += 1
            }
        }
    }
}
