import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

@testable import GranaryAssessment

/// QTI items written for these tests (Chinese welding content), and the real files of ../shared/data/qti.
@Suite struct QTIImportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared/data/qti").path

    /// A library with course `weld` (points `arc`, `gmaw`) and a teacher.
    struct Bank {
        let folder: String
        let library: Library
        let teacher: User
        let importer: QuestionImporter
        let questions: QuestionStore
        let files: QuestionFiles

        init() async throws {
            self.folder = TestFolders.make("qti")
            self.library = try Library(
                dataDirectory: self.folder,
                metadataDirectory: QTIImportTests.root.appendingPathComponent("Metadata").path,
                options: .init(database: try await TestDatabase.defaultDatabase(forLibraryIn: self.folder, schemas: [.assessment])),
                schemas: [.assessment]
            )
            self.teacher = try await self.library.accounts.createUser(
                username: "zhang",
                password: "Passw0rd-123",
                displayName: nil,
                role: .teacher,
                institution: "测试学院",
                actor: "test"
            )
            let catalogue = self.library.catalogue
            _ = try await catalogue.createMajor(code: "460110", name: nil, level: nil, role: .core, actor: "test")
            _ = try await catalogue.createCourse(
                id: "weld",
                name: "焊接方法与设备",
                major: "460110",
                category: .core,
                hours: nil,
                standard: nil,
                actor: "test"
            )
            _ = try await catalogue.createPoint(id: "arc", name: "焊接电弧", course: "weld", kind: .knowledge, prerequisites: [], actor: "test")
            _ = try await catalogue.createPoint(id: "gmaw", name: "熔化极气体保护焊", course: "weld", kind: .skill, prerequisites: [], actor: "test")
            self.questions = QuestionStore(database: self.library.database)
            self.files = QuestionFiles(database: self.library.database, blobs: self.library.blobs, inspector: self.library.inspector)
            self.importer = QuestionImporter(questions: self.questions, files: self.files)
        }

        func run(_ bytes: [UInt8], name: String = "item.xml") async throws -> QuestionImporter.Report {
            let path = self.folder + "/upload-\(UUID().uuidString)"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            return try await self.importer.importFile(
                at: path,
                name: name,
                course: "weld",
                knowledgePoints: ["arc"],
                difficulty: 3,
                author: self.teacher
            )
        }

        func run(_ xml: String) async throws -> QuestionImporter.Report { try await self.run(Array(xml.utf8)) }

        func question(_ report: QuestionImporter.Report) async throws -> Question {
            let id = try #require(report.imported.first)
            return try await self.questions.question(id: id, viewer: self.teacher)
        }
    }

    static func item21(_ body: String, responses: String = "", outcomes: String = "", extra: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="i1" title="t" adaptive="false" timeDependent="false">
        \(responses)\(outcomes)<itemBody>\(body)</itemBody>\(extra)</assessmentItem>
        """
    }

    static func item30(_ body: String, responses: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="i1" title="t" adaptive="false" time-dependent="false">
        \(responses)<qti-item-body>\(body)</qti-item-body></qti-assessment-item>
        """
    }

    @Test func aChoiceWithOneAnswerIsASingleChoiceQuestionWithItsScoreAndFeedback() async throws {
        let bank = try await Bank()
        let xml = Self.item21(
            """
            <p>焊接电弧中温度最高的区域是？</p>
            <choiceInteraction responseIdentifier="RESPONSE" maxChoices="1"><prompt>请选择一项</prompt>
            <simpleChoice identifier="A">阴极区</simpleChoice><simpleChoice identifier="B">弧柱区 &amp; 弧心</simpleChoice></choiceInteraction>
            """,
            responses:
                #"<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier"><correctResponse><value>B</value></correctResponse></responseDeclaration>"#,
            outcomes:
                #"<outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float"><defaultValue><value>2</value></defaultValue></outcomeDeclaration>"#,
            extra: #"<modalFeedback outcomeIdentifier="FEEDBACK" identifier="B" showHide="show">弧柱区温度可达 5000–8000 K。</modalFeedback>"#
        )
        let report = try await bank.run(xml)
        #expect(report.failed == [])
        let question = try await bank.question(report)
        #expect(question.type == .single)
        #expect(question.stem == "焊接电弧中温度最高的区域是？\n请选择一项")
        #expect(question.options == [.init(id: "A", text: "阴极区"), .init(id: "B", text: "弧柱区 & 弧心")])
        #expect(question.answer == .string("B"))
        #expect(question.score == 2)
        #expect(question.analysis == "弧柱区温度可达 5000–8000 K。")
        #expect(question.status == .draft)
        #expect(question.knowledgePoints == ["arc"])
    }

    @Test func qti3ChoicesTrueFalseAndBlanksBecomeMultipleJudgeAndFill() async throws {
        let bank = try await Bank()
        let multiple = Self.item30(
            """
            <p>CO2 焊常用的保护气体有？</p><qti-choice-interaction response-identifier="R" max-choices="0">
            <qti-simple-choice identifier="A">CO2</qti-simple-choice><qti-simple-choice identifier="B">氩气</qti-simple-choice>
            <qti-simple-choice identifier="C">氧气</qti-simple-choice></qti-choice-interaction>
            """,
            responses:
                #"<qti-response-declaration identifier="R" cardinality="multiple" base-type="identifier"><qti-correct-response><qti-value>B</qti-value><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>"#
        )
        let chosen = try await bank.question(try await bank.run(multiple))
        #expect(chosen.type == .multiple)
        #expect(chosen.answer == .array([.string("A"), .string("B")]))

        let judge = Self.item30(
            """
            <p>电弧是一种气体放电现象。</p><qti-choice-interaction response-identifier="R" max-choices="1">
            <qti-simple-choice identifier="T">正确</qti-simple-choice><qti-simple-choice identifier="F">错误</qti-simple-choice></qti-choice-interaction>
            """,
            responses:
                #"<qti-response-declaration identifier="R" cardinality="single" base-type="identifier"><qti-correct-response><qti-value>T</qti-value></qti-correct-response></qti-response-declaration>"#
        )
        let truth = try await bank.question(try await bank.run(judge))
        #expect(truth.type == .judge)
        #expect(truth.answer == .bool(true))
        #expect(truth.options == [])

        let fill = Self.item30(
            """
            <p>干伸长一般为 <qti-text-entry-interaction response-identifier="R1"/> mm，焊丝直径常用
            <qti-text-entry-interaction response-identifier="R2"/> mm。</p>
            """,
            responses: """
                <qti-response-declaration identifier="R1" cardinality="single" base-type="string"><qti-correct-response><qti-value>10-15</qti-value></qti-correct-response></qti-response-declaration>
                <qti-response-declaration identifier="R2" cardinality="single" base-type="string"><qti-correct-response><qti-value>1.2</qti-value></qti-correct-response>
                <qti-mapping default-value="0"><qti-map-entry map-key="1.2mm" mapped-value="1"/><qti-map-entry map-key="1.0" mapped-value="0"/></qti-mapping></qti-response-declaration>
                """
        )
        let blanks = try await bank.question(try await bank.run(fill))
        #expect(blanks.type == .fill)
        #expect(blanks.stem == "干伸长一般为 ____ mm，焊丝直径常用 ____ mm。")
        #expect(blanks.answer == .array([.array([.string("10-15")]), .array([.string("1.2"), .string("1.2mm")])]))
        #expect(blanks.score == 2)
    }

    @Test func extendedTextIsShortAndOrderIsPracticalWithTheCorrectOrderWrittenOut() async throws {
        let bank = try await Bank()
        let essay = Self.item21(
            #"<extendedTextInteraction responseIdentifier="R"><prompt>简述焊接电弧的组成。</prompt></extendedTextInteraction><rubricBlock view="scorer"><p>答出阴极区、弧柱区、阳极区各得 1 分。</p></rubricBlock>"#,
            responses: #"<responseDeclaration identifier="R" cardinality="single" baseType="string"/>"#
        )
        let short = try await bank.question(try await bank.run(essay))
        #expect(short.type == .short)
        #expect(short.stem == "简述焊接电弧的组成。")
        #expect(short.answer == .string("答出阴极区、弧柱区、阳极区各得 1 分。"))

        let order = Self.item21(
            """
            <orderInteraction responseIdentifier="R"><prompt>排列焊前准备的顺序。</prompt>
            <simpleChoice identifier="C">清理坡口</simpleChoice><simpleChoice identifier="A">检查设备</simpleChoice><simpleChoice identifier="B">装配定位</simpleChoice>
            </orderInteraction>
            """,
            responses:
                #"<responseDeclaration identifier="R" cardinality="ordered" baseType="identifier"><correctResponse><value>A</value><value>C</value><value>B</value></correctResponse></responseDeclaration>"#
        )
        let report = try await bank.run(order)
        let practical = try await bank.question(report)
        #expect(practical.type == .practical)
        #expect(practical.answer == .string("正确顺序：检查设备 → 清理坡口 → 装配定位"))
        #expect(practical.rubric == [.init(criterion: "与参考答案一致", points: 1)])
        #expect(report.warnings.map(\.warning) == ["orderInteraction became a practical question graded against the written-out correct response"])
    }

    @Test func whatTheSixTypesCannotHoldIsRefusedWithAReason() async throws {
        let bank = try await Bank()
        let hotspot = Self.item21(
            #"<hotspotInteraction responseIdentifier="R" maxChoices="1"><object type="image/png" data="a.png"/><hotspotChoice identifier="H" shape="circle" coords="1,1,1"/></hotspotInteraction>"#,
            responses: #"<responseDeclaration identifier="R" cardinality="single" baseType="identifier"/>"#
        )
        let mixed = Self.item21(
            #"<p>题目</p><choiceInteraction responseIdentifier="A" maxChoices="1"><simpleChoice identifier="x">x</simpleChoice><simpleChoice identifier="y">y</simpleChoice></choiceInteraction><extendedTextInteraction responseIdentifier="B"/>"#,
            responses:
                #"<responseDeclaration identifier="A" cardinality="single" baseType="identifier"><correctResponse><value>x</value></correctResponse></responseDeclaration><responseDeclaration identifier="B" cardinality="single" baseType="string"/>"#
        )
        let noAnswer = Self.item21(
            #"<p>题目</p><choiceInteraction responseIdentifier="A" maxChoices="1"><simpleChoice identifier="x">x</simpleChoice><simpleChoice identifier="y">y</simpleChoice></choiceInteraction>"#,
            responses: #"<responseDeclaration identifier="A" cardinality="single" baseType="identifier"/>"#
        )
        let cases: [(String, String, String)] = [
            (hotspot, "unsupported", "hotspotInteraction"),
            (mixed, "unsupported", "several interactions"),
            (noAnswer, "unsupported", "no correct choice"),
            (#"<?xml version="1.0"?><item xmlns="urn:other"/>"#, "not_qti", "not a QTI"),
            (#"<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"><itemBody>"#, "malformed", "not well-formed"),
        ]
        for (xml, code, reason) in cases {
            let report = try await bank.run(xml)
            #expect(report.imported == [])
            #expect(report.failed.map(\.code) == [code])
            #expect(report.failed.first?.reason.contains(reason) == true, "\(report.failed)")
        }
    }

    @Test func externalEntitiesAndEntityBombsAreRefusedUnread() async throws {
        let bank = try await Bank()
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE assessmentItem [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"><itemBody><p>&secret;</p></itemBody></assessmentItem>
            """
        var laughs = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#
        for level in 1...9 {
            laughs += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">"
        }
        laughs += #"]><assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"><itemBody><p>&lol9;</p></itemBody></assessmentItem>"#
        var deep = ""
        for _ in 0..<5_000 { deep += "<div>" }
        let nested = Self.item21(deep)
        for xml in [xxe, laughs, nested] {
            let report = try await bank.run(xml)
            #expect(report.imported == [])
            #expect(report.failed.map(\.code) == ["malformed"])
        }
        #expect(try await bank.run(xxe).failed.first?.reason.contains("DOCTYPE") == true)
    }

    @Test func aContentPackageImportsTheItemsItsManifestListsAndNamesTheRest() async throws {
        let bank = try await Bank()
        let item = Self.item21(
            #"<p>三视图包括主视图、俯视图和左视图。</p><choiceInteraction responseIdentifier="R" maxChoices="1"><simpleChoice identifier="T">true</simpleChoice><simpleChoice identifier="F">false</simpleChoice></choiceInteraction>"#,
            responses:
                #"<responseDeclaration identifier="R" cardinality="single" baseType="identifier"><correctResponse><value>T</value></correctResponse></responseDeclaration>"#
        )
        let manifest = """
            <?xml version="1.0" encoding="UTF-8"?>
            <manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m"><organizations/><resources>
            <resource identifier="r1" type="imsqti_item_xmlv2p1" href="items/judge.xml"><file href="items/judge.xml"/></resource>
            <resource identifier="r2" type="imsqti_item_xmlv2p1" href="items/gone.xml"/>
            <resource identifier="r3" type="imsqti_item_xmlv2p1" href="../escape.xml"/>
            <resource identifier="r4" type="imsqti_test_xmlv2p1" href="test.xml"/>
            </resources></manifest>
            """
        let zip = StoredZip.make([("imsmanifest.xml", Array(manifest.utf8)), ("items/judge.xml", Array(item.utf8))])
        let report = try await bank.run(zip, name: "package.zip")
        #expect(report.imported.count == 1)
        #expect(try await bank.question(report).type == .judge)
        #expect(report.failed.map(\.code) == ["missing", "malformed"])
        #expect(report.ignored == ["test.xml"])
    }

    /// What each real file of ../shared/data/qti (written by others) becomes.
    static let expected: [String: String] = [
        "v2p1/choice.xml": "single", "v2p1/choice_multiple.xml": "multiple", "v2p1/essay_v2p2.xml": "short",
        "v2p1/extended_text.xml": "short", "v2p1/gap_match.xml": "practical", "v2p1/hotspot.xml": "unsupported",
        "v2p1/inline_choice.xml": "single", "v2p1/match.xml": "practical", "v2p1/order.xml": "practical",
        "v2p1/text_entry.xml": "fill", "v2p1/test_sections/items_arranged_into_sections_within_tests.xml": "unsupported",
        "v3p0/choice.xml": "single", "v3p0/choice_multiple.xml": "multiple", "v3p0/extended_text.xml": "short",
        "v3p0/hotspot.xml": "unsupported", "v3p0/inline_choice.xml": "single", "v3p0/match.xml": "practical",
        "v3p0/order.xml": "practical", "v3p0/text_entry.xml": "fill",
    ]

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shared)))
    func everyRealQTIFileHasItsExpectedOutcome() async throws {
        let bank = try await Bank()
        for (file, outcome) in Self.expected.sorted(by: { $0.key < $1.key }) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.shared + "/" + file)))
            let report = try await bank.run(bytes, name: file)
            if outcome == "unsupported" {
                #expect(report.imported == [], "\(file)")
                #expect(report.failed.map(\.code) == ["unsupported"], "\(file)")
            } else {
                #expect(report.failed == [], "\(file): \(report.failed)")
                #expect(try await bank.question(report).type.rawValue == outcome, "\(file)")
            }
        }
        // The BBQs package, zipped as it lies: four of its 22 items are present, the test is left alone.
        let folder = Self.shared + "/v3p0/BBQsTest"
        var files: [(String, [UInt8])] = []
        for name in try FileManager.default.subpathsOfDirectory(atPath: folder) where name.hasSuffix(".xml") {
            files.append((name, try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))))
        }
        let report = try await bank.run(StoredZip.make(files), name: "BBQsTest.zip")
        var types: [String: QuestionType] = [:]
        for id in report.imported {
            types[try await bank.questions.question(id: id, viewer: bank.teacher).stem] = try await bank.questions.question(
                id: id,
                viewer: bank.teacher
            ).type
        }
        #expect(Set(types.values) == [.judge, .short, .fill, .multiple])
        #expect(report.failed.count == 18)
        #expect(report.failed.allSatisfy { $0.code == "missing" })
        #expect(report.ignored == ["assessment.xml"])
    }
}

/// A zip of stored (uncompressed) entries, enough to hand the importer a real package.
enum StoredZip {
    static func make(_ files: [(String, [UInt8])]) -> [UInt8] {
        var output: [UInt8] = []
        var directory: [UInt8] = []
        func le16(_ value: Int, _ into: inout [UInt8]) { into += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func le32(_ value: UInt32, _ into: inout [UInt8]) { into += (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
        for (name, bytes) in files {
            let crc = Self.crc32(bytes)
            let offset = UInt32(output.count)
            let nameBytes = Array(name.utf8)
            le32(0x0403_4B50, &output)
            le16(20, &output)
            le16(0x0800, &output)
            le16(0, &output)
            le16(0, &output)
            le16(0, &output)
            le32(crc, &output)
            le32(UInt32(bytes.count), &output)
            le32(UInt32(bytes.count), &output)
            le16(nameBytes.count, &output)
            le16(0, &output)
            output += nameBytes + bytes
            le32(0x0201_4B50, &directory)
            le16(20, &directory)
            le16(20, &directory)
            le16(0x0800, &directory)
            le16(0, &directory)
            le16(0, &directory)
            le16(0, &directory)
            le32(crc, &directory)
            le32(UInt32(bytes.count), &directory)
            le32(UInt32(bytes.count), &directory)
            le16(nameBytes.count, &directory)
            le16(0, &directory)
            le16(0, &directory)
            le16(0, &directory)
            le16(0, &directory)
            le32(0, &directory)
            le32(offset, &directory)
            directory += nameBytes
        }
        let directoryOffset = UInt32(output.count)
        output += directory
        le32(0x0605_4B50, &output)
        le16(0, &output)
        le16(0, &output)
        le16(files.count, &output)
        le16(files.count, &output)
        le32(UInt32(directory.count), &output)
        le32(directoryOffset, &output)
        le16(0, &output)
        return output
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
