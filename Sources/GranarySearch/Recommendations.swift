import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// Resources related to one resource: by the knowledge points they share, the points one step away in the course
/// system (prerequisites either way), the same course, and the learners who rated both.
///
/// Scored from the search index's columns in one pass, so a resource page costs the same at 200,000 resources as at
/// twelve; SQLite answers only the two small look-ups by key (neighbouring points, co-raters).
public struct Recommendations: Sendable {
    private let database: LibraryDatabase
    private let resources: ResourceStore
    private let search: SearchService

    /// Creates the service over the library and the search index that follows it.
    public init(database: LibraryDatabase, resources: ResourceStore, search: SearchService) {
        self.database = database
        self.resources = resources
        self.search = search
    }

    /// One related resource and why.
    public struct Related: Codable, Sendable, Equatable {
        public let id: String
        public let title: String
        public let kind: ResourceKind
        public let course: String
        public let score: Int
        /// `shared_point`, `neighbouring_point`, `same_course`, `co_rated`.
        public let reasons: [String]
    }

    /// Up to `limit` published resources related to `id`, best first. `viewer` must be able to see `id`.
    public func related(to id: String, viewer: User, limit: Int = 10) async throws -> [Related] {
        let resource = try await self.resources.resource(id: id, viewer: viewer)
        let (neighbours, coRated) = try await self.database.read { db in
            (try CatalogueStore.neighbouringPoints(db, of: resource.knowledgePoints), try ResourceStore.coRated(db, with: resource.id))
        }
        let signals = SearchIndex.Relatedness(
            id: resource.id,
            points: resource.knowledgePoints,
            neighbours: neighbours,
            course: resource.course,
            coRated: coRated
        )
        return try await self.search.related(signals, limit: limit).map { hit in
            Related(
                id: hit.document.id,
                title: hit.document.title,
                kind: hit.document.kind,
                course: hit.document.course,
                score: hit.score,
                reasons: hit.reasons
            )
        }
    }
}
