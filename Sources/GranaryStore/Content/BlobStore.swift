import Crypto
import Foundation
import GranaryModel
import NIOCore
import NIOPosix

/// Content-addressed file storage: `blobs/ab/cd/<sha256>`, each distinct content stored once.
///
/// Bytes arrive in a temporary file under `tmp/`, are hashed as they are written, fsynced, then renamed into
/// place, and the folder is fsynced, all before any database row may point at them. A crash at any moment leaves
/// at most a temporary file, which `removeTemporaryFiles()` clears at start-up.
public struct BlobStore: Sendable {
    /// Folder holding the blobs.
    public let blobsDirectory: String
    /// Folder holding uploads in progress.
    public let temporaryDirectory: String
    private let threadPool: NIOThreadPool
    private let eventLoop: any EventLoop

    /// Opens (and creates) the blob folders under `root`.
    public init(root: String, threadPool: NIOThreadPool = .singleton, eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) throws {
        self.blobsDirectory = root + "/blobs"
        self.temporaryDirectory = root + "/tmp"
        self.threadPool = threadPool
        self.eventLoop = eventLoop
        try FileManager.default.createDirectory(atPath: self.blobsDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: self.temporaryDirectory, withIntermediateDirectories: true)
    }

    /// Where the blob with this digest lives.
    public func path(forSHA256 sha256: String) -> String {
        let hex = Array(sha256.utf8)
        precondition(hex.count == 64 && hex.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }, "not a SHA-256 digest")
        return "\(self.blobsDirectory)/\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)"
    }

    /// Whether the blob is present.
    public func contains(sha256: String) -> Bool {
        FileManager.default.fileExists(atPath: self.path(forSHA256: sha256))
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

/// A blob now durably in place.
public struct StoredBlob: Sendable, Equatable {
    /// SHA-256, lowercase hex.
    public let sha256: String
    /// Size in bytes.
    public let size: Int64
    /// Final path of the bytes.
    public let path: String
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
    }

    /// Moves the closed file into its content address (or drops it when the content is already stored).
    public func finish() async throws -> StoredBlob {
        try await self.close()
        let sha256 = self.hasher.state.finalize().map { String(format: "%02x", $0) }.joined()
        let destination = self.store.path(forSHA256: sha256)
        let temporaryPath = self.temporaryPath
        let size = self.size
        let blobsDirectory = self.store.blobsDirectory
        return try await self.store.run {
            if FileManager.default.fileExists(atPath: destination) {
                unlink(temporaryPath)
                return StoredBlob(sha256: sha256, size: size, path: destination, deduplicated: true)
            }
            let folder = String(destination[..<destination.lastIndex(of: "/")!])
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard rename(temporaryPath, destination) == 0 else { throw BlobError.io("rename", errno) }
            // The new name, and any folder made for it, must reach the disk before a row points at it.
            try Self.syncDirectory(folder)
            try Self.syncDirectory(String(folder[..<folder.lastIndex(of: "/")!]))
            try Self.syncDirectory(blobsDirectory)
            return StoredBlob(sha256: sha256, size: size, path: destination, deduplicated: false)
        }
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

    private static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BlobError.io("open directory", errno) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw BlobError.io("fsync directory", errno) }
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
