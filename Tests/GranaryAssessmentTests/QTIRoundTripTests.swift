import Foundation
import GranaryModel
import GranaryStore
import Testing

@testable import GranaryAssessment

/// import(export(q)) gives back the same question, for every type, in QTI 2.1 and 3.0.
@Suite struct QTIRoundTripTests {
    /// One question of each type on course `weld`, point `arc`, with the characters XML must escape.
    static var inputs: [QuestionStore.Input] {
        let options: [Question.Option] = [.init(id: "A", text: "阴极区"), .init(id: "B", text: "弧柱区 <最热> & \"亮\""), .init(id: "C", text: "阳极区")]
        return [
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .single,
                difficulty: 2,
                stem: "焊接电弧中温度最高的区域是？",
                options: options,
                answer: .string("B"),
                analysis: .some("弧柱区温度最高。"),
                score: 2
            ),
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .multiple,
                difficulty: 3,
                stem: "电弧由哪些区域组成？",
                options: options,
                answer: .array([.string("A"), .string("C")]),
                score: 3
            ),
            .init(course: "weld", knowledgePoints: ["arc"], type: .judge, difficulty: 1, stem: "电弧是一种气体放电现象。", answer: .bool(false), score: 1),
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .fill,
                difficulty: 3,
                stem: "干伸长一般为 ____ mm，焊丝直径常用 ____ mm。",
                answer: .array([.array([.string("10-15")]), .array([.string("1.2"), .string("1.2mm")])]),
                score: 2
            ),
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .short,
                difficulty: 4,
                stem: "简述焊接电弧的组成。",
                answer: .string("阴极区、弧柱区和阳极区。"),
                score: 5
            ),
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .practical,
                difficulty: 5,
                stem: "用 CO2 焊完成 10 mm 板对接平焊。",
                answer: .string("焊缝成形均匀，无咬边、气孔。"),
                rubric: [.init(criterion: "焊缝成形", points: 6), .init(criterion: "缺陷控制", points: 3), .init(criterion: "安全文明生产", points: 1)],
                score: 10
            ),
        ]
    }

    @Test(arguments: QTIVersion.allCases)
    func everyTypeComesBackAsItWentOut(version: QTIVersion) async throws {
        let bank = try await QTIImportTests.Bank()
        for input in Self.inputs {
            let original = try await bank.questions.create(input, author: bank.teacher)
            let xml = QTIExport.item(original, version: version, courseName: "焊接方法与设备", pointNames: ["arc": "焊接电弧"])
            let report = try await bank.run(Array(xml.utf8))
            #expect(report.failed == [], "\(original.type): \(report.failed)")
            let copy = try await bank.question(report)
            #expect(copy.type == original.type)
            #expect(copy.stem == original.stem, "\(original.type)")
            #expect(copy.options == original.options, "\(original.type)")
            #expect(copy.answer == original.answer, "\(original.type)")
            #expect(copy.rubric == original.rubric, "\(original.type)")
            #expect(copy.score == original.score, "\(original.type)")
            #expect(copy.analysis == original.analysis, "\(original.type)")
        }
    }
}
