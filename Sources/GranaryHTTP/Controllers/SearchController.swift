import Foundation
import GranaryModel
import GranarySearch
import Hummingbird

/// `GET /search`: full-text search with filters and facets.
struct SearchController {
    let search: SearchService
    let recommendations: Recommendations

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
        let limit = min(try request.uri.positiveInt("limit") ?? 10, 50)
        let related = try await self.recommendations.related(to: id, viewer: context.user, limit: limit)
        return try .json(Page(items: related, total: related.count, request: PageRequest(page: 1, pageSize: max(1, related.count))))
    }

    struct Item: Encodable {
        let id: String
        let title: String
        let snippet: String
        let score: Double
        let kind: ResourceKind
        let course: String
        let major: String
        let knowledgePoints: [String]
        let original: Bool
        let status: ResourceStatus
        let createdAt: Date
        let ratings: Int
        let averageStars: Double
    }

    struct Body: Encodable {
        let total: Int
        let page: Int
        let pageSize: Int
        let items: [Item]
        let facets: SearchResults.Facets
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
        let results = self.search.search(query)
        let items = results.hits.map { hit in
            Item(
                id: hit.document.id,
                title: hit.document.title,
                snippet: hit.snippet,
                score: (hit.score * 1000).rounded() / 1000,
                kind: hit.document.kind,
                course: hit.document.course,
                major: hit.document.major,
                knowledgePoints: hit.document.knowledgePoints,
                original: hit.document.original,
                status: hit.document.published && filter.status == nil ? .approved : hit.document.status,
                createdAt: hit.document.createdAt,
                ratings: hit.document.ratings,
                averageStars: hit.document.averageStars
            )
        }
        return try .json(Body(total: results.total, page: page.page, pageSize: page.pageSize, items: items, facets: results.facets))
    }
}
