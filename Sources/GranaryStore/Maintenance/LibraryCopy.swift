import Foundation
import GRDB

/// `granary copy --to-blobs`: every blob the library's database names, copied into another blob store (an S3
/// bucket when a single-node library moves up to the shared store of a cluster; a folder when it moves back).
///
/// Each blob is read from the library's own store into `tmp/`, hashed on the way and refused unless it hashes to
/// its name, then handed to the target, which checks it again (an S3 PUT carries its digests). Blobs the target has
/// already are skipped, so a copy that stopped part-way is simply run again. Safe beside a running
/// service: blobs are immutable and the list is the database's at the start.
public enum LibraryCopy {
    /// What a copy did.
    public struct Report: Sendable, Equatable {
        public let blobs: Int
        public let copied: Int
        public let bytesCopied: Int64
    }

    /// Copies the blobs of `library` into `target`; `progress(done, total)` follows them.
    public static func blobs(
        of library: Library,
        to target: any BlobBackend,
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        let blobs = try await library.database.read { db in
            try db.fetchAll(sql: "SELECT sha256, size FROM blobs ORDER BY sha256").map { ($0["sha256"] as String, $0["size"] as Int64) }
        }
        var copied = 0
        var bytes: Int64 = 0
        for (index, (sha256, size)) in blobs.enumerated() {
            if try await !target.contains(sha256: sha256) {
                let upload = try library.blobs.beginUpload()
                defer { upload.abandon() }
                for try await buffer in try await library.blobs.read(sha256: sha256) { try await upload.write(buffer) }
                try await upload.close()
                guard upload.sha256 == sha256, upload.size == size else { throw BlobCorrupt(sha256: sha256, actual: upload.sha256 ?? "") }
                _ = try await target.store(fileAt: upload.temporaryPath, sha256: sha256, size: size)
                copied += 1
                bytes += size
            }
            progress(index + 1, blobs.count)
        }
        return Report(blobs: blobs.count, copied: copied, bytesCopied: bytes)
    }

    /// What a copy back into a folder did, and how long each half took.
    public struct FolderReport: Sendable {
        public let rows: DatabaseCopy.Report
        public let rowsTook: Duration
        public let blobs: Report
        public let blobsTook: Duration
    }

    /// A new data folder is asked for, and `folder` holds a library already.
    public struct FolderTaken: Error, CustomStringConvertible {
        public let folder: String
        public var description: String { "\(self.folder) holds a library already (granary.sqlite): copy into a new folder" }
    }

    /// `granary copy --to-data`, the way back: a cluster's rows into a new SQLite library in `folder` (with
    /// `schemas`), the key its personal information is sealed with beside them (the copy is a library of its own),
    /// then its blobs into `folder/blobs`.
    public static func intoFolder(
        _ library: Library,
        folder: String,
        schemas: [TableSchema],
        rows: @escaping @Sendable (String, Int) -> Void = { _, _ in },
        blobs progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> FolderReport {
        let path = folder + "/granary.sqlite"
        guard !FileManager.default.fileExists(atPath: path) else { throw FolderTaken(folder: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let target = try LibraryDatabase(path: path, schemas: schemas)
        var started = ContinuousClock.now
        let copiedRows = try await DatabaseCopy.copyBack(from: library.database, to: target, progress: rows)
        let rowsTook = ContinuousClock.now - started
        try library.accounts.sealingKey.write(to: folder + "/" + SealingKey.defaultFile)
        started = ContinuousClock.now
        let copiedBlobs = try await Self.blobs(of: library, to: try FolderBlobBackend(root: folder + "/blobs"), progress: progress)
        return FolderReport(rows: copiedRows, rowsTook: rowsTook, blobs: copiedBlobs, blobsTook: ContinuousClock.now - started)
    }
}
