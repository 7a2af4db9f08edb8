/// Text in the two languages Granary answers in: Simplified Chinese by default, English on request.
public struct LocalizedText: Sendable, Equatable, ExpressibleByStringLiteral {
    /// Simplified Chinese.
    public let zh: String
    /// English.
    public let en: String

    /// Creates a text in both languages.
    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    /// A text that reads the same in both languages (an identifier, a number).
    public init(stringLiteral value: String) {
        self.init(zh: value, en: value)
    }

    /// The text in the preferred language.
    public func text(english: Bool) -> String { english ? self.en : self.zh }
}

/// A problem with one input field.
public struct FieldError: Sendable, Equatable {
    /// The field's machine name, e.g. `knowledgePoints[1]`.
    public let field: String
    /// What is wrong, for a person.
    public let message: LocalizedText

    /// Creates a field error.
    public init(field: String, message: LocalizedText) {
        self.field = field
        self.message = message
    }
}

/// Every failure a user can cause, with a stable machine code; the HTTP layer turns it into problem+json.
public struct GranaryError: Error, Sendable, Equatable {
    /// Stable machine words clients can rely on.
    public enum Code: String, Sendable, CaseIterable {
        case invalidDocument = "invalid_document"
        case invalidMultipart = "invalid_multipart"
        case invalidQuery = "invalid_query"
        case missingMetadata = "missing_metadata"
        case invalidMetadata = "invalid_metadata"
        case validationFailed = "validation_failed"
        case unknownMajor = "unknown_major"
        case unknownCourse = "unknown_course"
        case unknownKnowledgePoint = "unknown_knowledge_point"
        case unknownJob = "unknown_job"
        case unknownOccupation = "unknown_occupation"
        case prerequisiteCycle = "prerequisite_cycle"
        case infeasibleBlueprint = "infeasible_blueprint"
        case emptyFile = "empty_file"
        case kindMismatch = "kind_mismatch"
        case unsupportedMedia = "unsupported_media"
        case payloadTooLarge = "payload_too_large"
        case invalidTransition = "invalid_transition"
        case conflict = "conflict"
        case unauthorized = "unauthorized"
        /// The password was right; the account also needs its authenticator code (动态验证码).
        case totpRequired = "totp_required"
        /// The authenticator or recovery code is wrong, already used, or from too long ago.
        case totpInvalid = "totp_invalid"
        case forbidden = "forbidden"
        /// The account's role must use two-step log-in and has not enrolled yet: only enrolment is open to it.
        case totpEnrolmentRequired = "totp_enrolment_required"
        /// The account must choose a new password first (a temporary or expired one): only that is open to it.
        case passwordChangeRequired = "password_change_required"
        /// A request authenticated by the session cookie came without its CSRF token (跨站请求校验失败).
        case csrfFailed = "csrf_failed"
        case notFound = "not_found"
        case rangeNotSatisfiable = "range_not_satisfiable"
        case rateLimited = "rate_limited"
        case insufficientStorage = "insufficient_storage"
        /// The shared object store (or another service a node depends on) cannot be reached just now.
        case storageUnavailable = "storage_unavailable"
    }

    /// The machine code.
    public let code: Code
    /// A sentence for a person about this occurrence.
    public let detail: LocalizedText
    /// Per-field problems, when the input had several.
    public let errors: [FieldError]

    /// Creates an error.
    public init(_ code: Code, _ detail: LocalizedText, errors: [FieldError] = []) {
        self.code = code
        self.detail = detail
        self.errors = errors
    }
}

extension GranaryError {
    /// The item does not exist, or the caller may not know that it does.
    public static func notFound(_ what: LocalizedText, _ id: String) -> GranaryError {
        GranaryError(.notFound, LocalizedText(zh: "\(what.zh)“\(id)”不存在", en: "\(what.en) '\(id)' does not exist"))
    }

    /// The caller's role does not allow the action.
    public static func forbidden(_ detail: LocalizedText) -> GranaryError {
        GranaryError(.forbidden, detail)
    }

    /// The item cannot move from its state by this action.
    public static func invalidTransition(from: String, action: String) -> GranaryError {
        GranaryError(
            .invalidTransition,
            LocalizedText(zh: "当前状态“\(from)”不允许执行“\(action)”", en: "An item in state '\(from)' cannot be '\(action)'")
        )
    }
}
