import ArgumentParser
import Foundation
import GranaryBench
import GranaryS3
import GranarySchema
import GranaryStore

/// The `granary` command: the service and its tools.
@main
struct Granary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "granary",
        abstract: "Granary: a teaching resource repository for vocational colleges (职业教育专业教学资源库).",
        subcommands: [Serve.self, Users.self, Import.self, Report.self, Reindex.self, Backup.self, Restore.self, Verify.self, Copy.self, Bench.self],
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

    /// The blob location given, by option or environment.
    var blobLocation: String? {
        self.blobs ?? ProcessInfo.processInfo.environment["GRANARY_BLOBS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The object store `--blobs` names, or nil for the data folder's `blobs/`.
    func blobBackend() throws -> (any BlobBackend)? {
        guard let location = self.blobLocation else { return nil }
        do {
            return try S3BlobBackend(location: location)
        } catch let problem as S3Location.Problem {
            throw ValidationError(problem.message)
        }
    }

    /// Opens the library these options name, with every target's tables.
    func open(_ options: Library.Options = .init()) throws -> Library {
        var options = options
        options.blobBackend = try self.blobBackend()
        return try Library(dataDirectory: self.data, metadataDirectory: self.metadata, options: options, schemas: .all)
    }
}
