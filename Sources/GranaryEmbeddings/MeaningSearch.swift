import Foundation
import GranaryModel
import GranarySearch
import GranaryStore
import NIOCore

/// Search by meaning beside search by words: the query embedded by the same model as the passages, the nearest
/// passages' resources, shown under exactly the rules of a word search (`SearchService.admitted`: what the viewer may
/// see, the filters), and the two rankings fused by reciprocal rank fusion.
public struct MeaningSearch: Sendable {
    /// How the results are ranked.
    public enum Mode: String, Sendable, CaseIterable {
        /// Words only (the search as it always was).
        case words
        /// Meaning only: the nearest passages.
        case meaning
        /// Both, fused by reciprocal rank fusion.
        case hybrid
    }

    /// One result: the document, its fused score, a passage or a word snippet, and which rankings found it.
    public struct Hit: Sendable {
        public let document: SearchDocument
        public let score: Double
        public let snippet: Snippet
        public let foundBy: [Mode]
    }

    public struct Results: Sendable {
        public let total: Int
        public let hits: [Hit]
        /// The word matches' facets (meaning has no exact match set to count).
        public let facets: SearchResults.Facets
    }

    /// How deep each ranking is read before fusing; pages past it are empty.
    public static let depth = 100
    /// The constant of reciprocal rank fusion (Cormack et al. 2009): a document's score is Σ 1/(k + rank).
    public static let fusionConstant = 60.0

    let client: EmbeddingClient
    let index: VectorIndex
    let search: SearchService
    let passages: PassageVectors

    public init(client: EmbeddingClient, index: VectorIndex, search: SearchService, library: Library) {
        self.client = client
        self.index = index
        self.search = search
        self.passages = PassageVectors(database: library.database)
    }

    /// Runs `query` (whose raw text is `text`) by meaning or by both.
    public func search(_ query: SearchQuery, text: String, mode: Mode) async throws -> Results {
        let page = query.page
        var deep = query
        deep.page = PageRequest(page: 1, pageSize: Self.depth)
        let words: SearchResults? = mode == .hybrid ? try await self.search.search(deep) : nil
        var meaning: [SearchResults.Hit] = []
        var passageOf: [String: Int] = [:]
        if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let vector: [Float]
            do {
                vector = try await self.client.embed([text], as: .query, timeout: .seconds(10))[0]
            } catch {
                throw GranaryError(
                    .storageUnavailable,
                    LocalizedText(zh: "语义检索暂不可用（模型服务无应答），请改用按词检索或稍后再试", en: "Search by meaning is unavailable just now")
                )
            }
            let nearest = self.index.nearest(vector, limit: Self.depth * 2)
            for hit in nearest { passageOf[hit.resource] = hit.position }
            meaning = Array(try await self.search.admitted(nearest.map(\.resource), by: query).prefix(Self.depth))
        }
        let lists = [words?.hits.map(\.document.id) ?? [], meaning.map(\.document.id)]
        let fused = Self.fuse(lists, constant: Self.fusionConstant)
        let shown = fused.dropFirst(page.offset).prefix(page.pageSize)
        var byId: [String: SearchResults.Hit] = [:]
        for hit in meaning { byId[hit.document.id] = hit }
        for hit in words?.hits ?? [] { byId[hit.document.id] = hit }
        let wordIds = Set(lists[0])
        let meaningIds = Set(lists[1])
        // A hit the words did not find shows the passage that matched.
        let texts = try await self.passages.texts(
            shown.filter { !wordIds.contains($0.id) }.compactMap { id, _ in passageOf[id].map { (resource: id, position: $0) } }
        )
        let hits = shown.compactMap { id, score -> Hit? in
            guard let found = byId[id] else { return nil }
            var snippet = found.snippet
            if !wordIds.contains(id), let position = passageOf[id], let text = texts["\(id)#\(position)"] {
                snippet = Snippet(text: Self.excerpt(text), marks: [])
            }
            let by: [Mode] = (wordIds.contains(id) ? [.words] : []) + (meaningIds.contains(id) ? [.meaning] : [])
            return Hit(document: found.document, score: score, snippet: snippet, foundBy: by)
        }
        return Results(total: fused.count, hits: hits, facets: words?.facets ?? SearchResults.Facets())
    }

    /// 答疑: the passages best fit to answer a learner's question, by both rankings, as `asker` may see them.
    public func suggestions(for question: String, asker: User, limit: Int = 3) async throws -> [Post.Suggestion] {
        let query = SearchQuery(question, viewer: asker, page: PageRequest(page: 1, pageSize: limit))
        return try await self.search(query, text: question, mode: .hybrid).hits.map {
            Post.Suggestion(resource: $0.document.id, title: $0.document.title, passage: $0.snippet.text)
        }
    }

    /// Reciprocal rank fusion of rankings (best first): each id scores Σ 1/(constant + rank), rank from 1; best first,
    /// ties by the order of first appearance.
    public static func fuse(_ rankings: [[String]], constant: Double = Self.fusionConstant) -> [(id: String, score: Double)] {
        var scores: [String: Double] = [:]
        var first: [String: Int] = [:]
        var seen = 0
        for ranking in rankings {
            for (rank, id) in ranking.enumerated() {
                scores[id, default: 0] += 1 / (constant + Double(rank + 1))
                if first[id] == nil {
                    first[id] = seen
                    seen += 1
                }
            }
        }
        return scores.map { (id: $0.key, score: $0.value) }.sorted { ($0.score, first[$1.id]!) > ($1.score, first[$0.id]!) }
    }

    /// About 80 characters of a passage, without the title put in front of it.
    static func excerpt(_ passage: String) -> String {
        let body = passage.split(separator: "：", maxSplits: 1).count == 2 ? String(passage.split(separator: "：", maxSplits: 1)[1]) : passage
        let line = body.replacingOccurrences(of: "\n", with: " ")
        return line.count > 80 ? String(line.prefix(80)) + "…" : line
    }
}
