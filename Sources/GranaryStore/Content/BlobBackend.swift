import Foundation
import NIOCore
import NIOPosix

/// Where stored bytes live under their content address `ab/cd/<sha256>`: a folder on this machine (the embedded
/// default), or an S3 bucket that every node of a cluster shares (GranaryS3).
///
/// Uploads always land in a local temporary file first (`BlobStore`), where they are hashed and inspected; a backend
/// only receives finished files whose digest is known, so every implementation keeps the same rule: bytes first, and
/// only once `store` has returned may a row name them.
public protocol BlobBackend: Sendable {
    /// For logs and `verify`: `folder Storage/blobs` or `s3://bucket at http://…`.
    var description: String { get }

    /// Whether other processes store into it too (the nodes of a cluster), so that a blob without a row may be
    /// another node's upload in flight rather than a crash's leftover.
    var isShared: Bool { get }

    /// The file holding the blob when the bytes are on this machine (served straight from disk), else nil.
    func localPath(forSHA256 sha256: String) -> String?

    /// Whether the blob is stored.
    func contains(sha256: String) async throws -> Bool

    /// Puts the closed file at `path`, whose SHA-256 and size are known, under its content address, durably, and
    /// returns false when identical bytes were already stored. The file may be moved away; the caller removes it if not.
    func store(fileAt path: String, sha256: String, size: Int64) async throws -> Bool

    /// The bytes of a blob, or of `range` of them, as they arrive; `BlobMissing` when there is no such blob.
    func read(sha256: String, range: ClosedRange<Int64>?) async throws -> BlobByteStream

    /// Every stored object, for `verify` and the removal of orphans.
    func list() async throws -> [BlobListing]

    /// Removes a blob (an orphan no row names); nothing happens when it is not there.
    func remove(sha256: String) async throws
}

/// One stored object as a listing shows it.
public struct BlobListing: Sendable, Equatable {
    /// The object's name under the blobs root, `ab/cd/<sha256>` for every blob Granary wrote.
    public let name: String
    public let size: Int64
    public let modified: Date

    public init(name: String, size: Int64, modified: Date) {
        self.name = name
        self.size = size
        self.modified = modified
    }

    /// The digest the name ends with.
    public var sha256: String { String(self.name.split(separator: "/").last ?? "") }
}

/// No blob is stored under this digest.
public struct BlobMissing: Error, CustomStringConvertible {
    public let sha256: String
    public init(sha256: String) { self.sha256 = sha256 }
    public var description: String { "blob \(self.sha256) is not stored" }
}

/// The backend cannot be reached or refused a request (an object store restarting, a wrong key pair); the
/// description says what it answered, for the log; a person is told only to try again.
public struct BlobStoreUnavailable: Error, CustomStringConvertible {
    public let backend: String
    public let underlying: String

    public init(backend: String, underlying: String) {
        self.backend = backend
        self.underlying = underlying
    }

    public var description: String { "\(self.backend): \(self.underlying)" }
}

/// Bytes read from a backend, pulled one buffer at a time (the next is fetched only when asked for, so a slow reader
/// holds one buffer, not the whole file).
public struct BlobByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    private let start: @Sendable () -> AsyncIterator

    /// A stream whose iterator `start` makes (called once per iteration).
    public init(_ start: @escaping @Sendable () -> AsyncIterator) {
        self.start = start
    }

    /// A stream over any sequence of buffers.
    public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == ByteBuffer {
        self.start = {
            var iterator = base.makeAsyncIterator()
            return AsyncIterator { try await iterator.next() }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { self.start() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private let pull: () async throws -> ByteBuffer?

        public init(_ pull: @escaping () async throws -> ByteBuffer?) {
            self.pull = pull
        }

        public mutating func next() async throws -> ByteBuffer? {
            try await self.pull()
        }
    }
}

/// Blobs as files under `<data>/blobs`, moved there by `rename` and fsynced with their folders.
public struct FolderBlobBackend: BlobBackend {
    /// Folder holding the blobs.
    public let root: String
    private let threadPool: NIOThreadPool

    /// Opens (and creates) the folder.
    public init(root: String, threadPool: NIOThreadPool = .singleton) throws {
        self.root = root
        self.threadPool = threadPool
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    public var description: String { "folder \(self.root)" }

    public var isShared: Bool { false }

    /// Where the blob with this digest lives.
    public func path(forSHA256 sha256: String) -> String {
        "\(self.root)/\(BlobStore.key(forSHA256: sha256))"
    }

    public func localPath(forSHA256 sha256: String) -> String? {
        self.path(forSHA256: sha256)
    }

    public func contains(sha256: String) async throws -> Bool {
        FileManager.default.fileExists(atPath: self.path(forSHA256: sha256))
    }

    public func store(fileAt path: String, sha256: String, size: Int64) async throws -> Bool {
        let destination = self.path(forSHA256: sha256)
        let root = self.root
        return try await self.threadPool.runIfActive {
            if FileManager.default.fileExists(atPath: destination) { return false }
            let folder = String(destination[..<destination.lastIndex(of: "/")!])
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard rename(path, destination) == 0 else { throw BlobError.io("rename", errno) }
            // The new name, and any folder made for it, must reach the disk before a row points at it.
            try Self.syncDirectory(folder)
            try Self.syncDirectory(String(folder[..<folder.lastIndex(of: "/")!]))
            try Self.syncDirectory(root)
            return true
        }
    }

    public func read(sha256: String, range: ClosedRange<Int64>?) async throws -> BlobByteStream {
        let path = self.path(forSHA256: sha256)
        let threadPool = self.threadPool
        let handle = try await threadPool.runIfActive { () -> FileHandle in
            guard let handle = FileHandle(forReadingAtPath: path) else { throw BlobMissing(sha256: sha256) }
            return handle
        }
        let reader = FileChunks(handle: handle, range: range)
        return BlobByteStream { BlobByteStream.AsyncIterator { try await threadPool.runIfActive { try reader.next() } } }
    }

    public func list() async throws -> [BlobListing] {
        let root = self.root
        return try await self.threadPool.runIfActive {
            try LibraryVerifier.files(under: root).map { name in
                let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + name)
                return BlobListing(
                    name: name,
                    size: (attributes[.size] as? NSNumber)?.int64Value ?? 0,
                    modified: attributes[.modificationDate] as? Date ?? Date()
                )
            }
        }
    }

    public func remove(sha256: String) async throws {
        let path = self.path(forSHA256: sha256)
        try await self.threadPool.runIfActive {
            if unlink(path) != 0 && errno != ENOENT { throw BlobError.io("unlink", errno) }
        }
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BlobError.io("open directory", errno) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw BlobError.io("fsync directory", errno) }
    }

    /// A file read in 256 KiB steps from the start of `range` to its end; closed at the end or when dropped.
    private final class FileChunks: @unchecked Sendable {
        // One reader at a time: the stream's iterator pulls the next chunk only after the previous one arrived.
        private let handle: FileHandle
        private var remaining: Int64?
        private var started = false
        private let offset: Int64

        init(handle: FileHandle, range: ClosedRange<Int64>?) {
            self.handle = handle
            self.offset = range?.lowerBound ?? 0
            self.remaining = range.map { $0.upperBound - $0.lowerBound + 1 }
        }

        deinit { try? self.handle.close() }

        func next() throws -> ByteBuffer? {
            if !self.started {
                self.started = true
                if self.offset > 0 { try self.handle.seek(toOffset: UInt64(self.offset)) }
            }
            let want = min(Int64(256 << 10), self.remaining ?? Int64.max)
            guard want > 0, let data = try self.handle.read(upToCount: Int(want)), !data.isEmpty else { return nil }
            self.remaining = self.remaining.map { $0 - Int64(data.count) }
            return ByteBuffer(bytes: data)
        }
    }
}
