import Foundation
import GranaryAssessment
import GranaryModel
import GranaryReview
import GranarySearch
import GranaryStore
import Hummingbird

/// `/review`: the audit queue and the decision form, over the same `ReviewService` as `/api/v1/reviews`.
struct ReviewPages: Sendable {
    let pages: Pages
    let reviews: ReviewService
    let resources: ResourceStore
    let questions: QuestionStore
    let catalogue: CatalogueStore

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("review", use: self.reviewQueue)
        pages.get("review/{itemType}/{id}", use: self.reviewItem)
        pages.post("review/{itemType}/{id}", use: self.decide)
    }

    struct QueuePage: Sendable {
        struct Row: Sendable {
            let href: String
            let title: String
            let kind: String
            let course: String
            let author: String
            let age: String
            let claimedBy: String?
        }

        struct Section: Sendable {
            let title: String
            let total: Int
            let rows: [Row]
        }

        let sections: [Section]
    }

    private static let notices: [String: String] = [
        "approve": "已通过，内容已发布。",
        "reject": "已标记为不通过。",
        "request_changes": "已退回作者修改。",
    ]

    @Sendable func reviewQueue(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.require(context, roles: .reviewer, .admin, to: "审核")
        let pageRequest = PageRequest(page: 1, pageSize: PageRequest.maximumPageSize)
        var sections: [QueuePage.Section] = []
        for (type, title) in [(ReviewItemType.resource, "资源"), (.question, "试题")] {
            let queue = try await self.reviews.queue(type, viewer: user, pageRequest)
            let names = try await self.pages.names.current(courses: queue.items.map(\.course))
            var authors: [String: String] = [:]
            for author in Set(queue.items.map(\.author)) { authors[author] = try await self.pages.personName(author) }
            sections.append(
                QueuePage.Section(
                    title: title,
                    total: queue.total,
                    rows: queue.items.map { item in
                        QueuePage.Row(
                            href: "/review/\(type.rawValue)/\(item.id)",
                            title: item.title,
                            kind: item.kind?.chineseName ?? "试题",
                            course: names.courses[item.course]?.name ?? item.course,
                            author: authors[item.author] ?? item.author,
                            age: Self.age(item.ageSeconds),
                            claimedBy: item.claimedBy
                        )
                    }
                )
            )
        }
        let notice = request.uri.value("done").flatMap { Self.notices[$0] }
        return try await self.pages.render(
            "review-queue",
            title: "审核队列",
            page: QueuePage(sections: sections),
            context: context,
            path: "/review",
            notice: notice
        )
    }

    /// `3 天 4 小时`, `25 分钟`.
    static func age(_ seconds: Int) -> String {
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3600
        let minutes = seconds % 3600 / 60
        if days > 0 { return "\(days) 天 \(hours) 小时" }
        if hours > 0 { return "\(hours) 小时 \(minutes) 分钟" }
        return "\(max(minutes, 0)) 分钟"
    }

    struct ReviewItemPage: Sendable {
        struct Check: Sendable {
            let name: String
            let label: String
            let hint: String
            let checked: Bool
        }

        struct Decision: Sendable {
            let value: String
            let label: String
            let checked: Bool
        }

        struct Past: Sendable {
            let reviewer: String
            let decision: String
            let comment: String?
            let date: String
        }

        let action: String
        let title: String
        let version: Int
        let facts: [Pages.Fact]
        let media: Pages.MediaView?
        let question: Pages.QuestionView?
        let checks: [Check]
        let decisions: [Decision]
        let comment: String
        let error: String?
        let past: [Past]
    }

    /// What the person filled in, kept when the form comes back with an error.
    struct DecisionForm {
        var checks: ReviewChecks = ReviewChecks(political: false, scientific: false, applicability: false, normativity: false)
        var decision: ReviewDecision? = nil
        var comment = ""
    }

    @Sendable func reviewItem(request: Request, context: AppRequestContext) async throws -> Response {
        try await self.reviewItemPage(request: request, context: context, form: DecisionForm(), error: nil, status: .ok)
    }

    private func reviewItemPage(
        request: Request,
        context: AppRequestContext,
        form: DecisionForm,
        error: String?,
        status: HTTPResponse.Status
    ) async throws -> Response {
        let user = try self.pages.require(context, roles: .reviewer, .admin, to: "审核")
        let (type, id) = try Self.reviewItem(context)
        let title: String
        let version: Int
        var facts: [Pages.Fact]
        var media: Pages.MediaView?
        var questionView: Pages.QuestionView?
        switch type {
        case .resource:
            let resource = try await self.resources.resource(id: id, viewer: user)
            let names = try await self.pages.names.current(courses: [resource.course])
            title = resource.title
            version = resource.version
            facts = try await self.pages.facts(of: resource, names: names, catalogue: self.catalogue)
            facts.insert(Pages.Fact(label: "规范名称", value: resource.canonicalName), at: 0)
            if let description = resource.description { facts.insert(Pages.Fact(label: "简介", value: description), at: 0) }
            media = Pages.MediaView(resource: resource, text: try await Pages.textPreview(of: resource, viewer: user, resources: self.resources))
        case .question:
            let question = try await self.questions.question(id: id, viewer: user)
            let names = try await self.pages.names.current(courses: [question.course])
            title = "\(question.type.chineseName)：" + String(QuestionText.title(question.stem).prefix(40))
            version = question.version
            facts = try await self.pages.facts(of: question, names: names, catalogue: self.catalogue)
            questionView = Pages.QuestionView(question)
        }
        let past = try await self.reviews.reviews(type, id: id, viewer: user)
        let checks = form.checks
        let page = ReviewItemPage(
            action: "/review/\(type.rawValue)/\(id)",
            title: title,
            version: version,
            facts: facts,
            media: media,
            question: questionView,
            checks: [
                .init(name: "political", label: "政治性", hint: "导向正确，无政治性错误", checked: checks.political),
                .init(name: "scientific", label: "科学性", hint: "内容准确，无知识性错误", checked: checks.scientific),
                .init(name: "applicability", label: "适用性", hint: "符合课程标准与教学需要", checked: checks.applicability),
                .init(name: "normativity", label: "规范性", hint: "命名、元数据、版权规范", checked: checks.normativity),
            ],
            decisions: [
                .init(value: ReviewDecision.approve.rawValue, label: "通过", checked: form.decision == .approve),
                .init(value: ReviewDecision.requestChanges.rawValue, label: "退回修改", checked: form.decision == .requestChanges),
                .init(value: ReviewDecision.reject.rawValue, label: "不通过", checked: form.decision == .reject),
            ],
            comment: form.comment,
            error: error,
            past: past.map {
                ReviewItemPage.Past(
                    reviewer: $0.reviewer,
                    decision: $0.decision.chineseName,
                    comment: $0.comment,
                    date: Pages.format($0.decidedAt) + "（第 \($0.version) 版）"
                )
            }
        )
        return try await self.pages.render("review-item", title: "审核：\(title)", page: page, context: context, path: "/review", status: status)
    }

    @Sendable func decide(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.require(context, roles: .reviewer, .admin, to: "审核")
        let (type, id) = try Self.reviewItem(context)
        let fields = try await self.pages.form(request, context: context)
        var form = DecisionForm()
        form.checks = ReviewChecks(
            political: fields["political"] == "on",
            scientific: fields["scientific"] == "on",
            applicability: fields["applicability"] == "on",
            normativity: fields["normativity"] == "on"
        )
        form.decision = fields["decision"].flatMap(ReviewDecision.init(rawValue:))
        form.comment = fields["comment"] ?? ""
        guard let decision = form.decision else {
            return try await self.reviewItemPage(request: request, context: context, form: form, error: "请选择审核结论", status: .unprocessableContent)
        }
        do {
            // The same call as POST /api/v1/reviews/{itemType}/{id}/decision.
            _ = try await self.reviews.decide(
                type,
                id: id,
                decision: decision,
                checks: form.checks,
                comment: form.comment,
                version: fields["version"].flatMap { Int($0) },
                reviewer: user
            )
        } catch let error as GranaryError where error.code != .notFound {
            let message = ([error.detail.zh] + error.errors.map(\.message.zh)).joined(separator: "；")
            return try await self.reviewItemPage(request: request, context: context, form: form, error: message, status: error.code.status)
        }
        return PageRenderer.redirect(to: "/review?done=\(decision.rawValue)")
    }

    private static func reviewItem(_ context: AppRequestContext) throws -> (ReviewItemType, String) {
        let raw = try context.parameters.require("itemType")
        guard let type = ReviewItemType(rawValue: raw) else {
            throw GranaryError.notFound(LocalizedText(zh: "审核类型", en: "Review item type"), raw)
        }
        return (type, try context.parameters.require("id"))
    }
}

extension ReviewDecision {
    /// 通过, 退回修改, 不通过.
    var chineseName: String {
        switch self {
        case .approve: "通过"
        case .requestChanges: "退回修改"
        case .reject: "不通过"
        }
    }
}
