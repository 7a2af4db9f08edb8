import Crypto
import Foundation
import GRDB
import NIOCore

/// `granary verify`: checks a library the way an auditor would: SQLite's own integrity, every blob the database
/// names present with the bytes its name promises, and the audit trail's hash chain unbroken; files in `blobs/` the
/// database does not know and unfinished uploads are noted. Works beside a running service (reads only).
public struct LibraryVerifier: Sendable {
    let library: Library

    /// One thing found wrong.
    public struct Problem: Codable, Sendable, Equatable {
        /// `integrity`, `foreign_key`, `missing_blob`, `corrupt_blob`, `orphan_blob`, `temporary_file`, `event_chain`.
        public let kind: String
        public let detail: String
    }

    /// What a run found.
    public struct Report: Codable, Sendable, Equatable {
        public let blobsChecked: Int
        public let bytesChecked: Int64
        public let events: Int
        /// What is wrong: damage, loss, a broken trail.
        public let problems: [Problem]
        /// Leftovers a crash may leave by design and the service removes when it next starts: stored files no row
        /// names yet (bytes are written before their row) and unfinished uploads. Space, not damage.
        public let notes: [Problem]
        public var isClean: Bool { self.problems.isEmpty }
    }

    /// Creates a verifier of `library`.
    public init(library: Library) {
        self.library = library
    }

    /// Runs every check; `progress(done, total)` follows the blobs, the slow part.
    public func run(progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Report {
        var problems: [Problem] = []
        let (integrity, foreignKeys, blobs, chain, events) = try await self.library.database.read { db in
            (
                // SQLite's file and its foreign keys, which it checks only while they are switched on; PostgreSQL
                // always enforces its foreign keys and checks its own pages.
                db.engine == .sqlite ? try db.fetchAll(String.self, sql: "PRAGMA integrity_check") : ["ok"],
                db.engine == .sqlite ? try db.fetchAll(sql: "PRAGMA foreign_key_check") : [],
                try db.fetchAll(sql: "SELECT sha256, size FROM blobs ORDER BY sha256").map { ($0["sha256"] as String, $0["size"] as Int64) },
                try EventLog.verifyChain(db),
                try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events") ?? 0
            )
        }
        if integrity != ["ok"] {
            problems += integrity.map { Problem(kind: "integrity", detail: $0) }
        }
        problems += foreignKeys.map { row in
            Problem(
                kind: "foreign_key",
                detail: "\(row["table"] as String? ?? "?") row \(row["rowid"] as Int64? ?? -1) names a missing \(row["parent"] as String? ?? "?")"
            )
        }
        var bytes: Int64 = 0
        for (index, (sha256, size)) in blobs.enumerated() {
            if let (digest, length) = try await Self.digest(sha256: sha256, in: self.library.blobs) {
                bytes += length
                if digest != sha256 || length != size {
                    problems.append(
                        Problem(kind: "corrupt_blob", detail: "\(sha256): the stored bytes hash to \(digest) (\(length) bytes, \(size) expected)")
                    )
                }
            } else {
                problems.append(
                    Problem(
                        kind: "missing_blob",
                        detail: "\(sha256) (\(size) bytes) is named by the database but not in \(self.library.blobs.backend.description)"
                    )
                )
            }
            progress(index + 1, blobs.count)
        }
        var notes: [Problem] = []
        let known = Set(blobs.map(\.0))
        for blob in try await self.library.blobs.backend.list() where !known.contains(blob.sha256) {
            notes.append(
                Problem(kind: "orphan_blob", detail: "blobs/\(blob.name) is not named by the database (removed when the service next starts)")
            )
        }
        for name in try self.library.blobs.temporaryFiles() {
            notes.append(Problem(kind: "temporary_file", detail: "tmp/\(name) is an unfinished upload (removed when the service next starts)"))
        }
        problems += chain.map { Problem(kind: "event_chain", detail: $0) }
        return Report(blobsChecked: blobs.count, bytesChecked: bytes, events: events, problems: problems, notes: notes)
    }

    /// SHA-256 and length of a stored blob as its backend gives it back; nil when it is missing.
    static func digest(sha256: String, in blobs: BlobStore) async throws -> (String, Int64)? {
        let stream: BlobByteStream
        do {
            stream = try await blobs.read(sha256: sha256)
        } catch is BlobMissing {
            return nil
        }
        var hasher = SHA256()
        var length: Int64 = 0
        for try await buffer in stream {
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            length += Int64(buffer.readableBytes)
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), length)
    }

    /// SHA-256 and length of a file, read in 1 MiB steps; nil when it is missing.
    static func digest(path: String) throws -> (String, Int64)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        var length: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            length += Int64(chunk.count)
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), length)
    }

    /// Paths of the regular files under `root`, relative to it.
    static func files(under root: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }
}
