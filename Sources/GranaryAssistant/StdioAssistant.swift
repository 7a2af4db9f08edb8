import GranaryGraph
import GranaryLearning
import GranaryModel
import GranarySearch
import GranaryStore
import Logging
import MCP

extension Assistant {
    /// Why `serveStdio` cannot begin, in words for the operator.
    public struct StdioRefusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// The assistant over stdin and stdout for one local account (`granary mcp`), until the client closes the pipe.
    ///
    /// No feed polling runs in such a process: before each call it reads the feed's head (on SQLite it moves only by
    /// this process's own commits or a poll), brings its own search index and graph up to it, and checks that the
    /// token still stands (a revocation is an event of the feed too), refusing the call once it does not.
    public static func serveStdio(library: Library, token: String, linkBase: String, logger: Logger) async throws {
        let accounts = library.accounts
        guard let user = try await accounts.user(forToken: token), !Role.duties.subtracting([.admin]).contains(user.role) else {
            throw StdioRefusal(description: "GRANARY_TOKEN is not a live token of an account that may use the assistant.")
        }
        let search = SearchService(resources: library.resources, feed: library.database.feed)
        _ = try await search.rebuild()
        let graph = GraphService(database: library.database)
        let caller = Caller(user: user, linkBase: linkBase)
        let assistant = Assistant(
            library: library,
            search: search,
            graph: graph,
            learnerRecommendations: LearnerRecommendations(database: library.database),
            catchUp: {
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
