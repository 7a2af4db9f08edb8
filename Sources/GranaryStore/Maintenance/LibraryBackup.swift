import Crypto
import Foundation
import GRDB
import NIOCore

/// `granary backup` and `granary restore`: a consistent copy of a library taken while it serves, and its return.
///
/// The database is copied with SQLite's online backup inside one read transaction, so it is one moment of the
/// library; every blob that moment names is then copied (blobs are immutable and written before the rows that name
/// them, so they are all there), each hashed on the way. `manifest.json`, written last, lists the database file's
/// and every blob's SHA-256; a folder without it is not a finished backup.
public enum LibraryBackup {
    /// What a backup holds, as `manifest.json` says.
    public struct Manifest: Codable, Sendable, Equatable {
        /// One stored file.
        public struct File: Codable, Sendable, Equatable {
            public let sha256: String
            public let size: Int64
        }

        /// `granary-backup/1`.
        public let format: String
        public let createdAt: Date
        /// The database file, `granary.sqlite`.
        public let database: File
        public let blobs: [File]
        /// Resources and events in the copy, for a person checking it.
        public let resources: Int
        public let events: Int
    }

    /// Why a backup or restore stopped.
    public enum Failure: Error, CustomStringConvertible {
        case notEmpty(String)
        case notABackup(String)
        case damaged([String])
        /// The library is on PostgreSQL, which has its own backup tools.
        case notSQLite

        public var description: String {
            switch self {
            case .notEmpty(let path): "\(path) is not empty; choose an empty folder (restore: or pass --force to replace the library there)"
            case .notABackup(let path): "\(path) holds no finished backup (manifest.json is missing or unreadable)"
            case .damaged(let problems): "the backup is damaged:\n  " + problems.joined(separator: "\n  ")
            case .notSQLite:
                "backup copies a SQLite library; back up PostgreSQL with its own tools (pg_basebackup, a streaming standby) and the object store with its replication, or copy the cluster into a folder with granary copy"
            }
        }
    }

    static let format = "granary-backup/1"

    // MARK: - Backup

    /// Copies `library` into the empty or new folder `destination`; `progress(done, total)` follows the blobs.
    @discardableResult
    public static func backup(_ library: Library, to destination: String, progress: (Int, Int) -> Void = { _, _ in }) async throws -> Manifest {
        guard let writer = library.database.sqlite else { throw Failure.notSQLite }
        try Self.requireEmpty(destination)
        try FileManager.default.createDirectory(atPath: destination + "/blobs", withIntermediateDirectories: true)
        let databasePath = destination + "/granary.sqlite"
        let copy = try DatabaseQueue(path: databasePath)
        try writer.backup(to: copy)
        let (blobs, resources, events) = try copy.inDatabase { grdb in
            let db = SQLiteConnection(grdb)
            return (
                try db.fetchAll(sql: "SELECT sha256, size FROM blobs ORDER BY sha256").map {
                    Manifest.File(sha256: $0["sha256"], size: $0["size"])
                },
                try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM resources") ?? 0,
                try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events") ?? 0
            )
        }
        try copy.close()
        var problems: [String] = []
        for (index, blob) in blobs.enumerated() {
            do {
                try await Self.copy(blob, of: library.blobs, to: Self.blobPath(destination, blob.sha256))
            } catch let failure as Failure {
                problems.append(failure.description)
            } catch let missing as BlobMissing {
                problems.append("\(missing)")
            }
            progress(index + 1, blobs.count)
        }
        guard problems.isEmpty else { throw Failure.damaged(problems) }
        guard let (digest, size) = try LibraryVerifier.digest(path: databasePath) else { throw Failure.notABackup(destination) }
        try Self.syncFile(databasePath)
        let manifest = Manifest(
            format: Self.format,
            createdAt: library.database.clock.now(),
            database: .init(sha256: digest, size: size),
            blobs: blobs,
            resources: resources,
            events: events
        )
        try Self.writeManifest(manifest, in: destination)
        return manifest
    }

    // MARK: - Restore

    /// Checks every hash of the backup in `source`, then puts it in `dataDirectory`, which must hold no library unless
    /// `force`, with the blobs in `blobBackend` (an object store) when one is given. Nothing in `dataDirectory`
    /// changes until the backup has proved whole; blobs already in an object store stay (content-addressed, they are
    /// the same bytes or orphans that `verify` notes).
    @discardableResult
    public static func restore(
        from source: String,
        to dataDirectory: String,
        blobBackend: (any BlobBackend)? = nil,
        force: Bool,
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws
        -> Manifest
    {
        let manifest = try Self.readManifest(source)
        var problems: [String] = []
        if let (digest, size) = try LibraryVerifier.digest(path: source + "/granary.sqlite") {
            if digest != manifest.database.sha256 || size != manifest.database.size { problems.append("granary.sqlite does not match the manifest") }
        } else {
            problems.append("granary.sqlite is missing")
        }
        for (index, blob) in manifest.blobs.enumerated() {
            if let (digest, size) = try LibraryVerifier.digest(path: Self.blobPath(source, blob.sha256)) {
                if digest != blob.sha256 || size != blob.size { problems.append("blob \(blob.sha256) does not match its name") }
            } else {
                problems.append("blob \(blob.sha256) is missing")
            }
            progress(index + 1, manifest.blobs.count * 2)
        }
        guard problems.isEmpty else { throw Failure.damaged(problems) }

        let fileManager = FileManager.default
        let present = ["granary.sqlite", "blobs", "tmp"].filter { fileManager.fileExists(atPath: dataDirectory + "/" + $0) }
        let holdsLibrary =
            fileManager.fileExists(atPath: dataDirectory + "/granary.sqlite")
            || !((try? LibraryVerifier.files(under: dataDirectory + "/blobs")) ?? []).isEmpty
        if holdsLibrary && !force { throw Failure.notEmpty(dataDirectory) }
        try fileManager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        // The database first, under a temporary name: until the rename, the old library (if any) is untouched.
        let staged = dataDirectory + "/granary.sqlite.restoring"
        try? fileManager.removeItem(atPath: staged)
        try await Self.copy(from: source + "/granary.sqlite", to: staged, expecting: manifest.database)
        for name in present {
            try fileManager.removeItem(atPath: dataDirectory + "/" + name)
        }
        for suffix in ["-wal", "-shm"] {
            try? fileManager.removeItem(atPath: dataDirectory + "/granary.sqlite" + suffix)
        }
        for (index, blob) in manifest.blobs.enumerated() {
            if let blobBackend {
                // Through a checked copy in tmp/, which the backend takes (a folder backend would move the file).
                let staging = dataDirectory + "/tmp/restore-\(blob.sha256).part"
                try await Self.copy(from: Self.blobPath(source, blob.sha256), to: staging, expecting: blob)
                defer { unlink(staging) }
                _ = try await blobBackend.store(fileAt: staging, sha256: blob.sha256, size: blob.size)
            } else {
                try await Self.copy(from: Self.blobPath(source, blob.sha256), to: Self.blobPath(dataDirectory, blob.sha256), expecting: blob)
            }
            progress(manifest.blobs.count + index + 1, manifest.blobs.count * 2)
        }
        // Last, so a crash before here leaves no database that names missing blobs.
        guard rename(staged, dataDirectory + "/granary.sqlite") == 0 else { throw CocoaError(.fileWriteUnknown) }
        try Self.syncDirectory(dataDirectory)
        return manifest
    }

    /// The manifest of a finished backup.
    public static func readManifest(_ source: String) throws -> Manifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: source + "/manifest.json"),
            let manifest = try? decoder.decode(Manifest.self, from: data), manifest.format == Self.format
        else { throw Failure.notABackup(source) }
        return manifest
    }

    // MARK: - Files

    private static func blobPath(_ root: String, _ sha256: String) -> String {
        "\(root)/blobs/\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)"
    }

    private static func requireEmpty(_ path: String) throws {
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: path), !contents.isEmpty { throw Failure.notEmpty(path) }
    }

    /// Copies a stored blob into a file, checked against the manifest.
    private static func copy(_ blob: Manifest.File, of blobs: BlobStore, to destination: String) async throws {
        try await Self.copy(to: destination, expecting: blob, named: "blob \(blob.sha256)") { write in
            for try await buffer in try await blobs.read(sha256: blob.sha256) { try write(Data(buffer.readableBytesView)) }
        }
    }

    /// Copies a file, checked against `expecting`.
    private static func copy(from source: String, to destination: String, expecting: Manifest.File) async throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw Failure.damaged(["\(source) is missing"]) }
        defer { try? input.close() }
        try await Self.copy(to: destination, expecting: expecting, named: source) { write in
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try write(chunk) }
        }
    }

    /// Writes what `read` hands over to `destination` through a temporary name, hashing it on the way; refuses
    /// bytes that do not match `expecting`, leaving nothing behind.
    private static func copy(
        to destination: String,
        expecting: Manifest.File,
        named source: String,
        read: ((Data) throws -> Void) async throws -> Void
    ) async throws {
        let folder = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = destination + ".part"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let output = FileHandle(forWritingAtPath: temporary) else {
            throw CocoaError(.fileWriteUnknown)
        }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            try await read { chunk in
                hasher.update(data: chunk)
                size += Int64(chunk.count)
                try output.write(contentsOf: chunk)
            }
            try output.synchronize()
            try output.close()
        } catch {
            try? output.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard digest == expecting.sha256, size == expecting.size else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure.damaged(["\(source) hashes to \(digest) (\(size) bytes), not \(expecting.sha256) (\(expecting.size) bytes)"])
        }
        guard rename(temporary, destination) == 0 else { throw CocoaError(.fileWriteUnknown) }
        try Self.syncDirectory(folder)
    }

    private static func writeManifest(_ manifest: Manifest, in folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let path = folder + "/manifest.json"
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: path + ".part"))
        try Self.syncFile(path + ".part")
        guard rename(path + ".part", path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        try Self.syncDirectory(folder)
    }

    private static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CocoaError(.fileReadUnknown) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    private static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw CocoaError(.fileReadUnknown) }
        defer { close(fd) }
        _ = fsync(fd)
    }
}
