import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// Reads `Authorization: Bearer <token>` and puts the account on the context.
///
/// No header leaves the request anonymous (routes that need a user refuse it); a token that is unknown,
/// expired or revoked is refused at once with 401, so a client learns its session ended.
struct BearerAuthenticator: RouterMiddleware {
    let accounts: Accounts

    func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw GranaryError(.unauthorized, LocalizedText(zh: "只接受 Bearer 令牌", en: "Only bearer tokens are accepted"))
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard token.utf8.count <= 256, let user = try await self.accounts.user(forToken: token) else {
            throw GranaryError(.unauthorized, LocalizedText(zh: "登录已失效，请重新登录", en: "The session has expired; log in again"))
        }
        var context = context
        context.user = user
        context.token = token
        return try await next(request, context)
    }
}
