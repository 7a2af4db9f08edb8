import Foundation
import GranaryModel
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem document: `{"type","title","status","detail","code","errors":[{"field","message"}]}`.
struct Problem: Encodable {
    struct Field: Encodable {
        let field: String
        let message: String
    }

    let type: String
    let title: String
    let status: Int
    let detail: String
    let code: String
    let errors: [Field]

    init(code: String, status: HTTPResponse.Status, title: LocalizedText, detail: LocalizedText, errors: [FieldError], english: Bool) {
        self.type = "urn:granary:problem:\(code)"
        self.title = title.text(english: english)
        self.status = status.code
        self.detail = detail.text(english: english)
        self.code = code
        self.errors = errors.map { Field(field: $0.field, message: $0.message.text(english: english)) }
    }

    init(_ error: GranaryError, english: Bool) {
        self.init(
            code: error.code.rawValue,
            status: error.code.status,
            title: error.code.title,
            detail: error.detail,
            errors: error.errors,
            english: english
        )
    }

    /// The response carrying this problem.
    func response(status: HTTPResponse.Status, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/problem+json; charset=utf-8"
        let body = (try? JSONEncoder.api.encode(self)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension GranaryError.Code {
    /// The HTTP status each code travels with.
    var status: HTTPResponse.Status {
        switch self {
        case .invalidDocument, .invalidMultipart, .invalidQuery: .badRequest
        case .missingMetadata, .invalidMetadata, .validationFailed, .unknownMajor, .unknownCourse, .unknownKnowledgePoint, .unknownJob,
            .unknownOccupation, .prerequisiteCycle, .infeasibleBlueprint, .emptyFile, .kindMismatch:
            .unprocessableContent
        case .unsupportedMedia: .unsupportedMediaType
        case .payloadTooLarge: .contentTooLarge
        case .invalidTransition, .conflict: .conflict
        case .unauthorized, .totpRequired, .totpInvalid: .unauthorized
        case .forbidden, .csrfFailed, .totpEnrolmentRequired, .passwordChangeRequired: .forbidden
        case .notFound: .notFound
        case .rangeNotSatisfiable: .rangeNotSatisfiable
        case .rateLimited: .tooManyRequests
        case .insufficientStorage: .init(code: 507, reasonPhrase: "Insufficient Storage")
        case .storageUnavailable: .serviceUnavailable
        }
    }

    /// A short title for a person.
    var title: LocalizedText {
        switch self {
        case .invalidDocument: LocalizedText(zh: "请求内容无法解析", en: "The request body cannot be read")
        case .invalidMultipart: LocalizedText(zh: "上传格式有误", en: "Malformed multipart upload")
        case .invalidQuery: LocalizedText(zh: "查询参数有误", en: "Invalid query parameters")
        case .missingMetadata: LocalizedText(zh: "缺少必填元数据", en: "Required metadata is missing")
        case .invalidMetadata: LocalizedText(zh: "元数据有误", en: "Invalid metadata")
        case .validationFailed: LocalizedText(zh: "输入有误", en: "Invalid input")
        case .unknownMajor: LocalizedText(zh: "专业不存在", en: "Unknown major")
        case .unknownCourse: LocalizedText(zh: "课程不存在", en: "Unknown course")
        case .unknownKnowledgePoint: LocalizedText(zh: "知识点不存在", en: "Unknown knowledge point")
        case .unknownJob: LocalizedText(zh: "岗位不存在", en: "Unknown job")
        case .unknownOccupation: LocalizedText(zh: "职业代码不在职业分类大典中", en: "Unknown occupation code")
        case .prerequisiteCycle: LocalizedText(zh: "先修关系构成循环", en: "Prerequisites form a cycle")
        case .infeasibleBlueprint: LocalizedText(zh: "组卷蓝图无法满足", en: "The blueprint cannot be met")
        case .emptyFile: LocalizedText(zh: "文件为空", en: "Empty file")
        case .kindMismatch: LocalizedText(zh: "资源类型与文件内容不符", en: "Declared kind does not match the bytes")
        case .unsupportedMedia: LocalizedText(zh: "不支持的文件类型", en: "Unsupported media type")
        case .payloadTooLarge: LocalizedText(zh: "上传内容过大", en: "Payload too large")
        case .invalidTransition: LocalizedText(zh: "状态不允许此操作", en: "Invalid state transition")
        case .conflict: LocalizedText(zh: "与现有数据冲突", en: "Conflict with existing data")
        case .unauthorized: LocalizedText(zh: "未登录或登录已失效", en: "Not logged in")
        case .totpRequired: LocalizedText(zh: "需要动态验证码", en: "Authenticator code required")
        case .totpInvalid: LocalizedText(zh: "动态验证码无效", en: "Invalid authenticator code")
        case .forbidden: LocalizedText(zh: "没有权限", en: "Forbidden")
        case .totpEnrolmentRequired: LocalizedText(zh: "请先启用两步验证", en: "Enrol in two-step log-in first")
        case .passwordChangeRequired: LocalizedText(zh: "请先修改密码", en: "Change the password first")
        case .csrfFailed: LocalizedText(zh: "请求来源校验失败，请刷新页面后重试", en: "CSRF check failed; reload the page and retry")
        case .notFound: LocalizedText(zh: "未找到", en: "Not found")
        case .rangeNotSatisfiable: LocalizedText(zh: "请求的范围无效", en: "Range not satisfiable")
        case .rateLimited: LocalizedText(zh: "请求过于频繁", en: "Too many requests")
        case .insufficientStorage: LocalizedText(zh: "存储空间不足", en: "Insufficient storage")
        case .storageUnavailable: LocalizedText(zh: "存储服务暂不可用", en: "Storage unavailable")
        }
    }
}

extension JSONEncoder {
    /// How every API response is encoded: ISO 8601 dates, Chinese left unescaped.
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}

extension Request {
    /// Whether the caller prefers English to Chinese (`Accept-Language`); Chinese is the default.
    var prefersEnglish: Bool {
        guard let header = self.headers[.acceptLanguage] else { return false }
        var best: (english: Bool, quality: Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let tag = parts.first else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let english = tag.hasPrefix("en")
            guard english || tag.hasPrefix("zh") || tag == "*" else { continue }
            if best == nil || quality > best!.quality { best = (english, quality) }
        }
        return best?.english ?? false
    }
}
