import ArgumentParser
import Foundation
import GranaryBench
import GranaryS3
import GranarySchema
import GranaryStore
import Logging

/// The `granary` command: the service and its tools.
@main
struct Granary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "granary",
        abstract: "Granary: a teaching resource repository for vocational colleges (职业教育专业教学资源库).",
        subcommands: [
            Serve.self, AssistantCommand.self, Users.self, Import.self, Report.self, Reindex.self, Backup.self, Restore.self, Verify.self, Copy.self,
            Bench.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Options every command shares.
struct StorageOptions: ParsableArguments {
    @Option(help: "Data folder: granary.sqlite and blobs/.")
    var data: String = "Storage"

    @Option(help: "Folder of the shipped vocabularies and schemas.")
    var metadata: String = "Metadata"

    @Option(
        help: ArgumentHelp(
            "Blobs in an S3-compatible object store shared by every node, s3://BUCKET?endpoint=URL&region=R (or GRANARY_BLOBS), with the key pair in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Without it: blobs/ in the data folder.",
            valueName: "url"
        )
    )
    var blobs: String?

    @Option(
        help: ArgumentHelp(
            "The library's database on PostgreSQL, shared by every node, postgresql://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE (or GRANARY_DATABASE_URL); several hosts name a primary and its standbys. Without it: granary.sqlite in the data folder.",
            valueName: "url"
        )
    )
    var database: String?

    @Option(
        help: ArgumentHelp(
            "The key personal information and authenticator secrets are sealed with (or GRANARY_SECRETS): 32 random bytes in Base64, made with `head -c 32 /dev/urandom | base64 > FILE`; every node of a cluster reads the same file. Without it: secrets.key in the data folder, made at first start.",
            valueName: "file"
        )
    )
    var secrets: String?

    /// The database location given, by option or environment.
    var databaseLocation: String? {
        self.database ?? ProcessInfo.processInfo.environment["GRANARY_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The blob location given, by option or environment.
    var blobLocation: String? {
        self.blobs ?? ProcessInfo.processInfo.environment["GRANARY_BLOBS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The object store `--blobs` names, or nil for the data folder's `blobs/`.
    func blobBackend() throws -> (any BlobBackend)? {
        try self.blobLocation.map(Self.objectStore)
    }

    /// The S3 store `location` names (s3://BUCKET?endpoint=URL&region=R); a malformed one is a usage error.
    static func objectStore(_ location: String) throws -> any BlobBackend {
        do {
            return try S3BlobBackend(location: location)
        } catch let problem as S3Location.Problem {
            throw ValidationError(problem.message)
        }
    }

    /// The PostgreSQL database `--database` names, connected and migrated, or nil for the data folder's SQLite file.
    func postgresDatabase(clock: LibraryClock = .system) async throws -> LibraryDatabase? {
        guard let url = self.databaseLocation else { return nil }
        return try await Self.postgres(url, clock: clock, label: "granary.postgresql").database
    }

    /// The PostgreSQL database `url` names, connected and migrated; a malformed URL is a usage error.
    static func postgres(
        _ url: String,
        clock: LibraryClock = .system,
        label: String
    ) async throws -> (database: LibraryDatabase, location: PostgresLocation) {
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url)
        } catch {
            throw ValidationError(error.message)
        }
        return (try await LibraryDatabase(postgresql: location, schemas: .all, clock: clock, logger: Logger(label: label)), location)
    }

    /// The sealing key given, by option or environment; nil for the data folder's.
    func sealingKey() throws -> SealingKey? {
        guard let path = self.secrets ?? ProcessInfo.processInfo.environment["GRANARY_SECRETS"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            return nil
        }
        do {
            return try SealingKey.file(path)
        } catch let problem as SealingKey.Problem {
            throw ValidationError(problem.description)
        }
    }

    /// Opens the library these options name, with every target's tables.
    func open(_ options: Library.Options = .init()) async throws -> Library {
        var options = options
        options.sealingKey = try self.sealingKey()
        options.blobBackend = try self.blobBackend()
        options.database = try await self.postgresDatabase(clock: options.clock)
        return try Library(dataDirectory: self.data, metadataDirectory: self.metadata, options: options, schemas: .all)
    }
}

/// A progress report on standard error every 1,000 items and at the end: "copied 3000/4200 blobs".
func counting(_ verb: String, _ noun: String? = nil) -> @Sendable (Int, Int) -> Void {
    { done, total in
        if done == total || done % 1000 == 0 { FileHandle.standardError.write(Data("\(verb) \(done)/\(total)\(noun.map { " " + $0 } ?? "")\n".utf8)) }
    }
}
