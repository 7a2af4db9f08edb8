import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

@testable import GranaryAssessment

/// Items whose response processing is more than "right or wrong" (Tests/Fixtures/qti-scoring): they keep their
/// scoring on import, score the same answers the same, and write it back out.
@Suite struct QTIScoringTests {
    static let fixtures = QTIImportTests.root.appendingPathComponent("Tests/Fixtures/qti-scoring").path

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/" + name)))
    }

    /// The question `name` imports as, failing the test when it does not import.
    static func imported(_ name: String, into bank: QTIImportTests.Bank) async throws -> Question {
        let report = try await bank.run(try Self.bytes(name), name: name)
        #expect(report.failed == [], "\(name): \(report.failed)")
        return try await bank.question(report)
    }

    /// What `answer` earns under the question's own rule.
    static func points(_ question: Question, _ answer: JSONValue?) -> Double {
        Grading.grade(answer, question: question, score: question.score)?.score ?? -1
    }

    static func blanks(_ words: String...) -> JSONValue { .array(words.map(JSONValue.string)) }

    @Test func aNumberEntryMatchesTheNumberHoweverItIsWritten() async throws {
        let bank = try await QTIImportTests.Bank()
        let question = try await Self.imported("numeric-exact.xml", into: bank)
        #expect(question.type == .fill)
        #expect(question.score == 2)
        #expect(question.scoring == QuestionScoring(blanks: [.init(numeric: .init())]))
        for (answer, points) in [("4", 2.0), ("4.0", 2), ("４", 2), (" 4.00 ", 2), ("4.1", 0), ("四", 0), ("", 0)] {
            #expect(Self.points(question, Self.blanks(answer)) == points, "\(answer)")
        }
    }

    @Test func aToleranceAndARoundingAreKept() async throws {
        let bank = try await QTIImportTests.Bank()
        let tolerance = try await Self.imported("numeric-tolerance.xml", into: bank)
        #expect(tolerance.scoring?.blanks?.first?.numeric == .init(tolerance: 0.05))
        for (answer, points) in [("9.81", 2.0), ("9.8", 2), ("9.86", 2), ("9.76", 2), ("9.87", 0), ("9.75", 0), ("10", 0)] {
            #expect(Self.points(tolerance, Self.blanks(answer)) == points, "\(answer)")
        }
        let rounded = try await Self.imported("numeric-rounded.xml", into: bank)
        #expect(rounded.scoring?.blanks?.first?.numeric == .init(significantFigures: 3))
        for (answer, points) in [("3.14", 1.0), ("3.142", 1), ("3.1416", 1), ("3.15", 0), ("3.1", 0)] {
            #expect(Self.points(rounded, Self.blanks(answer)) == points, "\(answer)")
        }
    }

    @Test func aCaseSensitiveMatchStaysCaseSensitive() async throws {
        let bank = try await QTIImportTests.Bank()
        let question = try await Self.imported("case-sensitive.xml", into: bank)
        #expect(question.scoring == QuestionScoring(blanks: [.init(caseSensitive: true)]))
        #expect(Self.points(question, Self.blanks("Fe")) == 1)
        #expect(Self.points(question, Self.blanks("fe")) == 0)
        #expect(Self.points(question, Self.blanks("FE")) == 0)
    }

    @Test func aMappingGivesPartialCreditPerOptionWithinItsBounds() async throws {
        let bank = try await QTIImportTests.Bank()
        let multiple = try await Self.imported("partial-multiple.xml", into: bank)
        #expect(multiple.type == .multiple)
        #expect(multiple.score == 2)
        #expect(multiple.scoring == QuestionScoring(optionPoints: ["Ar": 1, "CO2": 1, "N2": -1, "He": -2]))
        let cases: [([String], Double)] = [
            (["Ar", "CO2"], 2), (["Ar"], 1), (["CO2", "Ar", "Ar"], 2), (["Ar", "N2"], 0), (["Ar", "He"], 0), ([], 0),
        ]
        for (chosen, points) in cases {
            #expect(Self.points(multiple, .array(chosen.map(JSONValue.string))) == points, "\(chosen)")
        }
        let single = try await Self.imported("partial-single.xml", into: bank)
        #expect(single.scoring == QuestionScoring(optionPoints: ["V": 2, "U": 1]))
        #expect([Self.points(single, .string("V")), Self.points(single, .string("U")), Self.points(single, .string("I"))] == [2, 1, 0])
    }

    @Test func blanksThatTakeEachAnswerOnceDoNotPayForARepeat() async throws {
        let bank = try await QTIImportTests.Bank()
        let question = try await Self.imported("three-different.xml", into: bank)
        #expect(question.score == 3)
        #expect(question.scoring?.distinctAnswers == true)
        #expect(Self.points(question, Self.blanks("红", "红", "红")) == 1)
        #expect(Self.points(question, Self.blanks("蓝", "红", "黄")) == 3)
        #expect(Self.points(question, Self.blanks("红", "黄", "")) == 2)
        #expect(Self.points(question, Self.blanks("", "", "蓝")) == 1)
    }

    @Test func blanksKeepTheirWeightsOrScoreOnlyTogether() async throws {
        let bank = try await QTIImportTests.Bank()
        let weighted = try await Self.imported("weighted-blanks.xml", into: bank)
        #expect(weighted.score == 4)
        #expect(weighted.scoring?.blanks?.map(\.points) == [1, 3])
        #expect(Self.points(weighted, Self.blanks("直流反接", "")) == 1)
        #expect(Self.points(weighted, Self.blanks("", "短弧")) == 3)
        #expect(Self.points(weighted, Self.blanks("直流反接", "短弧")) == 4)

        let whole = try await Self.imported("all-or-nothing.xml", into: bank)
        #expect(whole.scoring?.allOrNothing == true)
        #expect(whole.scoring?.blanks?.last?.numeric == .init())
        #expect(Self.points(whole, Self.blanks("角焊缝", "6.0")) == 2)
        #expect(Self.points(whole, Self.blanks("角焊缝", "5")) == 0)
        #expect(Self.points(whole, Self.blanks("", "6")) == 0)
    }

    @Test func scoringTheBankCannotHoldAndGeneratedItemsAreRefusedWithTheReason() async throws {
        let bank = try await QTIImportTests.Bank()
        let bonus = try await bank.run(try Self.bytes("bonus-refused.xml"), name: "bonus-refused.xml")
        #expect(bonus.imported == [])
        #expect(bonus.failed.map(\.code) == ["unsupported"])
        #expect(bonus.failed.first?.reason.contains("the item gives 3 of 3, the bank would give 2") == true, "\(bonus.failed)")
        let template = try await bank.run(try Self.bytes("template-refused.xml"), name: "template-refused.xml")
        #expect(template.failed.first?.reason.contains("generated from a template (templateDeclaration)") == true, "\(template.failed)")
        let hotspotPoint = QTIImportTests.item21(
            #"<p>点出熔池</p><choiceInteraction responseIdentifier="R" maxChoices="1"><simpleChoice identifier="A">甲</simpleChoice><simpleChoice identifier="B">乙</simpleChoice></choiceInteraction>"#,
            responses:
                #"<responseDeclaration identifier="R" cardinality="single" baseType="identifier"><correctResponse><value>A</value></correctResponse></responseDeclaration>"#,
            extra:
                #"<responseProcessing><responseCondition><responseIf><lookupOutcomeValue identifier="X"/></responseIf></responseCondition></responseProcessing>"#
        )
        let unknown = try await bank.run(hotspotPoint)
        #expect(unknown.failed.first?.reason.contains("lookupOutcomeValue") == true, "\(unknown.failed)")
    }

    @Test func longChoiceIdentifiersAreRenumberedAndQuotedDeclarationsAreText() async throws {
        let bank = try await QTIImportTests.Bank()
        let question = try await Self.imported("onyx-identifiers.xml", into: bank)
        #expect(question.type == .single)
        #expect(question.options.map(\.id) == ["A", "B", "C"])
        #expect(question.options.map(\.text) == ["喷射过渡", "短路过渡", "颗粒过渡"])
        #expect(question.answer == .string("B"))
        #expect(question.score == 1)
        #expect(question.scoring == nil)
    }

    @Test func typedUnderscoresStayTextAndMediaWarningsNameTheFile() async throws {
        let bank = try await QTIImportTests.Bank()
        let xml = QTIImportTests.item21(
            #"<p>在横线 ______ 处签名；焊缝长度 <textEntryInteraction responseIdentifier="R"/> mm。</p><audio controls="controls"><source src="media/arc.mp3" type="audio/mpeg"/></audio>"#,
            responses:
                #"<responseDeclaration identifier="R" cardinality="single" baseType="string"><correctResponse><value>200</value></correctResponse></responseDeclaration>"#
        )
        let report = try await bank.run(xml)
        let question = try await bank.question(report)
        #expect(question.stem.contains("在横线 ＿＿＿＿＿＿ 处签名；焊缝长度 ____ mm。"), "\(question.stem)")
        #expect(report.warnings.map(\.warning).contains("文件“media/arc.mp3”不在上传的内容中，题中以文件名代替"), "\(report.warnings)")
        // Export and import again: still one blank.
        let again = try await bank.run(QTIExport.item(question, version: .v2p1))
        #expect(QuestionGrading.blanks(try await bank.question(again).answer).count == 1)
    }

    @Test func aPackageWithoutItemsIsRefused() async throws {
        let bank = try await QTIImportTests.Bank()
        let zip = StoredZip.make([("readme.txt", Array("没有试题".utf8))])
        await #expect(throws: GranaryError.self) { _ = try await bank.run(zip, name: "empty.zip") }
    }

    static let importable = [
        "numeric-exact.xml", "numeric-tolerance.xml", "numeric-rounded.xml", "case-sensitive.xml", "partial-multiple.xml", "partial-single.xml",
        "three-different.xml", "weighted-blanks.xml", "all-or-nothing.xml", "onyx-identifiers.xml",
    ]

    @Test(arguments: QTIVersion.allCases)
    func everyRuleIsWrittenOutValidAndReadsBackTheSame(version: QTIVersion) async throws {
        let bank = try await QTIImportTests.Bank()
        for name in Self.importable {
            let question = try await Self.imported(name, into: bank)
            let item = QTIExport.item(question, version: version)
            #expect(try QTIExportTests.validator(.item(version)).validate(item).isEmpty, "\(name)")
            let report = try await bank.run(item)
            #expect(report.failed == [], "\(name) \(version): \(report.failed)")
            guard report.failed.isEmpty else { continue }
            let back = try await bank.question(report)
            #expect(back.type == question.type, "\(name)")
            #expect(back.score == question.score, "\(name)")
            #expect(back.answer == question.answer, "\(name)")
            #expect(back.scoring == question.scoring, "\(name)")
        }
    }

    @Test func aRuleIsCheckedAgainstTheScoreAndTheAnswer() throws {
        func content(_ type: QuestionType, answer: JSONValue, score: Double, _ scoring: QuestionScoring) throws(GranaryError) -> QuestionContent {
            let options: [Question.Option] = type == .fill ? [] : [.init(id: "A", text: "甲"), .init(id: "B", text: "乙")]
            return try QuestionContent(
                course: "weld",
                knowledgePoints: ["arc"],
                type: type,
                difficulty: 3,
                stem: "题",
                options: options,
                answer: answer,
                analysis: nil,
                rubric: [],
                score: score,
                scoring: scoring
            )
        }
        #expect(throws: GranaryError.self) { try content(.single, answer: .string("A"), score: 2, .init(optionPoints: ["A": 1])) }
        #expect(throws: GranaryError.self) { try content(.single, answer: .string("A"), score: 2, .init(optionPoints: ["Z": 2, "A": 2])) }
        #expect(throws: GranaryError.self) { try content(.fill, answer: Self.blanks("x"), score: 2, .init(blanks: [.init(numeric: .init())])) }
        #expect(throws: GranaryError.self) { try content(.fill, answer: Self.blanks("1", "2"), score: 2, .init(blanks: [.init()])) }
        #expect(throws: GranaryError.self) { try content(.judge, answer: .bool(true), score: 2, .init(optionPoints: [:])) }
        #expect(throws: GranaryError.self) {
            try content(.fill, answer: Self.blanks("1"), score: 2, .init(blanks: [.init(numeric: .init(tolerance: -1))]))
        }
        let fine = try content(
            .fill,
            answer: Self.blanks("1", "a"),
            score: 3,
            .init(blanks: [.init(points: 1), .init(points: 2, caseSensitive: true)])
        )
        #expect(fine.scoring?.blanks?.count == 2)
    }
}
