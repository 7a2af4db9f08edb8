import Foundation
import GranaryLearning
import GranaryModel
import Hummingbird
import HummingbirdCore

/// Courses and learning (能学、辅教): offerings teachers assemble, enrolment, progress, discussions,
/// recommendations for a learner, and the usage and teaching analytics built from them.
struct LearningController {
    let offerings: OfferingStore
    let progress: ProgressStore
    let discussions: DiscussionStore
    let recommendations: LearnerRecommendations
    let analytics: Analytics
    /// 答疑: passages of the library for a question just asked (by meaning, when the service has a model); nil
    /// suggests none.
    var suggestPassages: (@Sendable (_ question: String, _ asker: User) async throws -> [Post.Suggestion])? = nil

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group(context: AuthenticatedContext.self)
        group.post("offerings", use: self.create)
        group.get("offerings", use: self.list)
        group.get("offerings/{id}", use: self.get)
        group.patch("offerings/{id}", use: self.update)
        group.post("offerings/{id}/publish", use: self.publish)
        group.post("offerings/{id}/withdraw", use: self.withdraw)
        group.post("offerings/{id}/enrollments", use: self.enrol)
        group.get("offerings/{id}/units/{unit}/posts", use: self.threads)
        group.post("offerings/{id}/units/{unit}/posts", use: self.post)
        group.post("posts/{id}/hide", use: self.hide)
        group.post("posts/{id}/answer", use: self.markAnswer)
        group.get("answers", use: self.answers)
        group.post("progress", use: self.complete)
        group.get("me/progress", use: self.myProgress)
        group.get("me/recommendations", use: self.recommend)
        group.get("analytics/resources", use: self.resourceAnalytics)
        group.get("analytics/teaching", use: self.teachingAnalytics)
    }

    // MARK: - Offerings

    @Sendable func create(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: OfferingInput.self, context: context)
        return try .json(try await self.offerings.create(input, author: context.user), status: .created)
    }

    @Sendable func list(request: Request, context: AuthenticatedContext) async throws -> Response {
        let uri = request.uri
        let page = try await self.offerings.list(
            viewer: context.user,
            course: uri.value("course"),
            mine: try uri.bool("mine") ?? false,
            query: uri.value("q"),
            try uri.pageRequest()
        )
        return try .json(page)
    }

    @Sendable func get(request: Request, context: AuthenticatedContext) async throws -> Response {
        let preview = try request.uri.bool("preview") ?? true
        return try .json(try await self.offerings.offering(id: try Self.id(context), viewer: context.user, preview: preview))
    }

    @Sendable func update(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: OfferingInput.self, context: context)
        return try .json(try await self.offerings.update(id: try Self.id(context), input, user: context.user))
    }

    @Sendable func publish(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.offerings.publish(id: try Self.id(context), user: context.user))
    }

    @Sendable func withdraw(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.offerings.withdraw(id: try Self.id(context), user: context.user))
    }

    // MARK: - Learning

    @Sendable func enrol(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.progress.enrol(offering: try Self.id(context), user: context.user), status: .created)
    }

    struct ProgressInput: Decodable {
        let offering: String
        let resource: String?
        let paper: String?
    }

    @Sendable func complete(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: ProgressInput.self, context: context)
        guard (input.resource == nil) != (input.paper == nil) else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "请给出 resource 或 paper 之一", en: "Give either resource or paper"),
                errors: [FieldError(field: "resource", message: LocalizedText(zh: "二选一", en: "one of resource or paper"))]
            )
        }
        let item = Offering.Item(resource: input.resource?.lowercased(), paper: input.paper?.lowercased())
        return try .json(try await self.progress.complete(offering: input.offering.lowercased(), item: item, user: context.user))
    }

    @Sendable func myProgress(request: Request, context: AuthenticatedContext) async throws -> Response {
        let all = try await self.progress.progress(user: context.user)
        return try .json(Page(items: all, total: all.count, request: PageRequest(page: 1, pageSize: max(1, min(all.count, 100)))))
    }

    @Sendable func recommend(request: Request, context: AuthenticatedContext) async throws -> Response {
        let limit = try request.uri.limit()
        let items = try await self.recommendations.suggestions(for: context.user, limit: limit)
        return try .json(Page(items: items, total: items.count, request: PageRequest(page: 1, pageSize: max(1, items.count))))
    }

    // MARK: - Discussions

    @Sendable func threads(request: Request, context: AuthenticatedContext) async throws -> Response {
        let page = try await self.discussions.threads(
            offering: try Self.id(context),
            unit: try context.parameters.require("unit"),
            viewer: context.user,
            try request.uri.pageRequest()
        )
        return try .json(page)
    }

    struct PostInput: Decodable {
        let body: String
        let parent: String?
    }

    @Sendable func post(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: PostInput.self, context: context)
        let post = try await self.discussions.post(
            offering: try Self.id(context),
            unit: try context.parameters.require("unit"),
            body: input.body,
            parent: input.parent,
            author: context.user
        )
        // A new question gets passages of the library at once; a model service that fails loses only the suggestions.
        guard post.parent == nil, let suggest = self.suggestPassages,
            let suggestions = try? await suggest(input.body, context.user), !suggestions.isEmpty
        else {
            return try .json(post, status: .created)
        }
        return try .json(try await self.discussions.keep(suggestions: suggestions, for: post, author: context.user), status: .created)
    }

    /// Marks a reply as the answer to its thread (解答).
    @Sendable func markAnswer(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.discussions.markAnswer(post: try Self.id(context), user: context.user))
    }

    /// The courses' questions and their marked answers, found by words (`q=`), of one course (`course=`).
    @Sendable func answers(request: Request, context: AuthenticatedContext) async throws -> Response {
        let uri = request.uri
        return try .json(try await self.discussions.answers(query: uri.value("q") ?? "", course: uri.value("course"), try uri.pageRequest()))
    }

    struct HideInput: Decodable {
        let reason: String?
    }

    @Sendable func hide(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: HideInput.self, context: context)
        return try .json(try await self.discussions.hide(post: try Self.id(context), reason: input.reason, user: context.user))
    }

    // MARK: - Analytics

    @Sendable func resourceAnalytics(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .reviewer, .admin, to: LocalizedText(zh: "查看资源使用分析", en: "read resource analytics"))
        let (from, to) = try Self.period(request.uri)
        let analytics = try await self.analytics.resources(
            from: from,
            to: to,
            by: try request.uri.value("by", as: ResourceAnalytics.Grouping.self) ?? .resource,
            interval: try request.uri.value("interval", as: ResourceAnalytics.Interval.self) ?? .month,
            try request.uri.pageRequest()
        )
        return try .json(analytics)
    }

    @Sendable func teachingAnalytics(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .reviewer, .admin, to: LocalizedText(zh: "查看教学行为分析", en: "read teaching analytics"))
        let (from, to) = try Self.period(request.uri)
        return try .json(try await self.analytics.teaching(from: from, to: to))
    }

    /// `?from=2026-01-01&to=2026-12-31`, whole days in Asia/Shanghai, both included; by default this year so far.
    static func period(_ uri: URI) throws -> (Date, Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        func day(_ name: String) throws -> Date? {
            guard let raw = uri.value(name) else { return nil }
            let parts = raw.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, raw.utf8.count == 10, (1...12).contains(parts[1]), (1...31).contains(parts[2]), (1970...9999).contains(parts[0]),
                let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                calendar.component(.day, from: date) == parts[2]
            else {
                throw GranaryError(
                    .invalidQuery,
                    LocalizedText(zh: "参数 \(name) 应为日期，如 2026-09-01", en: "\(name) must be a date such as 2026-09-01"),
                    errors: [FieldError(field: name, message: LocalizedText(zh: "日期格式为 YYYY-MM-DD", en: "YYYY-MM-DD"))]
                )
            }
            return date
        }
        let lastDay = try day("to") ?? calendar.startOfDay(for: Date())
        let from = try day("from") ?? calendar.date(from: DateComponents(year: calendar.component(.year, from: lastDay), month: 1, day: 1))!
        let to = calendar.date(byAdding: .day, value: 1, to: lastDay)!
        guard from < to else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "起始日期不能晚于结束日期", en: "from must not be after to"),
                errors: [FieldError(field: "from", message: LocalizedText(zh: "晚于 to", en: "after to"))]
            )
        }
        return (from, to)
    }

    private static func id(_ context: AuthenticatedContext) throws -> String {
        try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
    }
}
