import Foundation
import GranaryEmbeddings
import GranaryModel
import GranarySearch
import Hummingbird

/// `GET /search`: full-text search with filters and facets; with `mode=meaning` or `mode=hybrid`, by meaning too
/// (when the service has a model: `--embeddings`).
struct SearchController {
    let search: SearchService
    let recommendations: Recommendations
    var meaning: MeaningSearch? = nil

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group(context: AuthenticatedContext.self)
        group.get("search", use: self.find)
        group.get("recommendations", use: self.recommend)
    }

    @Sendable func recommend(request: Request, context: AuthenticatedContext) async throws -> Response {
        guard let raw = request.uri.value("resource"), let id = UUID(uuidString: raw)?.uuidString.lowercased() else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "参数 resource 应为资源编号", en: "resource must be a resource id"),
                errors: [FieldError(field: "resource", message: LocalizedText(zh: "必填，须为资源编号", en: "required, a resource id"))]
            )
        }
        let limit = try request.uri.limit()
        let related = try await self.recommendations.related(to: id, viewer: context.user, limit: limit)
        return try .json(Page(items: related, total: related.count, request: PageRequest(page: 1, pageSize: max(1, related.count))))
    }

    @Sendable func find(request: Request, context: AuthenticatedContext) async throws -> Response {
        let uri = request.uri
        let filter = try uri.resourceFilter()
        if context.user.role == .learner, let status = filter.status, status != .approved {
            throw GranaryError.forbidden(LocalizedText(zh: "学习者只能检索已审核通过的资源", en: "Learners search approved resources only"))
        }
        let page = try uri.pageRequest()
        let query = SearchQuery(
            uri.value("q") ?? "",
            viewer: context.user,
            sort: try uri.value("sort", as: SearchQuery.Sort.self) ?? .relevance,
            page: page,
            filter: filter
        )
        let mode = try uri.value("mode", as: MeaningSearch.Mode.self) ?? .words
        let total: Int
        let facets: SearchResults.Facets
        let hits: [(document: SearchDocument, score: Double, snippet: Snippet, foundBy: [MeaningSearch.Mode])]
        if mode == .words {
            let results = try await self.search.search(query)
            (total, facets) = (results.total, results.facets)
            hits = results.hits.map { ($0.document, $0.score, $0.snippet, [.words]) }
        } else {
            guard let meaning = self.meaning else {
                throw GranaryError(
                    .invalidQuery,
                    LocalizedText(zh: "本站未启用语义检索（服务未配置 --embeddings）", en: "Search by meaning is not configured (--embeddings)"),
                    errors: [FieldError(field: "mode", message: LocalizedText(zh: "只能为 words", en: "words only"))]
                )
            }
            let results = try await meaning.search(query, text: uri.value("q") ?? "", mode: mode)
            (total, facets) = (results.total, results.facets)
            hits = results.hits.map { ($0.document, $0.score, $0.snippet, $0.foundBy) }
        }
        // Written by hand: JSONEncoder cost a quarter of a search request's time under load.
        var json = JSONWriter()
        json.object { json in
            json.key("facets")
            json.object { json in
                json.key("course")
                json.counts(facets.course)
                json.key("kind")
                json.counts(facets.kind)
                json.key("major")
                json.counts(facets.major)
                json.key("original")
                json.counts(facets.original)
            }
            json.key("items")
            json.array { json in
                for hit in hits {
                    let document = hit.document
                    json.object { json in
                        json.key("averageStars")
                        json.number(document.averageStars)
                        json.key("course")
                        json.string(document.course)
                        if mode != .words {
                            json.key("foundBy")
                            json.array { json in for way in hit.foundBy { json.string(way.rawValue) } }
                        }
                        json.key("createdAt")
                        json.date(document.createdAt)
                        json.key("id")
                        json.string(document.id)
                        json.key("kind")
                        json.string(document.kind.rawValue)
                        json.key("knowledgePoints")
                        json.array { json in for point in document.knowledgePoints { json.string(point) } }
                        json.key("major")
                        json.string(document.major)
                        json.key("original")
                        json.bool(document.original)
                        json.key("ratings")
                        json.number(document.ratings)
                        json.key("score")
                        json.number(mode == .words ? (hit.score * 1000).rounded() / 1000 : (hit.score * 100_000).rounded() / 100_000)
                        json.key("snippet")
                        json.string(hit.snippet.html)
                        json.key("status")
                        json.string((document.published && filter.status == nil ? .approved : document.status).rawValue)
                        json.key("title")
                        json.string(document.title)
                    }
                }
            }
            json.key("mode")
            json.string(mode.rawValue)
            json.key("page")
            json.number(page.page)
            json.key("pageSize")
            json.number(page.pageSize)
            json.key("total")
            json.number(total)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: json.bytes))
        )
    }
}
