import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// What the administrators do with accounts and institutions: the system administrator keeps the institutions
/// (主持单位 / 参与单位); the security administrator gives accounts their roles and unlocks locked accounts.
struct AdminController {
    let accounts: Accounts

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group(context: AuthenticatedContext.self)
        group.get("institutions", use: self.institutions)
        group.post("institutions", use: self.setInstitution)
        group.get("users", use: self.users)
        group.patch("users/{username}", use: self.changeRole)
        group.post("users/{username}/unlock", use: self.unlock)
        group.post("users/{username}/password", use: self.resetPassword)
    }

    @Sendable func institutions(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.admin, to: LocalizedText(zh: "查看院校", en: "list institutions"))
        let institutions = try await self.accounts.institutions()
        return try .json(
            Page(items: institutions, total: institutions.count, request: PageRequest(page: 1, pageSize: max(1, min(100, institutions.count))))
        )
    }

    struct InstitutionInput: Decodable {
        let name: String
        let role: InstitutionRole
    }

    @Sendable func setInstitution(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: InstitutionInput.self, context: context)
        return try .json(try await self.accounts.setInstitution(name: input.name, role: input.role, actor: context.user))
    }

    /// The accounts, personal information masked (138****1234), for the system and security administrators.
    @Sendable func users(request: Request, context: AuthenticatedContext) async throws -> Response {
        let role = try request.uri.value("role", as: Role.self)
        let query = request.uri.value("q")
        return try .json(try await self.accounts.accounts(viewer: context.user, role: role, query: query, try request.uri.pageRequest()))
    }

    struct RoleInput: Decodable {
        let role: Role
    }

    @Sendable func changeRole(request: Request, context: AuthenticatedContext) async throws -> Response {
        let raw = try context.parameters.require("username")
        let username = raw.removingPercentEncoding ?? raw
        let input = try await request.decodeJSON(as: RoleInput.self, context: context)
        return try .json(
            try await self.accounts.changeRole(username: username, to: input.role, actor: context.user, address: context.remoteAddress)
        )
    }

    @Sendable func unlock(request: Request, context: AuthenticatedContext) async throws -> Response {
        let raw = try context.parameters.require("username")
        try await self.accounts.unlock(username: raw.removingPercentEncoding ?? raw, actor: context.user, address: context.remoteAddress)
        return Response(status: .noContent)
    }

    struct TemporaryPassword: Encodable {
        let username: String
        /// Shown once: the account must replace it at its next log-in.
        let temporaryPassword: String
    }

    @Sendable func resetPassword(request: Request, context: AuthenticatedContext) async throws -> Response {
        let raw = try context.parameters.require("username")
        let username = raw.removingPercentEncoding ?? raw
        let temporary = try await self.accounts.resetPassword(username: username, actor: context.user, address: context.remoteAddress)
        return try .json(TemporaryPassword(username: username, temporaryPassword: temporary), status: .created)
    }
}
