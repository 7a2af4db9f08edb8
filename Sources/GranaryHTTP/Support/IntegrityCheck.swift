import GranaryStore
import Logging
import ServiceLifecycle

/// `PRAGMA integrity_check` over the whole database, run once the service is up (it takes seconds on a large
/// library, and must not hold back start-up); `/health` reports what it found. At a graceful stop it marks the
/// library as cleanly stopped.
actor IntegrityCheck: Service {
    private let library: Library
    private let logger: Logger
    /// nil while the check runs.
    private(set) var problems: [String]?

    init(library: Library, logger: Logger) {
        self.library = library
        self.logger = logger
    }

    func run() async throws {
        try await self.check()
        try? await gracefulShutdown()
        // A clean stop: the next start need not look for files a crash left.
        self.library.endRun()
    }

    /// Runs the check and keeps (and logs) what it found.
    func check() async throws {
        let problems = try await self.library.database.integrityProblems()
        for problem in problems {
            self.logger.error("database integrity check: \(problem)", metadata: ["data": .string(self.library.dataDirectory)])
        }
        self.problems = problems
    }
}
