import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// The question bank: questions of six types, each change a new version, reviewed like resources.
struct QuestionController {
    let questions: QuestionStore

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group("questions", context: AuthenticatedContext.self)
        group.post(use: self.create)
        group.get(use: self.list)
        group.get("{id}", use: self.get)
        group.patch("{id}", use: self.update)
        group.delete("{id}", use: self.retire)
        group.post("{id}/submit", use: self.submit)
        group.get("{id}/versions", use: self.versions)
    }

    /// A question's fields as sent; a change leaves out what stays.
    struct Input: Decodable {
        let course: String?
        let knowledgePoints: [String]?
        let type: QuestionType?
        let difficulty: Int?
        let stem: String?
        let options: [Question.Option]?
        let answer: JSONValue?
        let analysis: String?
        let rubric: [Question.Criterion]?
        let score: Double?

        var store: QuestionStore.Input {
            QuestionStore.Input(
                course: self.course,
                knowledgePoints: self.knowledgePoints,
                type: self.type,
                difficulty: self.difficulty,
                stem: self.stem,
                options: self.options,
                answer: self.answer,
                analysis: self.analysis.map { .some($0) },
                rubric: self.rubric,
                score: self.score
            )
        }
    }

    @Sendable func create(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: Input.self, context: context)
        return try .json(try await self.questions.create(input.store, author: context.user), status: .created)
    }

    @Sendable func update(request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let input = try await request.decodeJSON(as: Input.self, context: context)
        return try .json(try await self.questions.update(id: id, input.store, actor: context.user))
    }

    @Sendable func get(request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.require("id")
        return try .json(try await self.questions.question(id: id, version: try request.uri.positiveInt("version"), viewer: context.user))
    }

    @Sendable func versions(request: Request, context: AuthenticatedContext) async throws -> Response {
        let versions = try await self.questions.versions(id: try context.parameters.require("id"), viewer: context.user)
        return try .json(Page(items: versions, total: versions.count, request: PageRequest(page: 1, pageSize: max(1, versions.count))))
    }

    @Sendable func submit(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.questions.submit(id: try context.parameters.require("id"), actor: context.user))
    }

    @Sendable func retire(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.questions.retire(id: try context.parameters.require("id"), actor: context.user))
    }

    @Sendable func list(request: Request, context: AuthenticatedContext) async throws -> Response {
        let difficulty = try request.uri.positiveInt("difficulty")
        guard difficulty.map({ (1...5).contains($0) }) ?? true else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "难度应为 1–5", en: "difficulty must be 1 to 5"),
                errors: [FieldError(field: "difficulty", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        let filter = QuestionStore.Filter(
            course: request.uri.value("course"),
            knowledgePoint: request.uri.value("knowledgePoint"),
            type: try request.uri.value("type", as: QuestionType.self),
            difficulty: difficulty,
            status: try request.uri.value("status", as: ResourceStatus.self)
        )
        return try .json(try await self.questions.list(filter, viewer: context.user, try request.uri.pageRequest()))
    }
}
