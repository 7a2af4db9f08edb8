import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The S3 operations a blob store needs, signed with SigV4 and sent path-style over async-http-client: PUT (with the
/// payload's SHA-256 and MD5, so SeaweedFS and Ceph both check what arrived), multipart upload, ranged GET, HEAD,
/// DELETE and ListObjectsV2.
///
/// Requests are tried again after a refused or dropped connection or a 5xx (the store restarting, a volume server
/// gone): content-addressed objects make a repeated PUT harmless; a repeated CreateMultipartUpload can leave an
/// unused upload behind, which the store's lifecycle rules expire.
public struct S3Client: Sendable {
    public let location: S3Location
    let signer: SigV4Signer
    /// Tries per request: the first and two more after 0.2 s and 0.8 s.
    let attempts = 3

    /// One HTTP client for the process, never shut down: connections are kept and reused across requests. A
    /// refused connection fails the attempt at once (the client would otherwise keep trying until the deadline,
    /// which a streamed download must not have); `send` tries again itself.
    static let http: HTTPClient = {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        pool.retryConnectionEstablishment = false
        return HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(5), read: .seconds(60)),
                connectionPool: pool
            )
        )
    }()

    public init(location: S3Location, credentials: SigV4Signer.Credentials) {
        self.location = location
        self.signer = SigV4Signer(credentials: credentials, region: location.region)
    }

    // MARK: - Objects

    /// Stores `body` under `key`; the store refuses it unless the bytes hash to what was sent.
    public func put(key: String, body: ByteBuffer) async throws {
        let response = try await self.send(.PUT, key: key, body: body)
        try await Self.expect(response, [200])
    }

    /// The size of the object, or nil when there is none.
    public func head(key: String) async throws -> Int64? {
        let response = try await self.send(.HEAD, key: key)
        if response.status == .notFound { return nil }
        try await Self.expect(response, [200])
        guard let length = response.headers.first(name: "Content-Length").flatMap({ Int64($0) }) else {
            throw S3Error(status: Int(response.status.code), code: "NoContentLength", message: "HEAD \(key) gave no Content-Length")
        }
        return length
    }

    /// The object's bytes (or `range` of them) as they arrive; nil when there is no such object.
    public func get(key: String, range: ClosedRange<Int64>? = nil) async throws -> HTTPClientResponse.Body? {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let response = try await self.send(.GET, key: key, headers: headers)
        if response.status == .notFound { return nil }
        // A store that ignores Range answers 200 with the whole object: never hand that out as the part.
        try await Self.expect(response, range == nil ? [200] : [206])
        return response.body
    }

    /// Removes the object; an object that is not there is no error.
    public func delete(key: String) async throws {
        let response = try await self.send(.DELETE, key: key)
        try await Self.expect(response, [200, 204, 404])
    }

    /// One object in a listing.
    public struct Object: Sendable, Equatable {
        public let key: String
        public let size: Int64
        public let lastModified: Date
    }

    /// Every object in the bucket (under `prefix`), a page of up to 1,000 at a time.
    public func list(prefix: String = "") async throws -> [Object] {
        var objects: [Object] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2")]
            if !prefix.isEmpty { query.append(("prefix", prefix)) }
            if let token { query.append(("continuation-token", token)) }
            let response = try await self.send(.GET, key: nil, query: query)
            try await Self.expect(response, [200])
            let page = try S3XML.parse(try await Self.body(of: response))
            for contents in page.children(named: "Contents") {
                guard let key = contents.child("Key")?.text, let size = contents.child("Size").flatMap({ Int64($0.text) }) else { continue }
                objects.append(Object(key: key, size: size, lastModified: Self.date(contents.child("LastModified")?.text ?? "")))
            }
            token = page.child("IsTruncated")?.text == "true" ? page.child("NextContinuationToken")?.text : nil
        } while token != nil
        return objects
    }

    // MARK: - Multipart

    /// Stores `size` bytes of the file at `path` under `key` in parts of `partSize` bytes, each with its own
    /// SHA-256 and MD5; the upload is aborted on any failure, so no half object is left behind.
    public func putMultipart(key: String, fileAt path: String, size: Int64, partSize: Int) async throws {
        let created = try await self.send(.POST, key: key, query: [("uploads", "")])
        try await Self.expect(created, [200])
        guard let uploadID = try S3XML.parse(try await Self.body(of: created)).child("UploadId")?.text else {
            throw S3Error(status: 200, code: "NoUploadId", message: "CreateMultipartUpload for \(key) gave no UploadId")
        }
        do {
            let file = try FilePart.Reader(path: path)
            var etags: [String] = []
            var offset: Int64 = 0
            while offset < size {
                let length = Int(min(Int64(partSize), size - offset))
                let part = try await file.read(at: offset, count: length)
                let response = try await self.send(
                    .PUT,
                    key: key,
                    query: [("partNumber", String(etags.count + 1)), ("uploadId", uploadID)],
                    body: part
                )
                try await Self.expect(response, [200])
                guard let etag = response.headers.first(name: "ETag") else {
                    throw S3Error(status: 200, code: "NoETag", message: "UploadPart \(etags.count + 1) of \(key) gave no ETag")
                }
                etags.append(etag)
                offset += Int64(length)
            }
            var xml = "<CompleteMultipartUpload>"
            for (index, etag) in etags.enumerated() {
                xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part>"
            }
            xml += "</CompleteMultipartUpload>"
            let completed = try await self.send(.POST, key: key, query: [("uploadId", uploadID)], body: ByteBuffer(string: xml))
            try await Self.expect(completed, [200])
            // S3 may answer 200 and still report a failure in the body.
            let result = try S3XML.parse(try await Self.body(of: completed))
            if result.name == "Error" { throw S3Error(status: 200, element: result) }
        } catch {
            _ = try? await self.send(.DELETE, key: key, query: [("uploadId", uploadID)])
            throw error
        }
    }

    // MARK: - Buckets

    /// Creates the bucket; one that exists and is ours already is fine.
    public func createBucket() async throws {
        let response = try await self.send(.PUT, key: nil)
        if response.status == .conflict {
            let error = S3Error(status: 409, element: try S3XML.parse(try await Self.body(of: response)))
            if error.code == "BucketAlreadyOwnedByYou" || error.code == "BucketAlreadyExists" { return }
            throw error
        }
        try await Self.expect(response, [200])
    }

    // MARK: - Sending

    /// Signs and sends one request, trying again after a dropped connection or a 5xx.
    func send(
        _ method: HTTPMethod,
        key: String?,
        query: [(name: String, value: String)] = [],
        headers extra: [(name: String, value: String)] = [],
        body: ByteBuffer? = nil
    ) async throws -> HTTPClientResponse {
        let path = key.map { self.location.path(forKey: $0) } ?? "/\(self.location.bucket)"
        var headers = extra
        headers.append(("host", Self.hostHeader(self.location.endpoint)))
        var payloadHash = SigV4Signer.payloadHash(Data())
        if let body {
            payloadHash = body.withUnsafeReadableBytes { SigV4Signer.hex(SHA256.hash(data: $0)) }
            if !headers.contains(where: { $0.name.lowercased() == "content-md5" }) {
                headers.append(("Content-MD5", body.withUnsafeReadableBytes { Data(Insecure.MD5.hash(data: $0)).base64EncodedString() }))
            }
        }
        var url = self.location.endpoint.absoluteString + SigV4Signer.canonicalPath(path)
        if !query.isEmpty { url += "?" + SigV4Signer.canonicalQuery(query) }
        var delay: UInt64 = 200_000_000
        for attempt in 1...self.attempts {
            var request = HTTPClientRequest(url: url)
            request.method = method
            let signed = SigV4Signer.Request(method: method.rawValue, path: path, query: query, headers: headers, payloadHash: payloadHash)
            for (name, value) in self.signer.signedHeaders(signed, at: Date()) { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(body) }
            do {
                let response = try await Self.http.execute(request, deadline: .distantFuture)
                if response.status.code >= 500 && attempt < self.attempts {
                    _ = try? await response.body.collect(upTo: 1 << 20)
                } else {
                    return response
                }
            } catch  where attempt < self.attempts && !(error is CancellationError) {
                // A refused or dropped connection: the store may be restarting.
            }
            try await Task.sleep(nanoseconds: delay)
            delay *= 4
        }
        preconditionFailure("the last attempt returns or throws")
    }

    /// `host[:port]`, as the request line's Host header carries it.
    static func hostHeader(_ endpoint: URL) -> String {
        let host = endpoint.host ?? ""
        guard let port = endpoint.port else { return host }
        let defaultPort = endpoint.scheme == "https" ? 443 : 80
        return port == defaultPort ? host : "\(host):\(port)"
    }

    /// Throws the store's own error unless the status is one of `expected`.
    static func expect(_ response: HTTPClientResponse, _ expected: Set<UInt>) async throws {
        guard !expected.contains(response.status.code) else { return }
        let body = (try? await Self.body(of: response)) ?? ByteBuffer()
        if let element = try? S3XML.parse(body), element.name == "Error" {
            throw S3Error(status: Int(response.status.code), element: element)
        }
        throw S3Error(status: Int(response.status.code), code: response.status.reasonPhrase, message: String(buffer: body))
    }

    static func body(of response: HTTPClientResponse) async throws -> ByteBuffer {
        try await response.body.collect(upTo: 16 << 20)
    }

    /// ISO 8601 with or without fractions of a second, as stores write `LastModified`.
    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text) ?? Date(timeIntervalSince1970: 0)
    }
}

/// What the object store answered instead of success.
public struct S3Error: Error, CustomStringConvertible, Equatable {
    public let status: Int
    /// S3's code: `NoSuchBucket`, `SignatureDoesNotMatch`, `BadDigest`, …
    public let code: String
    public let message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(status: Int, element: S3XML) {
        self.init(status: status, code: element.child("Code")?.text ?? "", message: element.child("Message")?.text ?? "")
    }

    public var description: String { "S3 \(self.status) \(self.code): \(self.message)" }
}

/// Parts of a file read on the thread pool.
enum FilePart {
    final class Reader: Sendable {
        private let handle: FileHandle

        init(path: String) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
            self.handle = handle
        }

        deinit { try? self.handle.close() }

        func read(at offset: Int64, count: Int) async throws -> ByteBuffer {
            let handle = self.handle
            return try await NIOThreadPool.singleton.runIfActive {
                try handle.seek(toOffset: UInt64(offset))
                return ByteBuffer(bytes: try handle.read(upToCount: count) ?? Data())
            }
        }
    }
}
