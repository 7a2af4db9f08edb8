import GranaryModel
import Hummingbird
import NIOCore

/// The context of every request: who is calling (when a valid bearer token or session cookie came with it) and from where.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The account of the bearer token or session cookie, set by `BearerAuthenticator`.
    public var user: User?
    /// The bearer token itself (or the session cookie's value), for log-out.
    public var token: String?
    /// Whether the credential was the `granary_session` cookie rather than an `Authorization` header: a browser
    /// sends a cookie by itself, so only such requests need the CSRF token (and pages render it for their forms).
    public var authenticatedByCookie = false
    /// The peer's address, for rate limits.
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }

    /// JSON request bodies are small; uploads stream and never pass through this limit.
    public var maxUploadSize: Int { 1 << 20 }
}

/// The context of routes that need a logged-in user: building it fails with 401 when nobody is logged in.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The logged-in account.
    public let user: User
    /// Its bearer token.
    public let token: String
    /// The peer's address.
    public let remoteAddress: String

    public init(context: AppRequestContext) throws {
        guard let user = context.user, let token = context.token else {
            throw GranaryError(.unauthorized, LocalizedText(zh: "请先登录", en: "Log in first"))
        }
        self.coreContext = context.coreContext
        self.user = user
        self.token = token
        self.remoteAddress = context.remoteAddress
    }

    public var maxUploadSize: Int { 1 << 20 }

    /// Fails with 403 unless the user has one of `roles`.
    public func require(_ roles: Role..., to action: LocalizedText) throws {
        guard roles.contains(self.user.role) else {
            throw GranaryError.forbidden(LocalizedText(zh: "当前角色无权\(action.zh)", en: "Your role may not \(action.en)"))
        }
    }
}
