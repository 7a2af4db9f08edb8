import Foundation
import GRDB
import GranaryModel
import Logging

/// Everything one data folder holds, opened together: the database, the blobs, and the services over them.
///
/// The service, every command-line tool and the tests open a library the same way.
public struct Library: Sendable {
    /// Where the data lives: `granary.sqlite` and `blobs/` (in a cluster, only uploads in progress: `tmp/`).
    public let dataDirectory: String
    /// The database: SQLite, or PostgreSQL in a cluster.
    public let database: LibraryDatabase
    /// Content-addressed bytes.
    public let blobs: BlobStore
    /// libmagic.
    public let inspector: ContentInspector
    /// The 2021 national major catalogue.
    public let nationalCatalogue: NationalCatalogue
    /// The 2022 national occupation classification.
    public let occupations: OccupationClassification
    /// Accounts and sessions.
    public let accounts: Accounts
    /// Majors, courses, points, jobs, plans.
    public let catalogue: CatalogueStore
    /// Resources.
    public let resources: ResourceStore

    /// Settings that change how the library behaves.
    public struct Options: Sendable {
        /// bcrypt work factor: 12 in production, 4 in tests.
        public var bcryptCost: UInt8
        /// How long a log-in token lives.
        public var tokenLifetime: TimeInterval
        /// How long a session may go unused before it ends (等保三级: idle sessions end).
        public var idleTimeout: TimeInterval
        /// How long a privileged account's password lasts.
        public var passwordMaximumAge: TimeInterval
        /// The time every change is recorded at: the system's, or a set one in tests.
        public var clock: LibraryClock
        /// Where blobs live: nil for the folder `blobs/` in the data folder, or a shared store (`--blobs s3://…`).
        public var blobBackend: (any BlobBackend)?
        /// The database, already open: nil for `granary.sqlite` in the data folder, or a PostgreSQL database
        /// (`--database postgresql://…`).
        public var database: LibraryDatabase?
        /// Roles whose accounts must log in with two steps; the service always uses the default.
        public var twoFactorRoles: Set<Role>
        /// The key personal information is sealed with: nil for `secrets.key` in the data folder, made at first
        /// start (`--secrets FILE` names another, which a cluster's nodes share).
        public var sealingKey: SealingKey?

        /// Creates options.
        public init(
            bcryptCost: UInt8 = 12,
            tokenLifetime: TimeInterval = 12 * 3600,
            idleTimeout: TimeInterval = Accounts.defaultIdleTimeout,
            passwordMaximumAge: TimeInterval = PasswordPolicy.defaultMaximumAge,
            clock: LibraryClock = .system,
            blobBackend: (any BlobBackend)? = nil,
            database: LibraryDatabase? = nil,
            twoFactorRoles: Set<Role> = Accounts.defaultTwoFactorRoles,
            sealingKey: SealingKey? = nil
        ) {
            self.bcryptCost = bcryptCost
            self.tokenLifetime = tokenLifetime
            self.idleTimeout = idleTimeout
            self.passwordMaximumAge = passwordMaximumAge
            self.clock = clock
            self.blobBackend = blobBackend
            self.database = database
            self.twoFactorRoles = twoFactorRoles
            self.sealingKey = sealingKey
        }
    }

    /// Opens the library in `dataDirectory` (created if missing, migrated), reading vocabularies from `metadataDirectory`.
    /// `schemas` are the tables of the targets served beside GranaryStore's (`.all` in GranarySchema for the service).
    public init(dataDirectory: String, metadataDirectory: String, options: Options = Options(), schemas: [TableSchema]) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        self.dataDirectory = dataDirectory
        self.database =
            try options.database ?? LibraryDatabase(path: dataDirectory + "/granary.sqlite", schemas: schemas, clock: options.clock)
        self.blobs = try BlobStore(root: dataDirectory, backend: options.blobBackend)
        self.inspector = ContentInspector()
        self.nationalCatalogue = try NationalCatalogue(contentsOf: metadataDirectory + "/catalogue/majors-2021.csv")
        self.occupations = try OccupationClassification(contentsOf: metadataDirectory + "/occupations/occupations-2022.csv")
        self.accounts = Accounts(
            database: self.database,
            bcryptCost: options.bcryptCost,
            tokenLifetime: options.tokenLifetime,
            idleTimeout: options.idleTimeout,
            passwordPolicy: PasswordPolicy(maximumAge: options.passwordMaximumAge),
            twoFactorRoles: options.twoFactorRoles,
            sealingKey: try options.sealingKey ?? SealingKey.file(dataDirectory + "/" + SealingKey.defaultFile, creating: true)
        )
        self.catalogue = CatalogueStore(database: self.database, national: self.nationalCatalogue, occupations: self.occupations)
        self.resources = ResourceStore(database: self.database, blobs: self.blobs, inspector: self.inspector)
    }

    /// Marks the library as served; true when an earlier service never stopped cleanly (it was killed, or the machine
    /// went down), which is when stored files without a row may have been left.
    public func beginRun() throws -> Bool {
        let marker = self.dataDirectory + "/running"
        let unclean = FileManager.default.fileExists(atPath: marker)
        if !unclean {
            guard FileManager.default.createFile(atPath: marker, contents: Data("\(ProcessInfo.processInfo.processIdentifier)\n".utf8)) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
        return unclean
    }

    /// Marks a clean stop of the service.
    public func endRun() {
        try? FileManager.default.removeItem(atPath: self.dataDirectory + "/running")
    }

    /// Removes stored blobs no database row names that were stored before `before`, and returns how many.
    ///
    /// Bytes are stored before the row that names them commits, so a crash between the two leaves a blob nobody
    /// refers to: harmless, but space. Only safe while no upload is in flight anywhere (a shared object store has
    /// other nodes' uploads too, hence the age): the service calls it before it listens, after a run that did not
    /// stop cleanly.
    @discardableResult
    public func removeOrphanBlobs(before: Date) async throws -> Int {
        let known = Set(try await self.database.read { db in try db.fetchAll(String.self, sql: "SELECT sha256 FROM blobs") })
        var removed = 0
        for blob in try await self.blobs.backend.list() where !known.contains(blob.sha256) && blob.modified < before {
            guard BlobStore.isDigest(blob.sha256), blob.name == BlobStore.key(forSHA256: blob.sha256) else { continue }
            try await self.blobs.backend.remove(sha256: blob.sha256)
            removed += 1
        }
        return removed
    }

    /// Removes uploads a crash interrupted; the service does this before it listens.
    ///
    /// Only the service calls this; a command run beside a live service must not delete its uploads in progress.
    public func removeUnfinishedUploads(logger: Logger) throws {
        let removed = try self.blobs.removeTemporaryFiles()
        if removed > 0 {
            logger.notice("removed \(removed) unfinished upload(s) left by an earlier stop", metadata: ["data": .string(self.dataDirectory)])
        }
    }
}
