import Foundation
import GRDB
import GranaryAssessment
import GranaryModel
import GranaryReview
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct QuestionBankTests {
    static let checks = #"{"political":true,"scientific":true,"applicability":true,"normativity":true}"#

    /// One valid question of each type on the seeded course `weld`.
    static let valid: [QuestionType: String] = [
        .single:
            #"{"course":"weld","knowledgePoints":["arc"],"type":"single","difficulty":2,"stem":"焊接电弧中温度最高的区域是？","options":[{"id":"A","text":"阴极区"},{"id":"B","text":"弧柱区"}],"answer":"B","analysis":"弧柱区温度可达 5000–8000 K。","score":2}"#,
        .multiple:
            #"{"course":"weld","knowledgePoints":["gmaw"],"type":"multiple","difficulty":3,"stem":"熔化极气体保护焊常用的保护气体有？","options":[{"id":"A","text":"CO2"},{"id":"B","text":"氩气"},{"id":"C","text":"氧气"}],"answer":["B","A"],"score":3}"#,
        .judge: #"{"course":"weld","knowledgePoints":["arc"],"type":"judge","difficulty":1,"stem":"电弧是一种气体放电现象。","answer":true,"score":1}"#,
        .fill:
            #"{"course":"weld","knowledgePoints":["gmaw"],"type":"fill","difficulty":3,"stem":"CO2 焊的干伸长一般为 ____ mm，焊丝直径常用 ____ mm。","answer":["10–15",["1.2","1.2mm"]],"score":2}"#,
        .short: #"{"course":"weld","knowledgePoints":["arc"],"type":"short","difficulty":4,"stem":"简述焊接电弧的组成。","answer":"阴极区、弧柱区和阳极区。","score":5}"#,
        .practical:
            #"{"course":"weld","knowledgePoints":["gmaw","arc"],"type":"practical","difficulty":5,"stem":"用 CO2 焊完成 10 mm 板对接平焊。","answer":"焊缝成形均匀，无咬边、气孔。","rubric":[{"criterion":"焊缝成形","points":6},{"criterion":"缺陷控制","points":3},{"criterion":"安全文明生产","points":1}],"score":10}"#,
    ]

    @Test func eachTypeIsWrittenWithTheAnswerItsTypeNeeds() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            for type in QuestionType.allCases {
                let response = try await client.call(.post, "/api/v1/questions", token: teacher, json: Self.valid[type]!)
                #expect(response.status == .created, "\(type)")
                let question = try response.decode(Question.self)
                #expect(question.type == type)
                #expect(question.version == 1)
                #expect(question.status == .draft)
                switch type {
                case .multiple: #expect(question.answer == .array([.string("A"), .string("B")]))
                case .fill: #expect(question.answer == .array([.array([.string("10–15")]), .array([.string("1.2"), .string("1.2mm")])]))
                case .practical: #expect(question.rubric.map(\.points) == [6, 3, 1])
                default: break
                }
            }
            let listed = try await client.call(.get, "/api/v1/questions?course=weld&type=fill", token: teacher).decode(PageOf<Question>.self)
            #expect(listed.total == 1)
            let onPoint = try await client.call(.get, "/api/v1/questions?knowledgePoint=gmaw", token: teacher).decode(PageOf<Question>.self)
            #expect(Set(onPoint.items.map(\.type)) == [.multiple, .fill, .practical])
        }
    }

    @Test func aQuestionThatDoesNotFitItsTypeIsRefusedFieldByField() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            func fields(_ json: String) async throws -> [String] {
                let response = try await client.call(.post, "/api/v1/questions", token: teacher, json: json)
                #expect(response.status == .unprocessableContent, "\(json)")
                return try response.problem().errors.map(\.field)
            }
            let single = Self.valid[.single]!
            #expect(try await fields(single.replacingOccurrences(of: #""answer":"B""#, with: #""answer":"C""#)) == ["answer"])
            #expect(
                try await fields(single.replacingOccurrences(of: #"{"id":"B","text":"弧柱区"}"#, with: #"{"id":"A","text":" "}"#)) == [
                    "options[1].id", "options[1].text", "answer",
                ]
            )
            #expect(try await fields(single.replacingOccurrences(of: #""difficulty":2"#, with: #""difficulty":6"#)) == ["difficulty"])
            #expect(try await fields(single.replacingOccurrences(of: #""score":2"#, with: #""score":0.3"#)) == ["score"])
            #expect(try await fields(Self.valid[.multiple]!.replacingOccurrences(of: #"["B","A"]"#, with: #"["B","B"]"#)) == ["answer"])
            #expect(try await fields(Self.valid[.judge]!.replacingOccurrences(of: "true", with: #""对""#)) == ["answer"])
            #expect(try await fields(Self.valid[.fill]!.replacingOccurrences(of: #"["1.2","1.2mm"]"#, with: "[]")) == ["answer[1]"])
            #expect(
                try await fields(Self.valid[.short]!.replacingOccurrences(of: #""score":5"#, with: #""score":5,"options":[{"id":"A","text":"x"}]"#))
                    == ["options"]
            )
            let practical = Self.valid[.practical]!
            #expect(try await fields(practical.replacingOccurrences(of: #""points":1}"#, with: #""points":2}"#)) == ["rubric"])
            #expect(
                try await fields(
                    practical.replacingOccurrences(
                        of: #","rubric":[{"criterion":"焊缝成形","points":6},{"criterion":"缺陷控制","points":3},{"criterion":"安全文明生产","points":1}]"#,
                        with: ""
                    )
                ) == ["rubric"]
            )
            #expect(try await fields(#"{"type":"judge","answer":true}"#) == ["course", "knowledgePoints", "difficulty", "stem", "score"])

            let foreign = try await client.call(
                .post,
                "/api/v1/questions",
                token: teacher,
                json: single.replacingOccurrences(of: #"["arc"]"#, with: #"["ut"]"#)
            )
            let problem = try foreign.problem()
            #expect(problem.code == "unknown_knowledge_point")
            #expect(problem.errors.map(\.field) == ["knowledgePoints[0]"])
            let nowhere = try await client.call(
                .post,
                "/api/v1/questions",
                token: teacher,
                json: single.replacingOccurrences(of: #""course":"weld""#, with: #""course":"nope""#)
            )
            #expect(try nowhere.problem().code == "unknown_course")
            #expect(try await lib.count("questions") == 0)
        }
    }

    @Test func aScoringRuleIsWrittenCheckedKeptAndRemoved() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let body = """
                {"course":"weld","knowledgePoints":["arc"],"type":"fill","difficulty":3,"stem":"焊接电流约 ____ A，电弧电压约 ____ V。",
                 "answer":[["120"],["22"]],"score":3,
                 "scoring":{"blanks":[{"points":2,"numeric":{"tolerance":10}},{"points":1,"numeric":{"relativeTolerance":5}}]}}
                """
            let created = try await client.call(.post, "/api/v1/questions", token: token, json: body)
            #expect(created.status == .created)
            let question = try created.decode(Question.self)
            #expect(question.scoring?.blanks?.map(\.numeric?.tolerance) == [10, nil])
            #expect(try await client.call(.get, "/api/v1/questions/\(question.id)", token: token).decode(Question.self).scoring == question.scoring)

            // The rule's points must make exactly the score; a numeric blank accepts numbers only.
            let short = body.replacingOccurrences(of: #""points":2"#, with: #""points":1"#)
            let problem = try await client.call(.post, "/api/v1/questions", token: token, json: short).problem()
            #expect(problem.status == 422)
            #expect(problem.detail.contains("按评分规则，标准答案得 2 分，与题目分值 3 不符"), "\(problem.detail)")
            let words = body.replacingOccurrences(of: #"[["120"],["22"]]"#, with: #"[["一百二"],["22"]]"#)
            #expect(
                try await client.call(.post, "/api/v1/questions", token: token, json: words).problem().errors.map(\.field) == [
                    "scoring.blanks[0].numeric"
                ]
            )

            // A new answer drops a rule written for the old one unless it comes with one; null removes it.
            let kept = try await client.call(.patch, "/api/v1/questions/\(question.id)", token: token, json: #"{"difficulty":4}"#).decode(
                Question.self
            )
            #expect(kept.scoring == question.scoring)
            let same = #"{"answer":[["120"],["22"]]}"#
            #expect(
                try await client.call(.patch, "/api/v1/questions/\(question.id)", token: token, json: same).decode(Question.self).scoring
                    == question.scoring
            )
            let removed = try await client.call(.patch, "/api/v1/questions/\(question.id)", token: token, json: #"{"scoring":null}"#)
            #expect(try removed.decode(Question.self).scoring == nil)
            #expect(try removed.decode(Question.self).version == 4)
            let ruled = #"{"scoring":{"blanks":[{"points":2,"numeric":{"tolerance":10}},{"points":1}]}}"#
            #expect(try await client.call(.patch, "/api/v1/questions/\(question.id)", token: token, json: ruled).decode(Question.self).scoring != nil)
            let other = #"{"answer":[["130"],["22"]]}"#
            #expect(try await client.call(.patch, "/api/v1/questions/\(question.id)", token: token, json: other).decode(Question.self).scoring == nil)
        }
    }

    @Test func questionsAreVersionedAndReviewedAndTheReportKeepsThePublishedOne() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("li", .teacher), ("wang", .reviewer), ("admin", .admin)])
        try await lib.test { client in
            let author = try await client.logIn("zhang")
            let other = try await client.logIn("li")
            let reviewer = try await client.logIn("wang")
            let question = try await client.call(.post, "/api/v1/questions", token: author, json: Self.valid[.practical]!).decode(Question.self)
            #expect(try await client.call(.get, "/api/v1/questions/\(question.id)", token: other).status == .notFound)
            #expect(try await client.call(.post, "/api/v1/questions/\(question.id)/submit", token: author).decode(Question.self).status == .pending)

            let queue = try await client.call(.get, "/api/v1/reviews/queue?type=question", token: reviewer).decode(PageOf<QueueItem>.self)
            #expect(queue.items.map(\.id) == [question.id])
            #expect(queue.items.first?.title == "用 CO2 焊完成 10 mm 板对接平焊。")
            let decision = #"{"decision":"approve","checks":\#(Self.checks)}"#
            #expect(
                try await client.call(.post, "/api/v1/reviews/question/\(question.id)/decision", token: author, json: decision).status == .forbidden
            )
            #expect(
                try await client.call(.post, "/api/v1/reviews/question/\(question.id)/decision", token: reviewer, json: decision).status == .created
            )

            let changed = try await client.call(.patch, "/api/v1/questions/\(question.id)", token: author, json: #"{"difficulty":4}"#).decode(
                Question.self
            )
            #expect(changed.version == 2)
            #expect(changed.status == .pending)
            #expect(changed.publishedVersion == 1)
            #expect(changed.stem == question.stem)
            #expect(try await client.call(.patch, "/api/v1/questions/\(question.id)", token: other, json: #"{"difficulty":3}"#).status == .forbidden)

            // Another teacher sees the published version, as approved; the author sees the new one.
            let seen = try await client.call(.get, "/api/v1/questions/\(question.id)", token: other).decode(Question.self)
            #expect(seen.version == 1)
            #expect(seen.difficulty == 5)
            #expect(seen.status == .approved)
            #expect(try await client.call(.get, "/api/v1/questions/\(question.id)?version=2", token: other).status == .forbidden)
            let versions = try await client.call(.get, "/api/v1/questions/\(question.id)/versions", token: author).decode(PageOf<Question>.self)
            #expect(versions.items.map(\.version) == [2, 1])

            // The report still counts the published version while the new one waits.
            let admin = try await client.logIn("admin")
            let report = try await client.call(.get, "/api/v1/report", token: admin).decode(MonitoringReport.self)
            let bank = try #require(report.rules.first { $0.id == "question_bank_coverage" })
            #expect(!bank.items.contains { $0.id == "gmaw" || $0.id == "arc" })

            let stale = #"{"decision":"approve","version":1,"checks":\#(Self.checks)}"#
            #expect(
                try await client.call(.post, "/api/v1/reviews/question/\(question.id)/decision", token: reviewer, json: stale).status == .conflict
            )
            let current = #"{"decision":"approve","version":2,"checks":\#(Self.checks)}"#
            #expect(
                try await client.call(.post, "/api/v1/reviews/question/\(question.id)/decision", token: reviewer, json: current).status == .created
            )
            #expect(try await client.call(.get, "/api/v1/questions/\(question.id)", token: other).decode(Question.self).version == 2)

            // A version, once written, cannot change: papers rely on it.
            await #expect(throws: (any Error).self) {
                try await lib.library.database.write { db in try db.execute(sql: "UPDATE questionVersions SET score = 99") }
            }
            let retired = try await client.call(.delete, "/api/v1/questions/\(question.id)", token: author).decode(Question.self)
            #expect(retired.status == .retired)
            #expect(try await client.call(.patch, "/api/v1/questions/\(question.id)", token: author, json: #"{"difficulty":3}"#).status == .conflict)
            #expect(try await client.call(.get, "/api/v1/questions/\(question.id)", token: other).status == .notFound)
        }
    }

    @Test func learnersAnswerPapersAndDoNotBrowseTheBank() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("learner", .learner)])
        try await lib.test { client in
            let learner = try await client.logIn("learner")
            #expect(try await client.call(.get, "/api/v1/questions", token: learner).problem().code == "forbidden")
            #expect(try await client.call(.post, "/api/v1/questions", token: learner, json: Self.valid[.judge]!).problem().code == "forbidden")
            let reviewer = try await client.logIn("wang")
            #expect(try await client.call(.post, "/api/v1/questions", token: reviewer, json: Self.valid[.judge]!).problem().code == "forbidden")
            #expect(try await client.call(.get, "/api/v1/questions").problem().code == "unauthorized")
            let teacher = try await client.logIn("zhang")
            #expect(try await client.call(.get, "/api/v1/questions?difficulty=9", token: teacher).problem().code == "invalid_query")
            #expect(try await client.call(.get, "/api/v1/questions?type=essay", token: teacher).problem().code == "invalid_query")
            #expect(try await client.call(.get, "/api/v1/questions/nope", token: teacher).problem().code == "not_found")
        }
    }

    @Test func qtiIsImportedOverHTTPAndBadDocumentsGetTheirStatus() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("learner", .learner)])
        let item = """
            <assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="i" title="t" adaptive="false" timeDependent="false">
            <responseDeclaration identifier="R" cardinality="single" baseType="identifier"><correctResponse><value>B</value></correctResponse></responseDeclaration>
            <itemBody><choiceInteraction responseIdentifier="R" maxChoices="1"><prompt>焊接电弧温度最高处？</prompt>
            <simpleChoice identifier="A">阴极区</simpleChoice><simpleChoice identifier="B">弧柱区</simpleChoice></choiceInteraction></itemBody></assessmentItem>
            """
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            func post(_ body: String, query: String = "course=weld&knowledgePoints=arc", token: String) async throws -> TestResponse {
                try await client.executeRequest(
                    uri: "/api/v1/questions/import?\(query)",
                    method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/xml"],
                    body: ByteBuffer(string: body)
                )
            }
            let imported = try await post(item, token: teacher)
            #expect(imported.status == .created)
            let report = try imported.decode(QTIReport.self)
            #expect(report.imported.count == 1)
            let question = try await client.call(.get, "/api/v1/questions/\(report.imported[0])", token: teacher).decode(Question.self)
            #expect(question.type == .single)
            #expect(question.difficulty == 3)

            let hotspot = item.replacingOccurrences(of: "choiceInteraction", with: "hotspotInteraction")
            #expect(try await post(hotspot, token: teacher).problem().code == "validation_failed")
            let xxe = #"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#
            let refused = try await post(xxe, token: teacher)
            #expect(refused.status == .badRequest)
            #expect(try refused.problem().code == "invalid_document")
            #expect(try await post(item, query: "knowledgePoints=arc", token: teacher).problem().code == "invalid_query")
            #expect(try await post(item, query: "course=weld&knowledgePoints=ut", token: teacher).problem().code == "unknown_knowledge_point")
            #expect(try await post(item, query: "course=weld", token: teacher).problem().code == "validation_failed")
            #expect(try await post("", token: teacher).problem().code == "invalid_document")
            let learner = try await client.logIn("learner")
            #expect(try await post(item, token: learner).problem().code == "forbidden")
        }
    }
}

extension QuestionBankTests {
    @Test func theWordTemplateDownloadsAndImportsAndFormatsAreNamedOrTold() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let template = try await client.call(.get, "/api/v1/questions/import/template?format=docx", token: teacher)
            #expect(template.status == .ok)
            #expect(template.headers[.contentDisposition]?.contains("filename*=UTF-8''%E8%AF%95%E9%A2%98") == true)
            let learner = try await client.logIn("learner")
            #expect(try await client.call(.get, "/api/v1/questions/import/template", token: learner).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/questions/import/template?format=pdf", token: teacher).problem().code == "invalid_query")

            func post(_ bytes: [UInt8], _ query: String) async throws -> TestResponse {
                try await client.executeRequest(
                    uri: "/api/v1/questions/import?course=weld&knowledgePoints=gmaw&\(query)",
                    method: .post,
                    headers: [.authorization: "Bearer \(teacher)", .contentType: "application/octet-stream"],
                    body: ByteBuffer(bytes: bytes)
                )
            }
            let word = try await post(Array(template.body.readableBytesView), "name=%E6%A8%A1%E6%9D%BF.docx")
            #expect(word.status == .created)
            let report = try word.decode(QTIReport.self)
            #expect(report.imported.count == 6)
            #expect(report.format == "docx")
            let excel = try await post(try fixture("question-formats/welding-openpyxl.xlsx"), "format=xlsx")
            #expect(try excel.decode(QTIReport.self).imported.count == 7)
            let gift = try await post(try fixture("question-formats/welding.gift"), "name=bank.gift")
            #expect(try gift.decode(QTIReport.self).format == "gift")
            #expect(try await post(Array("随便写的文字".utf8), "name=a.txt").problem().code == "unsupported_media")
            #expect(try await post(Array("x".utf8), "format=word").problem().errors.map(\.field) == ["format"])
            let aiken = try await post(Array("题？\nA. 甲\nB. 乙\nANSWER: C\n".utf8), "format=aiken")
            #expect(aiken.status == .unprocessableContent)
            #expect(try aiken.problem().detail == "无法导入：第 1 题（第 1 行）：ANSWER: C 不是本题的选项")
        }
    }

    @Test func aQuestionAndACoursesBankExportAsQTIThatValidatesAndImportsBack() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("learner", .learner)])
        let metadata = URL(fileURLWithPath: TestLibrary.metadataDirectory)
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let reviewer = try await client.logIn("wang")
            var ids: [String] = []
            for type in QuestionType.allCases {
                let question = try await client.call(.post, "/api/v1/questions", token: teacher, json: Self.valid[type]!).decode(Question.self)
                _ = try await client.call(.post, "/api/v1/questions/\(question.id)/submit", token: teacher)
                let decision = #"{"decision":"approve","checks":\#(Self.checks)}"#
                #expect(
                    try await client.call(.post, "/api/v1/reviews/question/\(question.id)/decision", token: reviewer, json: decision).status
                        == .created
                )
                ids.append(question.id)
            }
            for version in QTIVersion.allCases {
                let validator = try XMLSchemaValidator(.item(version), metadata: metadata)
                for id in ids {
                    let response = try await client.call(.get, "/api/v1/questions/\(id)/qti?version=\(version.rawValue)", token: teacher)
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/xml; charset=utf-8")
                    #expect(validator.validate(response.body.string) == [], "\(id) \(version)")
                }
            }
            #expect(try await client.call(.get, "/api/v1/questions/\(ids[0])/qti?version=1.2", token: teacher).problem().code == "invalid_query")
            #expect(try await client.call(.get, "/api/v1/questions/\(ids[0])/qti", token: try await client.logIn("learner")).status == .forbidden)

            let package = try await client.call(.get, "/api/v1/courses/weld/questions/export?version=2.1", token: teacher)
            #expect(package.status == .ok)
            #expect(package.headers[.contentType] == "application/zip")
            #expect(package.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            let path = lib.directory + "/export.zip"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(package.body.readableBytesView)))
            let archive = try #require(ZipArchive(path: path))
            let manifest = try #require(archive.entry(named: "imsmanifest.xml"))
            var bytes: [UInt8] = []
            #expect(
                archive.read(manifest, maximumBytes: 1 << 20) {
                    bytes += $0
                    return true
                } == .complete
            )
            let manifestValidator = try XMLSchemaValidator(.manifest(.v2p1), metadata: metadata)
            #expect(manifestValidator.validate(bytes) == [])
            #expect(archive.entries.filter { $0.name.hasPrefix("items/") }.count == 6)
            #expect(try await client.call(.get, "/api/v1/courses/nope/questions/export", token: teacher).status == .notFound)
            let moodle = try await client.call(.get, "/api/v1/courses/weld/questions/export?format=moodle", token: teacher)
            #expect(moodle.headers[.contentType] == "application/xml; charset=utf-8")
            #expect(moodle.body.string.components(separatedBy: "<question type=").count - 1 == 6 + 2)
            let word = try await client.call(.get, "/api/v1/courses/weld/questions/export?format=docx", token: teacher)
            #expect(word.headers[.contentType] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            #expect(Array(word.body.readableBytesView.prefix(2)) == [0x50, 0x4B])
            #expect(
                try await client.call(.get, "/api/v1/courses/weld/questions/export?format=pdf", token: teacher).problem().errors.map(\.field) == [
                    "format"
                ]
            )
            let learner = try await client.logIn("learner")
            #expect(try await client.call(.get, "/api/v1/courses/weld/questions/export?format=docx", token: learner).status == .forbidden)

            // The package imports back: six new drafts of the same types.
            let reimported = try await client.executeRequest(
                uri: "/api/v1/questions/import?course=check&knowledgePoints=ut",
                method: .post,
                headers: [.authorization: "Bearer \(teacher)", .contentType: "application/zip"],
                body: ByteBuffer(bytes: Array(package.body.readableBytesView))
            )
            #expect(reimported.status == .created)
            let report = try reimported.decode(QTIReport.self)
            #expect(report.imported.count == 6)
            #expect(report.failed.isEmpty)
        }
    }
}

extension QuestionBankTests {
    @Test func aQuestionShowsPublishedResourcesOnlyAndLearnersSeeThemInPapers() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let metadata = #"{"title":"焊缝外观照片","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true}"#
            let photo = try await client.upload(try fixture("weld-bead.png"), metadata: metadata, token: teacher).decode(Resource.self)
            let draft = try await client.upload(try fixture("arc-notes.txt"), metadata: metadata, token: teacher).decode(Resource.self)
            try await lib.publish(photo.id)
            func question(_ media: String) -> String {
                Self.valid[.judge]!.replacingOccurrences(of: #""score":1"#, with: #""score":1,"media":[\#(media)]"#)
            }
            let created = try await client.call(.post, "/api/v1/questions", token: teacher, json: question(#""\#(photo.id)""#))
            #expect(created.status == .created)
            let shown = try created.decode(Question.self)
            #expect(shown.media == [photo.id])
            let refused = try await client.call(.post, "/api/v1/questions", token: teacher, json: question(#""\#(draft.id)","nope""#))
            #expect(try refused.problem().errors.map(\.field) == ["media[0]", "media[1]"])

            try await lib.library.database.write { db in try ReviewedItems.questions.publishCurrentVersion(db, id: shown.id) }
            let paper = try await client.call(
                .post,
                "/api/v1/papers",
                token: teacher,
                json: #"{"course":"weld","title":"看图判断","questions":["\#(shown.id)"]}"#
            )
            .decode(Paper.self)
            let learner = try await client.logIn("learner")
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: learner).decode(Attempt.self)
            #expect(attempt.questions.first?.media == [photo.id])
        }
    }
}

/// The import report as a client reads it.
struct QTIReport: Decodable {
    struct Failure: Decodable {
        let file: String
        let code: String
        let reason: String
    }

    let format: String?
    let imported: [String]
    let failed: [Failure]
}
