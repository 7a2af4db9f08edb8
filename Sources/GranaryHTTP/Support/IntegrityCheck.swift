import Foundation
import GranaryStore
import Logging
import ServiceLifecycle

/// `PRAGMA integrity_check` over the whole database, run once the service is up (it takes seconds on a large
/// library, and must not hold back start-up); `/health` reports what it found. After an unclean stop over a shared
/// object store it then removes blobs without a row that are over an hour old (younger ones may be another node's
/// uploads in flight). At a graceful stop it marks the library as cleanly stopped.
actor IntegrityCheck: Service {
    private let library: Library
    private let logger: Logger
    private let sweepSharedOrphans: Bool
    /// nil while the check runs.
    private(set) var problems: [String]?

    init(library: Library, logger: Logger, sweepSharedOrphans: Bool = false) {
        self.library = library
        self.logger = logger
        self.sweepSharedOrphans = sweepSharedOrphans
    }

    func run() async throws {
        try await self.check()
        if self.sweepSharedOrphans {
            let started = ContinuousClock.now
            do {
                let removed = try await self.library.removeOrphanBlobs(before: Date().addingTimeInterval(-3600))
                self.logger.notice(
                    "the last run did not stop cleanly: removed \(removed) blob(s) over an hour old without a row in \(ContinuousClock.now - started)"
                )
            } catch {
                self.logger.error("could not sweep blobs without a row: \(error)")
            }
        }
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
