import Foundation
import GranaryModel
import GranaryReview
import GranaryStore
import HTTPTypes
import Hummingbird

/// What every page family shares: the renderer and the layout, who is asking, forms, errors as pages.
///
/// A family (`SearchPages`, `ReviewPages`, ...) holds only the services it reads, the same ones the API controllers
/// call, and renders with `self.pages.render(_:title:page:context:path:)`; it asks for the signed-in person with
/// `self.pages.viewer(context)` and for a role with `self.pages.require(_:roles:to:)`. An anonymous person is sent
/// to the log-in form and a wrong role gets a 403 page, both by `PageErrors`.
struct Pages: Sendable {
    let renderer: PageRenderer
    let assets: StaticAssets
    /// For the names of people on pages.
    let accounts: Accounts
    /// Course and major names, and the library's name in the layout.
    let names: CatalogueNames

    // MARK: - People

    /// How a page names an account: its display name, then the username people log in with.
    func personName(_ username: String) async throws -> String {
        guard let user = try await self.accounts.user(named: username), user.displayName != username else { return username }
        return "\(user.displayName)（\(username)）"
    }

    // MARK: - Rendering

    /// Renders `template` inside the layout, for the person of `context`.
    func render(
        _ template: String,
        title: String,
        page: some Sendable,
        context: AppRequestContext,
        path: String,
        notice: String? = nil,
        status: HTTPResponse.Status = .ok,
        headers: HTTPFields = [:]
    ) async throws -> Response {
        let site = try await self.site(title: title, user: context.user, token: context.token, path: path, notice: notice)
        return self.renderer.render(template, site: site, page: page, status: status, headers: headers)
    }

    /// The layout's data for `user` on the page at `path`.
    func site(title: String, user: User?, token: String?, path: String, notice: String? = nil) async throws -> SiteModel {
        let names = try await self.names.current()
        return SiteModel(
            libraryName: names.libraryName,
            title: title,
            user: user.map { SiteModel.Person(displayName: $0.displayName, roleName: $0.role.chineseName) },
            nav: Self.navigation(for: user?.role, path: path),
            csrf: token.map(WebSession.csrfToken(forSession:)),
            notice: notice,
            assetVersion: self.assets.version
        )
    }

    /// The links each role sees: what the role may do, nothing it may not.
    static func navigation(for role: Role?, path: String) -> [SiteModel.Link] {
        var links: [(String, String)] = [("/", "首页")]
        // The single-duty administrators see their duty only (三权分立).
        if role == .auditor { links = [("/audit", "审计记录")] }
        if role == .security { links = [("/security", "账户管理")] }
        if let role, !Role.duties.contains(role) || role == .admin {
            links += [("/search", "检索"), ("/offerings", "课程"), ("/me", "我的学习")]
            if role == .teacher || role == .admin {
                links += [("/upload", "上传资源"), ("/questions/import", "导入试题"), ("/offerings/new", "组课"), ("/papers/new", "组卷")]
            }
            if role == .reviewer || role == .admin { links.append(("/review", "审核队列")) }
            if role == .admin { links.append(("/report", "监测报告")) }
            if role != .learner { links.append(("/analytics", "数据分析")) }
        }
        // The longest link that the path starts with is the current one (组课 at /offerings/new, not 课程).
        let current = links.map(\.0).filter { href in href == "/" ? path == "/" : path == href || path.hasPrefix(href + "/") }
            .max { $0.count < $1.count }
        return links.map { href, label in SiteModel.Link(href: href, label: label, current: href == current) }
    }

    // MARK: - Who is asking

    /// The signed-in person; an anonymous request is sent to the log-in form (by `PageErrors`).
    func viewer(_ context: AppRequestContext) throws -> User {
        guard let user = context.user else {
            throw GranaryError(.unauthorized, LocalizedText(zh: "请先登录", en: "Log in first"))
        }
        return user
    }

    /// The signed-in person if their role is one of `roles`; a 403 page otherwise.
    func require(_ context: AppRequestContext, roles: Role..., to action: String) throws -> User {
        let user = try self.viewer(context)
        guard roles.contains(user.role) else {
            throw GranaryError.forbidden(LocalizedText(zh: "当前角色（\(user.role.chineseName)）无权\(action)", en: "Your role may not \(action)"))
        }
        return user
    }

    /// The form fields of a POST to a page (the CSRF token was checked by `BearerAuthenticator` when a session exists).
    func form(_ request: Request, context: AppRequestContext) async throws -> FormFields {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        return FormFields(String(buffer: body))
    }
}

/// Turns errors of page handlers into pages: no session → the log-in form (and back afterwards), anything else → a
/// Chinese error page with the problem's status.
struct PageErrors: RouterMiddleware {
    let pages: Pages

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as GranaryError where error.code == .unauthorized {
            return PageRenderer.redirect(to: "/login?next=" + Pages.queryEscaped(request.uri.description))
        } catch let error as GranaryError {
            return try await self.pages.errorPage(error, context: context)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            return try await self.pages.errorPage(GranaryError(.notFound, GranaryError.Code.notFound.title), context: context)
        } catch let error as any HTTPResponseError where error.status == .badRequest {
            return try await self.pages.errorPage(
                GranaryError(.invalidQuery, LocalizedText(zh: "链接中的参数格式不对", en: "Malformed link")),
                context: context
            )
        }
    }
}

extension Pages {
    /// A Chinese error page for `error`, with its status.
    func errorPage(_ error: GranaryError, context: AppRequestContext) async throws -> Response {
        struct ErrorPage: Sendable {
            let heading: String
            let detail: String
            let fields: [String]
        }
        let page = ErrorPage(
            heading: error.code.title.zh,
            detail: error.detail.zh,
            fields: error.errors.map { "\($0.field)：\($0.message.zh)" }
        )
        return try await self.render("error", title: error.code.title.zh, page: page, context: context, path: "", status: error.code.status)
    }

    /// Percent-escapes a query value.
    static func queryEscaped(_ value: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A path and query built from the non-empty `items`.
    static func link(_ path: String, _ items: [(String, String?)]) -> String {
        let query = items.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : "\(name)=\(Self.queryEscaped($0))" } }
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }

    /// `2026-03-05 14:20` in China's time (the guideline's dates are Beijing time).
    static func format(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    /// `2026-03-05` in China's time (`ChinaDate`: arithmetic, not `Calendar`).
    static func day(_ date: Date) -> String {
        let (year, month, day) = ChinaDate.civil(ChinaDate.dayNumber(of: date))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = ReportService.timeZone
        return calendar
    }()
}

extension Pages {
    /// A refusal from `BearerAuthenticator` (a stale or forged form) as a page rather than problem+json.
    @Sendable func refusalPage(_ error: GranaryError) -> Response {
        struct Refusal: Sendable {
            let heading: String
            let detail: String
            let fields: [String]
        }
        let site = SiteModel(
            libraryName: "专业教学资源库",
            title: error.code.title.zh,
            user: nil,
            nav: Self.navigation(for: nil, path: ""),
            csrf: nil,
            notice: nil,
            assetVersion: self.assets.version
        )
        let page = Refusal(heading: error.code.title.zh, detail: error.detail.zh, fields: [])
        return self.renderer.render("error", site: site, page: page, status: error.code.status)
    }
}
