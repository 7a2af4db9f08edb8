import GranaryGraph
import GranaryModel
import GranarySearch

/// The graph's counts of published resources per point and the newest on a job's skills, from the search index
/// (which follows the same change feed) instead of grouped queries over every version's points.
struct IndexedPointCounts: PointResourceCounts {
    let search: SearchService

    func liveResources(onPoints points: Set<String>) async throws -> [String: Int] {
        try await self.search.liveCounts(onPoints: points)
    }

    func newestResources(onPoints points: Set<String>, limit: Int) async throws -> [String: (count: Int, newest: [JobPath.ResourceStep])] {
        try await self.search.newest(perPoint: points, limit: limit).mapValues { found in
            (found.count, found.newest.map { JobPath.ResourceStep(id: $0.id, title: $0.title, kind: $0.kind) })
        }
    }
}
