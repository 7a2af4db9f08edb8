import Foundation
import GranaryStore
import NIOCore

/// Blobs in an S3 bucket that every node of a cluster shares, under the same content address as on disk
/// (`ab/cd/<sha256>`).
///
/// A file is sent whole below `multipartThreshold` and in parts of `partSize` above it; each PUT carries its bytes'
/// SHA-256 and MD5, and the store refuses bytes that do not match. An object already there with the same size is
/// the same content (the key is its digest) and is not sent again.
public struct S3BlobBackend: BlobBackend {
    public let client: S3Client
    /// Files larger than this go up in parts.
    public let multipartThreshold: Int64
    /// Size of each part but the last (S3 asks for at least 5 MiB).
    public let partSize: Int
    /// Put before every key (`""`, or `library-a/` for several libraries in one bucket).
    public let prefix: String

    public init(client: S3Client, prefix: String = "", multipartThreshold: Int64 = 16 << 20, partSize: Int = 16 << 20) {
        self.client = client
        self.prefix = prefix
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
    }

    /// The backend that `--blobs s3://…` (or `GRANARY_BLOBS`) names, with the key pair from the environment.
    public init(location text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let location = try S3Location(parsing: text)
        self.init(client: S3Client(location: location, credentials: try S3Location.credentials(from: environment)))
    }

    public var description: String { "s3://\(self.client.location.bucket)/\(self.prefix) at \(self.client.location.endpoint.absoluteString)" }

    private func key(_ sha256: String) -> String {
        self.prefix + BlobStore.key(forSHA256: sha256)
    }

    public var isShared: Bool { true }

    public func localPath(forSHA256 sha256: String) -> String? { nil }

    public func contains(sha256: String) async throws -> Bool {
        try await self.unavailable { try await self.client.head(key: self.key(sha256)) != nil }
    }

    public func store(fileAt path: String, sha256: String, size: Int64) async throws -> Bool {
        let key = self.key(sha256)
        return try await self.unavailable {
            if try await self.client.head(key: key) == size { return false }
            if size > self.multipartThreshold {
                try await self.client.putMultipart(key: key, fileAt: path, size: size, partSize: self.partSize)
            } else {
                let bytes = try await FilePart.Reader(path: path).read(at: 0, count: Int(size))
                try await self.client.put(key: key, body: bytes)
            }
            // Parts are checked one by one; the whole must be as long as the file.
            guard let stored = try await self.client.head(key: key), stored == size else {
                throw S3Error(status: 200, code: "IncompleteObject", message: "\(key) was stored short of its \(size) bytes")
            }
            return true
        }
    }

    public func read(sha256: String, range: ClosedRange<Int64>?) async throws -> BlobByteStream {
        try await self.unavailable {
            guard let body = try await self.client.get(key: self.key(sha256), range: range) else {
                throw BlobMissing(sha256: sha256)
            }
            return BlobByteStream(body)
        }
    }

    public func list() async throws -> [BlobListing] {
        try await self.unavailable {
            try await self.client.list(prefix: self.prefix).map {
                BlobListing(name: String($0.key.dropFirst(self.prefix.count)), size: $0.size, modified: $0.lastModified)
            }
        }
    }

    public func remove(sha256: String) async throws {
        try await self.unavailable { try await self.client.delete(key: self.key(sha256)) }
    }

    /// Runs `work`, turning a store that cannot be reached or refuses into `BlobStoreUnavailable` (a 503 for the
    /// person, the store's own words for the log).
    func unavailable<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as BlobMissing {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw BlobStoreUnavailable(backend: self.description, underlying: "\(error)")
        }
    }
}
