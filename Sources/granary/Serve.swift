import ArgumentParser
import Foundation
import GranaryDemo
import GranaryEmbeddings
import GranaryHTTP
import GranaryModel
import GranarySchema
import GranaryStore
import Hummingbird
import Logging
import NIOCore

/// `granary serve`: runs the HTTP service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the service.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int = 8080

    @Option(name: .customLong("max-upload-mb"), help: "Largest file an upload may carry, in MiB.")
    var maxUploadMB: Int64 = 2048

    @Option(help: "bcrypt work factor for new passwords (4–31).")
    var bcryptCost: UInt8 = 12

    @Option(
        help: """
            Threads that accept connections and parse HTTP (default: one per core). On a machine whose cores are busy \
            with other work, one halves the slowest answers: fewer threads wait for a core.
            """
    )
    var eventLoops: Int?

    func validate() throws {
        guard (4...31).contains(self.bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4 to 31.") }
        if let eventLoops = self.eventLoops, eventLoops < 1 { throw ValidationError("--event-loops must be at least 1.") }
        guard (1...24 * 60).contains(self.idleMinutes) else { throw ValidationError("--idle-minutes must be 1 to 1440.") }
        guard (1...3650).contains(self.passwordDays) else { throw ValidationError("--password-days must be 1 to 3650.") }
        guard (self.tlsCert == nil) == (self.tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together.") }
    }

    @Option(help: "Minutes a session may go unused before it ends (等保三级; log in again afterwards).")
    var idleMinutes: Int = Int(Accounts.defaultIdleTimeout / 60)

    @Option(help: "Days the password of an administrator or reviewer lasts before it must be changed (等保三级).")
    var passwordDays: Int = Int(PasswordPolicy.defaultMaximumAge / 86400)

    @Option(help: "PEM certificate chain: serve HTTPS (TLS 1.2+, HTTP/2 when the client offers it, HSTS). Needs --tls-key.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "Minutes a reviewer's claim keeps other reviewers off an item.")
    var claimMinutes: Int = 30

    @Flag(help: "Load a sample major with courses, points, resources and users into an empty store, and print the logins.")
    var demo = false

    @Option(help: "An OpenAI-compatible embeddings service (http://HOST:PORT/v1) for search by meaning; without it, search is by words.")
    var embeddings: String?

    @Option(help: "The model to ask --embeddings for (default: the first the service lists).")
    var embeddingsModel: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        // Before anything starts the shared event loops.
        if let eventLoops = self.eventLoops { NIOSingletons.groupLoopCountSuggestion = eventLoops }
        let library = try await self.storage.open(
            .init(
                bcryptCost: self.bcryptCost,
                idleTimeout: TimeInterval(self.idleMinutes * 60),
                passwordMaximumAge: TimeInterval(self.passwordDays) * 86400
            )
        )
        // A start with other log-in policies than the last one recorded is a change of policy, and audited.
        try await library.accounts.recordPolicies(https: self.tlsCert != nil)
        if self.demo {
            let text = Demo.banner(loaded: try await Demo.load(into: library))
            // Unbuffered, so the logins show at once even when standard output is a pipe or a log file.
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        let app = try await buildApplication(
            library: library,
            configuration: AppConfiguration(
                host: self.host,
                port: self.port,
                maximumUploadSize: self.maxUploadMB << 20,
                metadataDirectory: self.storage.metadata,
                logLevel: self.logLevel,
                claimDuration: TimeInterval(self.claimMinutes * 60),
                tls: self.tlsCert.map { TLSFiles(certificate: $0, key: self.tlsKey ?? "") },
                embeddings: self.embeddings.map { EmbeddingClient(url: $0, model: self.embeddingsModel) }
            )
        )
        try await app.runService()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
