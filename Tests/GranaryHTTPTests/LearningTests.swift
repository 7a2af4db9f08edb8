import Foundation
import GRDB
import GranaryAssessment
import GranaryDemo
import GranaryLearning
import GranaryModel
import GranaryReview
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct LearningTests {
    /// Uploads a text resource to `course` on `point` and publishes it as a passed review would.
    static func publishedResource(
        _ client: any TestClientProtocol,
        _ lib: TestLibrary,
        token: String,
        title: String,
        course: String = "weld",
        point: String = "arc",
        text: String? = nil
    ) async throws -> String {
        let metadata = #"{"title":"\#(title)","major":"460110","course":"\#(course)","knowledgePoints":["\#(point)"],"original":true}"#
        let response = try await client.upload(Array((text ?? "\(title) 讲义正文").utf8), metadata: metadata, token: token)
        #expect(response.status == .created)
        let id = try response.decode(Resource.self).id
        try await lib.publish(id)
        return id
    }

    /// A one-question paper on course `weld`.
    static func paper(_ lib: TestLibrary, author: User) async throws -> Paper {
        let question = try await PaperTests.published(
            lib,
            .init(course: "weld", knowledgePoints: ["arc"], type: .judge, difficulty: 1, stem: "电弧是气体放电现象", answer: .bool(true), score: 5),
            by: author
        )
        return try await PaperStore(database: lib.library.database).create(course: "weld", title: "电弧小测", questions: [question], author: author)
    }

    @Test func aTeacherAssemblesAnOfferingFromAnyCourseAndLearnersStudyItThroughRevisions() async throws {
        let lib = try await TestLibrary.seeded([("li", .teacher), ("xs", .learner), ("other", .learner)])
        let zhang = try await lib.addUser("zhang", .teacher)
        let paper = try await Self.paper(lib, author: zhang)
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let arc = try await Self.publishedResource(client, lib, token: teacher, title: "电弧的构成")
            let ut = try await Self.publishedResource(client, lib, token: teacher, title: "超声检测原理", course: "check", point: "ut")
            let draft = try await client.upload(Array("草稿".utf8), metadata: validMetadata, token: teacher).decode(Resource.self).id

            // Every bad item is named by its path; nothing is stored.
            let bad = """
                {"course":"weld","title":"焊接入门","units":[{"title":"一","items":[{"resource":"\(draft)"},{"resource":"\(arc)","paper":"\(paper.id)"}]},
                {"title":" ","items":[{"paper":"00000000-0000-0000-0000-000000000000"},{"resource":"\(arc)"},{"resource":"\(arc)"}]}]}
                """
            let refused = try await client.call(.post, "/api/v1/offerings", token: teacher, json: bad)
            #expect(refused.status == .unprocessableContent)
            #expect(
                try refused.problem().errors.map(\.field) == [
                    "units[0].items[0].resource", "units[0].items[1]", "units[1].title", "units[1].items[0].paper", "units[1].items[2]",
                ]
            )
            #expect(try await lib.count("offerings") == 0)
            let unknownCourse = try await client.call(.post, "/api/v1/offerings", token: teacher, json: #"{"course":"nope","title":"x"}"#)
            #expect(try unknownCourse.problem().code == "unknown_course")

            let learner = try await client.logIn("xs")
            #expect(try await client.call(.post, "/api/v1/offerings", token: learner, json: #"{"course":"weld","title":"x"}"#).status == .forbidden)

            // 组课: a resource of another course sits beside this course's resource and a paper.
            let body = """
                {"course":"weld","title":"焊接入门","description":"先学电弧，再看检测","units":[
                {"id":"u1","title":"项目一 焊接电弧","items":[{"resource":"\(arc)"},{"paper":"\(paper.id)"}]},
                {"id":"u2","title":"项目二 焊缝检测","items":[{"resource":"\(ut)"}]}]}
                """
            let created = try await client.call(.post, "/api/v1/offerings", token: teacher, json: body)
            #expect(created.status == .created)
            let offering = try created.decode(Offering.self)
            #expect(offering.status == .draft)
            #expect(offering.units.map(\.id) == ["u1", "u2"])
            #expect(offering.units[1].items[0].course == "check")
            #expect(offering.units[0].items[1].title == "电弧小测")

            // A draft is the teacher's alone.
            #expect(try await client.call(.get, "/api/v1/offerings/\(offering.id)", token: learner).status == .notFound)
            #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: learner).status == .notFound)
            let li = try await client.logIn("li")
            #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: li).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/offerings", token: learner).decode(PageOf<Offering>.self).total == 0)

            let published = try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: teacher).decode(Offering.self)
            #expect(published.status == .published)
            #expect(published.revision == 1)
            #expect(published.unpublishedChanges == false)
            let listed = try await client.call(.get, "/api/v1/offerings?q=入门", token: learner).decode(PageOf<Offering>.self)
            #expect(listed.items.map(\.id) == [offering.id])

            // Enrol, complete a resource; a paper needs a submitted attempt.
            let enrolled = try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: learner)
            #expect(enrolled.status == .created)
            #expect(try enrolled.decode(OfferingProgress.self).total == 3)
            let notEnrolled = try await client.logIn("other")
            let progressBody = #"{"offering":"\#(offering.id)","resource":"\#(arc)"}"#
            #expect(try await client.call(.post, "/api/v1/progress", token: notEnrolled, json: progressBody).status == .forbidden)
            let afterResource = try await client.call(.post, "/api/v1/progress", token: learner, json: progressBody).decode(OfferingProgress.self)
            #expect(afterResource.completed == 1)
            #expect(afterResource.next?.paper == paper.id)
            let notInOffering = #"{"offering":"\#(offering.id)","resource":"\#(draft)"}"#
            #expect(try await client.call(.post, "/api/v1/progress", token: learner, json: notInOffering).status == .unprocessableContent)
            let paperBody = #"{"offering":"\#(offering.id)","paper":"\#(paper.id)"}"#
            #expect(try await client.call(.post, "/api/v1/progress", token: learner, json: paperBody).status == .conflict)
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner).decode(Attempt.self)
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner).status == .ok)
            var mine = try await client.call(.get, "/api/v1/me/progress", token: learner).decode(PageOf<OfferingProgress>.self)
            #expect(mine.items.map(\.completed) == [2])
            #expect(mine.items.first?.units.map(\.completed) == [2, 0])

            // The teacher revises: a new unit first, u2 dropped. Learners see the old revision until it is published.
            let revised = """
                {"units":[{"title":"导学","items":[]},{"id":"u1","title":"项目一 焊接电弧（修订）","items":[{"resource":"\(arc)"},{"paper":"\(paper.id)"}]}]}
                """
            let working = try await client.call(.patch, "/api/v1/offerings/\(offering.id)", token: teacher, json: revised).decode(Offering.self)
            #expect(working.unpublishedChanges == true)
            #expect(working.units.count == 2)
            #expect(
                try await client.call(.get, "/api/v1/offerings/\(offering.id)", token: learner).decode(Offering.self).units.map(\.id) == ["u1", "u2"]
            )
            #expect(
                try await client.call(.patch, "/api/v1/offerings/\(offering.id)", token: teacher, json: #"{"course":"check"}"#).problem().errors.map(
                    \.field
                ) == ["course"]
            )
            #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: teacher).decode(Offering.self).revision == 2)
            mine = try await client.call(.get, "/api/v1/me/progress", token: learner).decode(PageOf<OfferingProgress>.self)
            let progress = try #require(mine.items.first)
            #expect(progress.total == 2)
            #expect(progress.completed == 2)
            #expect(progress.ratio == 1)
            #expect(progress.completedAt != nil)
            #expect(progress.units.map(\.title) == ["导学", "项目一 焊接电弧（修订）"])

            // Withdrawn: off the list, still the enrolled learner's.
            #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/withdraw", token: teacher).status == .ok)
            #expect(try await client.call(.get, "/api/v1/offerings", token: notEnrolled).decode(PageOf<Offering>.self).total == 0)
            #expect(try await client.call(.get, "/api/v1/offerings/\(offering.id)", token: learner).status == .ok)
            #expect(try await client.call(.get, "/api/v1/offerings/\(offering.id)", token: notEnrolled).status == .notFound)
            #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: notEnrolled).status == .conflict)
            #expect(try await client.call(.post, "/api/v1/offerings/\(offering.id)/withdraw", token: teacher).status == .conflict)
            #expect(try await client.call(.get, "/api/v1/offerings?mine=true", token: teacher).decode(PageOf<Offering>.self).total == 1)

            // Revisions are immutable.
            let rewrite = await #expect(throws: (any Error).self) {
                try await lib.library.database.write { db in try db.execute(sql: "UPDATE offeringRevisions SET title = 'x'") }
            }
            #expect(rewrite.flatMap { SQLFailure.kind(of: $0) } == .constraint)
        }
    }

    @Test func publishingRefusesAnEmptyOfferingAndARetiredResource() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let empty = try await client.call(.post, "/api/v1/offerings", token: teacher, json: #"{"course":"weld","title":"空课"}"#).decode(
                Offering.self
            )
            // What is wrong is the stored working copy, not the request: 409.
            let emptyPublished = try await client.call(.post, "/api/v1/offerings/\(empty.id)/publish", token: teacher)
            #expect(emptyPublished.status == .conflict)
            #expect(try emptyPublished.problem().code == "invalid_transition")
            #expect(try emptyPublished.problem().errors.map(\.field) == ["units"])
            let arc = try await Self.publishedResource(client, lib, token: teacher, title: "电弧")
            let body = #"{"course":"weld","title":"一课","units":[{"title":"一","items":[{"resource":"\#(arc)"}]}]}"#
            let offering = try await client.call(.post, "/api/v1/offerings", token: teacher, json: body).decode(Offering.self)
            #expect(try await client.call(.delete, "/api/v1/resources/\(arc)", token: teacher).status == .ok)
            let refused = try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: teacher)
            #expect(refused.status == .conflict)
            #expect(try refused.problem().errors.map(\.field) == ["units[0].items[0].resource"])
            #expect(try await lib.count("offeringRevisions") == 0)
        }
    }

    @Test func discussionsAreThreadedTeachersAnswerAndHiddenPostsKeepTheirPlace() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("li", .teacher), ("xs", .learner), ("other", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let arc = try await Self.publishedResource(client, lib, token: teacher, title: "电弧")
            let body = #"{"course":"weld","title":"一课","units":[{"id":"u1","title":"一","items":[{"resource":"\#(arc)"}]}]}"#
            let offering = try await client.call(.post, "/api/v1/offerings", token: teacher, json: body).decode(Offering.self)
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: teacher)
            let posts = "/api/v1/offerings/\(offering.id)/units/u1/posts"

            let learner = try await client.logIn("xs")
            #expect(try await client.call(.post, posts, token: learner, json: #"{"body":"电弧温度有多高？"}"#).status == .forbidden)
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: learner)
            let question = try await client.call(.post, posts, token: learner, json: #"{"body":"电弧温度有多高？"}"#)
            #expect(question.status == .created)
            let thread = try question.decode(Post.self)
            #expect(thread.byTeacher == false)
            let answer = try await client.call(.post, posts, token: teacher, json: #"{"body":"弧柱 5000–8000 K","parent":"\#(thread.id)"}"#).decode(
                Post.self
            )
            #expect(answer.byTeacher == true)
            #expect(answer.parent == thread.id)
            // A reply to a reply joins the same thread.
            let followUp = try await client.call(.post, posts, token: learner, json: #"{"body":"谢谢老师","parent":"\#(answer.id)"}"#).decode(Post.self)
            #expect(followUp.parent == thread.id)
            #expect(try await client.call(.post, posts, token: learner, json: #"{"body":"   "}"#).status == .unprocessableContent)
            #expect(
                try await client.call(.post, "/api/v1/offerings/\(offering.id)/units/nope/posts", token: learner, json: #"{"body":"x"}"#).status
                    == .notFound
            )

            // Only the offering's teacher hides; the post keeps its place, its text is gone for learners.
            let li = try await client.logIn("li")
            #expect(try await client.call(.post, "/api/v1/posts/\(followUp.id)/hide", token: li, json: "{}").status == .forbidden)
            let hidden = try await client.call(.post, "/api/v1/posts/\(followUp.id)/hide", token: teacher, json: #"{"reason":"无关内容"}"#)
            #expect(try hidden.decode(Post.self).hidden)
            #expect(try await client.call(.post, "/api/v1/posts/\(followUp.id)/hide", token: teacher, json: "{}").status == .conflict)
            let other = try await client.logIn("other")
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: other)
            let seen = try await client.call(.get, posts, token: other).decode(PageOf<Post>.self)
            #expect(seen.total == 1)
            let replies = try #require(seen.items.first?.replies)
            #expect(replies.map(\.body) == ["弧柱 5000–8000 K", nil])
            #expect(replies.map(\.hidden) == [false, true])
            let teacherSees = try await client.call(.get, posts, token: teacher).decode(PageOf<Post>.self)
            #expect(teacherSees.items.first?.replies?.last?.body == "谢谢老师")
            let events = try await lib.library.database.read { db in
                try db.fetchAll(String.self, sql: "SELECT after FROM events WHERE action = 'post.hidden' AND itemId = ?", arguments: [followUp.id])
            }
            #expect(events.count == 1)
            #expect(events.first?.contains("无关内容") == true)

            // 答疑: only the offering's teacher marks a reply as the answer; a thread, a hidden reply or another
            // teacher cannot. The pair is then found by words; no model here, so the question got no suggestions.
            #expect(thread.suggestions == [] && answer.suggestions == nil && !answer.answer)
            #expect(try await client.call(.post, "/api/v1/posts/\(answer.id)/answer", token: learner, json: "{}").status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/posts/\(answer.id)/answer", token: li, json: "{}").status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/posts/\(thread.id)/answer", token: teacher, json: "{}").status == .conflict)
            #expect(try await client.call(.post, "/api/v1/posts/\(followUp.id)/answer", token: teacher, json: "{}").status == .conflict)
            let marked = try await client.call(.post, "/api/v1/posts/\(answer.id)/answer", token: teacher, json: "{}")
            #expect(marked.status == .ok)
            #expect(try marked.decode(Post.self).answer)
            let shown = try await client.call(.get, posts, token: other).decode(PageOf<Post>.self)
            #expect(shown.items.first?.replies?.map(\.answer) == [true, false])
            let found = try await client.call(.get, "/api/v1/answers?q=%E7%94%B5%E5%BC%A7%20K&course=weld", token: other).decode(
                PageOf<QuestionAnswer>.self
            )
            #expect(found.total == 1 && found.items.first?.asked == "电弧温度有多高？" && found.items.first?.answered == "弧柱 5000–8000 K")
            #expect(found.items.first?.path == "/offerings/\(offering.id)/units/u1#post-\(thread.id)")
            #expect(try await client.call(.get, "/api/v1/answers?q=%E7%84%8A%E6%9D%A1", token: other).decode(PageOf<QuestionAnswer>.self).total == 0)
            #expect(try await client.call(.get, "/api/v1/answers?q=100%25_", token: other).decode(PageOf<QuestionAnswer>.self).total == 0)
            // Once the answer is hidden, the pair is no longer found.
            _ = try await client.call(.post, "/api/v1/posts/\(answer.id)/hide", token: teacher, json: "{}")
            #expect(try await client.call(.get, "/api/v1/answers?course=weld", token: other).decode(PageOf<QuestionAnswer>.self).total == 0)
        }
    }

    @Test func viewsDownloadsCompletionsAndRatingsBecomeAnalyticsAndTheUsageRule() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("li", .teacher), ("xs", .learner), ("wang", .reviewer)])
        let zhang = try await lib.library.accounts.user(named: "zhang")
        let paper = try await Self.paper(lib, author: try #require(zhang))
        let short = try await PaperTests.published(
            lib,
            .init(course: "weld", knowledgePoints: ["arc"], type: .short, difficulty: 2, stem: "简述电弧的构成", answer: .string("三个区"), score: 5),
            by: try #require(zhang)
        )
        let essay = try await PaperStore(database: lib.library.database).create(
            course: "weld",
            title: "简答",
            questions: [short],
            author: try #require(zhang)
        )
        try await lib.library.database.write { db in
            try db.execute(sql: "UPDATE institutions SET role = 'host'")
        }
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let arc = try await Self.publishedResource(client, lib, token: teacher, title: "电弧")
            let ut = try await Self.publishedResource(client, lib, token: teacher, title: "超声", course: "check", point: "ut")
            let learner = try await client.logIn("xs")
            // A text file shows in place (a view); `download=1` saves it (a download); a later range is neither.
            #expect(try await client.call(.get, "/api/v1/resources/\(arc)/content", token: learner).status == .ok)
            #expect(try await client.call(.get, "/api/v1/resources/\(arc)/content?download=1", token: learner).status == .ok)
            #expect(
                try await client.call(.get, "/api/v1/resources/\(arc)/content", token: learner, headers: [.range: "bytes=3-"]).status
                    == .partialContent
            )
            #expect(
                try await client.call(.get, "/api/v1/resources/\(ut)/content", token: learner, headers: [.range: "bytes=0-1"]).status
                    == .partialContent
            )
            _ = try await client.call(.post, "/api/v1/resources/\(arc)/ratings", token: learner, json: #"{"stars":5,"comment":"清楚"}"#)

            let li = try await client.logIn("li")
            let body = """
                {"course":"check","title":"检测课","units":[{"title":"一","items":[{"resource":"\(arc)"},{"resource":"\(ut)"},{"paper":"\(paper.id)"}]}]}
                """
            let offering = try await client.call(.post, "/api/v1/offerings", token: li, json: body).decode(Offering.self)
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: li)
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: learner)
            _ = try await client.call(.post, "/api/v1/progress", token: learner, json: #"{"offering":"\#(offering.id)","resource":"\#(arc)"}"#)
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner).decode(Attempt.self)
            _ = try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner)
            let essayAttempt = try await client.call(.post, "/api/v1/papers/\(essay.id)/attempts", token: learner).decode(Attempt.self)
            _ = try await client.call(.post, "/api/v1/attempts/\(essayAttempt.id)/submit", token: learner)
            let graded = try await client.call(
                .post,
                "/api/v1/attempts/\(essayAttempt.id)/grades",
                token: teacher,
                json: #"{"grades":{"\#(short)":{"score":4}}}"#
            )
            #expect(graded.status == .ok)
            // Li published an offering that gives the paper, so reads its attempts (Assessment asks Learning who
            // teaches with a paper); the essay is in none of Li's offerings, so its attempt does not exist for Li.
            #expect(try await client.call(.get, "/api/v1/attempts/\(attempt.id)", token: li).status == .ok)
            #expect(try await client.call(.get, "/api/v1/attempts/\(essayAttempt.id)", token: li).status == .notFound)

            #expect(try await client.call(.get, "/api/v1/analytics/resources", token: learner).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/analytics/resources?from=2026-02-30", token: teacher).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/analytics/resources?from=2026-12-01&to=2026-01-01", token: teacher).status == .badRequest)
            let byResource = try await client.call(.get, "/api/v1/analytics/resources?interval=day", token: teacher).decode(ResourceAnalytics.self)
            #expect(byResource.totals == .init(views: 2, downloads: 1, completions: 1, ratings: 1, averageStars: 5))
            #expect(byResource.users == 1)
            #expect(byResource.items.map(\.key) == [arc, ut])
            #expect(byResource.items.first?.figures == .init(views: 1, downloads: 1, completions: 1, ratings: 1, averageStars: 5))
            #expect(byResource.series.count == 1)
            let byCourse = try await client.call(.get, "/api/v1/analytics/resources?by=course", token: teacher).decode(ResourceAnalytics.self)
            #expect(byCourse.items.map(\.name) == ["焊接方法与设备", "焊接质量检验"])
            let lastYear = try await client.call(.get, "/api/v1/analytics/resources?from=2020-01-01&to=2020-12-31", token: teacher).decode(
                ResourceAnalytics.self
            )
            #expect(lastYear.totals == .zero)

            let teaching = try await client.call(.get, "/api/v1/analytics/teaching", token: teacher).decode(TeachingAnalytics.self)
            let byName = Dictionary(uniqueKeysWithValues: teaching.byTeacher.map { ($0.username, $0.figures) })
            #expect(byName["zhang"]?.resourcesUploaded == 2)
            #expect(byName["zhang"]?.questionsWritten == 2)
            #expect(byName["zhang"]?.papersGiven == 2)
            #expect(byName["zhang"]?.attemptsSubmitted == 2)
            // Only the short answer waited for a teacher; graded at once here, so well under an hour.
            #expect(byName["zhang"]?.attemptsGraded == 1)
            #expect((byName["zhang"]?.medianGradingHours ?? 99) < 0.1)
            #expect(byName["li"]?.attemptsGraded == 0)
            #expect(byName["li"]?.offeringsBuilt == 1)
            #expect(byName["li"]?.offeringsPublished == 1)
            // `arc` belongs to course weld but sits in li's course check: reused across courses; both are zhang's.
            #expect(byName["li"]?.resourcesReusedAcrossCourses == 1)
            #expect(byName["li"]?.othersResourcesUsed == 2)
            #expect(teaching.byInstitution.map(\.institution) == ["测试学院"])
            #expect(teaching.totals.resourcesUploaded == 2)
            // With only `to`, the period starts on 1 January of that year, not of this one.
            let pastYear = try await client.call(.get, "/api/v1/analytics/teaching?to=2000-06-30", token: teacher)
            #expect(pastYear.status == .ok)
            #expect(try pastYear.decode(TeachingAnalytics.self).totals.resourcesUploaded == 0)

            // The report counts the learner, who only read and studied, as a user.
            let report = try await client.call(.get, "/api/v1/report", token: try await client.logIn("wang"))
            #expect(report.status == .ok)
            let usage = try #require(try report.decode(MonitoringReportBody.self).rules.first { $0.id == "usage_coverage" })
            #expect(!usage.items.contains { $0.id == "xs" })
        }
    }

    @Test func recommendationsFollowTheOfferingThenThePrerequisites() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let arc = try await Self.publishedResource(client, lib, token: teacher, title: "电弧")
            let arc2 = try await Self.publishedResource(client, lib, token: teacher, title: "电弧二")
            let gmaw = try await Self.publishedResource(client, lib, token: teacher, title: "气保焊", point: "gmaw")
            let ut = try await Self.publishedResource(client, lib, token: teacher, title: "超声", course: "check", point: "ut")
            // A second version of the ultrasound resource waits for review; learners keep the published one.
            let revised = try await client.call(.patch, "/api/v1/resources/\(ut)", token: teacher, json: #"{"title":"超声（修订）"}"#)
            #expect(try revised.decode(Resource.self).status == .pending)
            let learner = try await client.logIn("xs")
            // A newcomer gets the newest resources, a published one whose next version is under review among them.
            let fresh = try await client.call(.get, "/api/v1/me/recommendations?limit=2", token: learner).decode(
                PageOf<LearnerRecommendations.Suggestion>.self
            )
            #expect(fresh.items.map(\.resource) == [ut, gmaw])
            #expect(fresh.items.allSatisfy { $0.reason == "newest" })

            let body = #"{"course":"check","title":"检测","units":[{"title":"一","items":[{"resource":"\#(ut)"}]}]}"#
            let offering = try await client.call(.post, "/api/v1/offerings", token: teacher, json: body).decode(Offering.self)
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/publish", token: teacher)
            _ = try await client.call(.post, "/api/v1/offerings/\(offering.id)/enrollments", token: learner)
            _ = try await client.call(.get, "/api/v1/resources/\(arc)/content", token: learner)
            // gmaw needs arc, which the learner studied: it comes before more on arc itself.
            let suggested = try await client.call(.get, "/api/v1/me/recommendations", token: learner).decode(
                PageOf<LearnerRecommendations.Suggestion>.self
            )
            #expect(suggested.items.map(\.resource) == [ut, gmaw, arc2])
            #expect(suggested.items.map(\.reason) == ["enrolled_offering", "next_point", "same_point"])
            #expect(suggested.items[1].pointName == "熔化极气体保护焊")
        }
    }

    @Test func ratingsAndCommentsAreListedWithTheirMean() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xa", .learner), ("xb", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let arc = try await Self.publishedResource(client, lib, token: teacher, title: "电弧")
            _ = try await client.call(
                .post,
                "/api/v1/resources/\(arc)/ratings",
                token: try await client.logIn("xa"),
                json: #"{"stars":5,"comment":"好"}"#
            )
            let b = try await client.logIn("xb")
            _ = try await client.call(.post, "/api/v1/resources/\(arc)/ratings", token: b, json: #"{"stars":2}"#)
            let long = String(repeating: "长", count: 2001)
            #expect(
                try await client.call(.post, "/api/v1/resources/\(arc)/ratings", token: b, json: #"{"stars":2,"comment":"\#(long)"}"#).status
                    == .unprocessableContent
            )
            let summary = try await client.call(.get, "/api/v1/resources/\(arc)/ratings", token: b).decode(RatingSummary.self)
            #expect(summary.average == 3.5)
            #expect(summary.total == 2)
            #expect(Set(summary.items.map(\.comment)) == ["好", nil])
            // A page past the end still says how many ratings there are and their mean.
            let second = try await client.call(.get, "/api/v1/resources/\(arc)/ratings?page=2&pageSize=1", token: b).decode(RatingSummary.self)
            #expect(second.items.count == 1 && second.total == 2 && second.average == 3.5)
            let beyond = try await client.call(.get, "/api/v1/resources/\(arc)/ratings?page=3&pageSize=1", token: b).decode(RatingSummary.self)
            #expect(beyond.items.isEmpty && beyond.total == 2 && beyond.average == 3.5)
        }
    }
}

/// The parts of the report the tests read.
struct MonitoringReportBody: Decodable {
    struct Rule: Decodable {
        struct Item: Decodable {
            let id: String
        }
        let id: String
        let items: [Item]
    }
    let rules: [Rule]
}

@Suite struct DemoCourseTests {
    @Test func theDemoLearnerHasACourseUnderWayAndAnAnsweredQuestion() async throws {
        let lib = try await TestLibrary()
        let reviews = ReviewService(database: lib.library.database)
        let loaded = try await DemoLibrary.load(into: lib.library) { type, id, reviewer in
            _ = try await reviews.decide(
                type,
                id: id,
                decision: .approve,
                checks: ReviewChecks(political: true, scientific: true, applicability: true, normativity: true),
                comment: nil,
                version: nil,
                reviewer: reviewer
            )
        }
        #expect(loaded)
        try await DemoCourse.load(into: lib.library, paper: nil)
        try await lib.test { client in
            let learner = try await client.logIn("xuesheng", password: "granary-demo")
            let mine = try await client.call(.get, "/api/v1/me/progress", token: learner).decode(PageOf<OfferingProgress>.self)
            let progress = try #require(mine.items.first)
            #expect(progress.total == 7)
            #expect(progress.completed == 1)
            #expect(progress.units.map(\.id) == ["arc", "gmaw", "structure"])
            let posts = try await client.call(.get, "/api/v1/offerings/\(progress.offering)/units/arc/posts", token: learner)
                .decode(PageOf<Post>.self)
            #expect(posts.items.first?.replies?.first?.byTeacher == true)
        }
    }
}
