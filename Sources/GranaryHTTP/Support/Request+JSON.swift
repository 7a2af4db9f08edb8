import Foundation
import GranaryModel
import Hummingbird
import HummingbirdCore
import NIOCore

extension Request {
    /// The JSON body decoded as `T`; malformed JSON is 400, missing or mistyped fields are 422 naming the field.
    func decodeJSON<T: Decodable>(as type: T.Type, context: some RequestContext) async throws -> T {
        let data = try await self.bodyData(context: context)
        try JSONValue.refuseNULCharacters(data)
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Self.granaryError(error)
        }
    }

    /// The whole body, at most the context's limit (413 beyond).
    func bodyData(context: some RequestContext) async throws -> Data {
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw GranaryError(
                .payloadTooLarge,
                LocalizedText(zh: "请求内容超过 \(context.maxUploadSize) 字节", en: "The body exceeds \(context.maxUploadSize) bytes")
            )
        }
        return Data(buffer.readableBytesView)
    }

    private static func granaryError(_ error: DecodingError) -> GranaryError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return GranaryError(
                .validationFailed,
                LocalizedText(zh: "缺少字段 \(field)", en: "Field \(field) is required"),
                errors: [FieldError(field: field, message: LocalizedText(zh: "必填", en: "required"))]
            )
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return GranaryError(
                .validationFailed,
                LocalizedText(zh: "字段 \(field) 的值类型不对", en: "Field \(field) has the wrong type"),
                errors: [FieldError(field: field, message: LocalizedText(zh: "类型不对", en: "wrong type"))]
            )
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            return GranaryError(
                .validationFailed,
                LocalizedText(zh: "字段 \(field) 的值无效", en: "Field \(field) has an invalid value"),
                errors: [FieldError(field: field, message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        default:
            return GranaryError(.invalidDocument, LocalizedText(zh: "请求内容不是合法的 JSON", en: "The body is not valid JSON"))
        }
    }
}

extension Response {
    /// A JSON response in the API's encoding.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.api.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension URI {
    /// A query value, nil when absent or empty.
    func value(_ name: String) -> String? {
        guard let value = self.queryParameters[name[...]].map(String.init), !value.isEmpty else { return nil }
        return value
    }

    /// A query value that must be one of an enum's raw values (400 otherwise).
    func value<T: RawRepresentable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let raw = self.value(name) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "参数 \(name) 的取值“\(raw)”无效", en: "Query parameter \(name) has an invalid value '\(raw)'"),
                errors: [FieldError(field: name, message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        return value
    }

    /// A `true`/`false` query value.
    func bool(_ name: String) throws -> Bool? {
        guard let raw = self.value(name) else { return nil }
        switch raw {
        case "true", "1": return true
        case "false", "0": return false
        default:
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "参数 \(name) 应为 true 或 false", en: "Query parameter \(name) must be true or false"),
                errors: [FieldError(field: name, message: LocalizedText(zh: "应为 true 或 false", en: "must be true or false"))]
            )
        }
    }

    /// A positive integer query value.
    func positiveInt(_ name: String) throws -> Int? {
        guard let raw = self.value(name) else { return nil }
        guard let value = Int(raw), value >= 1 else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "参数 \(name) 应为正整数", en: "Query parameter \(name) must be a positive integer"),
                errors: [FieldError(field: name, message: LocalizedText(zh: "应为正整数", en: "must be a positive integer"))]
            )
        }
        return value
    }

    /// `?limit=`: 1 to `maximum`, `fallback` when absent; beyond `maximum` is refused (400), as `pageSize` is.
    func limit(maximum: Int = 50, fallback: Int = 10) throws -> Int {
        let limit = try self.positiveInt("limit") ?? fallback
        guard limit <= maximum else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "参数 limit 应为 1–\(maximum)", en: "limit must be 1 to \(maximum)"),
                errors: [FieldError(field: "limit", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        return limit
    }

    /// `?major=&course=&knowledgePoint=&kind=&original=&status=`, shared by resource lists and search.
    func resourceFilter() throws -> ResourceFilter {
        ResourceFilter(
            major: self.value("major"),
            course: self.value("course"),
            knowledgePoint: self.value("knowledgePoint"),
            kind: try self.value("kind", as: ResourceKind.self),
            original: try self.bool("original"),
            status: try self.value("status", as: ReviewStatus.self)
        )
    }

    /// `?page=&pageSize=`.
    func pageRequest() throws -> PageRequest {
        try PageRequest(page: self.value("page"), pageSize: self.value("pageSize"))
    }
}
