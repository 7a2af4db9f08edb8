import Foundation
import GranaryModel
import GranaryTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import GranaryHTTP

/// 练一练 through the API: a set on the learner's weakest points, answers checked one at a time with their analysis
/// and right answer, mastery moving at once, and the set kept out of everything teachers count.
@Suite struct PracticeTests {
    struct Started: Decodable {
        struct Focus: Decodable {
            let point: String
            let mastery: Double?
        }

        let attempt: Attempt
        let focus: [Focus]
    }

    struct Mastery: Decodable {
        struct Item: Decodable {
            let point: String
            let answers: Int
        }

        let items: [Item]
    }

    @Test func aPracticeSetChecksEachAnswerAtOnceAndMovesMastery() async throws {
        let lib = try await TestLibrary.seeded([("xs", .learner), ("other", .learner), ("wang", .reviewer)])
        let teacher = try await lib.addUser("zhang", .teacher)
        let questions = try await PaperTests.sixTypes(lib, by: teacher)
        try await lib.test { client in
            let learner = try await client.logIn("xs")
            let made = try await client.call(.post, "/api/v1/practice", token: learner, json: #"{"course":"weld","count":3}"#)
            #expect(made.status == .created)
            let started = try made.decode(Started.self)
            let attempt = started.attempt
            #expect(attempt.practice && attempt.status == "open" && attempt.questions.count == 3)
            // Only questions the grader scores at once; the focus is the course's points (none assessed yet).
            #expect(attempt.questions.allSatisfy { [.single, .multiple, .judge, .fill].contains($0.type) })
            #expect(Set(started.focus.map(\.point)) == ["arc", "gmaw"] && started.focus.allSatisfy { $0.mastery == nil })
            #expect(attempt.items == [])

            // Teachers never see it: not in their lists, not for an offering.
            let teacherToken = try await client.logIn("zhang")
            struct Papers: Decodable { let items: [Paper] }
            let listed = try await client.call(.get, "/api/v1/papers?course=weld", token: teacherToken).decode(Papers.self)
            #expect(!listed.items.contains { $0.id == attempt.paper })
            #expect(try await client.call(.get, "/api/v1/papers/\(attempt.paper)", token: teacherToken).decode(Paper.self).kind == .practice)
            let offering = try await client.call(
                .post,
                "/api/v1/offerings",
                token: teacherToken,
                json: #"{"course":"weld","title":"含练习","units":[{"title":"一","items":[{"paper":"\#(attempt.paper)"}]}]}"#
            )
            #expect(offering.status == .unprocessableContent)

            // One answer checked: scored, analysed, the right answer shown, and mastery moves while the set is open.
            let first = try #require(attempt.questions.first)
            let answer = Self.rightAnswer(of: first.question, in: questions)
            let checked = try await client.call(
                .post,
                "/api/v1/attempts/\(attempt.id)/check",
                token: learner,
                json: #"{"question":"\#(first.question)","answer":\#(answer)}"#
            )
            #expect(checked.status == .ok)
            let after = try checked.decode(Attempt.self)
            let result = try #require(after.items?.first)
            #expect(after.items?.count == 1 && result.question == first.question && result.correct == true && result.score == first.score)
            #expect(result.rightAnswer != nil && result.checkedAt != nil && after.status == "open")
            let mastery = try await client.call(.get, "/api/v1/me/mastery", token: learner).decode(Mastery.self)
            #expect(mastery.items.reduce(0) { $0 + $1.answers } >= 1)

            // A checked answer stays: checking it again is 409, changing it 422; a question of no set is 422.
            let again = try await client.call(
                .post,
                "/api/v1/attempts/\(attempt.id)/check",
                token: learner,
                json: #"{"question":"\#(first.question)","answer":\#(answer)}"#
            )
            #expect(again.status == .conflict)
            let changed = try await client.call(
                .put,
                "/api/v1/attempts/\(attempt.id)/answers",
                token: learner,
                json: #"{"answers":{"\#(first.question)":null}}"#
            )
            #expect(changed.status == .unprocessableContent)
            #expect(try changed.problem().errors.map(\.field) == ["answers.\(first.question)"])
            let stranger = try await client.call(
                .post,
                "/api/v1/attempts/\(attempt.id)/check",
                token: learner,
                json: #"{"question":"nope","answer":"A"}"#
            )
            #expect(stranger.status == .unprocessableContent)
            #expect(try stranger.problem().errors.map(\.field) == ["question"])
            let someoneElse = try await client.call(
                .post,
                "/api/v1/attempts/\(attempt.id)/check",
                token: try await client.logIn("other"),
                json: #"{"question":"\#(first.question)","answer":\#(answer)}"#
            )
            #expect(someoneElse.status == .notFound)

            // Handing in keeps the checked result and scores the rest; the checked answer counts once for mastery.
            let submitted = try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner).decode(Attempt.self)
            #expect(submitted.status == "graded" && submitted.items?.count == 3)
            #expect(submitted.items?.first { $0.question == first.question }?.checkedAt == result.checkedAt)
            let final = try await client.call(.get, "/api/v1/me/mastery", token: learner).decode(Mastery.self)
            // Each of the three answers assessed one point (the bank's questions have one each).
            #expect(final.items.reduce(0) { $0 + $1.answers } == 3)

            // The next set starts from the weakest point now.
            struct Assessed: Decodable {
                struct Item: Decodable {
                    let point: String
                    let mastery: Double
                }

                let items: [Item]
            }
            let weakest = try #require(try await client.call(.get, "/api/v1/me/mastery", token: learner).decode(Assessed.self).items.first)
            let next = try await client.call(.post, "/api/v1/practice", token: learner, json: #"{"course":"weld","count":1}"#).decode(Started.self)
            #expect(next.focus.map(\.point) == [weakest.point] && next.focus.first?.mastery == weakest.mastery)

            // An exam is not checked one by one; bad sizes, unknown courses and reviewers are refused.
            let exam = try await client.call(
                .post,
                "/api/v1/papers",
                token: teacherToken,
                json: #"{"course":"weld","title":"考试","questions":["\#(questions[0])"]}"#
            ).decode(Paper.self)
            let sitting = try await client.call(.post, "/api/v1/papers/\(exam.id)/attempts", token: learner).decode(Attempt.self)
            #expect(!sitting.practice)
            let examCheck = try await client.call(
                .post,
                "/api/v1/attempts/\(sitting.id)/check",
                token: learner,
                json: #"{"question":"\#(questions[0])","answer":"B"}"#
            )
            #expect(examCheck.status == .conflict)
            #expect(
                try await client.call(.post, "/api/v1/practice", token: learner, json: #"{"course":"weld","count":0}"#).status
                    == .unprocessableContent
            )
            #expect(try await client.call(.post, "/api/v1/practice", token: learner, json: #"{"course":"nowhere"}"#).status == .unprocessableContent)
            #expect(
                try await client.call(.post, "/api/v1/practice", token: try await client.logIn("wang"), json: #"{"course":"weld"}"#).status
                    == .forbidden
            )
        }
    }

    /// The right answer of one of `PaperTests.sixTypes`'s questions, as JSON.
    static func rightAnswer(of question: String, in questions: [String]) -> String {
        switch questions.firstIndex(of: question) {
        case 0: #""B""#
        case 1: #"["A","B"]"#
        case 2: "true"
        default: #"["10-15","1.2"]"#
        }
    }
}
