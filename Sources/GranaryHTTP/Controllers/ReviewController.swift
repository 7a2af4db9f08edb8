import Foundation
import GranaryModel
import GranaryReview
import GranaryStore
import Hummingbird

/// The audit queue: list, claim, decide, and read an item's reviews.
struct ReviewController {
    let reviews: ReviewService

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group("reviews", context: AuthenticatedContext.self)
        group.get("queue", use: self.queue)
        group.post("{itemType}/{id}/claim", use: self.claim)
        group.post("{itemType}/{id}/decision", use: self.decide)
        group.get("{itemType}/{id}", use: self.list)
    }

    @Sendable func queue(request: Request, context: AuthenticatedContext) async throws -> Response {
        let type = try request.uri.value("type", as: ReviewItemType.self) ?? .resource
        return try .json(try await self.reviews.queue(type, viewer: context.user, try request.uri.pageRequest()))
    }

    @Sendable func claim(request: Request, context: AuthenticatedContext) async throws -> Response {
        let (type, id) = try Self.item(context)
        return try .json(try await self.reviews.claim(type, id: id, reviewer: context.user))
    }

    struct DecisionInput: Decodable {
        let decision: ReviewDecision
        let checks: ReviewChecks
        let comment: String?
        let version: Int?
    }

    @Sendable func decide(request: Request, context: AuthenticatedContext) async throws -> Response {
        let (type, id) = try Self.item(context)
        let input = try await request.decodeJSON(as: DecisionInput.self, context: context)
        let review = try await self.reviews.decide(
            type,
            id: id,
            decision: input.decision,
            checks: input.checks,
            comment: input.comment,
            version: input.version,
            reviewer: context.user
        )
        return try .json(review, status: .created)
    }

    @Sendable func list(request: Request, context: AuthenticatedContext) async throws -> Response {
        let (type, id) = try Self.item(context)
        let reviews = try await self.reviews.reviews(type, id: id, viewer: context.user)
        return try .json(Page(items: reviews, total: reviews.count, request: PageRequest(page: 1, pageSize: max(1, min(100, reviews.count)))))
    }

    private static func item(_ context: AuthenticatedContext) throws -> (ReviewItemType, String) {
        let raw = try context.parameters.require("itemType")
        guard let type = ReviewItemType(rawValue: raw) else {
            throw GranaryError.notFound(LocalizedText(zh: "审核类型", en: "Review item type"), raw)
        }
        return (type, try context.parameters.require("id"))
    }
}
