import Foundation
import GranaryModel
import GranaryStore
import Synchronization

/// Keeps the search index in step with the library: built from the resource store at start, then following the
/// change feed, so that no caller has to tell it of a change.
///
/// A search first applies whatever committed since the index last looked, so a resource approved by one request is
/// found by the very next search; changes another process made arrive when the feed is polled (`ChangeFeedPolling`
/// in the service does it every quarter second).
public struct SearchService: Sendable {
    /// The index searches run against.
    public let index: SearchIndex
    private let resources: ResourceStore
    private let follower: FeedFollower

    /// Creates the service with an empty index; call `rebuild()` before serving.
    public init(resources: ResourceStore, feed: ChangeFeed, index: SearchIndex = SearchIndex()) {
        self.index = index
        self.resources = resources
        self.follower = FeedFollower(feed: feed, from: feed.head) { [index, resources] changes in
            try await Self.apply(changes, to: index, resources: resources)
        }
    }

    /// Reads every resource that is not retired into a fresh index; returns how many.
    ///
    /// The database reads on its thread while the index folds what came before on this one: at most two batches
    /// wait between them, so neither memory nor the read grows with a slow side.
    @discardableResult
    public func rebuild() async throws -> Int {
        let (batches, handOver) = AsyncThrowingStream.makeStream(of: [SearchDocument].self)
        let room = DispatchSemaphore(value: 2)
        let abandoned = Atomic<Bool>(false)
        handOver.onTermination = { _ in
            // The index stopped taking batches (cancelled, or it failed): free the reader from its wait.
            abandoned.store(true, ordering: .sequentiallyConsistent)
            room.signal()
        }
        let reader = Task { [resources] in
            do {
                let sequence = try await resources.readAllSearchDocuments { documents in
                    room.wait()
                    if abandoned.load(ordering: .sequentiallyConsistent) {
                        room.signal()
                        throw CancellationError()
                    }
                    handOver.yield(documents)
                }
                handOver.finish()
                return sequence
            } catch {
                handOver.finish(throwing: error)
                throw error
            }
        }
        let count = try await self.index.replaceAll { add in
            for try await documents in batches {
                add(documents)
                room.signal()
            }
            // A cancelled wait ends the batches early: never swap in part of the library.
            try Task.checkCancellation()
        }
        await self.follower.reset(to: try await reader.value)
        try await self.follower.catchUp()
        return count
    }

    /// Applies every change that committed before this call; a search does it by itself.
    public func catchUp() async throws {
        try await self.follower.catchUp()
    }

    /// Applies what committed since the index last looked, when anything did: every read starts here.
    private func current() async throws {
        if !self.follower.isCurrent { try await self.follower.catchUp() }
    }

    /// The feed sequence number the index reflects.
    public var position: Int64 {
        self.follower.position
    }

    /// Runs a query against the index as of now.
    public func search(_ query: SearchQuery) async throws -> SearchResults {
        try await self.current()
        return self.index.search(query)
    }

    /// The documents of `ids` that `query`'s viewer and filters admit, in the order given, as of now.
    public func admitted(_ ids: [String], by query: SearchQuery) async throws -> [SearchResults.Hit] {
        try await self.current()
        return self.index.admitted(ids, by: query)
    }

    /// The published resources most related to `signals`, as of now (see `SearchIndex.related`).
    public func related(_ signals: SearchIndex.Relatedness, limit: Int) async throws -> [SearchIndex.RelatedHit] {
        try await self.current()
        return self.index.related(signals, limit: limit)
    }

    /// How many published resources are on each of `points`, as of now (see `SearchIndex.liveCounts`).
    public func liveCounts(onPoints points: Set<String>) async throws -> [String: Int] {
        try await self.current()
        return self.index.liveCounts(onPoints: points)
    }

    /// A learner's resource list, newest first, from the index: a search with no terms. Nil for a list the index does
    /// not hold (another role sees unpublished items too; a status other than approved), which the store answers.
    public func list(_ filter: ResourceFilter, viewer: User, _ page: PageRequest) async throws -> Page<Resource>? {
        guard viewer.role == .learner, filter.status == nil || filter.status == .approved else { return nil }
        // A learner sees published resources only, which is what the index holds without a status.
        var shown = filter
        shown.status = nil
        let results = try await self.search(SearchQuery("", viewer: viewer, sort: .newest, page: page, filter: shown))
        let items = try await self.resources.published(ids: results.hits.map(\.document.id), viewer: viewer)
        return Page(items: items, total: results.total, request: page)
    }

    /// The newest published resources on any of `points`, as of now (see `SearchIndex.newest(onPoints:)`).
    public func newest(onPoints points: Set<String>, excluding: Set<String>, limit: Int) async throws -> [SearchIndex.PointHit] {
        try await self.current()
        return self.index.newest(onPoints: points, excluding: excluding, limit: limit)
    }

    /// How many published resources are on each point and the newest of them, as of now (see
    /// `SearchIndex.newest(perPoint:)`).
    public func newest(perPoint points: Set<String>, limit: Int) async throws -> [String: (count: Int, newest: [SearchDocument])] {
        try await self.current()
        return self.index.newest(perPoint: points, limit: limit)
    }

    /// The most rated published resources, as of now (see `SearchIndex.mostRated`).
    public func mostRated(excluding: Set<String>, limit: Int) async throws -> [String] {
        try await self.current()
        return self.index.mostRated(excluding: excluding, limit: limit)
    }

    /// Re-reads the resources the changes touched: the resource itself (created, new version, decision, rating,
    /// retirement) or, for a renamed knowledge point, every resource that shows it.
    static func apply(_ changes: [Change], to index: SearchIndex, resources: ResourceStore) async throws {
        var ids = Set<String>()
        var points = Set<String>()
        for change in changes {
            switch change.itemType {
            case "resource": ids.insert(change.itemId.lowercased())
            case "point" where change.action == "point.updated": points.insert(change.itemId)
            default: continue
            }
        }
        ids.formUnion(try await resources.resources(showingPoints: points))
        guard !ids.isEmpty else { return }
        let documents = try await resources.searchDocuments(ids: ids)
        for document in documents { index.upsert(document) }
        for gone in ids.subtracting(documents.map(\.id)) { index.remove(id: gone) }
    }
}
