import Crypto
import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct WebPagesTests {
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// The CSRF token the service must derive from a session token.
    static func csrf(_ session: WebSessionCookies) -> String {
        SHA256.hash(data: Data(("granary-csrf:" + session.session).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - Session cookie

    @Test func loggingInSetsAnHttpOnlySameSiteCookieThatAuthenticatesPagesAndTheAPI() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner)])
        try await lib.test { client in
            let form = try await client.page("/login")
            let formCookie = try #require(form.setCookies.first { $0.hasPrefix("granary_csrf=") })
            #expect(formCookie.contains("SameSite=Strict"))
            let token = try #require(form.cookie("granary_csrf"))
            let response = try await client.postForm(
                "/login",
                fields: [("_csrf", token), ("username", "xue"), ("password", "Passw0rd-123"), ("next", "/search")],
                cookie: "granary_csrf=\(token)"
            )
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/search")
            let cookie = try #require(response.setCookies.first { $0.hasPrefix("granary_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/"))
            // The token's lifetime from now, give or take the time the log-in took (seconds on a loaded machine).
            let maxAge = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("Max-Age=") }.flatMap { Int($0.dropFirst("Max-Age=".count)) }
            #expect(maxAge.map { (3540...3600).contains($0) } == true)
            let session = WebSessionCookies(session: try #require(response.cookie("granary_session")))

            let page = try await client.page("/search", cookies: session)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("xue"))
            #expect(page.csrfToken == Self.csrf(session))
            let me = try await client.executeRequest(uri: "/api/v1/me", method: .get, headers: [.cookie: session.cookieHeader], body: nil)
            #expect(me.status == .ok)
            #expect(try me.decode(User.self).username == "xue")
        }
    }

    @Test func aWrongPasswordOrAMissingFormCookieDoesNotLogIn() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner)])
        try await lib.test { client in
            let form = try await client.page("/login")
            let token = try #require(form.cookie("granary_csrf"))
            let wrong = try await client.postForm(
                "/login",
                fields: [("_csrf", token), ("username", "xue"), ("password", "wrong-password")],
                cookie: "granary_csrf=\(token)"
            )
            #expect(wrong.status == .unauthorized)
            #expect(wrong.cookie("granary_session") == nil)
            #expect(wrong.body.string.contains("用户名或密码错误"))
            // Without the double-submit cookie a post from another site cannot log the browser in.
            let forged = try await client.postForm(
                "/login",
                fields: [("_csrf", token), ("username", "xue"), ("password", "Passw0rd-123")],
                cookie: nil
            )
            #expect(forged.status == .forbidden)
            #expect(forged.cookie("granary_session") == nil)
        }
    }

    @Test func aStaleCookieLeavesPagesAnonymousButABadBearerTokenIsStill401() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner)])
        try await lib.test { client in
            let stale = WebSessionCookies(session: "no-such-session-token")
            let home = try await client.page("/", cookies: stale)
            #expect(home.status == .ok)
            #expect(home.body.string.contains(#"href="/login""#))
            let search = try await client.page("/search?q=焊接", cookies: stale)
            #expect(search.status == .seeOther)
            let bearer = try await client.call(.get, "/api/v1/me", token: "no-such-session-token")
            #expect(bearer.status == .unauthorized)
        }
    }

    // MARK: - CSRF

    @Test func aCookiePostToTheAPINeedsTheCSRFHeader() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: teacher).decode(Resource.self)
            let session = try await client.webLogIn("zhang")
            let uri = "/api/v1/resources/\(resource.id)/submit"
            let bare = try await client.executeRequest(uri: uri, method: .post, headers: [.cookie: session.cookieHeader], body: nil)
            #expect(bare.status == .forbidden)
            #expect(try bare.problem().code == "csrf_failed")
            let wrong = try await client.executeRequest(
                uri: uri,
                method: .post,
                headers: [.cookie: session.cookieHeader, Self.csrfHeader: String(repeating: "0", count: 64)],
                body: nil
            )
            #expect(try wrong.problem().code == "csrf_failed")
            #expect(try await lib.library.resources.resource(id: resource.id, viewer: lib.library.accounts.user(named: "zhang")!).status == .draft)
            let good = try await client.executeRequest(
                uri: uri,
                method: .post,
                headers: [.cookie: session.cookieHeader, Self.csrfHeader: Self.csrf(session)],
                body: nil
            )
            #expect(good.status == .ok)
            #expect(try good.decode(Resource.self).status == .pending)
            // A bearer token needs no CSRF token: no browser sends it by itself.
            let other = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: teacher).decode(Resource.self)
            #expect(try await client.call(.post, "/api/v1/resources/\(other.id)/submit", token: teacher).status == .ok)
        }
    }

    @Test func aFormPostWithoutOrWithAWrongCSRFFieldIsRefusedAndLogOutRevokes() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner)])
        try await lib.test { client in
            let session = try await client.webLogIn("xue")
            let missing = try await client.postForm("/logout", fields: [], cookie: session.cookieHeader)
            #expect(missing.status == .forbidden)
            #expect(missing.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(missing.body.string.contains("CSRF"))
            let wrong = try await client.postForm("/logout", fields: [("_csrf", "deadbeef")], cookie: session.cookieHeader)
            #expect(wrong.status == .forbidden)
            // Still logged in after both refusals.
            #expect(try await client.call(.get, "/api/v1/me", token: session.session).status == .ok)

            let done = try await client.postForm("/logout", fields: [("_csrf", Self.csrf(session))], cookie: session.cookieHeader)
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/login")
            let cleared = try #require(done.setCookies.first { $0.hasPrefix("granary_session=") })
            #expect(cleared.contains("Max-Age=0"))
            #expect(try await client.call(.get, "/api/v1/me", token: session.session).status == .unauthorized)
            #expect(try await client.page("/search", cookies: session).status == .seeOther)
        }
    }

    // MARK: - Access

    @Test func anonymousPeopleAreSentToTheLogInFormAndBackAfterwards() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner)])
        try await lib.test { client in
            let response = try await client.page("/search?q=%E7%84%8A&kind=video")
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/login?next="))
            #expect(location.removingPercentEncoding == "/login?next=/search?q=%E7%84%8A&kind=video")
            let form = try await client.page(location)
            #expect(form.body.string.contains(#"name="next" value="/search?q=%E7%84%8A&amp;kind=video""#))
            // A log-in never sends the browser to another site.
            let outside = try await client.page("/login?next=//evil.example/")
            #expect(outside.body.string.contains(#"name="next" value="/""#))
        }
    }

    @Test func aLearnerGetsAChinese403PageOnTheReviewQueue() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner), ("wang", .reviewer)])
        try await lib.test { client in
            let learner = try await client.webLogIn("xue")
            let refused = try await client.page("/review", cookies: learner)
            #expect(refused.status == .forbidden)
            #expect(refused.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(refused.body.string.contains("没有权限"))
            #expect(!refused.body.string.contains(#"href="/review""#))
            let reviewer = try await client.webLogIn("wang")
            let queue = try await client.page("/review", cookies: reviewer)
            #expect(queue.status == .ok)
            #expect(queue.body.string.contains("审核队列"))
            let missing = try await client.page("/resources/\(UUID().uuidString)", cookies: learner)
            #expect(missing.status == .notFound)
            #expect(missing.body.string.contains("未找到"))
        }
    }

    @Test func theImportPageOffersBothTemplatesToTeachersOnly() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xue", .learner)])
        try await lib.test { client in
            let teacher = try await client.webLogIn("zhang")
            let page = try await client.page("/questions/import", cookies: teacher)
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains(#"href="/api/v1/questions/import/template?format=docx""#))
            #expect(html.contains(#"href="/api/v1/questions/import/template?format=xlsx""#))
            #expect(html.contains("data-import-form") && html.contains("焊接方法与设备"))
            #expect(html.contains(#"<a href="/questions/import" aria-current="page">导入试题</a>"#) || html.contains("导入试题</a>"))
            let download = try await client.page("/api/v1/questions/import/template?format=xlsx", cookies: teacher)
            #expect(download.status == .ok)
            let learner = try await client.webLogIn("xue")
            #expect(try await client.page("/questions/import", cookies: learner).status == .forbidden)
            #expect(!(try await client.page("/", cookies: learner).body.string.contains("导入试题")))
        }
    }

    @Test func everyPageCarriesTheContentSecurityPolicyAndNosniff() async throws {
        let lib = try await TestLibrary.seeded([("admin", .admin), ("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: teacher).decode(Resource.self)
            let admin = try await client.webLogIn("admin")
            let pages = [
                "/", "/login", "/register", "/courses", "/search", "/search?q=电弧", "/resources/\(resource.id)", "/upload", "/review",
                "/review/resource/\(resource.id)", "/report", "/papers/new", "/resources/\(UUID().uuidString)", "/questions/import",
            ]
            for uri in pages {
                let response = try await client.page(uri, cookies: uri == "/login" || uri == "/register" ? nil : admin)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(uri)")
                let policy = try #require(response.headers[.contentSecurityPolicy], "\(uri)")
                #expect(policy.contains("default-src 'self'"), "\(uri)")
                #expect(policy.contains("object-src 'none'") && policy.contains("frame-ancestors 'none'"), "\(uri)")
                #expect(!policy.contains("unsafe-inline"), "\(uri)")
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                #expect(!response.body.string.contains("<script>"), "\(uri): no inline script")
                #expect(!response.body.string.contains("style=\""), "\(uri): no inline style")
            }
            let signedIn = try await client.page("/search", cookies: admin)
            #expect(signedIn.headers[.cacheControl] == "no-store")
            let css = try await client.page("/static/app.css")
            #expect(css.status == .ok)
            #expect(css.headers[.cacheControl]?.contains("max-age=31536000") == true)
            #expect(css.headers[.xContentTypeOptions] == "nosniff")
            #expect(try await client.page("/static/../Package.swift").status == .notFound)
        }
    }

    // MARK: - Search, review, resources

    @Test func theSearchPageShowsAJustApprovedResourceWithFacetsAndEscapesItsTitle() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("xue", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let metadata = #"{"title":"焊接电弧<script>alert(1)</script>讲解","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true}"#
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: metadata, token: teacher).decode(Resource.self)
            let learner = try await client.webLogIn("xue")
            let before = try await client.page("/search?q=电弧", cookies: learner)
            #expect(!before.body.string.contains("/resources/\(resource.id)"))

            #expect(try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher).status == .ok)
            let reviewer = try await client.logIn("wang")
            let decision = try await client.call(
                .post,
                "/api/v1/reviews/resource/\(resource.id)/decision",
                token: reviewer,
                json: #"{"decision":"approve","checks":{"political":true,"scientific":true,"applicability":true,"normativity":true}}"#
            )
            #expect(decision.status == .created)

            let page = try await client.page("/search?q=%E7%94%B5%E5%BC%A7", cookies: learner)
            let html = page.body.string
            #expect(page.status == .ok)
            #expect(html.contains(#"href="/resources/\#(resource.id)""#))
            #expect(html.contains("焊接电弧&lt;script&gt;alert(1)&lt;/script&gt;讲解"))
            #expect(!html.contains("<script>alert(1)"))
            #expect(html.contains("共 <strong>1</strong> 条结果"))
            // Facets by name with counts, each a link narrowing the search.
            #expect(html.contains("文档"))
            #expect(html.contains("焊接方法与设备"))
            #expect(html.contains("kind=document"))
            #expect(html.contains("<mark>"))
            // Pinyin is advertised and works.
            #expect(html.contains("hanjie"))
            let pinyin = try await client.page("/search?q=dianhu", cookies: learner)
            #expect(pinyin.body.string.contains("/resources/\(resource.id)"))
            let narrowed = try await client.page("/search?q=%E7%94%B5%E5%BC%A7&kind=video", cookies: learner)
            #expect(!narrowed.body.string.contains("/resources/\(resource.id)"))
            #expect(narrowed.body.string.contains("类型：视频"))
        }
    }

    @Test func aReviewDecisionThroughThePagePublishesTheResource() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("xue", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: teacher).decode(Resource.self)
            #expect(try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher).status == .ok)
            let reviewer = try await client.webLogIn("wang")
            let item = try await client.page("/review/resource/\(resource.id)", cookies: reviewer)
            #expect(item.status == .ok)
            for check in ["政治性", "科学性", "适用性", "规范性"] { #expect(item.body.string.contains(check)) }
            #expect(item.body.string.contains("<iframe"))
            let csrf = Self.csrf(reviewer)
            let checks = [("political", "on"), ("scientific", "on"), ("applicability", "on")]

            // Approval without all four checks is explained, not applied.
            let partial = try await client.postForm(
                "/review/resource/\(resource.id)",
                fields: [("_csrf", csrf), ("decision", "approve"), ("version", "1")] + checks,
                cookie: reviewer.cookieHeader
            )
            #expect(partial.status == .unprocessableContent)
            #expect(partial.body.string.contains(#"class="alert""#))
            #expect(partial.body.string.contains("checked"))
            let learner = try await client.logIn("xue")
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner).status == .notFound)

            let approved = try await client.postForm(
                "/review/resource/\(resource.id)",
                fields: [("_csrf", csrf), ("decision", "approve"), ("version", "1"), ("normativity", "on")] + checks,
                cookie: reviewer.cookieHeader
            )
            #expect(approved.status == .seeOther)
            #expect(approved.headers[.location] == "/review?done=approve")
            let queue = try await client.page("/review?done=approve", cookies: reviewer)
            #expect(queue.body.string.contains("已通过"))
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner).decode(Resource.self).status == .approved)
            let search = try await client.call(.get, "/api/v1/search?q=%E7%94%B5%E5%BC%A7", token: learner)
            #expect(search.body.string.contains(resource.id))
        }
    }

    @Test func aReviewerCannotDecideTheirOwnContentThroughThePage() async throws {
        let lib = try await TestLibrary.seeded([("admin", .admin)])
        try await lib.test { client in
            let admin = try await client.logIn("admin")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: admin).decode(Resource.self)
            #expect(try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: admin).status == .ok)
            let session = try await client.webLogIn("admin")
            let fields = [
                ("_csrf", Self.csrf(session)), ("decision", "approve"), ("political", "on"), ("scientific", "on"), ("applicability", "on"),
                ("normativity", "on"),
            ]
            let response = try await client.postForm("/review/resource/\(resource.id)", fields: fields, cookie: session.cookieHeader)
            #expect(response.status == .forbidden)
            #expect(response.body.string.contains("自己"))
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: admin).decode(Resource.self).status == .pending)
        }
    }

    @Test func aResourcePageNeverInlinesMarkupButShowsMediaInPlace() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let session = try await client.webLogIn("zhang")
            let svg = Array(#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>"#.utf8)
            let html = Array("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>".utf8)
            for bytes in [svg, html] {
                let resource = try await client.upload(bytes, metadata: validMetadata, token: teacher).decode(Resource.self)
                #expect(resource.mime == "image/svg+xml" || resource.mime == "text/html")
                let page = try await client.page("/resources/\(resource.id)", cookies: session).body.string
                let content = "/api/v1/resources/\(resource.id)/content"
                #expect(page.contains(content + "?version=1&amp;download=1"))
                for tag in ["<img src=\"\(content)", "<iframe src=\"\(content)", "<object", "<embed"] { #expect(!page.contains(tag), "\(tag)") }
                #expect(!page.contains("onload="))
                #expect(!page.contains("<script>alert"))
                #expect(page.contains("不在页面中直接打开"))
            }
            let video = try await client.upload(try fixture("weld-demo.mp4"), metadata: validMetadata, token: teacher).decode(Resource.self)
            let videoPage = try await client.page("/resources/\(video.id)", cookies: session).body.string
            #expect(videoPage.contains(#"<video controls preload="metadata" src="/api/v1/resources/\#(video.id)/content?version=1""#))
            let text = try await client.upload(try fixture("arc-notes.txt"), metadata: validMetadata, token: teacher).decode(Resource.self)
            let textPage = try await client.page("/resources/\(text.id)", cookies: session).body.string
            #expect(textPage.contains(#"<pre class="text">"#))
            // The media the page points at is readable with the cookie alone.
            let bytes = try await client.executeRequest(
                uri: "/api/v1/resources/\(video.id)/content",
                method: .get,
                headers: [.cookie: session.cookieHeader],
                body: nil
            )
            #expect(bytes.status == .ok)
            #expect(bytes.headers[.contentType] == "video/mp4")
        }
    }

    @Test func theHomePageShowsTheCoreMajorItsPlanAndThePublicMap() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        _ = try await lib.library.catalogue.savePlan(
            MajorPlan(
                major: "460110",
                goals: "培养掌握焊接技术的高素质技术技能人才",
                jobs: [],
                courses: [.init(course: "weld", hours: 96, semester: 2, credits: 6)],
                practice: [.init(name: "焊接技能综合实训", semester: 4, weeks: 4, hours: 112)],
                graduation: ["取得焊工职业技能等级证书"]
            ),
            actor: "test"
        )
        try await lib.test { client in
            let home = try await client.page("/")
            let html = home.body.string
            #expect(home.status == .ok)
            #expect(html.contains("智能焊接技术专业教学资源库"))
            #expect(html.contains("460110"))
            #expect(html.contains("高职专科"))
            #expect(html.contains("培养掌握焊接技术的高素质技术技能人才"))
            #expect(html.contains("<td>焊接方法与设备</td>"))
            #expect(html.contains("焊接技能综合实训"))
            #expect(html.contains("取得焊工职业技能等级证书"))
            #expect(html.contains(#"<img src="/api/v1/graph/majors/460110?format=svg""#))
            let map = try await client.page("/api/v1/graph/majors/460110?format=svg")
            #expect(map.status == .ok)
            #expect(map.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
        }
    }

    @Test func registeringThroughTheFormCreatesALearner() async throws {
        let lib = try await TestLibrary.seeded([])
        try await lib.test { client in
            let form = try await client.page("/register")
            let token = try #require(form.cookie("granary_csrf"))
            let fields = [
                ("_csrf", token), ("username", "new.learner"), ("displayName", "新同学"), ("password", "Long-enough-1"),
                ("passwordAgain", "Long-enough-1"),
            ]
            let response = try await client.postForm("/register", fields: fields, cookie: "granary_csrf=\(token)")
            #expect(response.status == .seeOther)
            let user = try #require(try await lib.library.accounts.user(named: "new.learner"))
            #expect(user.role == .learner)
            #expect(user.displayName == "新同学")
            let short = try await client.postForm(
                "/register",
                fields: [("_csrf", token), ("username", "x"), ("password", "short"), ("passwordAgain", "short")],
                cookie: "granary_csrf=\(token)"
            )
            #expect(short.status == .unprocessableContent)
            #expect(short.body.string.contains("密码须为 10 个字符以上"))
            #expect(short.body.string.contains("至少三类"))
        }
    }
}
