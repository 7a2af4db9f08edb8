import Foundation
import GRDB
import GranaryAssessment
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct PaperTests {
    /// Publishes a question written through the store, as a passed review would.
    static func published(_ lib: TestLibrary, _ input: QuestionStore.Input, by author: User) async throws -> String {
        let question = try await QuestionStore(database: lib.library.database).create(input, author: author)
        try await lib.library.database.write { db in try ReviewedItems.questions.publishCurrentVersion(db, id: question.id) }
        return question.id
    }

    /// Six questions on course `weld`, one of each type, worth 2, 3, 1, 2, 5 and 10.
    static func sixTypes(_ lib: TestLibrary, by author: User) async throws -> [String] {
        let options: [Question.Option] = [.init(id: "A", text: "甲"), .init(id: "B", text: "乙"), .init(id: "C", text: "丙")]
        let inputs: [QuestionStore.Input] = [
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .single,
                difficulty: 2,
                stem: "单选",
                options: options,
                answer: .string("B"),
                analysis: .some("因为乙"),
                score: 2
            ),
            .init(
                course: "weld",
                knowledgePoints: ["gmaw"],
                type: .multiple,
                difficulty: 3,
                stem: "多选",
                options: options,
                answer: .array([.string("A"), .string("B")]),
                score: 3
            ),
            .init(course: "weld", knowledgePoints: ["arc"], type: .judge, difficulty: 1, stem: "判断", answer: .bool(true), score: 1),
            .init(
                course: "weld",
                knowledgePoints: ["gmaw"],
                type: .fill,
                difficulty: 3,
                stem: "填 ____ 和 ____",
                answer: .array([.array([.string("10-15")]), .array([.string("1.2")])]),
                score: 2
            ),
            .init(course: "weld", knowledgePoints: ["arc"], type: .short, difficulty: 4, stem: "简答", answer: .string("阴极区、弧柱区、阳极区"), score: 5),
            .init(
                course: "weld",
                knowledgePoints: ["gmaw"],
                type: .practical,
                difficulty: 5,
                stem: "实操",
                answer: .string("焊缝成形良好"),
                rubric: [.init(criterion: "成形", points: 6), .init(criterion: "安全", points: 4)],
                score: 10
            ),
        ]
        var ids: [String] = []
        for input in inputs { ids.append(try await Self.published(lib, input, by: author)) }
        return ids
    }

    @Test func anAttemptIsScoredByEveryRuleItsImportedQuestionsBrought() async throws {
        let lib = try await TestLibrary.seeded([("learner", .learner)])
        let teacher = try await lib.addUser("zhang", .teacher)
        // Fixture, then answers and what each earns under the source's own response processing.
        let cases: [(file: String, answers: [(String, Double)])] = [
            ("numeric-exact.xml", [(#"["４"]"#, 2), (#"["4.1"]"#, 0)]),
            ("numeric-tolerance.xml", [(#"["9.84"]"#, 2), (#"["9.9"]"#, 0)]),
            ("numeric-rounded.xml", [(#"["3.14"]"#, 1), (#"["3.15"]"#, 0)]),
            ("case-sensitive.xml", [(#"["Fe"]"#, 1), (#"["FE"]"#, 0)]),
            ("partial-multiple.xml", [(#"["Ar"]"#, 1), (#"["Ar","N2"]"#, 0)]),
            ("partial-single.xml", [(#""U""#, 1), (#""V""#, 2)]),
            ("three-different.xml", [(#"["红","红","红"]"#, 1), (#"["蓝","红","黄"]"#, 3)]),
            ("weighted-blanks.xml", [(#"["","短弧"]"#, 3), (#"["直流反接",""]"#, 1)]),
            ("all-or-nothing.xml", [(#"["角焊缝","5"]"#, 0), (#"["角焊缝","6"]"#, 2)]),
        ]
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            var ids: [String] = []
            for item in cases {
                let response = try await client.executeRequest(
                    uri: "/api/v1/questions/import?course=weld&knowledgePoints=arc",
                    method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/xml"],
                    body: ByteBuffer(bytes: try fixture("qti-scoring/" + item.file))
                )
                #expect(response.status == .created, "\(item.file): \(response.body.string)")
                let id = try response.decode(QTIReport.self).imported[0]
                try await lib.library.database.write { db in try ReviewedItems.questions.publishCurrentVersion(db, id: id) }
                ids.append(id)
            }
            let body = #"{"course":"weld","title":"评分规则","questions":[\#(ids.map { "\"\($0)\"" }.joined(separator: ","))]}"#
            let paper = try await client.call(.post, "/api/v1/papers", token: token, json: body).decode(Paper.self)
            let learner = try await client.logIn("learner")
            for round in 0..<2 {
                let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner).decode(Attempt.self)
                let answers = zip(ids, cases).map { "\"\($0)\":\($1.answers[round].0)" }.joined(separator: ",")
                let saved = try await client.call(.put, "/api/v1/attempts/\(attempt.id)/answers", token: learner, json: #"{"answers":{\#(answers)}}"#)
                #expect(saved.status == .ok, "\(saved.body.string)")
                let submitted = try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner).decode(Attempt.self)
                #expect(submitted.status == "graded")
                let earned = Dictionary(uniqueKeysWithValues: (submitted.items ?? []).map { ($0.question, $0.score) })
                for (id, item) in zip(ids, cases) {
                    #expect(earned[id] == item.answers[round].1, "\(item.file) round \(round)")
                }
                #expect(submitted.score == cases.reduce(0) { $0 + $1.answers[round].1 })
            }
        }
    }

    @Test func aHandMadePaperIsTakenScoredAtOnceAndGradedByRubric() async throws {
        let lib = try await TestLibrary.seeded([("wang", .reviewer), ("learner", .learner), ("other", .learner)])
        let teacher = try await lib.addUser("zhang", .teacher)
        let q = try await Self.sixTypes(lib, by: teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let body = #"{"course":"weld","title":"焊接方法单元测验","questions":[\#(q.map { "\"\($0)\"" }.joined(separator: ","))]}"#
            let created = try await client.call(.post, "/api/v1/papers", token: token, json: body)
            #expect(created.status == .created)
            let paper = try created.decode(Paper.self)
            #expect(paper.totalScore == 23)
            #expect(paper.items.map(\.question) == q)
            #expect(paper.items.allSatisfy { $0.version == 1 })
            #expect(paper.figures.byType == ["single": 1, "multiple": 1, "judge": 1, "fill": 1, "short": 1, "practical": 1])
            #expect(paper.figures.covered == ["arc", "gmaw"])

            let learner = try await client.logIn("learner")
            #expect(try await client.call(.post, "/api/v1/papers", token: learner, json: body).status == .forbidden)
            let started = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner)
            #expect(started.status == .created)
            #expect(!started.body.string.contains("10-15"))
            #expect(!started.body.string.contains("因为乙"))
            let attempt = try started.decode(Attempt.self)
            #expect(attempt.questions.first { $0.type == .fill }?.blanks == 2)

            let wrongShape = try await client.call(
                .put,
                "/api/v1/attempts/\(attempt.id)/answers",
                token: learner,
                json: #"{"answers":{"\#(q[0])":true,"nope":"A"}}"#
            )
            #expect(try wrongShape.problem().errors.map(\.field).sorted() == ["answers.\(q[0])", "answers.nope"].sorted())
            let answers = """
                {"answers":{"\(q[0])":"B","\(q[1])":["B","A"],"\(q[2])":false,"\(q[3])":["１０-１５","2.0"],"\(q[4])":"阴极区和阳极区","\(q[5])":"完成平焊"}}
                """
            #expect(try await client.call(.put, "/api/v1/attempts/\(attempt.id)/answers", token: learner, json: answers).status == .ok)
            let other = try await client.logIn("other")
            #expect(try await client.call(.get, "/api/v1/attempts/\(attempt.id)", token: other).status == .notFound)
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: other).status == .notFound)

            let submitted = try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner).decode(Attempt.self)
            #expect(submitted.status == "submitted")
            // 2 (single) + 3 (multiple, order ignored) + 0 (judge) + 1 (one of two blanks, full-width digits read) = 6.
            #expect(submitted.score == 6)
            #expect(submitted.pending == [q[4], q[5]])
            #expect(submitted.items?.first?.analysis == "因为乙")
            #expect(submitted.items?.map(\.correct) == [true, true, false, false, nil, nil])
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner).status == .conflict)

            #expect(
                try await client.call(.post, "/api/v1/attempts/\(attempt.id)/grades", token: learner, json: #"{"grades":{}}"#).status == .forbidden
            )
            let tooMuch = #"{"grades":{"\#(q[5])":{"rubric":[7,4]}}}"#
            #expect(
                try await client.call(.post, "/api/v1/attempts/\(attempt.id)/grades", token: token, json: tooMuch).problem().errors.map(\.field) == [
                    "grades.\(q[5])"
                ]
            )
            let grades = #"{"grades":{"\#(q[4])":{"score":4},"\#(q[5])":{"rubric":[5,4]}}}"#
            let graded = try await client.call(.post, "/api/v1/attempts/\(attempt.id)/grades", token: token, json: grades).decode(Attempt.self)
            #expect(graded.status == "graded")
            #expect(graded.score == 19)
            #expect(graded.items?.last?.rubricScores == [5, 4])
            #expect(graded.pending == [])

            let unpublished = try await QuestionStore(database: lib.library.database).create(
                .init(course: "weld", knowledgePoints: ["arc"], type: .judge, difficulty: 1, stem: "草稿", answer: .bool(true), score: 1),
                author: teacher
            )
            let refused = try await client.call(
                .post,
                "/api/v1/papers",
                token: token,
                json: #"{"course":"weld","title":"x","questions":["\#(unpublished.id)"]}"#
            )
            #expect(try refused.problem().errors.map(\.field) == ["questions[0]"])
            #expect(
                try await client.call(.post, "/api/v1/papers", token: token, json: #"{"course":"weld","title":"x"}"#).problem().code
                    == "validation_failed"
            )
        }
    }

    @Test func statisticsGiveDifficultyAndDiscriminationOnAHandComputedExample() async throws {
        let lib = try await TestLibrary.seeded([("xa", .learner), ("xb", .learner), ("xc", .learner), ("xd", .learner), ("wang", .reviewer)])
        let teacher = try await lib.addUser("zhang", .teacher)
        let q = try await Self.sixTypes(lib, by: teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let paper = try await client.call(
                .post,
                "/api/v1/papers",
                token: token,
                json: #"{"course":"weld","title":"客观题","questions":["\#(q[0])","\#(q[2])"]}"#
            )
            .decode(Paper.self)
            // a: both right (3), b: single right (2), c: judge right (1), d: none (0).
            for (learner, single, judge) in [("xa", "B", true), ("xb", "B", false), ("xc", "A", true), ("xd", "C", false)] {
                let session = try await client.logIn(learner)
                let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: session).decode(Attempt.self)
                _ = try await client.call(
                    .put,
                    "/api/v1/attempts/\(attempt.id)/answers",
                    token: session,
                    json: #"{"answers":{"\#(q[0])":"\#(single)","\#(q[2])":\#(judge)}}"#
                )
                let done = try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: session).decode(Attempt.self)
                #expect(done.status == "graded")
            }
            let learner = try await client.logIn("xa")
            #expect(try await client.call(.get, "/api/v1/papers/\(paper.id)/stats", token: learner).status == .forbidden)
            let stats = try await client.call(.get, "/api/v1/papers/\(paper.id)/stats", token: token).decode(PaperStatistics.self)
            #expect(stats.attempts == 4)
            // p = 2/4 for each; top 27% of 4 is one attempt (a), bottom one (d): discrimination 1 − 0.
            #expect(stats.items.map(\.difficulty) == [0.5, 0.5])
            #expect(stats.items.map(\.discrimination) == [1, 1])
            #expect(stats.points.map(\.point) == ["arc"])
            #expect(stats.points.first?.difficulty == 0.5)
        }
    }

    @Test func aPaperKeepsTheVersionsItWasGivenWhenAQuestionChanges() async throws {
        let lib = try await TestLibrary.seeded([("wang", .reviewer), ("learner", .learner)])
        let teacher = try await lib.addUser("zhang", .teacher)
        let q = try await Self.sixTypes(lib, by: teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let paper = try await client.call(
                .post,
                "/api/v1/papers",
                token: token,
                json: #"{"course":"weld","title":"v1","questions":["\#(q[0])"]}"#
            ).decode(Paper.self)
            _ = try await client.call(.patch, "/api/v1/questions/\(q[0])", token: token, json: #"{"stem":"改过的单选","answer":"C"}"#)
            let reviewer = try await client.logIn("wang")
            let decision = #"{"decision":"approve","checks":{"political":true,"scientific":true,"applicability":true,"normativity":true}}"#
            #expect(try await client.call(.post, "/api/v1/reviews/question/\(q[0])/decision", token: reviewer, json: decision).status == .created)

            let again = try await client.call(.get, "/api/v1/papers/\(paper.id)", token: token).decode(Paper.self)
            #expect(again.items.first?.version == 1)
            let learner = try await client.logIn("learner")
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner).decode(Attempt.self)
            #expect(attempt.questions.first?.stem == "单选")
            _ = try await client.call(.put, "/api/v1/attempts/\(attempt.id)/answers", token: learner, json: #"{"answers":{"\#(q[0])":"B"}}"#)
            // Graded against version 1's key (B), not version 2's (C).
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner).decode(Attempt.self).score == 2)
            await #expect(throws: (any Error).self) {
                try await lib.library.database.write { db in try db.execute(sql: "UPDATE paperQuestions SET version = 2") }
            }
        }
    }

    @Test func aBlueprintIsMetAsAnIndependentCheckSeesItAndAnImpossibleOneIsNamed() async throws {
        let lib = try await TestLibrary.seeded([("learner", .learner)])
        let teacher = try await lib.addUser("zhang", .teacher)
        // 48 questions: each type in every difficulty, on both points; a type's questions all score the same.
        let scores: [QuestionType: Double] = [.single: 2, .multiple: 3, .judge: 1, .fill: 2, .short: 5, .practical: 10]
        var bank: [String: (type: QuestionType, difficulty: Int, points: [String])] = [:]
        for type in QuestionType.allCases {
            for number in 0..<8 {
                let difficulty = number % 5 + 1
                let points = number % 2 == 0 ? ["arc"] : ["gmaw"]
                let answer: JSONValue =
                    switch type {
                    case .single: .string("A")
                    case .multiple: .array([.string("A"), .string("B")])
                    case .judge: .bool(true)
                    case .fill: .array([.array([.string("答案")])])
                    case .short, .practical: .string("参考答案")
                    }
                let id = try await Self.published(
                    lib,
                    .init(
                        course: "weld",
                        knowledgePoints: points,
                        type: type,
                        difficulty: difficulty,
                        stem: "\(type.rawValue) \(number)",
                        options: type == .single || type == .multiple ? [.init(id: "A", text: "甲"), .init(id: "B", text: "乙")] : nil,
                        answer: answer,
                        rubric: type == .practical ? [.init(criterion: "完成", points: 10)] : nil,
                        score: scores[type]!
                    ),
                    by: teacher
                )
                bank[id] = (type, difficulty, points)
            }
        }
        let written = bank
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let blueprint =
                #"{"total":8,"byType":{"single":3,"multiple":1,"judge":2,"short":1,"practical":1},"difficulty":{"target":3,"tolerance":0.5},"cover":"all","score":26,"maxPerPoint":6,"seed":7}"#
            let response = try await client.call(
                .post,
                "/api/v1/papers",
                token: token,
                json: #"{"course":"weld","title":"蓝图组卷","blueprint":\#(blueprint)}"#
            )
            #expect(response.status == .created)
            let paper = try response.decode(Paper.self)
            // An independent check of every constraint, from the bank as written above.
            let chosen = paper.items.map { written[$0.question]! }
            #expect(Set(paper.items.map(\.question)).count == 8)
            #expect(Dictionary(grouping: chosen, by: \.type).mapValues(\.count) == [.single: 3, .multiple: 1, .judge: 2, .short: 1, .practical: 1])
            #expect(chosen.reduce(0) { $0 + scores[$1.type]! } == 26)
            let mean = Double(chosen.reduce(0) { $0 + $1.difficulty }) / 8
            #expect(mean >= 2.5 && mean <= 3.5)
            let perPoint = Dictionary(grouping: chosen.flatMap(\.points), by: { $0 }).mapValues(\.count)
            #expect(Set(perPoint.keys) == ["arc", "gmaw"])
            #expect(perPoint.values.allSatisfy { $0 <= 6 })
            #expect(paper.figures.uncovered == [])
            #expect(paper.figures.score == 26)
            #expect(paper.blueprint?.seed == 7)
            #expect(paper.figures.bound.map { $0 >= paper.figures.objective ?? .max } == true)
            #expect(paper.figures.parallel == nil)

            let fresh = try await client.call(
                .post,
                "/api/v1/papers",
                token: token,
                json:
                    #"{"course":"weld","title":"再组一份","blueprint":{"total":8,"byType":{"single":3,"multiple":1,"judge":2,"short":1,"practical":1},"difficulty":{"target":3,"tolerance":0.5},"excludeRecent":1}}"#
            ).decode(Paper.self)
            #expect(Set(fresh.items.map(\.question)).isDisjoint(with: paper.items.map(\.question)))

            // A卷 and B卷 at once: each meets the blueprint, they share at most 2 of 8 questions.
            let pair = try await client.call(
                .post,
                "/api/v1/papers",
                token: token,
                json: #"{"course":"weld","title":"期末","blueprint":\#(blueprint.dropLast()),"papers":2,"maxOverlap":0.25}}"#
            )
            #expect(pair.status == .created)
            let a = try pair.decode(Paper.self)
            #expect(a.title == "期末（A卷）")
            let ids = try #require(a.figures.parallel)
            #expect(ids.count == 2 && ids[0] == a.id)
            let b = try await client.call(.get, "/api/v1/papers/\(ids[1])", token: token).decode(Paper.self)
            #expect(b.title == "期末（B卷）")
            #expect(Set(a.items.map(\.question)).intersection(b.items.map(\.question)).count <= 2)
            #expect(a.figures.shared == b.figures.shared && (a.figures.shared ?? 9) <= 2)
            for sat in [a, b] {
                let items = sat.items.map { written[$0.question]! }
                #expect(items.reduce(0) { $0 + scores[$1.type]! } == 26)
                #expect(sat.figures.bound == a.figures.bound && (sat.figures.objective ?? 0) <= (sat.figures.bound ?? 0))
            }

            func refusal(_ blueprint: String) async throws -> ProblemBody {
                try await client.call(.post, "/api/v1/papers", token: token, json: #"{"course":"weld","title":"x","blueprint":\#(blueprint)}"#)
                    .problem()
            }
            let quota = try await refusal(#"{"total":20,"byType":{"practical":20},"difficulty":{"target":3,"tolerance":2}}"#)
            #expect(quota.code == "infeasible_blueprint")
            #expect(quota.errors.map(\.field) == ["blueprint.type_quota"])
            let score = try await refusal(#"{"total":2,"byType":{"judge":2},"difficulty":{"target":3,"tolerance":2},"score":3}"#)
            #expect(score.errors.map(\.field) == ["blueprint.score"])
            let total = try await refusal(#"{"total":3,"byType":{"judge":2},"difficulty":{"target":3,"tolerance":2}}"#)
            #expect(total.code == "validation_failed")
            #expect(total.errors.map(\.field) == ["blueprint.total"])
            let many = try await refusal(#"{"total":2,"byType":{"judge":2},"difficulty":{"target":3,"tolerance":2},"papers":9,"maxOverlap":1.5}"#)
            #expect(many.errors.map(\.field) == ["blueprint.papers", "blueprint.maxOverlap"])
            // Four disjoint papers of six practical questions from a bank of eight: the second cannot be made.
            let disjoint = try await refusal(
                #"{"total":6,"byType":{"practical":6},"difficulty":{"target":3,"tolerance":2},"papers":2,"maxOverlap":0}"#
            )
            #expect(disjoint.code == "infeasible_blueprint")
            #expect(disjoint.detail.contains("（B卷）"), "\(disjoint.detail)")
            let cover = try await refusal(#"{"total":2,"byType":{"judge":2},"difficulty":{"target":3,"tolerance":2},"cover":["ut"]}"#)
            #expect(cover.code == "unknown_knowledge_point")
            _ = try await lib.library.catalogue.createPoint(
                id: "saw",
                name: "埋弧焊",
                course: "weld",
                kind: .knowledge,
                prerequisites: [],
                actor: "test"
            )
            let bare = try await refusal(#"{"total":2,"byType":{"judge":2},"difficulty":{"target":3,"tolerance":2},"cover":["saw"]}"#)
            #expect(bare.code == "infeasible_blueprint")
            #expect(bare.errors.map(\.field) == ["blueprint.cover"])
            #expect(bare.detail.contains("'saw'"), "\(bare.detail)")
            let learner = try await client.logIn("learner")
            #expect(
                try await client.call(.post, "/api/v1/papers", token: learner, json: #"{"course":"weld","title":"x","blueprint":\#(blueprint)}"#)
                    .status == .forbidden
            )
        }
    }

    @Test func gradedAnswersMoveTheLearnersMasteryOfEachPointAtOnce() async throws {
        let lib = try await TestLibrary.seeded([("xs", .learner), ("other", .learner)])
        let teacher = try await lib.addUser("zhang", .teacher)
        let q = try await Self.sixTypes(lib, by: teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let body = #"{"course":"weld","title":"掌握度","questions":[\#(q.map { "\"\($0)\"" }.joined(separator: ","))]}"#
            let paper = try await client.call(.post, "/api/v1/papers", token: token, json: body).decode(Paper.self)
            let learner = try await client.logIn("xs")
            struct Report: Decodable {
                struct Item: Decodable {
                    let point: String
                    let name: String
                    let course: String
                    let mastery: Double
                    let answers: Int
                    let level: String
                }
                let model: String
                let items: [Item]
            }
            let before = try await client.call(.get, "/api/v1/me/mastery", token: learner).decode(Report.self)
            #expect(before.model == "elo" && before.items.isEmpty)

            // arc: single right, judge wrong, short pending; gmaw: multiple right, fill half right, practical pending.
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner).decode(Attempt.self)
            let answers = #"""
                {"answers":{"\#(q[0])":"B","\#(q[1])":["A","B"],"\#(q[2])":false,"\#(q[3])":["10-15","9"],"\#(q[4])":"阴极区、弧柱区","\#(q[5])":"完成平焊"}}
                """#
            #expect(try await client.call(.put, "/api/v1/attempts/\(attempt.id)/answers", token: learner, json: answers).status == .ok)
            // An open attempt counts for nothing yet.
            #expect(try await client.call(.get, "/api/v1/me/mastery", token: learner).decode(Report.self).items.isEmpty)
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: learner).status == .ok)
            let after = try await client.call(.get, "/api/v1/me/mastery", token: learner).decode(Report.self)
            let byPoint = Dictionary(uniqueKeysWithValues: after.items.map { ($0.point, $0) })
            #expect(byPoint["arc"]?.answers == 2 && byPoint["gmaw"]?.answers == 2)
            #expect(byPoint["arc"]?.name == "焊接电弧" && byPoint["arc"]?.course == "weld")
            #expect((byPoint["gmaw"]?.mastery ?? 0) > (byPoint["arc"]?.mastery ?? 1))
            #expect(after.items.map(\.point) == ["arc", "gmaw"], "weakest first")

            // A teacher's grades count as soon as they are given; another learner has none.
            let grades = #"{"grades":{"\#(q[4])":{"score":5},"\#(q[5])":{"rubric":[6,4]}}}"#
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/grades", token: token, json: grades).status == .ok)
            let graded = try await client.call(.get, "/api/v1/me/mastery?course=weld", token: learner).decode(Report.self)
            #expect(graded.items.map(\.answers) == [3, 3])
            #expect(graded.items.allSatisfy { item in item.mastery > (byPoint[item.point]?.mastery ?? 1) })
            #expect(try await client.call(.get, "/api/v1/me/mastery?course=check", token: learner).decode(Report.self).items.isEmpty)
            #expect(try await client.call(.get, "/api/v1/me/mastery", token: try await client.logIn("other")).decode(Report.self).items.isEmpty)

            // The major's map fills the answered points by mastery, for the learner alone.
            let map = try await client.call(.get, "/api/v1/graph/majors/460110/mastery", token: learner)
            #expect(map.headers[.contentType] == "image/svg+xml; charset=utf-8" && map.headers[.cacheControl] == "private, no-store")
            #expect(map.body.string.range(of: #"class="[^"]*mastery-(high|mid|low)" data-id="point:arc""#, options: .regularExpression) != nil)
            #expect(map.body.string.contains("掌握度 \(Int(((graded.items.first { $0.point == "arc" }?.mastery ?? 0) * 100).rounded()))%"))
            #expect(try await client.call(.get, "/api/v1/graph/majors/460110/mastery").status == .unauthorized)
            let someoneElse = try await client.call(.get, "/api/v1/graph/majors/460110/mastery", token: try await client.logIn("other"))
            #expect(someoneElse.status == .ok)
            #expect(someoneElse.body.string.range(of: #"class="[^"]*mastery-"#, options: .regularExpression) == nil)

            // The learning path to a job requiring gmaw: arc (its prerequisite) first, each with the learner's mastery.
            _ = try await lib.library.catalogue.createJob(id: "welder", name: "焊工", occupationCode: "6-18-02-04", skills: ["gmaw"], actor: "test")
            struct Path: Decodable {
                struct Step: Decodable {
                    let id: String
                    let required: Bool
                    let prerequisites: [String]
                    let mastery: Double?
                    let answers: Int
                    let level: String
                }
                let steps: [Step]
                let mastered: Int
                let next: String?
            }
            let path = try await client.call(.get, "/api/v1/me/path?job=welder", token: learner).decode(Path.self)
            #expect(path.steps.map(\.id) == ["arc", "gmaw"] && path.steps.map(\.required) == [false, true])
            #expect(path.steps[1].prerequisites == ["arc"] && path.steps.map(\.answers) == [3, 3])
            let levels = Dictionary(uniqueKeysWithValues: graded.items.map { ($0.point, $0) })
            #expect(path.steps.map(\.mastery) == [levels["arc"]?.mastery, levels["gmaw"]?.mastery])
            #expect(path.mastered == graded.items.filter { $0.level == "mastered" }.count)
            #expect(path.next == (levels["arc"]?.level == "mastered" ? (levels["gmaw"]?.level == "mastered" ? nil : "gmaw") : "arc"))
            let fresh = try await client.call(.get, "/api/v1/me/path?job=welder", token: try await client.logIn("other")).decode(Path.self)
            #expect(fresh.steps.allSatisfy { $0.mastery == nil && $0.level == "new" } && fresh.next == "arc" && fresh.mastered == 0)
            #expect(try await client.call(.get, "/api/v1/me/path?job=nobody", token: learner).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/me/path", token: learner).status == .badRequest)

            // /me shows each point's meter under its course.
            let page = try await client.page("/me", cookies: try await client.webLogIn("xs")).body.string
            #expect(page.contains("知识点掌握度"))
            #expect(page.contains(#"<span class="mastery-name">焊接电弧</span><meter"#))
            #expect(page.contains("3 次作答"))
            #expect(page.contains(#"<img src="/api/v1/graph/majors/460110/mastery""#))
        }
    }
}
