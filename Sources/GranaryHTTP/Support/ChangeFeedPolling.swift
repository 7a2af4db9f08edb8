import GranaryStore
import Logging
import ServiceLifecycle

/// Polls the change feed so that changes another process commits to the same library (`granary import catalogue`,
/// `granary users add`, a second service) reach this service's derived state within a quarter second, even when no
/// request asks for it. Changes made through this service need no polling: the feed sees its commits at once.
struct ChangeFeedPolling: Service {
    let feed: ChangeFeed
    /// What keeps derived state current: each applies the changes after its own position.
    let followers: [@Sendable () async throws -> Void]
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.feed.poll()
                    for catchUp in self.followers { try await catchUp() }
                } catch is CancellationError {
                    return
                } catch {
                    // A failed read is tried again at the next tick; the followers keep their positions.
                    self.logger.warning("following the change feed failed: \(String(reflecting: error))")
                }
                try? await Task.sleep(for: self.interval)
            }
        }
    }
}
