import GranaryStore
import Logging
import ServiceLifecycle

/// Follows the change feed so that changes another process commits to the same library (`granary import catalogue`,
/// `granary users add`, another node of a cluster) reach this node's derived state without waiting for a request to
/// ask: at once when the database tells of a commit (PostgreSQL's notices), and in any case within `interval`, by
/// polling. Changes made through this node need neither: the feed sees its commits at once.
struct ChangeFeedPolling: Service {
    let feed: ChangeFeed
    /// What keeps derived state current: each applies the changes after its own position.
    let followers: [@Sendable () async throws -> Void]
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.feed.followCommits { await self.catchUp() } }
                group.addTask {
                    while !Task.isCancelled {
                        await self.catchUp()
                        try? await Task.sleep(for: self.interval)
                    }
                }
            }
        }
    }

    /// Reads the feed's head and brings every follower up to it (they apply one batch at a time, so the two loops
    /// never apply the same changes twice).
    private func catchUp() async {
        do {
            try await self.feed.poll()
            for catchUp in self.followers { try await catchUp() }
        } catch is CancellationError {
        } catch {
            // A failed read is tried again at the next tick; the followers keep their positions.
            self.logger.warning("following the change feed failed: \(String(reflecting: error))")
        }
    }
}
