import Foundation
import GranaryAssessment
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every role rule of SPEC §8, attacked from every route that could break it: learners never read what is not
/// approved, teachers never approve, reviewers never approve their own work, nobody changes another teacher's
/// items, and an id from another institution, guessed or leaked, shows nothing and tells nothing.
@Suite struct RoleRuleTests {
    static let allChecks = #"{"political":true,"scientific":true,"applicability":true,"normativity":true}"#
    static let decision = #"{"decision":"approve","checks":\#(allChecks)}"#

    /// Two institutions: 甲 (teacher zhang, learner xs) and 乙 (teacher li, learner other); a reviewer and an admin.
    private static func library() async throws -> (TestLibrary, zhang: User) {
        let lib = try await TestLibrary()
        try await lib.seedCatalogue()
        let accounts = lib.library.accounts
        let zhang = try await accounts.createUser(
            username: "zhang",
            password: "Passw0rd-123",
            displayName: "张老师",
            role: .teacher,
            institution: "甲职业技术学院",
            actor: "test"
        )
        _ = try await accounts.createUser(
            username: "xs",
            password: "Passw0rd-123",
            displayName: nil,
            role: .learner,
            institution: "甲职业技术学院",
            actor: "test"
        )
        _ = try await accounts.createUser(
            username: "li",
            password: "Passw0rd-123",
            displayName: "李老师",
            role: .teacher,
            institution: "乙职业学院",
            actor: "test"
        )
        _ = try await accounts.createUser(
            username: "other",
            password: "Passw0rd-123",
            displayName: nil,
            role: .learner,
            institution: "乙职业学院",
            actor: "test"
        )
        try await lib.addUser("wang", .reviewer)
        try await lib.addUser("admin", .admin)
        return (lib, zhang)
    }

    /// zhang's items: a draft, a pending resource, an approved one with a pending second version, a pending question.
    private struct Items {
        let draft: String
        let pending: String
        let approved: String
        let question: String
    }

    private static func items(_ client: any TestClientProtocol, _ lib: TestLibrary) async throws -> Items {
        let zhang = try await client.logIn("zhang")
        func upload(_ title: String) async throws -> String {
            let metadata = #"{"title":"\#(title)","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true}"#
            let response = try await client.upload(Array("\(title) 的正文".utf8), metadata: metadata, token: zhang)
            #expect(response.status == .created)
            return try response.decode(Resource.self).id
        }
        let draft = try await upload("草稿甲乙丙")
        let pending = try await upload("待审丁戊己")
        #expect(try await client.call(.post, "/api/v1/resources/\(pending)/submit", token: zhang).status == .ok)
        let approved = try await upload("已审庚辛壬")
        try await lib.publish(approved)
        let second = try await client.upload(Array("第二版 癸子丑".utf8), metadata: nil, token: zhang, to: approved)
        #expect(second.status == .ok)
        // A new version of an approved resource waits for review on its own; the first stays published.
        #expect(try second.decode(Resource.self).status == .pending)
        let question = try await client.call(
            .post,
            "/api/v1/questions",
            token: zhang,
            json: #"{"course":"weld","knowledgePoints":["arc"],"type":"judge","difficulty":1,"stem":"待审的判断题寅卯","answer":true,"score":1}"#
        )
        #expect(question.status == .created)
        let questionId = try question.decode(Question.self).id
        #expect(try await client.call(.post, "/api/v1/questions/\(questionId)/submit", token: zhang).status == .ok)
        return Items(draft: draft, pending: pending, approved: approved, question: questionId)
    }

    @Test func aLearnerNeverReadsWhatIsNotApproved() async throws {
        let (lib, _) = try await Self.library()
        try await lib.test { client in
            let items = try await Self.items(client, lib)
            let learner = try await client.logIn("xs")
            for token in [learner, nil] {
                // Signed out, every one of these routes asks for a log-in first; the learner is refused or told nothing exists.
                let refusals: Set<HTTPResponse.Status> = token == nil ? [.unauthorized] : [.forbidden, .notFound]
                for id in [items.draft, items.pending] {
                    for path in ["", "/content", "/versions", "/history", "/ratings"] {
                        let response = try await client.call(.get, "/api/v1/resources/\(id)\(path)", token: token)
                        #expect(refusals.contains(response.status), "\(path) \(response.status)")
                        #expect(!response.body.string.contains("草稿甲乙丙") && !response.body.string.contains("待审丁戊己"))
                    }
                }
                // The approved resource shows its published version only, even when asked for the pending one.
                for path in ["?version=2", "/content?version=2"] {
                    let response = try await client.call(.get, "/api/v1/resources/\(items.approved)\(path)", token: token)
                    #expect(refusals.contains(response.status) && response.status != .notFound, "\(path)")
                    #expect(!response.body.string.contains("癸子丑"))
                }
                for query in ["status=pending", "status=draft"] {
                    let listed = try await client.call(.get, "/api/v1/resources?\(query)", token: token)
                    #expect(refusals.contains(listed.status) && listed.status != .notFound, "\(query)")
                    let searched = try await client.call(.get, "/api/v1/search?\(query)", token: token)
                    #expect(refusals.contains(searched.status) && searched.status != .notFound, "\(query)")
                }
                for path in ["/api/v1/reviews/queue", "/api/v1/reviews/resource/\(items.pending)", "/api/v1/questions/\(items.question)"] {
                    let response = try await client.call(.get, path, token: token)
                    #expect(refusals.contains(response.status), "\(path)")
                    #expect(!response.body.string.contains("寅卯"))
                }
            }
            let shown = try await client.call(.get, "/api/v1/resources/\(items.approved)", token: learner).decode(Resource.self)
            #expect(shown.version == 1)
            let content = try await client.call(.get, "/api/v1/resources/\(items.approved)/content", token: learner)
            #expect(content.body.string == "已审庚辛壬 的正文")
            let listed = try await client.call(.get, "/api/v1/resources", token: learner).decode(PageOf<Resource>.self)
            #expect(listed.items.map(\.id) == [items.approved])
            for term in ["草稿甲乙丙", "待审丁戊己", "癸子丑"] {
                let found = try await client.call(
                    .get,
                    "/api/v1/search?q=\(term.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                    token: learner
                )
                #expect(found.status == .ok)
                #expect(try found.decode(SearchTests.Found.self).total == 0, "\(term)")
            }
            // The web pages follow the same rule.
            let session = try await client.webLogIn("xs")
            for id in [items.draft, items.pending] {
                let page = try await client.page("/resources/\(id)", cookies: session)
                #expect(page.status == .notFound)
                #expect(!page.body.string.contains("草稿甲乙丙") && !page.body.string.contains("待审丁戊己"))
            }
            let published = try await client.page("/resources/\(items.approved)", cookies: session)
            #expect(published.status == .ok)
            #expect(published.body.string.contains("已审庚辛壬") && !published.body.string.contains("癸子丑"))
        }
    }

    @Test func noTeacherApprovesNotEvenAnotherTeachersWork() async throws {
        let (lib, _) = try await Self.library()
        try await lib.test { client in
            let items = try await Self.items(client, lib)
            for username in ["zhang", "li"] {
                let token = try await client.logIn(username)
                for (type, id) in [("resource", items.pending), ("question", items.question)] {
                    let claim = try await client.call(.post, "/api/v1/reviews/\(type)/\(id)/claim", token: token)
                    #expect(claim.status == .forbidden, "\(username) claims \(type)")
                    let decide = try await client.call(.post, "/api/v1/reviews/\(type)/\(id)/decision", token: token, json: Self.decision)
                    #expect(decide.status == .forbidden, "\(username) decides \(type)")
                    #expect(try decide.problem().code == "forbidden")
                }
            }
            let learner = try await client.logIn("xs")
            #expect(
                try await client.call(.post, "/api/v1/reviews/resource/\(items.pending)/decision", token: learner, json: Self.decision).status
                    == .forbidden
            )
            #expect(try await lib.count("reviews") == 0)
            let zhang = try await client.logIn("zhang")
            #expect(try await client.call(.get, "/api/v1/resources/\(items.pending)", token: zhang).decode(Resource.self).status == .pending)
            // The same decision from a reviewer goes through: the refusals above were about the role.
            let wang = try await client.logIn("wang")
            #expect(
                try await client.call(.post, "/api/v1/reviews/resource/\(items.pending)/decision", token: wang, json: Self.decision).status
                    == .created
            )
        }
    }

    @Test func aTeacherMadeReviewerStillCannotApproveTheirOwnWork() async throws {
        let (lib, _) = try await Self.library()
        try await lib.test { client in
            let items = try await Self.items(client, lib)
            try await lib.addUser("anquan", .security)
            let security = try await client.logIn("anquan")
            let promoted = try await client.call(.patch, "/api/v1/users/zhang", token: security, json: #"{"role":"reviewer"}"#)
            #expect(promoted.status == .ok)
            let zhang = try await client.logIn("zhang")
            #expect(try await client.call(.get, "/api/v1/reviews/queue", token: zhang).status == .ok)
            for (type, id) in [("resource", items.pending), ("question", items.question), ("resource", items.approved)] {
                let claim = try await client.call(.post, "/api/v1/reviews/\(type)/\(id)/claim", token: zhang)
                #expect(claim.status == .forbidden, "claim \(type) \(id)")
                let decide = try await client.call(.post, "/api/v1/reviews/\(type)/\(id)/decision", token: zhang, json: Self.decision)
                #expect(decide.status == .forbidden, "decide \(type) \(id)")
            }
            #expect(try await lib.count("reviews") == 0)
            let wang = try await client.logIn("wang")
            #expect(
                try await client.call(.post, "/api/v1/reviews/question/\(items.question)/decision", token: wang, json: Self.decision).status
                    == .created
            )
        }
    }

    @Test func aTeacherChangesNothingOfAnotherTeachers() async throws {
        let (lib, zhangUser) = try await Self.library()
        let paper = try await LearningTests.paper(lib, author: zhangUser)
        try await lib.test { client in
            let items = try await Self.items(client, lib)
            let zhang = try await client.logIn("zhang")
            let body =
                #"{"course":"weld","title":"张老师的课","units":[{"id":"u1","title":"一","items":[{"resource":"\#(items.approved)"},{"paper":"\#(paper.id)"}]}]}"#
            let offering = try await client.call(.post, "/api/v1/offerings", token: zhang, json: body).decode(Offering.self)
            #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: zhang).status == .ok)
            let learner = try await client.logIn("xs")
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: learner)
            let post = try await client.call(.post, "/api/v1/offerings/\(offering.id)/units/u1/posts", token: learner, json: #"{"body":"老师好"}"#)
                .decode(Post.self)
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner).decode(Attempt.self)
            _ = try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner)
            let li = try await client.logIn("li")
            let eventsBefore = try await lib.count("events")
            let attempts: [(HTTPRequest.Method, String, String?, [HTTPResponse.Status])] = [
                (.patch, "/api/v1/resources/\(items.approved)", #"{"title":"李老师改的"}"#, [.forbidden]),
                (.delete, "/api/v1/resources/\(items.approved)", nil, [.forbidden]),
                (.post, "/api/v1/resources/\(items.approved)/submit", nil, [.forbidden]),
                (.patch, "/api/v1/resources/\(items.draft)", #"{"title":"李老师改的"}"#, [.notFound]),
                (.post, "/api/v1/resources/\(items.draft)/submit", nil, [.notFound]),
                (.patch, "/api/v1/questions/\(items.question)", #"{"stem":"李老师改的"}"#, [.forbidden, .notFound]),
                (.delete, "/api/v1/questions/\(items.question)", nil, [.forbidden, .notFound]),
                (.patch, "/api/v1/offerings/\(offering.id)", #"{"title":"李老师改的"}"#, [.forbidden]),
                (.post, "/api/v1/offerings/\(offering.id)/publish", nil, [.forbidden]),
                (.post, "/api/v1/offerings/\(offering.id)/withdraw", nil, [.forbidden]),
                (.post, "/api/v1/posts/\(post.id)/hide", #"{"reason":"李老师隐藏"}"#, [.forbidden]),
                (.post, "/api/v1/attempts/\(attempt.id)/grades", #"{"grades":{}}"#, [.notFound]),
                (.put, "/api/v1/attempts/\(attempt.id)/answers", #"{"answers":{}}"#, [.notFound, .conflict]),
            ]
            for (method, path, json, allowed) in attempts {
                let response = try await client.call(method, path, token: li, json: json)
                #expect(allowed.contains(response.status), "\(method) \(path): \(response.status)")
            }
            let replaced = try await client.upload(Array("李老师的文件".utf8), metadata: nil, token: li, to: items.approved)
            #expect(replaced.status == .forbidden)
            // Nothing changed, not even a line in the audit trail.
            #expect(try await lib.count("events") == eventsBefore)
            let versions = try await client.call(.get, "/api/v1/resources/\(items.approved)/versions", token: zhang).decode(Total.self)
            #expect(versions.total == 2)
            #expect(try await client.call(.get, "/api/v1/offerings/\(offering.id)", token: zhang).decode(Offering.self).title == "张老师的课")
            // The same change from the author goes through.
            #expect(try await client.call(.patch, "/api/v1/offerings/\(offering.id)", token: zhang, json: #"{"title":"改名"}"#).status == .ok)
        }
    }

    @Test func anIdFromAnotherInstitutionShowsNothingAndTellsNothing() async throws {
        let (lib, zhangUser) = try await Self.library()
        let paper = try await LearningTests.paper(lib, author: zhangUser)
        try await lib.test { client in
            let items = try await Self.items(client, lib)
            let zhang = try await client.logIn("zhang")
            let draftOffering = try await client.call(
                .post,
                "/api/v1/offerings",
                token: zhang,
                json: #"{"course":"weld","title":"未发布的课","units":[{"id":"u1","title":"一","items":[{"resource":"\#(items.approved)"}]}]}"#
            ).decode(Offering.self)
            let xs = try await client.logIn("xs")
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: xs).decode(Attempt.self)
            _ = try await client.call(.put, "/api/v1/attempts/\(attempt.id)/answers", token: xs, json: #"{"answers":{}}"#)

            // 乙's teacher and learner try 甲's ids; each answer must equal the one for an id that does not exist.
            let guesses: [(String, String)] = [
                ("/api/v1/resources/%@", items.draft),
                ("/api/v1/resources/%@/content", items.draft),
                ("/api/v1/resources/%@/versions", items.draft),
                ("/api/v1/offerings/%@", draftOffering.id),
                ("/api/v1/offerings/%@/units/u1/posts", draftOffering.id),
                ("/api/v1/attempts/%@", attempt.id),
            ]
            for username in ["li", "other"] {
                let token = try await client.logIn(username)
                for (template, id) in guesses {
                    let real = try await client.call(.get, template.replacingOccurrences(of: "%@", with: id), token: token)
                    let fake = try await client.call(
                        .get,
                        template.replacingOccurrences(of: "%@", with: UUID().uuidString.lowercased()),
                        token: token
                    )
                    #expect(real.status == fake.status, "\(username) \(template): \(real.status) vs \(fake.status)")
                    #expect(real.status == .notFound, "\(username) \(template)")
                    #expect(try real.problem().title == (try fake.problem().title))
                    #expect(!real.body.string.contains("草稿甲乙丙") && !real.body.string.contains("未发布的课"))
                }
            }
            let li = try await client.logIn("li")
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/grades", token: li, json: #"{"grades":{}}"#).status == .notFound)
            let other = try await client.logIn("other")
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: other).status == .notFound)
            #expect(try await client.call(.post, "/api/v1/offerings/\(draftOffering.id)/enrollments", token: other).status == .notFound)
            // The paper's author still reads the attempt: the rule hides it from strangers, not from its teacher.
            #expect(try await client.call(.get, "/api/v1/attempts/\(attempt.id)", token: zhang).status == .ok)
            // Ids are random: nothing to count up from.
            #expect(UUID(uuidString: items.draft) != nil && UUID(uuidString: attempt.id) != nil)
        }
    }
}

/// The size of a page, whatever its items.
private struct Total: Decodable {
    let total: Int
}
