import GranaryGraph
import GranarySearch

/// The graph's counts of published resources per point, from the search index (which follows the same change feed)
/// instead of a grouped query over every version's points.
struct IndexedPointCounts: PointResourceCounts {
    let search: SearchService

    func liveResources(onPoints points: Set<String>) async throws -> [String: Int] {
        try await self.search.liveCounts(onPoints: points)
    }
}
