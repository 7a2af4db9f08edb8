import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// Log-in, log-out and learner sign-up as HTML forms: the same `Accounts` calls as `/api/v1/sessions` and
/// `/api/v1/learners/register`, with the session token in an HttpOnly cookie instead of a response body.
struct SessionPages: Sendable {
    let pages: Pages
    let accounts: Accounts

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("login", use: self.loginForm)
        pages.post("login", use: self.logIn)
        pages.post("logout", use: self.logOut)
        pages.get("register", use: self.registerForm)
        pages.post("register", use: self.register)
        pages.get("account", use: self.security)
        pages.post("account/totp", use: self.startTwoFactor)
        pages.post("account/totp/confirm", use: self.confirmTwoFactor)
        pages.post("account/totp/remove", use: self.removeTwoFactor)
        pages.post("account/password", use: self.changePassword)
        pages.post("account/personal", use: self.setPersonalInfo)
        pages.post("account/close", use: self.closeAccount)
    }

    // MARK: Two-step log-in (账户安全)

    struct SecurityPage: Sendable {
        struct Enrolment: Sendable {
            let qr: String
            let secret: String
        }
        let roleName: String
        let enabled: Bool
        let required: Bool
        let mustEnrol: Bool
        let enrolment: Enrolment?
        let recoveryCodes: [String]
        /// Stored, not computed: templates see stored properties only.
        let hasRecoveryCodes: Bool
        let error: String?
        /// The password must be changed before anything else.
        let mustChangePassword: Bool
        let passwordError: String?
        /// The person's own information, whole.
        let personal: PersonalInfo
        let personalError: String?
        /// Learners close their own accounts; staff accounts are closed by their institution.
        let canClose: Bool
        let closeError: String?
    }

    private func securityPage(
        _ user: User,
        context: AppRequestContext,
        enrolment: Accounts.TwoFactorEnrolment? = nil,
        recoveryCodes: [String] = [],
        error: String? = nil,
        passwordError: String? = nil,
        personal: PersonalInfo? = nil,
        personalError: String? = nil,
        closeError: String? = nil,
        notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let required = self.accounts.twoFactorRoles.contains(user.role)
        var shown = personal
        if shown == nil { shown = try await self.accounts.personalInfo(of: user) }
        let page = SecurityPage(
            roleName: user.role.chineseName,
            enabled: user.twoFactor,
            required: required,
            mustEnrol: required && !user.twoFactor,
            enrolment: enrolment.map { SecurityPage.Enrolment(qr: $0.qr, secret: $0.secret) },
            recoveryCodes: recoveryCodes,
            hasRecoveryCodes: !recoveryCodes.isEmpty,
            error: error,
            mustChangePassword: user.passwordChangeRequired,
            passwordError: passwordError,
            personal: shown ?? PersonalInfo(),
            personalError: personalError,
            canClose: user.role == .learner,
            closeError: closeError
        )
        return try await self.pages.render(
            "security",
            title: "账户安全",
            page: page,
            context: context,
            path: "/account",
            notice: notice,
            status: status
        )
    }

    @Sendable func security(request: Request, context: AppRequestContext) async throws -> Response {
        try await self.securityPage(try self.pages.viewer(context), context: context)
    }

    @Sendable func startTwoFactor(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        return try await self.securityPage(user, context: context, enrolment: try await self.accounts.startTwoFactor(user: user))
    }

    @Sendable func confirmTwoFactor(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let form = try await self.pages.form(request, context: context)
        do {
            let codes = try await self.accounts.confirmTwoFactor(user: user, code: form["code"] ?? "")
            guard let enabled = try await self.accounts.user(named: user.username) else { throw GranaryError.notFound("账户", user.username) }
            return try await self.securityPage(enabled, context: context, recoveryCodes: codes, notice: "两步验证已启用")
        } catch let error as GranaryError where error.code == .totpInvalid {
            return try await self.securityPage(
                user,
                context: context,
                enrolment: try await self.accounts.pendingTwoFactor(user: user),
                error: error.detail.zh,
                status: .unprocessableContent
            )
        }
    }

    @Sendable func removeTwoFactor(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let form = try await self.pages.form(request, context: context)
        do {
            try await self.accounts.removeTwoFactor(user: user, code: form["code"] ?? "")
        } catch let error as GranaryError where error.code == .totpInvalid {
            return try await self.securityPage(user, context: context, error: error.detail.zh, status: .unprocessableContent)
        }
        guard let disabled = try await self.accounts.user(named: user.username) else { throw GranaryError.notFound("账户", user.username) }
        return try await self.securityPage(disabled, context: context, notice: "两步验证已关闭")
    }

    @Sendable func setPersonalInfo(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let form = try await self.pages.form(request, context: context)
        let entered = PersonalInfo(realName: form["realName"], phone: form["phone"], email: form["email"], studentNumber: form["studentNumber"])
        do {
            let saved = try await self.accounts.setPersonalInfo(of: user, to: entered)
            return try await self.securityPage(user, context: context, personal: saved, notice: "个人信息已保存")
        } catch let error as GranaryError where error.code == .validationFailed {
            let problems = error.errors.map(\.message.zh).joined(separator: "；")
            return try await self.securityPage(
                user,
                context: context,
                personal: entered,
                personalError: problems.isEmpty ? error.detail.zh : problems,
                status: .unprocessableContent
            )
        }
    }

    @Sendable func closeAccount(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let form = try await self.pages.form(request, context: context)
        do {
            try await self.accounts.closeAccount(user, password: form["password"] ?? "", address: context.remoteAddress)
        } catch let error as GranaryError where error.code == .validationFailed {
            return try await self.securityPage(user, context: context, closeError: error.detail.zh, status: .unprocessableContent)
        } catch let limited as RateLimited {
            return try await self.securityPage(user, context: context, closeError: limited.detail.zh, status: .tooManyRequests)
        }
        var response = PageRenderer.redirect(to: "/login?closed=1")
        response.setCookie(WebSession.expiredSessionCookie)
        return response
    }

    @Sendable func changePassword(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        guard let token = context.token else { throw GranaryError(.unauthorized, LocalizedText(zh: "请先登录", en: "Log in first")) }
        let form = try await self.pages.form(request, context: context)
        let new = form["newPassword"] ?? ""
        guard new == form["newPasswordAgain"] else {
            return try await self.securityPage(user, context: context, passwordError: "两次输入的新密码不一致", status: .unprocessableContent)
        }
        do {
            try await self.accounts.changePassword(
                user,
                keeping: token,
                current: form["currentPassword"] ?? "",
                new: new,
                address: context.remoteAddress
            )
        } catch let error as GranaryError where error.code == .validationFailed {
            return try await self.securityPage(user, context: context, passwordError: error.detail.zh, status: .unprocessableContent)
        } catch let limited as RateLimited {
            return try await self.securityPage(user, context: context, passwordError: limited.detail.zh, status: .tooManyRequests)
        }
        guard var changed = try await self.accounts.user(named: user.username) else { throw GranaryError.notFound("账户", user.username) }
        changed.passwordChangeRequired = false
        return try await self.securityPage(changed, context: context, notice: "密码已修改；其他设备上的登录已退出")
    }

    struct LoginPage: Sendable {
        let formToken: String
        let next: String
        let username: String
        let error: String?
        /// The password was right and the account asks for its authenticator code.
        var needsCode = false
    }

    struct RegisterPage: Sendable {
        let formToken: String
        let username: String
        let displayName: String
        let error: String?
        let fieldErrors: [String]
    }

    /// Only a path on this site may follow a log-in: `//evil.example` or a full URL would send the person away.
    static func localPath(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\") else { return "/" }
        return next
    }

    /// The double-submit value the form carries: the one already in the browser's cookie, or a new one.
    private func formToken(_ request: Request) -> (value: String, isNew: Bool) {
        if let existing = request.cookies[WebSession.formCookie]?.value, existing.count == 32 { return (existing, false) }
        return (WebSession.randomToken(), true)
    }

    /// Renders a form that carries a double-submit token, setting its cookie when the browser has none.
    private func anonymousForm(
        _ template: String,
        title: String,
        page: some Sendable,
        token: (value: String, isNew: Bool),
        request: Request,
        context: AppRequestContext,
        notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var response = try await self.pages.render(
            template,
            title: title,
            page: page,
            context: context,
            path: request.uri.path,
            notice: notice,
            status: status
        )
        if token.isNew { response.setCookie(WebSession.formCookie(token.value)) }
        return response
    }

    /// Whether a log-in or sign-up post carries the value of its double-submit cookie.
    private func formTokenMatches(_ request: Request, _ form: FormFields) -> Bool {
        guard let cookie = request.cookies[WebSession.formCookie]?.value else { return false }
        return WebSession.equal(form[WebSession.formField] ?? "", cookie)
    }

    private static let staleForm = GranaryError(
        .csrfFailed,
        LocalizedText(zh: "表单已过期或来源不明，请刷新页面后重新提交", en: "The form is stale or came from elsewhere; reload and resubmit")
    )

    @Sendable func loginForm(request: Request, context: AppRequestContext) async throws -> Response {
        let next = Self.localPath(request.uri.value("next"))
        if context.user != nil { return PageRenderer.redirect(to: next) }
        let token = self.formToken(request)
        let page = LoginPage(formToken: token.value, next: next, username: "", error: nil)
        let notice = request.uri.value("registered") == "1" ? "注册成功，请用新账户登录" : nil
        return try await self.anonymousForm("login", title: "登录", page: page, token: token, request: request, context: context, notice: notice)
    }

    @Sendable func logIn(request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await self.pages.form(request, context: context)
        guard self.formTokenMatches(request, form) else { throw Self.staleForm }
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        let next = Self.localPath(form["next"])
        let token = self.formToken(request)
        func again(_ message: String, status: HTTPResponse.Status, needsCode: Bool = false) async throws -> Response {
            let page = LoginPage(formToken: token.value, next: next, username: username, error: message, needsCode: needsCode)
            return try await self.anonymousForm("login", title: "登录", page: page, token: token, request: request, context: context, status: status)
        }
        let opened: (token: String, user: User, expiresAt: Date)?
        do {
            opened = try await self.accounts.logIn(
                username: username,
                password: form["password"] ?? "",
                totp: form["totp"],
                address: context.remoteAddress
            )
        } catch let limited as RateLimited {
            var response = try await again(limited.detail.zh, status: .tooManyRequests)
            response.headers[.retryAfter] = String(limited.retryAfter)
            return response
        } catch let error as GranaryError where error.code == .totpRequired || error.code == .totpInvalid {
            return try await again(error.detail.zh, status: .unauthorized, needsCode: true)
        }
        guard let session = opened else {
            return try await again("用户名或密码错误", status: .unauthorized)
        }
        var response = PageRenderer.redirect(to: next)
        let maxAge = max(1, Int(session.expiresAt.timeIntervalSinceNow.rounded(.down)))
        response.setCookie(WebSession.sessionCookie(token: session.token, maxAge: maxAge))
        return response
    }

    @Sendable func logOut(request: Request, context: AppRequestContext) async throws -> Response {
        // A stale cookie is anonymous already; either way the browser forgets it.
        if let user = context.user, let token = context.token, context.authenticatedByCookie {
            try await self.accounts.revoke(token: token, actor: user.username)
        }
        var response = PageRenderer.redirect(to: "/login")
        response.setCookie(WebSession.expiredSessionCookie)
        return response
    }

    @Sendable func registerForm(request: Request, context: AppRequestContext) async throws -> Response {
        if context.user != nil { return PageRenderer.redirect(to: "/") }
        let token = self.formToken(request)
        let page = RegisterPage(formToken: token.value, username: "", displayName: "", error: nil, fieldErrors: [])
        return try await self.anonymousForm("register", title: "注册学习者账户", page: page, token: token, request: request, context: context)
    }

    @Sendable func register(request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await self.pages.form(request, context: context)
        guard self.formTokenMatches(request, form) else { throw Self.staleForm }
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        let displayName = form["displayName"] ?? ""
        let token = self.formToken(request)
        guard password == form["passwordAgain"] else {
            let page = RegisterPage(formToken: token.value, username: username, displayName: displayName, error: "两次输入的密码不一致", fieldErrors: [])
            return try await self.anonymousForm(
                "register",
                title: "注册学习者账户",
                page: page,
                token: token,
                request: request,
                context: context,
                status: .unprocessableContent
            )
        }
        do {
            _ = try await self.accounts.createUser(
                username: username,
                password: password,
                displayName: displayName,
                role: .learner,
                institution: nil,
                actor: nil
            )
        } catch let error as GranaryError {
            let page = RegisterPage(
                formToken: token.value,
                username: username,
                displayName: displayName,
                error: error.detail.zh,
                fieldErrors: error.errors.map(\.message.zh)
            )
            return try await self.anonymousForm(
                "register",
                title: "注册学习者账户",
                page: page,
                token: token,
                request: request,
                context: context,
                status: error.code.status
            )
        }
        return PageRenderer.redirect(to: "/login?registered=1")
    }
}
