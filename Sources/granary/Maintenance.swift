import ArgumentParser
import Foundation
import GranarySchema
import GranaryStore

/// `granary backup DIR`: a consistent copy of the library while the service keeps serving.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the library (database and blobs, with a manifest of their SHA-256) into an empty folder.",
        discussion: "Safe while `granary serve` runs on the same data folder: the database is copied in one read transaction."
    )

    @OptionGroup var storage: StorageOptions

    @Argument(help: "An empty or new folder for the copy.")
    var destination: String

    func run() async throws {
        let library = try await self.storage.open()
        let started = ContinuousClock.now
        let manifest = try await LibraryBackup.backup(library, to: self.destination, progress: counting("copied", "blobs"))
        let bytes = manifest.blobs.reduce(manifest.database.size) { $0 + $1.size }
        print(
            "backup in \(self.destination): \(manifest.resources) resources, \(manifest.blobs.count) blobs, \(manifest.events) events, "
                + String(format: "%.1f MB, in %@", Double(bytes) / 1e6, "\(ContinuousClock.now - started)")
        )
    }
}

/// `granary restore DIR`: the library back from a backup, every hash checked first.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a backup's hashes, put it in the data folder, and verify the result.",
        discussion: "Stop the service first. A data folder that holds a library is replaced only with --force."
    )

    @OptionGroup var storage: StorageOptions

    @Argument(help: "The folder `granary backup` wrote.")
    var source: String

    @Flag(help: "Replace the library in the data folder.")
    var force = false

    func run() async throws {
        let manifest = try await LibraryBackup.restore(
            from: self.source,
            to: self.storage.data,
            blobBackend: try self.storage.blobBackend(),
            force: self.force,
            progress: counting("checked and copied")
        )
        print("restored \(manifest.resources) resources and \(manifest.blobs.count) blobs from the backup of \(manifest.createdAt)")
        let library = try await self.storage.open()
        let report = try await LibraryVerifier(library: library).run()
        Verify.print(report)
        if !report.isClean { throw ExitCode(1) }
    }
}

/// `granary copy --to-blobs URL`: the library's blobs into another store, to move up to a cluster's or back.
struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a library into a cluster (its blobs into an S3 store or a folder, its database into PostgreSQL), or back into a folder.",
        discussion: """
            --to-blobs copies every blob the library names, each hash checked; blobs already there are skipped, so an \
            interrupted copy is run again. --to-database copies every row of the library's SQLite database into an \
            empty PostgreSQL database in one transaction (all or nothing), events with their ids and hashes. Both are \
            safe beside a running service but copy what is there when they start: stop changes first, then serve with \
            --database and --blobs set to the targets, and run `granary verify` with them. --to-data goes the other \
            way: the cluster's library (--database, --blobs) into a new data folder, its database into the folder's \
            granary.sqlite in one transaction and its blobs into blobs/; serve and verify with --data set to it.
            """
    )

    @OptionGroup var storage: StorageOptions

    @Option(help: ArgumentHelp("Where the blobs go: s3://BUCKET?endpoint=URL&region=R, or a folder path.", valueName: "url"))
    var toBlobs: String?

    @Option(
        help: ArgumentHelp(
            "Where the database goes: an empty PostgreSQL database, postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE.",
            valueName: "url"
        )
    )
    var toDatabase: String?

    @Option(help: ArgumentHelp("Where a cluster's library goes back to: a new data folder (granary.sqlite and blobs/).", valueName: "folder"))
    var toData: String?

    func validate() throws {
        guard self.toBlobs != nil || self.toDatabase != nil || self.toData != nil else {
            throw ValidationError("say where to copy: --to-blobs, --to-database, both, or --to-data")
        }
        if self.toData != nil {
            guard self.toDatabase == nil && self.toBlobs == nil else {
                throw ValidationError("--to-data copies database and blobs back into one folder: give it alone")
            }
            guard self.storage.databaseLocation != nil else {
                throw ValidationError("--to-data copies a cluster's library back: name its database with --database (and its blobs with --blobs)")
            }
        }
    }

    func run() async throws {
        let library = try await self.storage.open()
        if let toData = self.toData {
            try await self.copyBack(library, into: toData)
            return
        }
        if let toDatabase = self.toDatabase {
            let (target, location) = try await StorageOptions.postgres(toDatabase, label: "granary.copy")
            let started = ContinuousClock.now
            let report = try await DatabaseCopy.copy(from: library.database, to: target) { table, rows in
                FileHandle.standardError.write(Data("copied \(rows) rows of \(table)\n".utf8))
            }
            let rows = report.tables.reduce(0) { $0 + $1.rows }
            print("\(rows) rows in \(report.tables.count) tables copied into \(location) in \(ContinuousClock.now - started)")
        }
        if let toBlobs = self.toBlobs {
            let target: any BlobBackend = toBlobs.hasPrefix("s3:") ? try StorageOptions.objectStore(toBlobs) : try FolderBlobBackend(root: toBlobs)
            let started = ContinuousClock.now
            let report = try await LibraryCopy.blobs(of: library, to: target, progress: counting("copied", "blobs"))
            print(
                "\(report.blobs) blobs in \(target.description): \(report.copied) copied "
                    + String(
                        format: "(%.1f MB), %d there already, in %@",
                        Double(report.bytesCopied) / 1e6,
                        report.blobs - report.copied,
                        "\(ContinuousClock.now - started)"
                    )
            )
        }
    }
}

extension Copy {
    /// The way back: the cluster's rows into a new SQLite database in `folder`, then its blobs into `folder/blobs`.
    func copyBack(_ library: Library, into folder: String) async throws {
        let report: LibraryCopy.FolderReport
        do {
            report = try await LibraryCopy.intoFolder(
                library,
                folder: folder,
                schemas: .all,
                rows: { table, rows in FileHandle.standardError.write(Data("copied \(rows) rows of \(table)\n".utf8)) },
                blobs: counting("copied", "blobs")
            )
        } catch let taken as LibraryCopy.FolderTaken {
            throw ValidationError(taken.description)
        }
        let rows = report.rows.tables.reduce(0) { $0 + $1.rows }
        print("\(rows) rows in \(report.rows.tables.count) tables copied into \(folder)/granary.sqlite in \(report.rowsTook)")
        print(
            "\(report.blobs.blobs) blobs in folder \(folder)/blobs: \(report.blobs.copied) copied "
                + String(format: "(%.1f MB) in %@", Double(report.blobs.bytesCopied) / 1e6, "\(report.blobsTook)")
        )
    }
}

/// `granary verify`: what is wrong with a library, if anything.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database's integrity, every blob's hash, stray files and the audit trail's hash chain.",
        discussion: "Reads only; safe beside a running service. Exits with 1 when anything is wrong."
    )

    @OptionGroup var storage: StorageOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let library = try await self.storage.open()
        let report = try await LibraryVerifier(library: library).run(progress: counting("hashed", "blobs"))
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            Self.print(report)
        }
        if !report.isClean { throw ExitCode(1) }
    }

    static func print(_ report: LibraryVerifier.Report) {
        Swift.print(
            String(
                format: "%d blobs (%.1f MB) hashed, %d events in the chain: ",
                report.blobsChecked,
                Double(report.bytesChecked) / 1e6,
                report.events
            )
                + (report.isClean ? "clean" : "\(report.problems.count) problem(s)")
        )
        for problem in report.problems {
            Swift.print("  \(problem.kind): \(problem.detail)")
        }
        for note in report.notes {
            Swift.print("  note, \(note.kind): \(note.detail)")
        }
    }
}
