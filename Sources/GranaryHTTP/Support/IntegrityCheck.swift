import Foundation
import GranaryStore
import Logging
import ServiceLifecycle

/// `PRAGMA integrity_check` over the whole database, run once the service is up (it takes seconds on a large
/// library, and must not hold back start-up); `/health` reports what it found. Then the stored files an earlier crash
/// left without a row are removed.
actor IntegrityCheck: Service {
    private let library: Library
    private let logger: Logger
    /// When this process started: blob files older than this that no row names were left by an earlier crash.
    private let started = Date().addingTimeInterval(-1)
    /// nil while the check runs.
    private(set) var problems: [String]?

    init(library: Library, logger: Logger) {
        self.library = library
        self.logger = logger
    }

    func run() async throws {
        try await self.check()
        do {
            let removed = try await self.library.removeOrphanBlobs(before: self.started)
            if removed > 0 {
                self.logger.notice(
                    "removed \(removed) stored file(s) an earlier stop left without a row",
                    metadata: ["data": .string(self.library.dataDirectory)]
                )
            }
        } catch {
            self.logger.error("orphan blob sweep failed: \(String(reflecting: error))")
        }
        try? await gracefulShutdown()
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
