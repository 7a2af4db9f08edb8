import Foundation
import GranaryModel
import Testing

@testable import GranaryStore

@Suite struct OccupationClassificationTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Metadata/occupations/occupations-2022.csv").path

    @Test func theShippedClassificationLoadsWhole() throws {
        let classification = try OccupationClassification(contentsOf: Self.shipped)
        #expect(classification.problems == [])
        let levels = Dictionary(grouping: classification.entries, by: \.level).mapValues(\.count)
        // The OCR source counts 8 / 79 / 450 / 1,639; the printed classification has 8 / 79 / 449 / 1,636.
        #expect(levels == [1: 8, 2: 79, 3: 450, 4: 1639])
        #expect(classification.occupation(code: "6-18-02-04")?.name == "焊工")
        #expect(classification.occupation(code: "6-18-02")?.gbCode != nil)
    }

    @Test func ocrSlipsAreRepairedAndNonsenseIsSetAside() {
        let text = """
            code,name,level,gbCode,parent
            6,生产制造及有关人员,1,60,
            6-18,机械制造基础加工人员,2,61800,6
            6-18-02,材料成形人员,3,61802,6-18
            6－18－02－O4,焊工,4,,6-18-02
            6-18-02-04,焊工（重复）,4,,6-18-02
            6-18-O2-05,金属热处理工,3,,6-18-02
            6-19-01-01,没有上级的职业,4,,6-19-01
            图片第 3 页,,,,
            not-a-code,某职业,4,,
            """
        let classification = OccupationClassification(text: text)
        #expect(classification.entries.map(\.code) == ["6", "6-18", "6-18-02", "6-18-02-04", "6-18-02-05", "6-19-01-01"])
        #expect(classification.occupation(code: "6-18-02-04")?.name == "焊工")
        #expect(classification.occupation(code: "6-18-02-05")?.level == 4)
        #expect(classification.occupation(code: "６-18-02-04")?.name == "焊工")
        #expect(classification.problems.count == 7)
        #expect(classification.problems.contains { $0.contains("line 6") && $0.contains("repeats") })
        #expect(classification.problems.contains { $0.contains("6-19-01") })
        #expect(classification.search("焊", level: 4).map(\.code) == ["6-18-02-04"])
    }
}
