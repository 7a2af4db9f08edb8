import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// Log-in (with two-step log-in), log-out, learner sign-up, the account's own authenticator and its personal access
/// tokens (for programs that act as it, such as an assistant over MCP).
struct SessionController {
    let accounts: Accounts

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.post("sessions", use: self.logIn)
        router.post("learners/register", use: self.register)
        let authenticated = router.group(context: AuthenticatedContext.self)
        authenticated.delete("sessions", use: self.logOut)
        authenticated.get("me", use: self.me)
        authenticated.post("me/totp", use: self.startTwoFactor)
        authenticated.post("me/totp/confirm", use: self.confirmTwoFactor)
        authenticated.delete("me/totp", use: self.removeTwoFactor)
        authenticated.post("me/password", use: self.changePassword)
        authenticated.get("me/tokens", use: self.tokens)
        authenticated.post("me/tokens", use: self.createToken)
        authenticated.delete("me/tokens/{id}", use: self.revokeToken)
    }

    struct TokenRequest: Decodable {
        let name: String
        /// Lifetime in days, 1–365 (90 when left out).
        let days: Int?
    }

    struct TokenList: Encodable {
        let items: [Accounts.PersonalToken]
    }

    @Sendable func tokens(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(TokenList(items: try await self.accounts.personalTokens(of: context.user)))
    }

    /// A new personal access token; its secret is in this answer only.
    @Sendable func createToken(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: TokenRequest.self, context: context)
        let token = try await self.accounts.createPersonalToken(
            name: input.name,
            days: input.days,
            user: context.user,
            session: context.token,
            address: context.remoteAddress
        )
        var response = try Response.json(token, status: .created)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func revokeToken(request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.accounts.revokePersonalToken(id: try context.parameters.require("id"), user: context.user, address: context.remoteAddress)
        return Response(status: .noContent)
    }

    struct Credentials: Decodable {
        let username: String
        let password: String
        /// The authenticator's code (or a recovery code) of an account with two-step log-in.
        let totp: String?
    }

    struct SessionBody: Encodable {
        let token: String
        let user: User
        let expiresAt: Date
    }

    @Sendable func logIn(request: Request, context: AppRequestContext) async throws -> Response {
        let credentials = try await request.decodeJSON(as: Credentials.self, context: context)
        let opened = try await self.accounts.logIn(
            username: credentials.username,
            password: credentials.password,
            totp: credentials.totp,
            address: context.remoteAddress
        )
        guard let session = opened else {
            throw GranaryError(.unauthorized, LocalizedText(zh: "用户名或密码错误", en: "Wrong username or password"))
        }
        return try .json(SessionBody(token: session.token, user: session.user, expiresAt: session.expiresAt), status: .created)
    }

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String
    }

    @Sendable func changePassword(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: PasswordChange.self, context: context)
        try await self.accounts.changePassword(
            context.user,
            keeping: context.token,
            current: input.currentPassword,
            new: input.newPassword,
            address: context.remoteAddress
        )
        return Response(status: .noContent)
    }

    @Sendable func logOut(request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.accounts.revoke(token: context.token, actor: context.user.username)
        return Response(status: .noContent)
    }

    @Sendable func me(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(context.user)
    }

    struct Code: Decodable {
        let code: String
    }

    struct RecoveryCodes: Encodable {
        let recoveryCodes: [String]
    }

    /// Starts enrolment: a new secret, its `otpauth://` address and QR code, valid once a code confirms it.
    @Sendable func startTwoFactor(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.accounts.startTwoFactor(user: context.user), status: .created)
    }

    /// Confirms enrolment with a code from the app; answers the recovery codes, shown this once.
    @Sendable func confirmTwoFactor(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: Code.self, context: context)
        return try .json(RecoveryCodes(recoveryCodes: try await self.accounts.confirmTwoFactor(user: context.user, code: input.code)))
    }

    /// Turns two-step log-in off with a current or recovery code.
    @Sendable func removeTwoFactor(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: Code.self, context: context)
        try await self.accounts.removeTwoFactor(user: context.user, code: input.code)
        return Response(status: .noContent)
    }

    struct Registration: Decodable {
        let username: String
        let password: String
        let displayName: String?
    }

    @Sendable func register(request: Request, context: AppRequestContext) async throws -> Response {
        let registration = try await request.decodeJSON(as: Registration.self, context: context)
        let user = try await self.accounts.createUser(
            username: registration.username,
            password: registration.password,
            displayName: registration.displayName,
            role: .learner,
            institution: nil,
            actor: nil
        )
        return try .json(user, status: .created)
    }
}
