import Crypto
import Foundation
import GranaryModel
import GranaryStore
import Logging
import ServiceLifecycle
import Synchronization

/// Embeds the passages of every published resource, off the request path: at start it loads the stored vectors
/// into the index and queues what is missing or changed; then it follows the change feed and queues each resource a
/// change touched (approved, a new version published, retired). One batch at a time goes to the model service; a
/// failure waits and tries the same resources again.
public final class Embedder: Service, Sendable {
    /// Passages one resource gives at most: its heading and the first pieces of its text.
    public static let passagesPerResource = 12
    /// Texts sent to the model service in one request.
    static let requestSize = 16

    let client: EmbeddingClient
    /// The model's name as the rows record it, once the service has told it.
    private let model = Locked<String?>(nil)
    let store: PassageVectors
    let index: VectorIndex
    let resources: ResourceStore
    let feed: ChangeFeed
    let logger: Logger
    private let pending = Locked(Queue())
    private let digests = Locked([String: String]())
    private let follower: FeedFollower
    /// Passages embedded since start and the seconds the model service took for them.
    private let throughput = Locked((passages: 0, seconds: 0.0))

    struct Queue {
        var order: [String] = []
        var members: Set<String> = []

        mutating func add(_ id: String) {
            if self.members.insert(id).inserted { self.order.append(id) }
        }

        mutating func take(_ count: Int) -> [String] {
            let taken = Array(self.order.prefix(count))
            self.order.removeFirst(taken.count)
            self.members.subtract(taken)
            return taken
        }
    }

    public init(client: EmbeddingClient, library: Library, index: VectorIndex, logger: Logger) {
        self.client = client
        self.store = PassageVectors(database: library.database)
        self.index = index
        self.resources = library.resources
        self.feed = library.database.feed
        self.logger = logger
        let pending = self.pending
        self.follower = FeedFollower(feed: library.database.feed, from: 0) { changes in
            pending.withLock { queue in
                for change in changes where change.itemType == "resource" { queue.add(change.itemId) }
            }
        }
    }

    /// Resources waiting, and what was embedded so far (passages, seconds the model took).
    public var progress: (waiting: Int, passages: Int, seconds: Double) {
        let waiting = self.pending.withLock { $0.order.count }
        let done = self.throughput.withLock { $0 }
        return (waiting, done.passages, done.seconds)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // The service may start before the model service does: the node serves words meanwhile.
            var attempts = 0
            while !Task.isCancelled {
                do {
                    try await self.start()
                    break
                } catch is CancellationError {
                    return
                } catch {
                    attempts += 1
                    self.logger.warning("search by meaning waits for the embeddings service: \(error)")
                    try? await Task.sleep(for: .seconds(min(60, 5 * attempts)))
                }
            }
            var failures = 0
            while !Task.isCancelled {
                do {
                    _ = try await self.feed.poll()
                    try await self.follower.catchUp()
                    let batch = self.pending.withLock { $0.take(4) }
                    if batch.isEmpty {
                        try await Task.sleep(for: .milliseconds(500))
                        continue
                    }
                    do {
                        try await self.embed(batch)
                        failures = 0
                    } catch {
                        self.pending.withLock { queue in for id in batch { queue.add(id) } }
                        throw error
                    }
                } catch is CancellationError {
                    return
                } catch {
                    failures += 1
                    self.logger.warning("embedding: \(error); trying again")
                    try? await Task.sleep(for: .seconds(min(60, 2 * failures)))
                }
            }
        }
    }

    /// Loads what is stored, and queues every published resource whose passages are missing or stale and every
    /// stored one no longer published.
    func start() async throws {
        let model = try await self.client.modelName()
        self.model.withLock { $0 = model }
        let index = self.index
        let started = ContinuousClock.now
        let stored = try await self.store.load(model: model) { batch in
            for entry in batch { index.replace(entry.resource, with: entry.passages) }
        }
        self.digests.withLock { $0 = stored }
        let wanted = Locked([String]())
        let seen = Locked(Set<String>())
        let sequence = try await self.resources.readAllSearchDocuments { documents in
            for document in documents {
                seen.withLock { _ = $0.insert(document.id) }
                let passages = Self.passages(of: document)
                if passages.map({ Self.digest($0) }) != stored[document.id] { wanted.withLock { $0.append(document.id) } }
            }
        }
        let missing = wanted.withLock { $0 } + stored.keys.filter { !seen.withLock { $0 }.contains($0) }
        self.pending.withLock { queue in for id in missing { queue.add(id) } }
        await self.follower.reset(to: sequence)
        self.logger.info(
            "search by meaning with \(model): \(index.statistics.passages) passages of \(stored.count) resources loaded in \(ContinuousClock.now - started); \(missing.count) resources to embed"
        )
    }

    /// Embeds (or removes) these resources' passages.
    func embed(_ ids: [String]) async throws {
        let documents = Dictionary(
            try await self.resources.searchDocuments(ids: Set(ids)).map { ($0.id, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        for id in ids {
            guard let document = documents[id], let passages = Self.passages(of: document) else {
                if self.digests.withLock({ $0.removeValue(forKey: id) }) != nil {
                    try await self.store.remove(id)
                    self.index.remove(id)
                }
                continue
            }
            let digest = Self.digest(passages)
            if self.digests.withLock({ $0[id] }) == digest { continue }
            var vectors: [[Float]] = []
            let started = ContinuousClock.now
            for start in stride(from: 0, to: passages.count, by: Self.requestSize) {
                vectors += try await self.client.embed(Array(passages[start..<min(passages.count, start + Self.requestSize)]), as: .passage)
            }
            let took = ContinuousClock.now - started
            self.throughput.withLock {
                $0.passages += passages.count
                $0.seconds += Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
            }
            let stored = zip(passages.indices, vectors).map { PassageVectors.Passage(position: $0, text: passages[$0], vector: $1) }
            try await self.store.store(id, digest: digest, model: self.model.withLock { $0 } ?? "", passages: stored)
            self.index.replace(id, with: stored.map { ($0.position, $0.vector) })
            self.digests.withLock { $0[id] = digest }
        }
    }

    /// The passages of a published resource: its heading (title, description, point names), then its text in pieces,
    /// each with the title in front so a piece out of context still says what it is from. Nil when it is not
    /// published (or retired).
    public static func passages(of document: SearchDocument) -> [String]? {
        guard document.published, document.status != .retired else { return nil }
        let heading = [document.title, document.description ?? "", document.pointNames.joined(separator: "、")].filter { !$0.isEmpty }
        let pieces = TextChunks.split(document.fileText ?? "").prefix(Self.passagesPerResource - 1).map { "\(document.title)：\($0.text)" }
        return [heading.joined(separator: "\n")] + pieces
    }

    static func digest(_ passages: [String]) -> String {
        SHA256.hash(data: Data(passages.joined(separator: "\u{1F}").utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// A value behind a lock that closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        self.mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try self.mutex.withLock { try body(&$0) }
    }
}
