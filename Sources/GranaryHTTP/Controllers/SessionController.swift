import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// Log-in, log-out and learner sign-up.
struct SessionController {
    let accounts: Accounts
    let throttle: LoginThrottle

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.post("sessions", use: self.logIn)
        router.post("learners/register", use: self.register)
        let authenticated = router.group(context: AuthenticatedContext.self)
        authenticated.delete("sessions", use: self.logOut)
        authenticated.get("me", use: self.me)
    }

    struct Credentials: Decodable {
        let username: String
        let password: String
    }

    struct SessionBody: Encodable {
        let token: String
        let user: User
        let expiresAt: Date
    }

    @Sendable func logIn(request: Request, context: AppRequestContext) async throws -> Response {
        let credentials = try await request.decodeJSON(as: Credentials.self, context: context)
        try await self.throttle.check(account: credentials.username, address: context.remoteAddress)
        guard let session = try await self.accounts.logIn(username: credentials.username, password: credentials.password) else {
            try await self.throttle.fail(account: credentials.username, address: context.remoteAddress)
            throw GranaryError(.unauthorized, LocalizedText(zh: "用户名或密码错误", en: "Wrong username or password"))
        }
        try await self.throttle.succeed(account: credentials.username)
        return try .json(SessionBody(token: session.token, user: session.user, expiresAt: session.expiresAt), status: .created)
    }

    @Sendable func logOut(request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.accounts.revoke(token: context.token, actor: context.user.username)
        return Response(status: .noContent)
    }

    @Sendable func me(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(context.user)
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
