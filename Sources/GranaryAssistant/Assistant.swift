import Foundation
import GranaryAssessment
import GranaryEmbeddings
import GranaryGraph
import GranaryLearning
import GranaryModel
import GranaryReview
import GranarySearch
import GranaryStore
import Logging
import MCP

/// The learning assistant (学习助手): Granary as a Model Context Protocol server. Its tools, resources and prompts
/// call the same stores and services as the API, as the caller's account, so an AI client sees and changes exactly
/// what that account may through the API.
public struct Assistant: Sendable {
    let resources: ResourceStore
    let search: SearchService
    /// Search by meaning, when the service has a model (`--embeddings`).
    let meaning: MeaningSearch?
    let recommendations: Recommendations
    let learnerRecommendations: LearnerRecommendations
    let graph: GraphService
    let offerings: OfferingStore
    let discussions: DiscussionStore
    let progress: ProgressStore
    let mastery: MasteryStore
    let papers: PaperStore
    let practice: PracticeStore
    let attempts: AttemptStore
    let questions: QuestionStore
    let reviews: ReviewService
    /// Brings the in-process indexes up to the change feed before a call, where nothing else follows it (stdio).
    let catchUp: @Sendable () async throws -> Void
    let logger: Logger

    /// The assistant over `library`, sharing the node's search index, graph and recommendations (the HTTP
    /// service's, or the stdio process's own).
    public init(
        library: Library,
        search: SearchService,
        graph: GraphService,
        learnerRecommendations: LearnerRecommendations,
        meaning: MeaningSearch? = nil,
        catchUp: @escaping @Sendable () async throws -> Void = {},
        logger: Logger
    ) {
        let database = library.database
        self.resources = library.resources
        self.search = search
        self.meaning = meaning
        self.recommendations = Recommendations(database: database, resources: library.resources, search: search)
        self.learnerRecommendations = learnerRecommendations
        self.graph = graph
        self.offerings = OfferingStore(database: database)
        self.discussions = DiscussionStore(database: database)
        self.progress = ProgressStore(database: database)
        self.mastery = MasteryStore(database: database)
        self.papers = PaperStore(database: database)
        self.practice = PracticeStore(database: database)
        self.attempts = AttemptStore(database: database, offerings: OfferingStore(database: database))
        self.questions = QuestionStore(database: database)
        self.reviews = ReviewService(database: database)
        self.catchUp = catchUp
        self.logger = logger
    }

    /// Every tool, in the order clients list them.
    var tools: [AssistantTool] {
        self.libraryTools + self.courseSystemTools + self.learnerTools + self.teacherTools
    }

    /// The tools `role` is offered.
    func tools(for role: Role) -> [AssistantTool] {
        self.tools.filter { $0.roles.contains(role) }
    }

    static let instructions = """
        Granary 职业教育专业教学资源库。工具以当前登录账户的身份和权限运行：学习者只能看到已审核通过的资源；\
        教师可以起草课程（组课）和试卷，但发布仍须经过审核流程。引用资源时请给出工具返回的链接（link）。
        """

    /// A server for one session of `caller`: its tools, resources and prompts as that account may use them.
    public func server(for caller: Caller) async -> Server {
        let server = Server(
            name: "granary",
            version: "1.0.0",
            title: "Granary 学习助手",
            instructions: Self.instructions,
            capabilities: .init(
                prompts: .init(listChanged: false),
                resources: .init(subscribe: false, listChanged: false),
                tools: .init(listChanged: false)
            )
        )
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: self.tools(for: caller.user.role).map(\.definition))
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            await self.call(parameters.name, arguments: parameters.arguments, caller: caller)
        }
        await self.addResources(to: server, caller: caller)
        await self.addPrompts(to: server, caller: caller)
        return server
    }

    /// Runs a tool for the caller; refusals and mistakes are results the model reads (`isError`), in Chinese.
    func call(_ name: String, arguments: [String: Value]?, caller: Caller) async -> CallTool.Result {
        let user = caller.user
        guard let tool = self.tools.first(where: { $0.definition.name == name }) else {
            return ToolOutput.failure(GranaryError(.notFound, LocalizedText(zh: "没有名为 \(name) 的工具", en: "No tool named \(name)")))
        }
        guard tool.roles.contains(user.role) else {
            return ToolOutput.failure(
                .forbidden(LocalizedText(zh: "\(user.role.chineseName)不能使用工具 \(name)", en: "Your role may not use the tool \(name)"))
            )
        }
        do {
            try await self.catchUp()
            return try await tool.run(ToolArguments(arguments), caller).result
        } catch let error as GranaryError {
            return ToolOutput.failure(error)
        } catch {
            // A fault of the service, not of the request: no API code fits, so the result names none of them.
            self.logger.error("assistant tool \(name) failed: \(error)")
            return CallTool.Result(
                content: [.text(text: "未完成：工具运行出错，请稍后重试", annotations: nil, _meta: nil)],
                structuredContent: Optional(.object(["code": "internal_error", "detail": "工具运行出错，请稍后重试"])),
                isError: true
            )
        }
    }
}
