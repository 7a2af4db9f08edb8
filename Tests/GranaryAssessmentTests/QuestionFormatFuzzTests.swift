import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

@testable import GranaryAssessment

/// The readers of Word, Excel, Moodle XML, GIFT, Aiken and QTI 1.2 on damaged and hostile input: the fixtures and
/// templates mutated (bytes flipped, cut, markup and huge numbers inserted), and a few hand-made traps (300 options,
/// a column reference past XFD, a list number without an id). Every input gives entries or a `GranaryError`: no trap.
@Suite struct QuestionFormatFuzzTests {
    static let cases = 60

    static let files: [(String, QuestionFormat)] = [
        ("Tests/Fixtures/question-formats/welding-libreoffice.docx", .docx), ("Tests/Fixtures/question-formats/welding-python-docx.docx", .docx),
        ("Tests/Fixtures/question-formats/welding-openpyxl.xlsx", .xlsx), ("Tests/Fixtures/question-formats/welding-libreoffice.xlsx", .xlsx),
        ("Tests/Fixtures/question-formats/welding-moodle.xml", .moodle), ("Tests/Fixtures/question-formats/welding.gift", .gift),
        ("Tests/Fixtures/question-formats/welding-aiken.txt", .aiken), ("Metadata/templates/question-import.docx", .docx),
    ]

    static let inserts = ["{", "}", "~", "=", "#", "%-100%", "::", "<", "&", "答案：", "ANSWER:", "A. ", "一、", "99999999999999999999", "1e308", "\u{0}"]

    static func read(_ bytes: [UInt8], as format: QuestionFormat, folder: String) -> Int {
        let path = folder + "/input-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            switch format {
            case .docx: return try WordQuestionReader.read(path: path, name: "x").count
            case .xlsx: return try ExcelQuestionReader.read(path: path, name: "x").count
            case .moodle: return MoodleXMLReader.read(bytes, name: "x").count
            case .gift: return GIFTReader.read(try QuestionImporter.text(at: path), name: "x").count
            case .aiken: return AikenReader.read(try QuestionImporter.text(at: path), name: "x").count
            case .qti, .qti12: return QuestionImporter.qtiEntries(bytes, name: "x").count
            }
        } catch is GranaryError {
            return -1
        } catch {
            Issue.record("\(format): \(error)")
            return -1
        }
    }

    @Test func damagedFilesOfEveryFormatGiveEntriesOrAProblemNeverATrap() throws {
        let folder = TestFolders.make("format-fuzz")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var random = TestBanks.Generator(20_261_204)
        for (file, format) in Self.files {
            let original = try [UInt8](Data(contentsOf: QTIImportTests.root.appendingPathComponent(file)))
            #expect(Self.read(original, as: format, folder: folder) > 0, "\(file)")
            for _ in 0..<Self.cases {
                var bytes = original
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let position = Int(random.next() % UInt64(max(bytes.count, 1)))
                    switch random.next() % 4 {
                    case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1) << UInt8(random.next() % 8)
                    case 1: bytes = Array(bytes.prefix(position))
                    case 2:
                        let insert = Self.inserts[Int(random.next() % UInt64(Self.inserts.count))]
                        bytes.insert(contentsOf: Array(insert.utf8), at: min(position, bytes.count))
                    default: if !bytes.isEmpty { bytes.remove(at: min(position, bytes.count - 1)) }
                    }
                }
                _ = Self.read(bytes, as: format, folder: folder)
            }
        }
    }

    @Test func handMadeTrapsAreRefusedNotTrapped() throws {
        let folder = TestFolders.make("format-traps")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let many = (0..<300).map { #"<answer fraction="0"><text>选项\#($0)</text></answer>"# }.joined()
        let moodle = #"<quiz><question type="multichoice"><questiontext><text>题</text></questiontext><single>true</single>\#(many)</question></quiz>"#
        let entries = MoodleXMLReader.read(Array(moodle.utf8), name: "x")
        #expect(entries.count == 1)
        if case .failure(let failure) = entries[0].result { #expect(failure.reason == "选择题应有 2–26 个选项，本题有 300 个") }
        let gift = "::q:: 题 {" + (0..<300).map { "~\($0)" }.joined(separator: " ") + " =对}"
        #expect(GIFTReader.read(gift, name: "x").count == 1)
        #expect(ExcelQuestionReader.columnIndex("ZZZZZZZZZZZZZZZZZZ1") == nil)
        #expect(ExcelQuestionReader.columnIndex("XFD9") == 16_383)
        let rows = ExcelQuestionReader.questions([(1, [0: "题干", 1: "答案"]), (2, [0: "1+1=?", 1: "2"])], sheet: "Sheet1")
        #expect(rows.count == 1)
    }
}
