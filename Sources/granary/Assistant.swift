import ArgumentParser
import Foundation
import GranaryAssistant
import Logging

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
        do {
            try await Assistant.serveStdio(
                library: try await self.storage.open(),
                token: token,
                linkBase: self.linkBase,
                logger: Logger(label: "granary.assistant")
            )
        } catch let refusal as Assistant.StdioRefusal {
            throw ValidationError(refusal.description)
        }
    }
}
