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
}
