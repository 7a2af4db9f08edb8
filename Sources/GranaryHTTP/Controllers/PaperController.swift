import Foundation
import GranaryAssessment
import GranaryModel
import Hummingbird

/// Papers (组卷) by hand or from a blueprint, attempts (作答) with instant scoring of objective questions,
/// rubric grading, item statistics, and the mastery of points a learner's graded answers show.
struct PaperController {
    let papers: PaperStore
    let attempts: AttemptStore
    let mastery: MasteryStore
    let practice: PracticeStore

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group(context: AuthenticatedContext.self)
        group.post("papers", use: self.create)
        group.get("papers", use: self.list)
        group.get("papers/{id}", use: self.get)
        group.get("papers/{id}/stats", use: self.statistics)
        group.post("papers/{id}/attempts", use: self.start)
        group.get("attempts/{id}", use: self.attempt)
        group.put("attempts/{id}/answers", use: self.save)
        group.post("attempts/{id}/submit", use: self.submit)
        group.post("attempts/{id}/grades", use: self.grade)
        group.get("me/mastery", use: self.myMastery)
        group.post("practice", use: self.startPractice)
        group.post("attempts/{id}/check", use: self.check)
    }

    struct PracticeInput: Decodable {
        let course: String
        let count: Int?
    }

    /// What `POST /practice` answers: the open attempt and the points it works on, weakest first.
    struct PracticeStarted: Encodable {
        let attempt: Attempt
        let focus: [PracticeStore.Focus]
    }

    /// 练一练: a practice set on the viewer's weakest points of a course, begun at once.
    @Sendable func startPractice(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: PracticeInput.self, context: context)
        let (attempt, focus) = try await self.practice.start(course: input.course, count: input.count ?? 5, learner: context.user)
        return try .json(PracticeStarted(attempt: attempt, focus: focus), status: .created)
    }

    struct CheckInput: Decodable {
        let question: String
        let answer: JSONValue
    }

    /// Checks one answer of an open practice set at once.
    @Sendable func check(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: CheckInput.self, context: context)
        return try .json(
            try await self.attempts.check(
                id: try context.parameters.require("id"),
                question: input.question,
                answer: input.answer,
                user: context.user
            )
        )
    }

    /// What `GET /me/mastery` answers: the model, and each point the viewer's graded answers assessed, weakest first.
    struct MasteryReport: Encodable {
        let model = "elo"
        let masteredAt = MasteryModel.masteredAt
        let items: [MasteryStore.PointMastery]
    }

    /// The viewer's mastery per knowledge or skill point (`course=` narrows to one course).
    @Sendable func myMastery(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(MasteryReport(items: try await self.mastery.mastery(of: context.user, course: request.uri.value("course"))))
    }

    struct PaperInput: Decodable {
        let course: String
        let title: String
        let questions: [String]?
        let blueprint: PaperBlueprintInput?
    }

    @Sendable func create(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: PaperInput.self, context: context)
        let paper: Paper
        switch (input.questions, input.blueprint) {
        case (let questions?, nil):
            paper = try await self.papers.create(course: input.course, title: input.title, questions: questions, author: context.user)
        case (nil, let blueprint?):
            paper = try await self.papers.assemble(course: input.course, title: input.title, blueprint: blueprint, author: context.user)
        default:
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "请给出 questions（手工组卷）或 blueprint（按蓝图组卷）之一", en: "Give either questions or a blueprint"),
                errors: [FieldError(field: "questions", message: LocalizedText(zh: "二选一", en: "one of questions or blueprint"))]
            )
        }
        return try .json(paper, status: .created)
    }

    @Sendable func list(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.papers.list(course: request.uri.value("course"), try request.uri.pageRequest()))
    }

    @Sendable func get(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.papers.paper(id: try context.parameters.require("id")))
    }

    @Sendable func statistics(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .reviewer, .admin, to: LocalizedText(zh: "查看试卷分析", en: "read paper statistics"))
        return try .json(try await self.attempts.statistics(paper: try context.parameters.require("id")))
    }

    @Sendable func start(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.attempts.start(paper: try context.parameters.require("id"), user: context.user), status: .created)
    }

    @Sendable func attempt(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.attempts.attempt(id: try context.parameters.require("id"), viewer: context.user))
    }

    struct AnswersInput: Decodable {
        let answers: [String: JSONValue]
    }

    @Sendable func save(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: AnswersInput.self, context: context)
        return try .json(try await self.attempts.save(id: try context.parameters.require("id"), answers: input.answers, user: context.user))
    }

    @Sendable func submit(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.attempts.submit(id: try context.parameters.require("id"), user: context.user))
    }

    struct GradesInput: Decodable {
        let grades: [String: AttemptStore.Grade]
    }

    @Sendable func grade(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: GradesInput.self, context: context)
        return try .json(try await self.attempts.grade(id: try context.parameters.require("id"), grades: input.grades, teacher: context.user))
    }
}
