import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

@testable import GranaryAssessment

/// A course's bank as Moodle XML and as a Word exam paper: what Moodle (and the bank's own reader) reads back, and
/// what a printed paper shows.
@Suite struct QuestionExportTests {
    /// The shipped Word template, the Moodle fixture and the scoring fixtures imported and published in course `weld`.
    static func publishedBank() async throws -> (QTIImportTests.Bank, [Question]) {
        let bank = try await QTIImportTests.Bank()
        var ids: [String] = []
        ids += try await QuestionFormatTests.run("welding-moodle.xml", in: bank).imported
        ids += try await bank.importer.importFile(
            at: QTIImportTests.root.appendingPathComponent("Metadata/templates/question-import.docx").path,
            name: "t.docx",
            course: "weld",
            knowledgePoints: ["gmaw"],
            difficulty: nil,
            author: bank.teacher
        ).imported
        for file in ["numeric-rounded.xml", "three-different.xml", "all-or-nothing.xml"] {
            ids += try await bank.run(try QTIScoringTests.bytes(file), name: file).imported
        }
        let published = ids
        try await bank.library.database.write { db in
            for id in published { try ReviewedItems.questions.publishCurrentVersion(db, id: id) }
        }
        var questions: [Question] = []
        for id in ids { questions.append(try await bank.questions.question(id: id, viewer: bank.teacher)) }
        return (bank, questions)
    }

    @Test func moodleXMLReadsBackWithTheSameAnswersScoresAndRules() async throws {
        let (bank, questions) = try await Self.publishedBank()
        let export = try await QuestionExporter(database: bank.library.database, files: bank.files).course("weld", as: .moodle, viewer: bank.teacher)
        #expect(export.fileName == "焊接方法与设备-试题-Moodle.xml")
        let entries = MoodleXMLReader.read(export.bytes, name: "export.xml")
        #expect(entries.count == questions.count)
        let xml = String(decoding: export.bytes, as: UTF8.self)
        #expect(xml.contains("<text>$course$/top/焊接方法与设备/焊接电弧</text>"))
        var same = 0
        for (entry, original) in zip(entries, MoodleXMLExport.order(questions)) {
            let read = try entry.result.get()
            #expect(
                read.stem.replacingOccurrences(of: " ____", with: "") == original.stem.replacingOccurrences(of: " ____", with: ""),
                "\(original.stem)"
            )
            #expect(read.score == original.score || read.type == .fill, "\(original.stem)")
            guard original.type != .practical, original.type != .multiple else { continue }
            #expect(read.type == original.type, "\(original.stem)")
            #expect(read.answer == original.answer || read.type == .short, "\(original.stem): \(read.answer) vs \(original.answer)")
            // Every answer earns what it earned before.
            if original.type == .fill, let probe = QuestionGrading.blanks(original.answer).map(\.first).map({ $0 ?? "" }) as [String]? {
                let imported = Question(
                    id: "x",
                    version: 1,
                    course: "weld",
                    knowledgePoints: [],
                    type: read.type,
                    difficulty: 3,
                    stem: read.stem,
                    options: read.options,
                    answer: read.answer,
                    analysis: nil,
                    rubric: [],
                    score: read.score ?? 1,
                    scoring: read.scoring,
                    status: .draft,
                    publishedVersion: nil,
                    createdBy: "t",
                    createdAt: Date(),
                    updatedAt: Date()
                )
                let answer = JSONValue.array(probe.map(JSONValue.string))
                #expect(
                    Grading.grade(answer, question: imported, score: original.score)?.score
                        == Grading.grade(answer, question: original, score: original.score)?.score,
                    "\(original.stem)"
                )
            }
            same += 1
        }
        #expect(same >= 12)
    }

    @Test func theWordPaperHasSectionsNumberedQuestionsAndTheAnswersAfterABreak() async throws {
        let (bank, questions) = try await Self.publishedBank()
        let export = try await QuestionExporter(database: bank.library.database, files: bank.files).course("weld", as: .docx, viewer: bank.teacher)
        #expect(export.fileName == "焊接方法与设备-试卷.docx")
        let path = TestFolders.make("word-export") + ".docx"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(export.bytes)))
        let archive = try #require(ZipArchive(path: path))
        #expect(
            Set(archive.entries.map(\.name)) == [
                "[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels",
            ]
        )
        let entry = try #require(archive.entry(named: "word/document.xml"))
        let bytes = try #require(QuestionImporter.read(entry, of: archive))
        let document = try XMLTree.parse(bytes)
        var lines = WordQuestionReader.Lines(numbering: nil, relationships: nil)
        lines.read(try #require(document.element("body")))
        let text = lines.lines
        #expect(text.first == "焊接方法与设备 试题")
        #expect(text.contains("一、单项选择题（共 2 题，4 分）"))
        #expect(text.contains { $0.hasPrefix("六、综合实践题（共 2 题，") })
        #expect(text.contains("1. 焊接电弧中温度最高的区域是？（2 分）"))
        #expect(text.contains("A. 阴极区"))
        let answers = try #require(text.firstIndex(of: "参考答案与评分标准"))
        #expect(text[answers...].contains("1. 答案：B"))
        #expect(text[answers...].contains { $0.hasPrefix("评分标准：焊缝成形 6 分；安全操作 4 分") })
        // A fill question's blanks are underlined gaps.
        let xml = String(decoding: bytes, as: UTF8.self)
        #expect(xml.contains("<w:u w:val=\"single\"/>"))
        #expect(text.filter { $0.range(of: #"^\d+\. "#, options: .regularExpression) != nil }.count >= questions.count * 2)
    }
}
