import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

@testable import GranaryAssessment

/// The formats besides QTI 2/3 (Tests/Fixtures/question-formats, and Canvas's QTI 1.2 quiz in ../shared/data): what
/// each question becomes, what it earns for real answers, and what is refused and why.
@Suite struct QuestionFormatTests {
    static let fixtures = QTIImportTests.root.appendingPathComponent("Tests/Fixtures/question-formats").path

    /// Imports fixture `file` into course `weld`, on point `gmaw` unless a question names its own.
    static func run(_ file: String, in bank: QTIImportTests.Bank, format: QuestionFormat? = nil) async throws -> QuestionImporter.Report {
        try await bank.importer.importFile(
            at: Self.fixtures + "/" + file,
            name: file,
            format: format,
            course: "weld",
            knowledgePoints: ["gmaw"],
            difficulty: nil,
            author: bank.teacher
        )
    }

    static func questions(_ report: QuestionImporter.Report, _ bank: QTIImportTests.Bank) async throws -> [Question] {
        var questions: [Question] = []
        for id in report.imported { questions.append(try await bank.questions.question(id: id, viewer: bank.teacher)) }
        return questions
    }

    static func points(_ question: Question, _ answer: JSONValue) -> Double {
        Grading.grade(answer, question: question, score: question.score)?.score ?? -1
    }

    static func words(_ words: String...) -> JSONValue { .array(words.map(JSONValue.string)) }

    @Test func moodleXMLKeepsItsTypesFractionsTolerancesAndCategories() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding-moodle.xml", in: bank)
        #expect(report.format == "moodle")
        #expect(report.imported.count == 9, "\(report.failed)")
        #expect(report.failed.map(\.code) == ["unsupported", "unsupported"])
        #expect(report.failed.last?.reason.contains("calculated") == true)
        let q = try await Self.questions(report, bank)
        #expect(q.map(\.type) == [.single, .multiple, .judge, .fill, .fill, .fill, .short, .practical, .fill])
        // The category's last part is a point of the course: it wins over the request's.
        #expect(q.allSatisfy { $0.knowledgePoints == ["arc"] })
        #expect(q[0].stem == "焊接电弧中温度最高的区域是？")
        #expect(q[0].options.map(\.text) == ["阴极区", "弧柱区", "阳极区"])
        #expect(q[0].analysis?.hasPrefix("弧柱区温度可达 5000–8000 K。") == true)
        #expect([Self.points(q[0], .string("B")), Self.points(q[0], .string("C")), Self.points(q[0], .string("A"))] == [2, 1, 0])
        #expect(q[1].options[1].text == "CO2")
        #expect([Self.points(q[1], Self.words("A", "B")), Self.points(q[1], Self.words("A")), Self.points(q[1], Self.words("A", "C"))] == [2, 1, 0])
        #expect(q[2].answer == .bool(true))
        #expect([Self.points(q[3], Self.words("Fe")), Self.points(q[3], Self.words("fe"))] == [1, 0])
        #expect([Self.points(q[4], Self.words("mig")), Self.points(q[4], Self.words("气保焊"))] == [2, 1])
        #expect([Self.points(q[5], Self.words("115")), Self.points(q[5], Self.words("131"))] == [2, 0])
        #expect(report.warnings.contains { $0.warning == "单位未导入：只比较数值" })
        #expect(q[6].answer == .string("反变形法、刚性固定法、合理的焊接顺序。"))
        #expect(q[6].score == 5)
        #expect(q[7].answer == .string("正确对应：焊条电弧焊 — 111；埋弧焊 — 121"))
        #expect(q[8].stem.components(separatedBy: "____").count == 4)
        #expect(q[8].score == 4)
        #expect(Self.points(q[8], Self.words("430", "钛钙型", "全位置")) == 4)
        #expect(Self.points(q[8], Self.words("427", "钛钙", "平焊")) == 2.5)
    }

    @Test func giftReadsChoicesWeightsNumbersMissingWordsAndEscapes() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding.gift", in: bank)
        #expect(report.format == "gift")
        #expect(report.imported.count == 9, "\(report.failed)")
        #expect(report.failed.map(\.reason) == ["没有答案块 {…}：说明文字不是题目"])
        let q = try await Self.questions(report, bank)
        #expect(q.map(\.type) == [.single, .judge, .multiple, .fill, .fill, .fill, .short, .practical, .single])
        #expect(q.allSatisfy { $0.knowledgePoints == ["arc"] })
        #expect(q[0].analysis == "弧柱区：对，弧柱区最热")
        #expect([Self.points(q[0], .string("A")), Self.points(q[0], .string("C")), Self.points(q[0], .string("B"))] == [1, 0.5, 0])
        #expect([Self.points(q[2], Self.words("A", "B")), Self.points(q[2], Self.words("B", "C"))] == [1, 0])
        #expect([Self.points(q[3], Self.words("129")), Self.points(q[3], Self.words("131"))] == [1, 0])
        #expect(q[4].stem == "焊条电弧焊的电弧电压约为 ____ V。")
        #expect(q[4].scoring?.blanks?.first?.numeric == .init(tolerance: 2))
        #expect([Self.points(q[4], Self.words("20")), Self.points(q[4], Self.words("25"))] == [1, 0])
        #expect(q[5].stem == "用焊丝作电极、以氩气保护的焊接方法简称 ____ 焊。")
        #expect([Self.points(q[5], Self.words("MIG")), Self.points(q[5], Self.words("气保焊"))] == [1, 0.5])
        #expect(q[6].answer == .string("反变形法、刚性固定法、合理的焊接顺序。"))
        #expect(q[8].stem == "比值 3:2 中的 { 与 } 写作")
        #expect(q[8].options.map(\.text) == ["括号", "方括号"])
    }

    @Test func aikenReadsSingleChoicesAndNamesTheBadOne() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding-aiken.txt", in: bank)
        #expect(report.format == "aiken")
        #expect(report.imported.count == 2)
        #expect(report.failed.map(\.file) == ["第 3 题（第 14 行）"])
        #expect(report.failed.first?.reason == "ANSWER: E 不是本题的选项")
        let q = try await Self.questions(report, bank)
        #expect(q.map(\.answer) == [.string("B"), .string("B")])
        #expect(q[1].options.map(\.text) == ["直流正接", "直流反接", "交流"])
        #expect(q.allSatisfy { $0.knowledgePoints == ["gmaw"] && $0.difficulty == 3 })
    }

    @Test func aWordBankWrittenByLibreOfficeReadsNumbersLabelsAndBlanks() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding-libreoffice.docx", in: bank)
        #expect(report.format == "docx")
        #expect(report.failed.map(\.file) == ["第 5 题"])
        #expect(report.failed.first?.reason == "题干有 3 个空，答案有 4 个（各空答案用“；”或“|”分隔）")
        let q = try await Self.questions(report, bank)
        #expect(q.map(\.type) == [.single, .single, .judge, .fill])
        #expect(q[0].stem == "CO2 气体保护焊的熔滴过渡形式主要是（　）。")
        #expect(q[0].options.map(\.text) == ["喷射过渡", "短路过渡", "颗粒过渡"])
        #expect(q[0].answer == .string("B"))
        #expect(q[0].analysis == "细丝 CO2 焊以短路过渡为主。")
        #expect(q[0].score == 2)
        #expect(q[1].difficulty == 2)
        #expect(q[1].knowledgePoints == ["arc"])
        #expect(q[0].knowledgePoints == ["gmaw"])
        #expect(q[2].answer == .bool(true))
        #expect(q[2].score == 1)
        #expect(q[3].stem == "焊缝符号“6△”表示焊脚尺寸为____mm 的____焊缝。")
        #expect(q[3].answer == .array([.array([.string("6")]), .array([.string("角")])]))
        #expect(q[3].score == 2)
    }

    @Test func aWordBankWrittenByPythonDocxKeepsTypedNumbersPicturesAndLongAnswers() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding-python-docx.docx", in: bank)
        #expect(report.imported.count == 2)
        #expect(report.failed.map(\.reason) == ["答案“E”中有不存在的选项", "课程中没有知识（技能）点“不存在的点”"])
        let q = try await Self.questions(report, bank)
        // The picture is a file of the question now: the fixture's PNG, typed by libmagic, shown where it stood.
        #expect(q[0].stem == "如图所示的焊缝缺陷是（ ）\n[图片：image1.png]")
        #expect(q[0].knowledgePoints == ["gmaw", "arc"])
        #expect(report.warnings.isEmpty)
        let picture = try Data(contentsOf: QTIImportTests.root.appendingPathComponent("Tests/Fixtures/weld-bead.png"))
        #expect(q[0].attachments.map(\.name) == ["image1.png"])
        #expect(q[0].attachments.map(\.mime) == ["image/png"])
        #expect(try await bank.files.bytes(of: q[0].attachments[0]) == [UInt8](picture))
        #expect(q[1].type == .short)
        #expect(q[1].stem == "说明焊前预热的作用。")
        #expect(q[1].answer == .string("降低冷却速度，防止冷裂纹；\n减小焊接应力。"))
        #expect(q[1].difficulty == 4)
        #expect(q[1].score == 6)
    }

    @Test func aQTIPackageKeepsThePicturesAndFilmsItsItemsShowAndNamesWhatItLacks() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding-media-qti.zip", in: bank)
        #expect(report.failed.isEmpty, "\(report.failed)")
        let q = try await Self.questions(report, bank)
        #expect(q.count == 2)
        // Pictures in the stem, as options and in the analysis, relative to the item, one file for one picture.
        #expect(q[0].stem == "下图焊缝中的缺陷是哪一种？\n[图片：bead.png]")
        #expect(q[0].options.map(\.text) == ["[图片：pore.png]", "[图片：crack x.png]", "没有缺陷"])
        #expect(q[0].analysis == "气孔呈圆形：[图片：pore.png]")
        #expect(q[0].attachments.map(\.name) == ["bead.png", "pore.png", "crack x.png"])
        #expect(q[0].attachments.allSatisfy { $0.mime == "image/png" })
        #expect(Self.points(q[0], .string("pore")) == 1 && Self.points(q[0], .string("crack")) == 0)
        // The film is kept; a missing picture, a PDF posing as one and a path out of the package stay names.
        #expect(q[1].attachments.map(\.name) == ["arc.mp4"])
        #expect(q[1].attachments.map(\.mime) == ["video/mp4"])
        #expect(q[1].stem.hasPrefix("看视频：[媒体：arc.mp4]\n参考图：[图片：../images/missing.png] 讲义：[图片：../images/notes.pdf]"))
        #expect(
            report.warnings.filter { $0.question == q[1].id }.map(\.warning) == [
                "文件“../images/missing.png”不在上传的内容中，题中以文件名代替",
                "文件“../images/notes.pdf”未导入：文件“notes.pdf”的内容是 application/pdf：试题中只能显示图片、音频和视频",
                "文件“../../../etc/passwd”不在上传的内容中，题中以文件名代替",
            ]
        )
    }

    @Test func moodleXMLBringsTheFilesItCarriesAndDataURLs() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding-media-moodle.xml", in: bank)
        #expect(report.failed.isEmpty && report.warnings.isEmpty, "\(report)")
        let q = try await Self.questions(report, bank)[0]
        #expect(q.stem == "图中的现象是：\n[图片：spatter photo.png]")
        #expect(q.options.map(\.text) == ["飞溅", "[图片：pore.png]", "[图片：内嵌文件3]"])
        #expect(q.analysis == "对照：[图片：bead.png]")
        #expect(q.attachments.map(\.name) == ["spatter photo.png", "pore.png", "内嵌文件3", "bead.png"])
        #expect(Set(q.attachments.map(\.sha256)).count == 4)
        #expect(q.attachments.allSatisfy { $0.mime == "image/png" && $0.size > 0 })
        #expect(q.knowledgePoints == ["arc"])
    }

    @Test func excelBanksReadTheirColumnsByNameOnEverySheet() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await Self.run("welding-openpyxl.xlsx", in: bank)
        #expect(report.format == "xlsx")
        #expect(report.failed.map(\.file) == ["题目!第 7 行"])
        let q = try await Self.questions(report, bank)
        #expect(q.map(\.type) == [.single, .multiple, .judge, .fill, .short, .judge, .judge])
        #expect(q[0].options.map(\.text) == ["阴极区", "弧柱区", "阳极区", "熔池"])
        #expect(q[0].knowledgePoints == ["arc"])
        #expect(q[0].difficulty == 1)
        #expect(q[1].answer == Self.words("A", "B"))
        #expect(q[3].answer == .array([.array([.string("120")]), .array([.string("22"), .string("23")])]))
        #expect(q[3].difficulty == 4)
        #expect(q[5].answer == .bool(true) && q[6].answer == .bool(false))

        let other = try await Self.run("welding-libreoffice.xlsx", in: bank)
        #expect(other.failed == [])
        let r = try await Self.questions(other, bank)
        #expect(r.map(\.type) == [.single, .multiple, .judge, .fill])
        #expect(r[1].answer == Self.words("A", "B", "C"))
        #expect(r[1].score == 4)
        #expect(r[2].answer == .bool(false))
        #expect(r[3].stem == "直径3.2 mm焊条的平焊电流约为____A。")
        #expect(Self.points(r[3], Self.words("120")) == 1)
    }

    @Test(arguments: ["question-import.docx", "question-import.xlsx"])
    func theShippedTemplatesImportOneQuestionOfEachType(template: String) async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await bank.importer.importFile(
            at: QTIImportTests.root.appendingPathComponent("Metadata/templates/" + template).path,
            name: template,
            course: "weld",
            knowledgePoints: ["gmaw"],
            difficulty: nil,
            author: bank.teacher
        )
        #expect(report.failed == [])
        let q = try await Self.questions(report, bank)
        #expect(q.map(\.type) == [.single, .multiple, .judge, .fill, .short, .practical])
        #expect(q.map(\.score) == [2, 3, 1, 2, 5, 10])
        #expect(q[0].knowledgePoints == ["arc"])
        #expect(q[3].answer == .array([.array([.string("直流反接")]), .array([.string("120"), .string("125")])]))
        #expect(q[5].rubric == [.init(criterion: "焊缝成形", points: 6), .init(criterion: "安全操作", points: 4)])
        #expect(q.map(\.difficulty) == [1, 3, 1, 3, 4, 5])
    }

    static let canvasQuiz =
        QTIImportTests.shared
        + "/../packages/instructure_common-cartridge-viewer/public/test-cartridges/all-question-types/iaa8f9f400b29e514ea8d28fd7ed067f4/assessment_qti.xml"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: canvasQuiz)))
    func aCanvasQTI12QuizImportsEveryQuestionType() async throws {
        let bank = try await QTIImportTests.Bank()
        let report = try await bank.importer.importFile(
            at: Self.canvasQuiz,
            name: "assessment_qti.xml",
            course: "weld",
            knowledgePoints: ["arc"],
            difficulty: 2,
            author: bank.teacher
        )
        #expect(report.format == "qti12")
        #expect(report.failed == [])
        let q = try await Self.questions(report, bank)
        #expect(q.map(\.type) == [.single, .judge, .multiple, .short])
        #expect(q[0].stem == "How many letters does the word, \"RED\" have?")
        #expect(q[0].options.map(\.text) == ["1", "2", "3", "4"])
        #expect(q[0].answer == .string("C"))
        #expect(q.allSatisfy { $0.difficulty == 2 })
    }

    @Test func textInGB18030IsRead() throws {
        let bytes: [UInt8] = [0xBA, 0xB8, 0xBD, 0xD3]  // 焊接 in GBK
        #expect(QuestionImporter.gb18030(bytes) == "焊接")
        #expect(QuestionImporter.gb18030([0xFF, 0xFF, 0xFF]) == nil)
    }

    @Test func formatsAreToldFromTheBytesAndTheName() throws {
        func detect(_ text: String, name: String) throws -> QuestionFormat {
            let path = TestFolders.make("format") + "-" + name
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
            return try QuestionFormat.detect(path: path, name: name)
        }
        #expect(try detect("<?xml version=\"1.0\"?>\n<!-- x -->\n<quiz></quiz>", name: "a.xml") == .moodle)
        #expect(try detect("\u{FEFF}<questestinterop/>", name: "a.xml") == .qti12)
        #expect(try detect("<assessmentItem/>", name: "a.xml") == .qti)
        #expect(try detect("问题\nA. 甲\nB. 乙\nANSWER: A\n", name: "a.txt") == .aiken)
        #expect(try detect("::q:: 题 {T}", name: "a.txt") == .gift)
        #expect(try detect("无括号", name: "a.gift") == .gift)
        #expect(throws: GranaryError.self) { try detect("随便写的文字", name: "a.txt") }
    }
}
