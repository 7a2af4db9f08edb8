import ArgumentParser
import Foundation
import GranaryAssistant
import GranaryGraph
import GranaryLearning
import GranaryModel
import GranarySearch
import GranaryStore
import Logging
import MCP

/// `granary mcp`: the learning assistant over stdio, for a desktop AI client on a machine that holds the library.
struct AssistantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the learning assistant (Model Context Protocol) over stdin and stdout.",
        discussion: """
            The client starts this command; it acts as the account whose token GRANARY_TOKEN holds (a personal access \
            token made at /me, or a session's), checked again before every call. Logs go to stderr.
            """
    )

    @OptionGroup var storage: StorageOptions

    @Option(help: "What links in answers start with, e.g. https://ziyuan.example.edu.cn (default: paths only).")
    var linkBase: String = ""

    func run() async throws {
        guard let token = ProcessInfo.processInfo.environment["GRANARY_TOKEN"], !token.isEmpty else {
            throw ValidationError("Set GRANARY_TOKEN to a personal access token (made at /me).")
        }
        let logger = Logger(label: "granary.assistant")
        let library = try await self.storage.open()
        let accounts = library.accounts
        guard let user = try await accounts.user(forToken: token), !Role.duties.subtracting([.admin]).contains(user.role) else {
            throw ValidationError("GRANARY_TOKEN is not a live token of an account that may use the assistant.")
        }
        let search = SearchService(resources: library.resources, feed: library.database.feed)
        _ = try await search.rebuild()
        let graph = GraphService(database: library.database)
        let caller = Caller(user: user, linkBase: self.linkBase)
        let assistant = Assistant(
            library: library,
            search: search,
            graph: graph,
            learnerRecommendations: LearnerRecommendations(database: library.database),
            catchUp: {
                // No feed polling runs in this process: read the feed's head (on SQLite it moves only by this process's
                // own commits or a poll), bring the indexes up to it, and see that the token still stands (a
                // revocation is an event of the feed too).
                _ = try await library.database.feed.poll()
                try await search.catchUp()
                try await graph.catchUp()
                guard let now = try await accounts.user(forToken: token), now.id == user.id else {
                    throw GranaryError(.unauthorized, LocalizedText(zh: "令牌已失效，请重新创建并配置", en: "The token has ended"))
                }
                caller.refresh(now)
            },
            logger: logger
        )
        let server = await assistant.server(for: caller)
        try await server.start(transport: StdioTransport(logger: logger))
        await server.waitUntilCompleted()
    }
}
