import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// Reads `Authorization: Bearer <token>`, or else the `granary_session` cookie of the web pages, and puts the account
/// on the context.
///
/// No credential leaves the request anonymous (routes that need a user refuse it). A bearer token that is unknown,
/// expired or revoked is refused at once with 401, so a client learns its session ended; a stale cookie only leaves
/// the request anonymous, so a page can send the person to the log-in form instead of showing an error.
///
/// A browser sends the cookie by itself, also with requests another site makes it send, so an unsafe request
/// authenticated by the cookie must prove it comes from Granary's own pages: an `X-CSRF-Token` header (scripts) or a
/// `_csrf` form field (HTML forms) equal to `WebSession.csrfToken(forSession:)`; otherwise 403 `csrf_failed`.
///
/// An account whose role must use two-step log-in and has not enrolled (made before the rule, or by an admin) may
/// only enrol, see itself and log out: other API calls answer 403 `totp_enrolment_required`, other pages send it to
/// the enrolment page.
///
/// The security and audit administrators hold one duty each (三权分立) and may do nothing else, whatever a route
/// would allow any account: the security administrator changes roles and unlocks accounts, the auditor reads the
/// audit trail; both may see and secure their own account. Any other API call answers 403, any other page leads to
/// their duty's page.
struct BearerAuthenticator: RouterMiddleware {
    let accounts: Accounts
    /// Renders a refusal as a page for requests outside `/api/` (a stale form in a browser); nil answers problem+json.
    var refusalPage: (@Sendable (GranaryError) -> Response)? = nil

    func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw GranaryError(.unauthorized, LocalizedText(zh: "只接受 Bearer 令牌", en: "Only bearer tokens are accepted"))
            }
            let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
            guard token.utf8.count <= 256, let user = try await self.accounts.user(forToken: token) else {
                throw GranaryError(.unauthorized, LocalizedText(zh: "登录已失效，请重新登录", en: "The session has expired; log in again"))
            }
            context.user = user
            context.token = token
            if let refusal = try self.enrolmentFirst(user, request) ?? self.passwordFirst(user, request) ?? self.outsideDuty(user, request) {
                return refusal
            }
            return try await next(request, context)
        }
        guard let token = request.cookies[WebSession.sessionCookie]?.value, !token.isEmpty, token.utf8.count <= 256,
            let user = try await self.accounts.user(forToken: token)
        else {
            return try await next(request, context)
        }
        context.user = user
        context.token = token
        context.authenticatedByCookie = true
        if let refusal = try self.enrolmentFirst(user, request) ?? self.passwordFirst(user, request) ?? self.outsideDuty(user, request) {
            return refusal
        }
        guard !WebSession.isSafe(request.method) else { return try await next(request, context) }
        var request = request
        guard try await WebSession.carriesCSRFToken(&request, expected: WebSession.csrfToken(forSession: token), context: context) else {
            let error = GranaryError(
                .csrfFailed,
                LocalizedText(zh: "请求缺少有效的 CSRF 令牌；请刷新页面后重试", en: "The request lacks a valid CSRF token; reload the page and retry")
            )
            if let refusalPage = self.refusalPage, !request.uri.path.hasPrefix("/api/") { return refusalPage(error) }
            throw error
        }
        return try await next(request, context)
    }

    /// What may be asked before enrolment: the account itself, enrolment, and log-out (and the pages' assets).
    static let openBeforeEnrolment: Set<String> = [
        "GET /api/v1/me", "POST /api/v1/me/totp", "POST /api/v1/me/totp/confirm", "DELETE /api/v1/sessions",
        "GET /account", "POST /account/totp", "POST /account/totp/confirm", "POST /logout",
    ]

    /// The answer to a request of an account that must enrol first (a refusal thrown for the API); nil when it may
    /// go on.
    func enrolmentFirst(_ user: User, _ request: Request) throws -> Response? {
        guard self.accounts.twoFactorRoles.contains(user.role), !user.twoFactor else { return nil }
        return try self.onlyFirst(
            request,
            open: Self.openBeforeEnrolment,
            page: "/account",
            GranaryError(
                .totpEnrolmentRequired,
                LocalizedText(
                    zh: "“\(user.role.chineseName)”角色必须先启用两步验证（POST /api/v1/me/totp，或页面“账户安全”）",
                    en: "Accounts of role '\(user.role.rawValue)' must enrol in two-step log-in first (POST /api/v1/me/totp)"
                )
            )
        )
    }

    /// What may be asked while the password must be changed: the account, the change, and log-out.
    static let openBeforePasswordChange: Set<String> = [
        "GET /api/v1/me", "POST /api/v1/me/password", "DELETE /api/v1/sessions", "GET /account", "POST /account/password", "POST /logout",
    ]

    /// The answer to a request of an account that must change its password first (a temporary one, or a privileged
    /// account's that expired); nil when it may go on.
    func passwordFirst(_ user: User, _ request: Request) throws -> Response? {
        guard user.passwordChangeRequired else { return nil }
        return try self.onlyFirst(
            request,
            open: Self.openBeforePasswordChange,
            page: "/account#password",
            GranaryError(
                .passwordChangeRequired,
                LocalizedText(
                    zh: "请先修改密码（POST /api/v1/me/password，或页面“账户安全”）：密码是临时的或已过期",
                    en: "Change the password first (POST /api/v1/me/password): it is temporary or has expired"
                )
            )
        )
    }

    /// For an account held to one step first: nil for a request in `open` (or a page asset); else a page view is sent
    /// to `page`, a page post gets the refusal page, and the API gets `error` thrown.
    private func onlyFirst(_ request: Request, open: Set<String>, page: String, _ error: GranaryError) throws -> Response? {
        guard !open.contains("\(request.method.rawValue) \(request.uri.path)"),
            !(request.method == .get && request.uri.path.hasPrefix("/static/"))
        else { return nil }
        if !request.uri.path.hasPrefix("/api/") && WebSession.isSafe(request.method) { return PageRenderer.redirect(to: page) }
        if let refusalPage = self.refusalPage, !request.uri.path.hasPrefix("/api/") { return refusalPage(error) }
        throw error
    }

    /// What the security and audit administrators may ask besides their duty: their own account, its password and
    /// two-step log-in, log-in and log-out, the health check, the API's description, and the pages' assets.
    static let openToEveryDuty: Set<String> = openBeforeEnrolment.union([
        "POST /api/v1/me/password", "POST /account/password", "DELETE /api/v1/me/totp", "GET /api/v1/health", "GET /api/v1/openapi.json",
        "POST /api/v1/sessions", "GET /api/v1/me/personal", "PUT /api/v1/me/personal", "GET /api/v1/me/export", "POST /account/personal",
        "POST /account/totp/remove", "GET /login", "POST /login",
    ])

    /// Whether `request` is the duty of an account of `role`; true for the roles that hold no single duty.
    static func isDuty(of role: Role, _ request: Request) -> Bool {
        let path = request.uri.path
        switch role {
        case .security:
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            // PATCH /api/v1/users/{username}, POST /api/v1/users/{username}/unlock
            if path == "/security" || path == "/api/v1/users" { return request.method == .get }
            if ["/security/unlock", "/security/role", "/security/password"].contains(path) { return request.method == .post }
            guard parts.count >= 5, parts[1] == "api", parts[2] == "v1", parts[3] == "users" else { return false }
            return (request.method == .patch && parts.count == 5)
                || (request.method == .post && parts.count == 6 && (parts[5] == "unlock" || parts[5] == "password"))
        case .auditor:
            return request.method == .get && (path == "/api/v1/audit" || path == "/audit")
        case .learner, .teacher, .reviewer, .admin:
            return true
        }
    }

    /// The answer to a request outside a single-duty administrator's duty (a refusal thrown for the API); nil when
    /// it may go on.
    func outsideDuty(_ user: User, _ request: Request) throws -> Response? {
        guard !Self.isDuty(of: user.role, request) else { return nil }
        let duty =
            user.role == .auditor
            ? LocalizedText(zh: "审计管理员只能查阅和导出审计记录（三权分立）", en: "Audit administrators only read and export the audit trail")
            : LocalizedText(zh: "安全管理员只能修改账户角色、重置密码和解锁账户（三权分立）", en: "Security administrators only change roles, reset passwords and unlock accounts")
        // Any other page leads to their duty's page, which is their home (and holds their only menu entry).
        return try self.onlyFirst(
            request,
            open: Self.openToEveryDuty,
            page: user.role == .auditor ? "/audit" : "/security",
            GranaryError.forbidden(duty)
        )
    }
}
