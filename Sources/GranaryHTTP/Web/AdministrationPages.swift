import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// The pages of the two single-duty administrators (三权分立): `/audit` for the audit administrator (the audit trail
/// of `GET /api/v1/audit`, filtered, paged, exported) and `/security` for the security administrator (locked
/// accounts to unlock, and role changes), through the same calls as the API.
struct AdministrationPages: Sendable {
    let pages: Pages
    let accounts: Accounts
    let audit: AuditTrail

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("audit", use: self.auditPage)
        pages.get("security", use: self.securityPage)
        pages.post("security/unlock", use: self.unlock)
        pages.post("security/role", use: self.changeRole)
        pages.post("security/password", use: self.resetPassword)
    }

    // MARK: - The audit trail

    struct Choice: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    struct AuditPageModel: Sendable {
        struct Row: Sendable {
            let at: String
            let actor: String
            let action: String
            let code: String
            let object: String
            let outcome: String
            let outcomeClass: String
            let address: String
        }

        let actor: String
        let itemId: String
        let from: String
        let to: String
        let actions: [Choice]
        let outcomes: [Choice]
        let total: Int
        let events: [Row]
        let pageNumber: Int
        let previous: String?
        let next: String?
        let csvURL: String
    }

    /// The actions an auditor filters by most, with their Chinese names; a kind ends in a dot.
    static let actionNames: [(String, String)] = [
        ("session.", "登录与退出（全部）"), ("session.created", "登录成功"), ("session.failed", "登录失败"), ("session.revoked", "退出登录"),
        ("user.", "账户（全部）"), ("user.created", "创建账户"), ("user.role_changed", "角色变更"), ("user.locked", "账户锁定"),
        ("user.unlocked", "账户解锁"), ("user.password_reset", "重置密码"), ("user.password_changed", "修改密码"), ("totp.", "两步验证"),
        ("audit.", "审计记录的查阅与导出"),
    ]

    static let outcomeNames: [(String, String)] = [("success", "成功"), ("failure", "失败"), ("locked", "锁定"), ("denied", "拒绝")]

    @Sendable func auditPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.require(context, roles: .auditor, to: "查阅审计记录")
        let filter = try AuditController.filter(request.uri)
        let pageRequest = try request.uri.pageRequest()
        let found = try await self.audit.search(filter, page: pageRequest, viewer: user, address: context.remoteAddress)
        let names = Dictionary(uniqueKeysWithValues: Self.actionNames)
        let outcomes = Dictionary(uniqueKeysWithValues: Self.outcomeNames)
        let query: [(String, String?)] = [
            ("actor", filter.actor), ("action", filter.action), ("itemId", filter.itemId), ("outcome", filter.outcome),
            ("from", request.uri.value("from")), ("to", request.uri.value("to")),
        ]
        func pageLink(_ number: Int) -> String { Pages.link("/audit", query + [("page", String(number))]) }
        let page = AuditPageModel(
            actor: filter.actor ?? "",
            itemId: filter.itemId ?? "",
            from: request.uri.value("from") ?? "",
            to: request.uri.value("to") ?? "",
            actions: [Choice(value: "", label: "全部", selected: filter.action == nil)]
                + Self.actionNames.map { Choice(value: $0.0, label: $0.1, selected: filter.action == $0.0) },
            outcomes: [Choice(value: "", label: "全部", selected: filter.outcome == nil)]
                + Self.outcomeNames.map { Choice(value: $0.0, label: $0.1, selected: filter.outcome == $0.0) },
            total: found.total,
            events: found.items.map { event in
                AuditPageModel.Row(
                    at: Pages.format(event.at),
                    actor: event.actor ?? "—",
                    action: names[event.action] ?? event.action,
                    code: event.action,
                    object: "\(event.itemType) \(event.itemId)",
                    outcome: event.outcome.map { outcomes[$0] ?? $0 } ?? "",
                    outcomeClass: event.outcome == "success" ? "pass" : event.outcome == nil ? "" : "fail",
                    address: event.address ?? ""
                )
            },
            pageNumber: pageRequest.page,
            previous: pageRequest.page > 1 ? pageLink(pageRequest.page - 1) : nil,
            next: pageRequest.offset + found.items.count < found.total ? pageLink(pageRequest.page + 1) : nil,
            csvURL: Pages.link("/api/v1/audit", query + [("format", "csv")])
        )
        return try await self.pages.render("audit", title: "审计记录", page: page, context: context, path: "/audit")
    }

    // MARK: - Locked accounts and roles

    struct AccountAdminModel: Sendable {
        struct Locked: Sendable {
            let username: String
            let failures: Int
            let until: String
        }

        let limit: Int
        let locked: [Locked]
        let roles: [Choice]
        let error: String?
        /// A temporary password just set, shown this once.
        let temporary: Temporary?

        struct Temporary: Sendable {
            let username: String
            let password: String
        }
    }

    @Sendable func securityPage(request: Request, context: AppRequestContext) async throws -> Response {
        try await self.securityPage(context: context)
    }

    private func securityPage(
        context: AppRequestContext,
        notice: String? = nil,
        error: String? = nil,
        temporary: AccountAdminModel.Temporary? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        _ = try self.pages.require(context, roles: .security, to: "管理账户")
        let locked = try await self.accounts.lockedAccounts()
        let page = AccountAdminModel(
            limit: self.accounts.throttle.accountLimit,
            locked: locked.map { .init(username: $0.username, failures: $0.failures, until: Pages.format($0.until)) },
            roles: [Role.learner, .teacher, .reviewer].map { Choice(value: $0.rawValue, label: $0.chineseName, selected: false) },
            error: error,
            temporary: temporary
        )
        return try await self.pages.render(
            "account-admin",
            title: "账户管理",
            page: page,
            context: context,
            path: "/security",
            notice: notice,
            status: status
        )
    }

    @Sendable func unlock(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.require(context, roles: .security, to: "解锁账户")
        let form = try await self.pages.form(request, context: context)
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            try await self.accounts.unlock(username: username, actor: user, address: context.remoteAddress)
        } catch let error as GranaryError where error.code == .notFound {
            return try await self.securityPage(context: context, error: error.detail.zh, status: .notFound)
        }
        return try await self.securityPage(context: context, notice: "已解锁 \(username)")
    }

    @Sendable func changeRole(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.require(context, roles: .security, to: "修改角色")
        let form = try await self.pages.form(request, context: context)
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let role = form["role"].flatMap(Role.init(rawValue:)) else {
            return try await self.securityPage(context: context, error: "请选择新角色", status: .badRequest)
        }
        do {
            let changed = try await self.accounts.changeRole(username: username, to: role, actor: user, address: context.remoteAddress)
            return try await self.securityPage(context: context, notice: "\(changed.username) 的角色已改为\(role.chineseName)")
        } catch let error as GranaryError where error.code == .notFound || error.code == .forbidden {
            return try await self.securityPage(context: context, error: error.detail.zh, status: error.code.status)
        }
    }

    @Sendable func resetPassword(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.require(context, roles: .security, to: "重置密码")
        let form = try await self.pages.form(request, context: context)
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            let password = try await self.accounts.resetPassword(username: username, actor: user, address: context.remoteAddress)
            return try await self.securityPage(context: context, temporary: .init(username: username, password: password))
        } catch let error as GranaryError where error.code == .notFound || error.code == .forbidden {
            return try await self.securityPage(context: context, error: error.detail.zh, status: error.code.status)
        }
    }
}
