import Foundation

/// Where blobs live in an S3-compatible store, as every command takes it: `--blobs s3://BUCKET?endpoint=URL&region=R`
/// (or `GRANARY_BLOBS`), with the key pair in `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
///
/// Objects are addressed path-style (`ENDPOINT/BUCKET/KEY`), which SeaweedFS, Ceph radosgw and MinIO all take and
/// which needs no DNS name per bucket.
public struct S3Location: Sendable, Equatable {
    public let bucket: String
    /// `http(s)://host[:port]`, without a path.
    public let endpoint: URL
    public let region: String

    /// A mistake in the location or the credentials, said so an operator can fix it.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { self.message }
    }

    /// Reads `s3://BUCKET?endpoint=URL&region=R`; the region defaults to `us-east-1`.
    public init(parsing text: String) throws {
        let form = "形如 s3://桶名?endpoint=http://127.0.0.1:8333&region=us-east-1"
        guard let components = URLComponents(string: text), components.scheme == "s3" else {
            throw Problem(message: "对象存储位置“\(text)”应\(form)")
        }
        let bucket = components.host ?? ""
        guard Self.isBucketName(bucket), components.path.isEmpty || components.path == "/" else {
            throw Problem(message: "桶名“\(bucket)”无效：3–63 个小写字母、数字、点或连字符，以字母或数字开头和结尾，且其后不带路径")
        }
        var endpoint: URL?
        var region = "us-east-1"
        for item in components.queryItems ?? [] {
            switch item.name {
            case "endpoint":
                guard let value = item.value, let url = URL(string: value), ["http", "https"].contains(url.scheme), url.host != nil,
                    url.path.isEmpty || url.path == "/", url.query == nil
                else {
                    throw Problem(message: "endpoint“\(item.value ?? "")”应为 http:// 或 https:// 开头、不带路径的地址")
                }
                endpoint = URL(string: value.hasSuffix("/") ? String(value.dropLast()) : value)
            case "region":
                guard let value = item.value, !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                    throw Problem(message: "region“\(item.value ?? "")”无效，如 us-east-1")
                }
                region = value
            default:
                throw Problem(message: "对象存储位置不认识参数“\(item.name)”，只有 endpoint 和 region")
            }
        }
        guard let endpoint else { throw Problem(message: "对象存储位置缺少 endpoint，应\(form)") }
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
    }

    /// The key pair from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    public static func credentials(from environment: [String: String]) throws -> SigV4Signer.Credentials {
        let missing = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].filter { environment[$0]?.isEmpty ?? true }
        guard missing.isEmpty, let id = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw Problem(message: "使用对象存储需要环境变量 \(missing.joined(separator: " 和 "))")
        }
        return .init(accessKeyID: id, secretAccessKey: secret)
    }

    /// The path of `key` in the bucket, as it is signed (`/BUCKET/KEY`, not yet encoded).
    public func path(forKey key: String) -> String {
        "/\(self.bucket)/\(key)"
    }

    /// The URL of `key`: the endpoint and the path encoded exactly as the signature encodes it, so that what is sent
    /// is what was signed.
    public func url(forKey key: String) -> URL {
        URL(string: self.endpoint.absoluteString + SigV4Signer.canonicalPath(self.path(forKey: key)))!
    }

    /// S3's rules for bucket names that every compatible store accepts.
    static func isBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func alphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard (3...63).contains(bytes.count), let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last) else {
            return false
        }
        return bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") } && !name.contains("..")
    }
}
