import Foundation
import GranaryLearning
import GranaryModel
import GranarySearch
import GranaryStore
import Hummingbird
import NIOPosix

/// `/resources/{id}`: a resource's metadata, its media in place where that is safe, rating and related resources.
struct ResourcePages: Sendable {
    let pages: Pages
    let resources: ResourceStore
    let catalogue: CatalogueStore
    let recommendations: Recommendations
    let offerings: OfferingStore
    let progress: ProgressStore

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("resources/{id}", use: self.resourcePage)
    }

    struct ResourcePage: Sendable {
        struct Related: Sendable {
            let href: String
            let title: String
            let kind: String
            let course: String
        }

        let id: String
        let title: String
        let description: String?
        let canonicalName: String
        let facts: [Pages.Fact]
        let media: Pages.MediaView
        let tags: [String]
        let related: [Related]
        let canSubmit: Bool
        let canRate: Bool
        /// Set when the page was opened from an offering the viewer is enrolled in.
        let study: Study?
    }

    /// The resource as an item of an offering being studied: where it sits and the way on.
    struct Study: Sendable {
        let offering: String
        let offeringTitle: String
        let offeringHref: String
        let resource: String
        let done: Bool
        let nextHref: String
        let nextTitle: String?
    }

    /// The study bar for `resource` when `?offering=` names an offering `user` is enrolled in and that holds it.
    func study(of resource: String, request: Request, user: User) async throws -> Study? {
        guard let raw = request.uri.queryParameters["offering"], let uuid = UUID(uuidString: String(raw)) else { return nil }
        let id = uuid.uuidString.lowercased()
        guard let progress = try await self.progress.progress(in: id, user: user),
            let offering = try? await self.offerings.offering(id: id, viewer: user, preview: false)
        else { return nil }
        let item = Offering.Item(resource: resource)
        guard offering.units.contains(where: { $0.items.contains { $0.resource == resource } }) else { return nil }
        let next = Pages.nextHref(after: item, in: offering)
        return Study(
            offering: id,
            offeringTitle: offering.title,
            offeringHref: "/offerings/\(id)",
            resource: resource,
            done: progress.units.contains { $0.done.contains("resource:" + resource) },
            nextHref: next.href,
            nextTitle: next.title
        )
    }

    @Sendable func resourcePage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let id = try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
        // The same visibility as GET /api/v1/resources/{id}: learners see published versions only.
        let resource = try await self.resources.resource(id: id, viewer: user)
        let names = try await self.pages.names.current(courses: [resource.course])
        let related = try await self.recommendations.related(to: id, viewer: user, limit: 6)
        let page = ResourcePage(
            id: resource.id,
            title: resource.title,
            description: resource.description,
            canonicalName: resource.canonicalName,
            facts: try await self.pages.facts(of: resource, names: names, catalogue: self.catalogue),
            media: Pages.MediaView(resource: resource, text: try await Pages.textPreview(of: resource, viewer: user, resources: self.resources)),
            tags: resource.tags,
            related: related.map {
                ResourcePage.Related(
                    href: "/resources/\($0.id)",
                    title: $0.title,
                    kind: $0.kind.chineseName,
                    course: names.courses[$0.course]?.name ?? $0.course
                )
            },
            canSubmit: resource.createdBy == user.username && [.draft, .changesRequested, .rejected].contains(resource.status),
            canRate: resource.createdBy != user.username && (user.role == .learner || resource.status == .approved),
            study: try await self.study(of: resource.id, request: request, user: user)
        )
        return try await self.pages.render("resource", title: resource.title, page: page, context: context, path: request.uri.path)
    }

}

extension ReviewStatus {
    /// The state's name on pages.
    var chineseName: String {
        switch self {
        case .draft: "草稿"
        case .pending: "待审核"
        case .approved: "已发布"
        case .rejected: "未通过"
        case .changesRequested: "退回修改"
        case .retired: "已下架"
        }
    }
}
