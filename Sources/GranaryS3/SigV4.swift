import Crypto
import Foundation

/// AWS Signature Version 4, as S3 and S3-compatible stores (SeaweedFS, Ceph radosgw, MinIO) check it: the
/// canonical request, the string to sign, the signing key and the `Authorization` header.
///
/// No S3 SDK is among the package mirrors, and signing is the only part of S3 that a plain HTTP client cannot do.
/// It follows AWS's rules for S3: the path is percent-encoded once and never normalised (`//` and `.` stay as they
/// are, since they are part of the key). Every step is exposed, because a store answers every mistake with the same
/// `SignatureDoesNotMatch`; the tests compare each step with AWS's published examples.
public struct SigV4Signer: Sendable {
    /// An access key pair.
    public struct Credentials: Sendable, Equatable {
        public let accessKeyID: String
        public let secretAccessKey: String

        public init(accessKeyID: String, secretAccessKey: String) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
        }
    }

    /// A request to sign. `path` is the decoded path (`/bucket/ab/cd/…`), `query` the decoded parameters, `headers`
    /// every header to sign, `host` among them.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]
        /// The hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(
            method: String,
            path: String,
            query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)],
            payloadHash: String
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// Each step of a signature.
    public struct Signature: Sendable {
        public let canonicalRequest: String
        public let stringToSign: String
        public let signature: String
        /// The `Authorization` header's value.
        public let authorization: String
    }

    /// The hash S3 accepts in place of the body's, when the body is not hashed ahead (a stream).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public let credentials: Credentials
    public let region: String
    public let service: String

    public init(credentials: Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Signs `request` as of `date`. The request's headers must already hold `x-amz-date` with
    /// `Self.timestamp(date)` (S3 also wants `x-amz-content-sha256`); `signedHeaders(_:at:)` adds both.
    public func sign(_ request: Request, at date: Date) -> Signature {
        let (headers, signedHeaders) = Self.canonicalHeaders(request.headers)
        let canonicalRequest = [
            request.method,
            Self.canonicalPath(request.path),
            Self.canonicalQuery(request.query),
            headers,
            signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        let timestamp = Self.timestamp(date)
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(self.region)/\(self.service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(self.credentials.secretAccessKey)".utf8))
        for part in [day, self.region, self.service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        return Signature(
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            signature: signature,
            authorization:
                "AWS4-HMAC-SHA256 Credential=\(self.credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        )
    }

    /// The headers to send: `request`'s, with `x-amz-date` and `x-amz-content-sha256` added and then
    /// `Authorization`.
    public func signedHeaders(_ request: Request, at date: Date) -> [(name: String, value: String)] {
        var request = request
        request.headers += [("x-amz-date", Self.timestamp(date)), ("x-amz-content-sha256", request.payloadHash)]
        return request.headers + [("Authorization", self.sign(request, at: date).authorization)]
    }

    // MARK: - Steps

    /// `20130524T000000Z`: the date in UTC, to the second.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec)
        )
    }

    /// The path with every byte but the unreserved ones and `/` percent-encoded, once.
    public static func canonicalPath(_ path: String) -> String {
        path.isEmpty ? "/" : Self.encode(path, keepingSlash: true)
    }

    /// The parameters encoded (`/` too), sorted by name and then value, byte by byte.
    public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        query.map { (Self.encode($0.name, keepingSlash: false), Self.encode($0.value, keepingSlash: false)) }
            .sorted { ($0.0.utf8.lexicographicallyPrecedes($1.0.utf8)) || ($0.0 == $1.0 && $0.1.utf8.lexicographicallyPrecedes($1.1.utf8)) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// The canonical header lines (lower-case names, sorted; values trimmed, inner runs of spaces made one; a name
    /// given twice joined by commas in the order given), each ending in a newline, and the signed header list.
    public static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (lines: String, signed: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let folded = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
            values[name.lowercased(), default: []].append(folded)
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let lines = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    /// RFC 3986 percent-encoding with upper-case hex: letters, digits and `-._~` stay, and `/` when asked.
    static func encode(_ text: String, keepingSlash: Bool) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                encoded.append("/")
            default:
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    /// Lower-case hex of a digest or MAC.
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The hex SHA-256 of `data`, as the payload hash.
    public static func payloadHash(_ data: some DataProtocol) -> String {
        Self.hex(SHA256.hash(data: data))
    }
}
