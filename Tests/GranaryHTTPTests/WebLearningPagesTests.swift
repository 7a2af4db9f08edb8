import Foundation
import GranaryAssessment
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import Testing

/// The learning pages (课程, 组课, 作答, 我的学习, 数据分析) over real SQLite and the real router.
@Suite struct WebLearningPagesTests {
    /// A published offering with two resources in unit `u1` and a draft offering, both by zhang.
    struct Fixture {
        let published: Offering
        let draft: Offering
        let first: String
        let second: String
    }

    static func fixture(_ client: any TestClientProtocol, _ lib: TestLibrary, teacher: String) async throws -> Fixture {
        let first = try await LearningTests.publishedResource(client, lib, token: teacher, title: "电弧的构成")
        let second = try await LearningTests.publishedResource(client, lib, token: teacher, title: "超声检测原理", course: "check", point: "ut")
        let body = #"""
            {"course":"weld","title":"焊接入门网页课","description":"从电弧讲起","units":[{"id":"u1","title":"焊接电弧","items":[{"resource":"\#(first)"},{"resource":"\#(second)"}]}]}
            """#
        let created = try await client.call(.post, "/api/v1/offerings", token: teacher, json: body)
        #expect(created.status == .created)
        let offering = try created.decode(Offering.self)
        #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: teacher).status == .ok)
        let draft = try await client.call(
            .post,
            "/api/v1/offerings",
            token: teacher,
            json: #"{"course":"weld","title":"尚未发布的草稿课","units":[{"title":"一","items":[{"resource":"\#(first)"}]}]}"#
        ).decode(Offering.self)
        return Fixture(published: offering, draft: draft, first: first, second: second)
    }

    static func occurrences(of needle: String, in page: TestResponse) -> Int {
        page.body.string.components(separatedBy: needle).count - 1
    }

    static func expectPage(_ page: TestResponse, _ status: HTTPResponse.Status = .ok) {
        #expect(page.status == status)
        #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
        #expect(page.headers[.contentType] == "text/html; charset=utf-8")
    }

    @Test func anonymousVisitorsAreSentToLogInFromEveryLearningPage() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let id = UUID().uuidString.lowercased()
            for path in [
                "/offerings", "/offerings/new", "/offerings/\(id)", "/offerings/\(id)/edit", "/offerings/\(id)/units/u1", "/me", "/analytics",
                "/attempts/\(id)",
            ] {
                let page = try await client.page(path)
                #expect(page.status == .seeOther, "\(path)")
                #expect(page.headers[.location] == "/login?next=" + WebInterfaceEscape.query(path), "\(path)")
            }
        }
    }

    @Test func aLearnerSeesPublishedOfferingsButADraftIsANotFoundPage() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner)])
        try await lib.test { client in
            let fixture = try await Self.fixture(client, lib, teacher: try await client.logIn("zhang"))
            let learner = try await client.webLogIn("xs")

            let list = try await client.page("/offerings", cookies: learner)
            Self.expectPage(list)
            #expect(list.body.string.contains("焊接入门网页课"))
            #expect(!list.body.string.contains("尚未发布的草稿课"))
            #expect(!list.body.string.contains("我组建的课程"))
            #expect(!list.body.string.contains("data-new-offering"))
            let searched = try await client.page("/offerings?q=" + WebInterfaceEscape.query("没有这门"), cookies: learner)
            #expect(!searched.body.string.contains("焊接入门网页课"))

            let draft = try await client.page("/offerings/\(fixture.draft.id)", cookies: learner)
            Self.expectPage(draft, .notFound)
            #expect(!draft.body.string.contains("尚未发布的草稿课"))

            let page = try await client.page("/offerings/\(fixture.published.id)", cookies: learner)
            Self.expectPage(page)
            let html = page.body.string
            #expect(html.contains("data-enrol=\"\(fixture.published.id)\""))
            #expect(html.contains("/resources/\(fixture.first)?offering=\(fixture.published.id)"))
            #expect(html.contains("来自 焊接质量检验"))
            #expect(html.contains("/offerings/\(fixture.published.id)/units/u1"))
            #expect(!html.contains("data-offering-action"))
            #expect(!html.contains("data-done"))

            // Learners' navigation holds 课程 and 我的学习, not the teachers' tools.
            #expect(html.contains("href=\"/me\""))
            #expect(!html.contains("href=\"/offerings/new\""))
            #expect(!html.contains("href=\"/analytics\""))

            // The teacher sees their draft in 我组建的课程 with its state.
            let teacher = try await client.webLogIn("zhang")
            let mine = try await client.page("/offerings", cookies: teacher)
            #expect(mine.body.string.contains("尚未发布的草稿课"))
            #expect(mine.body.string.contains("草稿"))
            #expect(mine.body.string.contains("data-new-offering"))
        }
    }

    @Test func theAuthorSeesTheWorkingCopyWithANoticeOfUnpublishedChanges() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let fixture = try await Self.fixture(client, lib, teacher: token)
            let patch = #"{"title":"焊接入门网页课（修订中）"}"#
            #expect(try await client.call(.patch, "/api/v1/offerings/\(fixture.published.id)", token: token, json: patch).status == .ok)
            let teacher = try await client.webLogIn("zhang")
            let own = try await client.page("/offerings/\(fixture.published.id)", cookies: teacher)
            Self.expectPage(own)
            #expect(own.body.string.contains("焊接入门网页课（修订中）"))
            #expect(own.body.string.contains("data-unpublished-notice"))
            #expect(own.body.string.contains("data-offering-action=\"publish\""))
            #expect(own.body.string.contains("data-offering-action=\"withdraw\""))
            #expect(own.body.string.contains("/offerings/\(fixture.published.id)/edit"))
            let learner = try await client.webLogIn("xs")
            let theirs = try await client.page("/offerings/\(fixture.published.id)", cookies: learner)
            #expect(!theirs.body.string.contains("修订中"))
            #expect(!theirs.body.string.contains("data-unpublished-notice"))
        }
    }

    @Test func anEnrolledLearnerSeesTicksOnCompletedItemsAndTheWayOn() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner)])
        try await lib.test { client in
            let fixture = try await Self.fixture(client, lib, teacher: try await client.logIn("zhang"))
            let id = fixture.published.id
            let token = try await client.logIn("xs")
            #expect(try await client.call(.post, "/api/v1/offerings/\(id)/enrollments", token: token).status == .created)
            let progress = #"{"offering":"\#(id)","resource":"\#(fixture.first)"}"#
            #expect(try await client.call(.post, "/api/v1/progress", token: token, json: progress).status == .ok)
            let learner = try await client.webLogIn("xs")

            let page = try await client.page("/offerings/\(id)", cookies: learner)
            Self.expectPage(page)
            #expect(Self.occurrences(of: "data-done", in: page) == 1)
            #expect(page.body.string.contains("<progress class=\"progress-bar\" max=\"2\" value=\"1\""))
            #expect(page.body.string.contains("继续学习：超声检测原理"))
            #expect(!page.body.string.contains("data-enrol="))

            // The resource not yet done offers 完成本项 and leads back to the offering after the last item.
            let second = try await client.page("/resources/\(fixture.second)?offering=\(id)", cookies: learner)
            Self.expectPage(second)
            #expect(second.body.string.contains("data-complete-item"))
            #expect(second.body.string.contains("data-resource=\"\(fixture.second)\""))
            #expect(second.body.string.contains("data-next=\"/offerings/\(id)\""))
            let first = try await client.page("/resources/\(fixture.first)?offering=\(id)", cookies: learner)
            #expect(!first.body.string.contains("data-complete-item"))
            #expect(first.body.string.contains("本项已完成"))
            #expect(first.body.string.contains("/resources/\(fixture.second)?offering=\(id)"))
            // Without the offering (or not enrolled) there is no progress button.
            let plain = try await client.page("/resources/\(fixture.second)", cookies: learner)
            #expect(!plain.body.string.contains("data-complete-item"))

            let me = try await client.page("/me", cookies: learner)
            Self.expectPage(me)
            #expect(me.body.string.contains("焊接入门网页课"))
            #expect(me.body.string.contains("href=\"/resources/\(fixture.second)?offering=\(id)\" data-continue"))
            #expect(me.body.string.contains("为你推荐"))
        }
    }

    @Test func theUnitPageShowsThreadsAndOnlyTheTeacherMayHide() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner), ("other", .learner)])
        try await lib.test { client in
            let teacherToken = try await client.logIn("zhang")
            let fixture = try await Self.fixture(client, lib, teacher: teacherToken)
            let id = fixture.published.id
            let token = try await client.logIn("xs")
            _ = try await client.call(.post, "/api/v1/offerings/\(id)/enrollments", token: token)
            let posts = "/api/v1/offerings/\(id)/units/u1/posts"
            let thread = try await client.call(.post, posts, token: token, json: #"{"body":"电弧温度有多高？"}"#).decode(Post.self)
            let reply = try await client.call(.post, posts, token: teacherToken, json: #"{"body":"弧柱约五千开","parent":"\#(thread.id)"}"#)
            #expect(reply.status == .created)

            let learner = try await client.webLogIn("xs")
            let page = try await client.page("/offerings/\(id)/units/u1", cookies: learner)
            Self.expectPage(page)
            let html = page.body.string
            #expect(html.contains("电弧温度有多高？"))
            #expect(html.contains("弧柱约五千开"))
            #expect(Self.occurrences(of: "class=\"teacher-badge\"", in: page) == 1)
            #expect(html.contains("data-post-form"))
            #expect(html.contains("data-parent=\"\(thread.id)\""))
            #expect(!html.contains("data-hide-post"))

            let teacher = try await client.webLogIn("zhang")
            let own = try await client.page("/offerings/\(id)/units/u1", cookies: teacher)
            #expect(own.body.string.contains("data-hide-post=\"\(thread.id)\""))
            #expect(own.body.string.contains("data-hide-post=\"\(try reply.decode(Post.self).id)\""))

            #expect(try await client.call(.post, "/api/v1/posts/\(thread.id)/hide", token: teacherToken, json: "{}").status == .ok)
            // Other learners see the place and the notice, not the text (its author still reads their own words).
            _ = try await client.call(.post, "/api/v1/offerings/\(id)/enrollments", token: try await client.logIn("other"))
            let after = try await client.page("/offerings/\(id)/units/u1", cookies: try await client.webLogIn("other"))
            #expect(after.body.string.contains("此帖已被隐藏"))
            #expect(!after.body.string.contains("电弧温度有多高？"))
            #expect(after.body.string.contains("弧柱约五千开"))
            #expect(try await client.page("/offerings/\(id)/units/nope", cookies: learner).status == .notFound)
        }
    }

    @Test func theAttemptPageHoldsNoAnswersBeforeSubmissionAndResultsAfter() async throws {
        let lib = try await TestLibrary.seeded([("xs", .learner)])
        let zhang = try await lib.addUser("zhang", .teacher)
        let fill = try await PaperTests.published(
            lib,
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .fill,
                difficulty: 2,
                stem: "熔化极焊接用____保护熔池",
                answer: .array([.string("惰性气体甲")]),
                analysis: "解析：保护气隔绝空气乙",
                score: 4
            ),
            by: zhang
        )
        let single = try await PaperTests.published(
            lib,
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .single,
                difficulty: 1,
                stem: #"电弧的本质是<math><mi onclick="alert(1)" mathvariant="bold">E</mi></math><script>alert(2)</script>"#,
                options: [.init(id: "A", text: "气体放电"), .init(id: "B", text: "固体导电<math><mfrac><mn>1</mn><mn>2</mn></mfrac></math>")],
                answer: .string("A"),
                analysis: "解析：电弧是气体放电丙",
                score: 6
            ),
            by: zhang
        )
        let paper = try await PaperStore(database: lib.library.database).create(
            course: "weld",
            title: "网页小测",
            questions: [fill, single],
            author: zhang
        )
        try await lib.test { client in
            let learner = try await client.webLogIn("xs")
            let cover = try await client.page("/papers/\(paper.id)", cookies: learner)
            #expect(cover.body.string.contains("data-start-attempt=\"\(paper.id)\""))
            let author = try await client.webLogIn("zhang")
            #expect(!(try await client.page("/papers/\(paper.id)", cookies: author)).body.string.contains("data-start-attempt"))

            let token = try await client.logIn("xs")
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: token).decode(Attempt.self)
            let open = try await client.page("/attempts/\(attempt.id)", cookies: learner)
            Self.expectPage(open)
            let html = open.body.string
            #expect(html.contains("熔化极焊接用____保护熔池"))
            #expect(html.contains("name=\"q-\(single)\" value=\"A\""))
            #expect(html.contains("data-blank=\"1\""))
            #expect(html.contains("data-attempt-submit"))
            // Formulae are MathML the browser draws; nothing but MathML's presentation comes through.
            #expect(html.contains(#"电弧的本质是<math xmlns="http://www.w3.org/1998/Math/MathML"><mi mathvariant="bold">E</mi></math>&lt;script&gt;"#))
            #expect(html.contains(#"固体导电<math xmlns="http://www.w3.org/1998/Math/MathML"><mfrac><mn>1</mn><mn>2</mn></mfrac></math>"#))
            #expect(!html.contains("onclick") && !html.contains("<script>alert"))
            for secret in ["惰性气体甲", "保护气隔绝空气乙", "气体放电丙", "checked"] {
                #expect(!html.contains(secret), "\(secret)")
            }

            let answers = #"{"answers":{"\#(single)":"A","\#(fill)":["错的"]}}"#
            #expect(try await client.call(.put, "/api/v1/attempts/\(attempt.id)/answers", token: token, json: answers).status == .ok)
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: token).status == .ok)
            let done = try await client.page("/attempts/\(attempt.id)", cookies: learner)
            Self.expectPage(done)
            #expect(done.body.string.contains("<span class=\"score-value\" data-score>6</span> / 10 分"))
            #expect(done.body.string.contains("data-outcome=\"correct\""))
            #expect(done.body.string.contains("data-outcome=\"wrong\""))
            #expect(done.body.string.contains("保护气隔绝空气乙"))
            #expect(!done.body.string.contains("data-attempt-submit"))
            // Someone else's attempt is not there for a learner.
            _ = try await lib.addUser("other", .learner)
            let other = try await client.webLogIn("other")
            #expect(try await client.page("/attempts/\(attempt.id)", cookies: other).status == .notFound)
        }
    }

    @Test func analyticsAndTheBuilderAreForbiddenToLearnersAndOpenToTeachers() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner), ("wang", .reviewer)])
        try await lib.test { client in
            let fixture = try await Self.fixture(client, lib, teacher: try await client.logIn("zhang"))
            let learner = try await client.webLogIn("xs")
            for path in ["/analytics", "/offerings/new", "/offerings/\(fixture.published.id)/edit"] {
                let page = try await client.page(path, cookies: learner)
                Self.expectPage(page, .forbidden)
                #expect(page.body.string.contains("学习者"), "\(path)")
                #expect(!page.body.string.contains("data-offering-builder"), "\(path)")
            }
            let teacher = try await client.webLogIn("zhang")
            let builder = try await client.page("/offerings/new", cookies: teacher)
            Self.expectPage(builder)
            #expect(builder.body.string.contains("data-offering-builder data-offering-id=\"\""))
            let edit = try await client.page("/offerings/\(fixture.published.id)/edit", cookies: teacher)
            #expect(edit.body.string.contains("data-offering-id=\"\(fixture.published.id)\""))

            let token = try await client.logIn("xs")
            _ = try await client.call(.get, "/api/v1/resources/\(fixture.first)", token: token)
            let reviewer = try await client.webLogIn("wang")
            let analytics = try await client.page("/analytics?by=course&interval=day", cookies: reviewer)
            Self.expectPage(analytics)
            #expect(analytics.body.string.contains("资源使用"))
            #expect(analytics.body.string.contains("教学行为"))
            #expect(analytics.body.string.contains("<option value=\"course\" selected>"))
            #expect(analytics.body.string.contains("张") || analytics.body.string.contains("zhang"))
            let bad = try await client.page("/analytics?from=2026-13-01", cookies: reviewer)
            Self.expectPage(bad, .badRequest)
        }
    }
}

/// The same escaping as the pages' `next=` links.
enum WebInterfaceEscape {
    static func query(_ value: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
