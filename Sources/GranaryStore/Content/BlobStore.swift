import Crypto
import Foundation
import GranaryModel
import NIOCore
import NIOPosix

/// Content-addressed storage: each distinct content stored once, under `ab/cd/<sha256>` in its backend (a folder, or
/// an S3 bucket in a cluster).
///
/// Bytes arrive in a temporary file under `tmp/`, are hashed as they are written and fsynced; only then does the
/// backend take them (a rename into `blobs/` with its folders fsynced, or a PUT that carries the digest), all before
/// any database row may point at them. A crash at any moment leaves at most a temporary file, which
/// `removeTemporaryFiles()` clears at start-up, or a stored blob no row names, which `verify` notes.
public struct BlobStore: Sendable {
    /// Where finished blobs live.
    public let backend: any BlobBackend
    /// Folder holding uploads in progress (always on this machine: libmagic and the text extractor read them).
    public let temporaryDirectory: String
    private let threadPool: NIOThreadPool
    private let eventLoop: any EventLoop

    /// Opens (and creates) `root/tmp` for uploads, over `backend`, or over the folder `root/blobs` when none is given.
    public init(
        root: String,
        backend: (any BlobBackend)? = nil,
        threadPool: NIOThreadPool = .singleton,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    ) throws {
        self.backend = try backend ?? FolderBlobBackend(root: root + "/blobs", threadPool: threadPool)
        self.temporaryDirectory = root + "/tmp"
        self.threadPool = threadPool
        self.eventLoop = eventLoop
        try FileManager.default.createDirectory(atPath: self.temporaryDirectory, withIntermediateDirectories: true)
    }

    /// Whether `text` is a SHA-256 digest in lowercase hex.
    public static func isDigest(_ text: String) -> Bool {
        let hex = Array(text.utf8)
        return hex.count == 64 && hex.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The content address of a digest, `ab/cd/<sha256>`, the same in every backend.
    public static func key(forSHA256 sha256: String) -> String {
        precondition(Self.isDigest(sha256), "not a SHA-256 digest")
        return "\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)"
    }

    /// The file holding the blob when the backend keeps it on this machine.
    public func localPath(forSHA256 sha256: String) -> String? {
        self.backend.localPath(forSHA256: sha256)
    }

    /// Whether the blob is present.
    public func contains(sha256: String) async throws -> Bool {
        try await self.backend.contains(sha256: sha256)
    }

    /// The bytes of a blob (or `range` of them) as they are read.
    public func read(sha256: String, range: ClosedRange<Int64>? = nil) async throws -> BlobByteStream {
        try await self.backend.read(sha256: sha256, range: range)
    }

    /// Runs `body` with a local file holding the blob: its own file in a folder backend, else a temporary copy that
    /// is removed afterwards (the text extractor and the backup read files).
    public func withLocalFile<T: Sendable>(sha256: String, _ body: (String) async throws -> T) async throws -> T {
        if let path = self.backend.localPath(forSHA256: sha256) { return try await body(path) }
        let upload = try self.beginUpload()
        defer { upload.abandon() }
        for try await buffer in try await self.read(sha256: sha256) { try await upload.write(buffer) }
        try await upload.close()
        guard upload.sha256 == sha256 else { throw BlobCorrupt(sha256: sha256, actual: upload.sha256 ?? "") }
        return try await body(upload.temporaryPath)
    }

    /// Removes uploads a crash left behind; returns how many there were.
    @discardableResult
    public func removeTemporaryFiles() throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: self.temporaryDirectory)
        for name in names {
            try FileManager.default.removeItem(atPath: self.temporaryDirectory + "/" + name)
        }
        return names.count
    }

    /// Names of temporary files present now (for tests and `verify`).
    public func temporaryFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: self.temporaryDirectory)
    }

    /// Starts a new upload in a fresh temporary file.
    public func beginUpload() throws -> BlobUpload {
        let path = "\(self.temporaryDirectory)/upload-\(UUID().uuidString.lowercased()).part"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BlobError.io("open", errno) }
        return BlobUpload(path: path, descriptor: fd, store: self)
    }

    /// An upload already holding `bytes` (demo data, imports, tests).
    public func beginUpload(containing bytes: [UInt8]) async throws -> BlobUpload {
        let upload = try self.beginUpload()
        do {
            try await upload.write(ByteBuffer(bytes: bytes))
            return upload
        } catch {
            upload.abandon()
            throw error
        }
    }

    fileprivate func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await self.threadPool.runIfActive(work)
    }

    /// Starts `work` on the thread pool without waiting for it.
    fileprivate func start(_ work: @escaping @Sendable () throws -> Void) -> EventLoopFuture<Void> {
        self.threadPool.runIfActive(eventLoop: self.eventLoop, work)
    }
}

/// The stored bytes of one resource version, to be served.
public struct BlobContent: Sendable {
    public let sha256: String
    public let size: Int64
    let store: BlobStore

    public init(sha256: String, size: Int64, store: BlobStore) {
        self.sha256 = sha256
        self.size = size
        self.store = store
    }

    /// The file on this machine, when the backend keeps one (served straight from disk).
    public var localPath: String? { self.store.localPath(forSHA256: self.sha256) }

    /// The bytes, or `range` of them.
    public func read(range: ClosedRange<Int64>? = nil) async throws -> BlobByteStream {
        try await self.store.read(sha256: self.sha256, range: range)
    }

    /// Up to `limit` bytes from the start.
    public func prefix(_ limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        guard self.size > 0 else { return bytes }
        for try await buffer in try await self.read(range: 0...min(self.size, Int64(limit)) - 1) {
            bytes += buffer.readableBytesView
        }
        return bytes
    }
}

/// Bytes read back do not hash to the name they are stored under.
public struct BlobCorrupt: Error, CustomStringConvertible {
    public let sha256: String
    public let actual: String
    public var description: String { "blob \(self.sha256) reads back as \(self.actual)" }
}

/// A blob now durably in place.
public struct StoredBlob: Sendable, Equatable {
    /// SHA-256, lowercase hex.
    public let sha256: String
    /// Size in bytes.
    public let size: Int64
    /// Whether identical bytes were already stored (this upload's copy was dropped).
    public let deduplicated: Bool
}

/// One upload in progress: bytes go to a temporary file while SHA-256 is computed in the same pass.
///
/// Used by one task at a time; every blocking call runs on the thread pool.
public final class BlobUpload {
    /// The temporary file.
    public let temporaryPath: String
    private let descriptor: Int32
    private let store: BlobStore
    private let hasher = Hasher()
    private var closed = false
    /// The write running on the thread pool, if any.
    private var inFlight: EventLoopFuture<Void>?
    /// Bytes written so far.
    public private(set) var size: Int64 = 0
    /// The SHA-256 of the bytes (lowercase hex), known once `close()` has returned.
    public private(set) var sha256: String?

    /// The running SHA-256. swift-crypto's `SHA256` is not `Sendable`; this box is handed to one thread-pool job
    /// at a time and each job finishes before the next starts, so it is never touched by two threads at once.
    private final class Hasher: @unchecked Sendable {
        var state = SHA256()
    }

    fileprivate init(path: String, descriptor: Int32, store: BlobStore) {
        self.temporaryPath = path
        self.descriptor = descriptor
        self.store = store
    }

    deinit {
        if !self.closed { self.abandon() }
    }

    /// Appends bytes, hashing them on the way.
    ///
    /// Returns once the previous write has finished and this one has started, so the caller can gather the next
    /// bytes while these are hashed and written; `close()` waits for the last.
    public func write(_ buffer: ByteBuffer) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await self.inFlight?.get()
        let fd = self.descriptor
        let hasher = self.hasher
        self.inFlight = self.store.start {
            try buffer.withUnsafeReadableBytes { bytes in
                hasher.state.update(bufferPointer: bytes)
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw BlobError.io("write", errno)
                    }
                    offset += written
                }
            }
        }
        self.size += Int64(buffer.readableBytes)
    }

    /// Waits for the last write, fsyncs the file and closes it; the file stays in the temporary folder.
    public func close() async throws {
        guard !self.closed else { return }
        self.closed = true
        let fd = self.descriptor
        let last = self.inFlight
        self.inFlight = nil
        do {
            try await last?.get()
        } catch {
            Glibc.close(fd)
            throw error
        }
        try await self.store.run {
            defer { Glibc.close(fd) }
            guard fsync(fd) == 0 else { throw BlobError.io("fsync", errno) }
        }
        self.sha256 = self.hasher.state.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Hands the closed file to the backend under its content address (or drops it when the content is already
    /// stored); the temporary file is gone afterwards either way.
    public func finish() async throws -> StoredBlob {
        try await self.close()
        guard let sha256 = self.sha256 else { throw BlobError.io("close", EIO) }
        let stored = try await self.store.backend.store(fileAt: self.temporaryPath, sha256: sha256, size: self.size)
        unlink(self.temporaryPath)
        return StoredBlob(sha256: sha256, size: self.size, deduplicated: !stored)
    }

    /// Deletes the temporary file and closes it; the upload is abandoned.
    public func abandon() {
        unlink(self.temporaryPath)
        guard !self.closed else { return }
        self.closed = true
        let fd = self.descriptor
        if let inFlight = self.inFlight {
            // The descriptor stays open until the write using it is done, so its number cannot be reused under it.
            self.inFlight = nil
            inFlight.whenComplete { _ in Glibc.close(fd) }
        } else {
            Glibc.close(fd)
        }
    }
}

/// A file-system failure while storing bytes.
public enum BlobError: Error, CustomStringConvertible {
    case io(String, Int32)

    /// Whether the disk (or the quota) is full.
    public var isOutOfSpace: Bool {
        if case .io(_, let code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }

    public var description: String {
        switch self {
        case .io(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
