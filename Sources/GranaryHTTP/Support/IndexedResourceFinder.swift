import GranaryLearning
import GranarySearch

/// The learner recommendations' questions over every published resource, answered by the search index (which follows
/// the same change feed) instead of reads over every resource on a point or every rating.
struct IndexedResourceFinder: PublishedResourceFinder {
    let search: SearchService

    func newest(onPoints points: Set<String>, excluding: Set<String>, limit: Int) async throws -> [(resource: String, point: String)] {
        try await self.search.newest(onPoints: points, excluding: excluding, limit: limit).map { ($0.id, $0.point) }
    }

    func mostRated(excluding: Set<String>, limit: Int) async throws -> [String] {
        try await self.search.mostRated(excluding: excluding, limit: limit)
    }
}
