import Foundation
import GranaryHTTP
import GranaryModel
import GranaryReview
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ReviewTests {
    static let allChecks = #"{"political":true,"scientific":true,"applicability":true,"normativity":true}"#

    /// A library with a teacher's pending PDF, two reviewers, a learner and an admin.
    private func withPending(
        claimDuration: TimeInterval = 1800,
        _ body: @escaping @Sendable (any TestClientProtocol, TestLibrary, Resource) async throws -> Void
    ) async throws {
        var lib = try await TestLibrary.seeded([
            ("zhang", .teacher), ("li", .teacher), ("wang", .reviewer), ("zhao", .reviewer), ("learner", .learner), ("admin", .admin),
        ])
        lib.configuration.claimDuration = claimDuration
        let library = lib
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: teacher).decode(Resource.self)
            #expect(try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher).status == .ok)
            try await body(client, library, resource)
        }
    }

    private func decide(
        _ client: any TestClientProtocol,
        _ id: String,
        token: String,
        decision: String = "approve",
        checks: String = allChecks,
        comment: String? = nil
    ) async throws -> TestResponse {
        let comment = comment.map { #","comment":"\#($0)""# } ?? ""
        return try await client.call(
            .post,
            "/api/v1/reviews/resource/\(id)/decision",
            token: token,
            json: #"{"decision":"\#(decision)","checks":\#(checks)\#(comment)}"#
        )
    }

    @Test func theQueueListsPendingItemsOldestFirstForReviewersOnly() async throws {
        try await self.withPending { client, _, first in
            let teacher = try await client.logIn("zhang")
            let second = try await client.upload(try fixture("weld-bead.png"), metadata: validMetadata, token: teacher).decode(Resource.self)
            _ = try await client.call(.post, "/api/v1/resources/\(second.id)/submit", token: teacher)
            let reviewer = try await client.logIn("wang")
            let queue = try await client.call(.get, "/api/v1/reviews/queue?type=resource", token: reviewer).decode(PageOf<QueueItem>.self)
            #expect(queue.total == 2)
            #expect(queue.items.map(\.id) == [first.id, second.id])
            #expect(queue.items[0].author == "zhang")
            #expect(queue.items[0].ageSeconds >= 0)
            #expect(queue.items[0].claimedBy == nil)
            for user in ["zhang", "learner"] {
                #expect(try await client.call(.get, "/api/v1/reviews/queue", token: try await client.logIn(user)).status == .forbidden)
            }
            let questions = try await client.call(.get, "/api/v1/reviews/queue?type=question", token: reviewer).decode(PageOf<QueueItem>.self)
            #expect(questions.total == 0)
            #expect(try await client.call(.get, "/api/v1/reviews/queue?type=paper", token: reviewer).status == .badRequest)
        }
    }

    @Test func approvalNeedsAllFourChecksAndPublishesAtOnce() async throws {
        try await self.withPending { client, _, resource in
            let reviewer = try await client.logIn("wang")
            let learner = try await client.logIn("learner")
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner).status == .notFound)

            let partial = try await self.decide(
                client,
                resource.id,
                token: reviewer,
                checks: #"{"political":true,"scientific":false,"applicability":true,"normativity":false}"#
            )
            #expect(partial.status == .unprocessableContent)
            let problem = try partial.problem()
            #expect(problem.code == "validation_failed")
            #expect(problem.errors.map(\.field) == ["checks.scientific", "checks.normativity"])

            let approved = try await self.decide(client, resource.id, token: reviewer, comment: "内容准确")
            #expect(approved.status == .created)
            let review = try approved.decode(Review.self)
            #expect(review.decision == .approve)
            #expect(review.version == 1)
            #expect(review.reviewer == "wang")

            let seen = try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner)
            #expect(try seen.decode(Resource.self).status == .approved)
            let again = try await self.decide(client, resource.id, token: reviewer)
            #expect(again.status == .conflict)
            #expect(try again.problem().code == "invalid_transition")

            let history = try await client.call(.get, "/api/v1/resources/\(resource.id)/history", token: try await client.logIn("zhang"))
            #expect(try history.decode(PageOf<Event>.self).items.map(\.action).suffix(2) == ["resource.submitted", "resource.approved"])
        }
    }

    @Test func rejectingOrAskingForChangesNeedsAComment() async throws {
        try await self.withPending { client, _, resource in
            let reviewer = try await client.logIn("wang")
            let bare = try await self.decide(
                client,
                resource.id,
                token: reviewer,
                decision: "request_changes",
                checks: #"{"political":true,"scientific":false,"applicability":true,"normativity":true}"#
            )
            #expect(try bare.problem().errors.map(\.field) == ["comment"])
            let changes = try await self.decide(
                client,
                resource.id,
                token: reviewer,
                decision: "request_changes",
                checks: #"{"political":true,"scientific":false,"applicability":true,"normativity":true}"#,
                comment: "电弧温度数据有误"
            )
            #expect(changes.status == .created)

            let teacher = try await client.logIn("zhang")
            let sentBack = try await client.call(.get, "/api/v1/resources/\(resource.id)", token: teacher).decode(Resource.self)
            #expect(sentBack.status == .changesRequested)
            let reviews = try await client.call(.get, "/api/v1/reviews/resource/\(resource.id)", token: teacher).decode(PageOf<Review>.self)
            #expect(reviews.items.map(\.comment) == ["电弧温度数据有误"])
            #expect(reviews.items[0].checks.scientific == false)
            #expect(try await client.call(.get, "/api/v1/reviews/resource/\(resource.id)", token: try await client.logIn("li")).status == .forbidden)

            // The author fixes it and sends it back; it joins the queue again.
            _ = try await client.upload(try fixture("weld-bead.png"), metadata: nil, token: teacher, to: resource.id)
            #expect(try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher).status == .ok)
            let queue = try await client.call(.get, "/api/v1/reviews/queue", token: reviewer).decode(PageOf<QueueItem>.self)
            #expect(queue.items.map(\.version) == [2])

            let rejected = try await self.decide(client, resource.id, token: reviewer, decision: "reject", comment: "不属于本课程")
            #expect(rejected.status == .created)
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: teacher).decode(Resource.self).status == .rejected)
        }
    }

    @Test func teachersLearnersAndAuthorsCannotDecide() async throws {
        try await self.withPending { client, _, resource in
            for user in ["zhang", "li", "learner"] {
                let response = try await self.decide(client, resource.id, token: try await client.logIn(user))
                #expect(response.status == .forbidden)
            }
            // An admin may review, but not what the admin wrote.
            let admin = try await client.logIn("admin")
            let own = try await client.upload(try fixture("weld-bead.png"), metadata: validMetadata, token: admin).decode(Resource.self)
            _ = try await client.call(.post, "/api/v1/resources/\(own.id)/submit", token: admin)
            let selfReview = try await self.decide(client, own.id, token: admin)
            #expect(selfReview.status == .forbidden)
            #expect(try selfReview.problem().code == "forbidden")
            #expect(try await client.call(.post, "/api/v1/reviews/resource/\(own.id)/claim", token: admin).status == .forbidden)
            #expect(try await self.decide(client, resource.id, token: admin).status == .created)

            let draft = try await client.upload(try fixture("weld-bead.png"), metadata: validMetadata, token: try await client.logIn("zhang")).decode(
                Resource.self
            )
            let notPending = try await self.decide(client, draft.id, token: try await client.logIn("wang"))
            #expect(try notPending.problem().code == "invalid_transition")
            #expect(try await self.decide(client, UUID().uuidString.lowercased(), token: admin).status == .notFound)
        }
    }

    @Test func aClaimKeepsOtherReviewersOffUntilItLapses() async throws {
        try await self.withPending { client, _, resource in
            let wang = try await client.logIn("wang")
            let zhao = try await client.logIn("zhao")
            let claimed = try await client.call(.post, "/api/v1/reviews/resource/\(resource.id)/claim", token: wang)
            #expect(claimed.status == .ok)
            let queue = try await client.call(.get, "/api/v1/reviews/queue", token: zhao).decode(PageOf<QueueItem>.self)
            #expect(queue.items.first?.claimedBy == "wang")

            let taken = try await client.call(.post, "/api/v1/reviews/resource/\(resource.id)/claim", token: zhao)
            #expect(taken.status == .conflict)
            #expect(try taken.problem().code == "conflict")
            #expect(try await self.decide(client, resource.id, token: zhao).status == .conflict)
            #expect(try await client.call(.post, "/api/v1/reviews/resource/\(resource.id)/claim", token: wang).status == .ok)
            #expect(try await self.decide(client, resource.id, token: wang).status == .created)
        }
        try await self.withPending(claimDuration: -1) { client, _, resource in
            _ = try await client.call(.post, "/api/v1/reviews/resource/\(resource.id)/claim", token: try await client.logIn("wang"))
            let zhao = try await client.logIn("zhao")
            #expect(try await client.call(.post, "/api/v1/reviews/resource/\(resource.id)/claim", token: zhao).status == .ok)
        }
    }

    @Test func twoReviewersDecidingAtOnceCannotBothSucceed() async throws {
        try await self.withPending { client, lib, resource in
            let tokens = [try await client.logIn("wang"), try await client.logIn("zhao")]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (index, token) in tokens.enumerated() {
                    group.addTask {
                        let decision = index == 0 ? "approve" : "reject"
                        return try await self.decide(client, resource.id, token: token, decision: decision, comment: "并发").status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 1)
            #expect(try await lib.count("reviews") == 1)
        }
    }

    @Test func aNewVersionOfAnApprovedResourceWaitsWhileTheOldOneStaysVisible() async throws {
        try await self.withPending { client, _, resource in
            let reviewer = try await client.logIn("wang")
            let teacher = try await client.logIn("zhang")
            let learner = try await client.logIn("learner")
            _ = try await self.decide(client, resource.id, token: reviewer)
            let v2 = try await client.upload(try fixture("weld-bead.png"), metadata: nil, token: teacher, to: resource.id).decode(Resource.self)
            #expect(v2.status == .pending)
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner).decode(Resource.self).version == 1)

            let stale = try await client.call(
                .post,
                "/api/v1/reviews/resource/\(resource.id)/decision",
                token: reviewer,
                json: #"{"decision":"approve","checks":\#(Self.allChecks),"version":1}"#
            )
            #expect(stale.status == .conflict)
            #expect(try stale.problem().errors.map(\.field) == ["version"])

            #expect(try await self.decide(client, resource.id, token: reviewer).status == .created)
            let seen = try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner).decode(Resource.self)
            #expect(seen.version == 2)
            #expect(seen.mime == "image/png")
        }
    }

    @Test func learnersRatePublishedResourcesOnly() async throws {
        try await self.withPending { client, _, resource in
            let learner = try await client.logIn("learner")
            let early = try await client.call(.post, "/api/v1/resources/\(resource.id)/ratings", token: learner, json: #"{"stars":5}"#)
            #expect(early.status == .notFound)
            _ = try await self.decide(client, resource.id, token: try await client.logIn("wang"))

            let rated = try await client.call(.post, "/api/v1/resources/\(resource.id)/ratings", token: learner, json: #"{"stars":4,"comment":"清楚"}"#)
            #expect(rated.status == .created)
            #expect(try rated.decode(Rating.self).stars == 4)
            let tooMany = try await client.call(.post, "/api/v1/resources/\(resource.id)/ratings", token: learner, json: #"{"stars":6}"#)
            #expect(try tooMany.problem().errors.map(\.field) == ["stars"])
            let own = try await client.call(
                .post,
                "/api/v1/resources/\(resource.id)/ratings",
                token: try await client.logIn("zhang"),
                json: #"{"stars":5}"#
            )
            #expect(own.status == .forbidden)
        }
    }

    @Test func theReportIsServedAsJSONAndAsAChinesePage() async throws {
        try await self.withPending { client, _, resource in
            let admin = try await client.logIn("admin")
            _ = try await self.decide(client, resource.id, token: try await client.logIn("wang"))
            let json = try await client.call(.get, "/api/v1/report?year=2026", token: admin)
            #expect(json.status == .ok)
            let report = try json.decode(MonitoringReport.self)
            #expect(report.year == 2026)
            #expect(report.totals.resources == 1)
            let ids = report.rules.map(\.id)
            #expect(
                ids == [
                    "text_image_share", "original_share", "annual_update", "core_course_coverage", "point_resource_coverage",
                    "question_bank_coverage", "practical_share", "usage_coverage", "satisfaction",
                ]
            )
            #expect(report.rules.first { $0.id == "original_share" }?.pass == true)

            let page = try await client.call(.get, "/api/v1/report?year=2026&format=html", token: admin)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.body.string.contains("2026 年度资源库监测报告"))
            #expect(page.body.string.contains("未达标"))

            #expect(try await client.call(.get, "/api/v1/report", token: try await client.logIn("learner")).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/report?year=abc", token: admin).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/report?format=xml", token: admin).status == .badRequest)
        }
    }
}
