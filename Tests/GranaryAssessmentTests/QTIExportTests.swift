import Foundation
import GranaryModel
import GranaryTestSupport
import Synchronization
import Testing

@testable import GranaryAssessment
@testable import GranaryStore

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct QTIExportTests {
    // MARK: - Items against the official schemas

    @Test(arguments: QuestionType.allCases, QTIVersion.allCases)
    func everyTypeExportsAnItemTheSchemaAccepts(type: QuestionType, version: QTIVersion) throws {
        let item = QTIExport.item(Self.sample(type), version: version, courseName: "焊接工艺", pointNames: ["kp-current": "焊接电流"])
        let issues = try Self.validator(.item(version)).validate(item)
        #expect(issues.isEmpty, "\(type) in QTI \(version.rawValue): \(issues)\n\(item)")
        let root = try Self.root(item)
        #expect(root.name == version.element("assessmentItem"))
        #expect(try Self.values(root, "/*/@identifier") == ["q-0b7e2c1a-4f3d-4c1e-9a55-2f1d8e6c3b10"])
        #expect(try Self.values(root, "/*/@label").first?.hasPrefix("焊接工艺：焊接电流") == true)
        let maximum = try Self.values(
            root,
            "//*[local-name()='outcomeDeclaration' or local-name()='qti-outcome-declaration'][@identifier='MAXSCORE']//*"
        )
        #expect(maximum.last == QTIExport.number(Self.sample(type).score))
    }

    @Test(arguments: QTIVersion.allCases)
    func choiceItemsDeclareTheCorrectChoicesAndHowManyMayBeChosen(version: QTIVersion) throws {
        let single = try Self.root(QTIExport.item(Self.sample(.single), version: version))
        #expect(try Self.values(single, Self.path(version, "correctResponse", "value")) == ["A"])
        #expect(try Self.attributes(single, Self.path(version, "choiceInteraction"), version.attribute("maxChoices")) == ["1"])
        #expect(try Self.attributes(single, Self.path(version, "mapEntry"), version.attribute("mappedValue")) == ["2"])
        #expect(try Self.attributes(single, Self.path(version, "responseProcessing"), "template") == [version.template("map_response")])

        let multiple = try Self.root(QTIExport.item(Self.sample(.multiple), version: version))
        #expect(try Self.values(multiple, Self.path(version, "correctResponse", "value")) == ["A", "B", "C"])
        #expect(try Self.attributes(multiple, Self.path(version, "choiceInteraction"), version.attribute("maxChoices")) == ["0"])
        #expect(try Self.attributes(multiple, Self.path(version, "responseDeclaration"), "cardinality") == ["multiple"])
        // All or nothing: the full score when the response matches the correct one, else 0.
        #expect(try Self.values(multiple, Self.path(version, "baseValue")) == ["3", "0"])

        let judge = try Self.root(QTIExport.item(Self.sample(.judge), version: version))
        #expect(try Self.values(judge, Self.path(version, "simpleChoice")) == ["对", "错"])
        #expect(try Self.attributes(judge, Self.path(version, "simpleChoice"), "identifier") == ["true", "false"])
        #expect(try Self.values(judge, Self.path(version, "correctResponse", "value")) == ["true"])
    }

    @Test(arguments: QTIVersion.allCases)
    func fillItemsPutATextEntryInEachBlankAndMapEveryAcceptedAnswer(version: QTIVersion) throws {
        let item = QTIExport.item(Self.sample(.fill), version: version)
        let root = try Self.root(item)
        #expect(try Self.values(root, Self.path(version, "itemBody")).allSatisfy { !$0.contains("____") })
        #expect(
            try Self.attributes(root, Self.path(version, "textEntryInteraction"), version.attribute("responseIdentifier")) == [
                "RESPONSE_1", "RESPONSE_2",
            ]
        )
        #expect(try Self.values(root, Self.path(version, "correctResponse", "value")) == ["焊接电流", "电弧电压"])
        #expect(try Self.attributes(root, Self.path(version, "mapEntry"), version.attribute("mapKey")) == ["焊接电流", "电流", "电弧电压"])
        #expect(try Self.attributes(root, Self.path(version, "mapEntry"), version.attribute("mappedValue")) == ["1", "1", "1"])
        // The interactions sit in the stem's sentence, not after it.
        let paragraph = try #require(try root.nodes(forXPath: "//*[local-name()='p']").first)
        #expect(paragraph.stringValue == "焊条电弧焊的焊接参数主要包括、和焊接速度。")

        var unmarked = Self.sample(.fill)
        unmarked.stem = "焊条电弧焊的焊接参数主要包括哪两项？"
        let appended = QTIExport.item(unmarked, version: version)
        #expect(try Self.validator(.item(version)).validate(appended).isEmpty)
        let stem = "//*[local-name()='p'][not(ancestor::*[contains(local-name(), 'ubric')])]"
        #expect(try Self.values(try Self.root(appended), stem) == ["焊条电弧焊的焊接参数主要包括哪两项？", "（1）", "（2）"])

        var one = Self.sample(.fill)
        one.stem = "焊接电流的单位是____。"
        one.answer = .array([.array([.string("A"), .string("安培")])])
        let single = try Self.root(QTIExport.item(one, version: version))
        #expect(try Self.attributes(single, Self.path(version, "responseProcessing"), "template") == [version.template("map_response")])
        #expect(try Self.attributes(single, Self.path(version, "mapEntry"), version.attribute("mappedValue")) == ["2", "2"])
    }

    @Test(arguments: QTIVersion.allCases)
    func practicalItemsGiveTheScorerTheRubricAndTheReferenceAnswer(version: QTIVersion) throws {
        let root = try Self.root(QTIExport.item(Self.sample(.practical), version: version))
        #expect(try root.nodes(forXPath: Self.path(version, "extendedTextInteraction")).count == 1)
        #expect(try root.nodes(forXPath: Self.path(version, "responseProcessing")).isEmpty)
        let blocks = try root.nodes(forXPath: Self.path(version, "rubricBlock"))
        #expect(try Self.attributes(root, Self.path(version, "rubricBlock"), "view") == ["scorer", "scorer", "scorer tutor"])
        #expect(blocks.map { $0.stringValue?.contains("焊缝成形") ?? false } == [false, true, false])
        #expect(try Self.values(root, "//*[local-name()='td']") == ["焊缝成形", "10", "无损检测", "6", "安全文明生产", "4"])
        #expect(blocks[0].stringValue?.contains("焊缝表面无裂纹") == true)
        #expect(blocks[2].stringValue?.contains("坡口角度") == true)
        if version == .v3p0 {
            #expect(try Self.attributes(root, "//*[local-name()='qti-outcome-declaration'][@identifier='SCORE']", "external-scored") == ["human"])
        }
    }

    @Test(arguments: QTIVersion.allCases)
    func markupInStemsAndOptionsIsEscapedAndReadsBackUnchanged(version: QTIVersion) throws {
        var question = Self.sample(.single)
        question.stem = "若 a < b && c > d，输出 \"<ok>\" 还是 'ok'？]]> &amp;"
        question.options = [
            Question.Option(id: "A", text: "<script>alert(1)</script>"),
            Question.Option(id: "B", text: "A & B \"quoted\""),
            Question.Option(id: "C", text: "x\u{01}y"),
        ]
        question.analysis = "</p><p>注入"
        let item = QTIExport.item(question, version: version, courseName: "\"课程\" <&>")
        #expect(try Self.validator(.item(version)).validate(item).isEmpty)
        #expect(!item.contains("<script>"))
        let root = try Self.root(item)
        #expect(try Self.values(root, "//*[local-name()='p']").first == question.stem)
        #expect(try Self.values(root, Self.path(version, "simpleChoice")) == ["<script>alert(1)</script>", "A & B \"quoted\"", "xy"])
        #expect(try Self.values(root, "/*/@label") == ["\"课程\" <&>：kp-current"])
        #expect(try Self.values(root, "/*/@title").first?.hasPrefix("若 a < b && c > d") == true)
    }

    @Test func identifiersAreNCNamesWhateverTheIdsAre() throws {
        var question = Self.sample(.single)
        question.id = "7 题/第一"
        question.options = [Question.Option(id: "1", text: "甲"), Question.Option(id: "2", text: "乙")]
        question.answer = .string("2")
        let item = QTIExport.item(question, version: .v2p1)
        #expect(QTIExport.identifier(for: question) == "q-7_____")
        #expect(try Self.validator(.item(.v2p1)).validate(item).isEmpty)
        let root = try Self.root(item)
        #expect(try Self.attributes(root, "//*[local-name()='simpleChoice']", "identifier") == ["c_1", "c_2"])
        #expect(try Self.values(root, "//*[local-name()='correctResponse']/*") == ["c_2"])
        #expect(QTIExport.choiceIdentifiers([.init(id: "甲", text: "x"), .init(id: "B", text: "y")]) == ["choice_1", "choice_2"])
    }

    // MARK: - The content package

    @Test(arguments: QTIVersion.allCases)
    func theManifestAndItsLOMRecordsValidate(version: QTIVersion) throws {
        let package = Self.package(version)
        let manifest = package.manifest()
        let issues = try Self.validator(.manifest(version)).validate(manifest)
        #expect(issues.isEmpty, "\(issues)\n\(manifest)")
        for item in package.items {
            #expect(try Self.validator(.item(version)).validate(package.document(of: item)).isEmpty)
            let record = package.record(of: item).document()
            #expect(try Self.validator(.lom).validate(record).isEmpty, "\(record)")
        }

        let root = try Self.root(manifest)
        #expect(try Self.attributes(root, "//*[local-name()='resource']", "type") == Array(repeating: version.itemResourceType, count: 6))
        // 专业/课程/知识点, from the root down, for the practical question's two knowledge points.
        let practical = "//*[local-name()='resource'][@identifier='q-practical']//*[local-name()='taxonPath']"
        #expect(try root.nodes(forXPath: practical).count == 2)
        #expect(try Self.values(root, practical + "[1]/*[local-name()='taxon']/*[local-name()='id']") == ["460110", "course-weld", "kp-current"])
        #expect(
            try Self.values(root, practical + "[2]/*[local-name()='taxon']/*[local-name()='entry']/*[local-name()='string']")
                == ["智能焊接技术", "焊接工艺", "坡口加工"]
        )
        #expect(try Self.values(root, practical + "[1]/*[local-name()='source']/*") == [LOMRecord.taxonPathSource])
        let rights = "//*[local-name()='resource'][@identifier='q-single']//*[local-name()='rights']/*[local-name()='description']/*"
        #expect(try Self.values(root, rights) == ["原创。著作权归作者 teacher1 所有。"])
        #expect(try Self.values(root, "//*[local-name()='resource'][1]//*[local-name()='language']").allSatisfy { $0 == "zh-CN" })
    }

    @Test(arguments: QTIVersion.allCases)
    func aManifestWhoseLOMRecordBreaksTheLOMSchemaFails(version: QTIVersion) throws {
        // IMS CP 1.1 admits LOM through a lax wildcard: only because the LOM schema is loaded beside it is this caught.
        let manifest = Self.package(version).manifest()
        let general = try #require(manifest.range(of: "<lom:general>"))
        let broken = manifest.replacingCharacters(in: general, with: "<lom:general><lom:difficulty>hard</lom:difficulty>")
        let issues = try Self.validator(.manifest(version)).validate(broken)
        #expect(issues.contains { $0.message.contains("difficulty") }, "\(issues)")
    }

    @Test(arguments: QTIVersion.allCases)
    func theZipOpensWithTheArchiveReaderAndHoldsTheManifestAndEveryItem(version: QTIVersion) throws {
        let package = Self.package(version)
        let directory = URL(fileURLWithPath: TestFolders.make("qti"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("试题.zip")
        try package.write(to: url)

        let archive = try #require(ZipArchive(path: url.path))
        let expected = [("imsmanifest.xml", package.manifest())] + package.items.map { ($0.path, package.document(of: $0)) }
        #expect(archive.entries.map(\.name) == expected.map(\.0))
        for (name, document) in expected {
            let entry = try #require(archive.entry(named: name))
            #expect(entry.flags & (1 << 11) != 0)
            var bytes: [UInt8] = []
            let end = archive.read(entry, maximumBytes: 1 << 20) { chunk in
                bytes += chunk
                return true
            }
            #expect(end == .complete)
            #expect(bytes == Array(document.utf8))
        }
        #expect(archive.entries.contains { $0.method == 8 })
    }

    @Test func zipEntriesKeepUTF8NamesAndStoreWhatDoesNotShrink() throws {
        var writer = ZipWriter(modified: Date(timeIntervalSince1970: 1_767_225_600))
        try writer.add("资源/焊接.txt", Array(String(repeating: "焊接电流与电弧电压。", count: 50).utf8))
        try writer.add("tiny", [0x41])
        try writer.add("empty", [])
        let url = URL(fileURLWithPath: TestFolders.make("zip") + ".zip")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(writer.finish()).write(to: url)
        let archive = try #require(ZipArchive(path: url.path))
        #expect(archive.entries.map(\.name) == ["资源/焊接.txt", "tiny", "empty"])
        #expect(archive.entries.map(\.method) == [8, 0, 0])
        for entry in archive.entries {
            #expect(archive.read(entry, maximumBytes: 1 << 20) { _ in true } == .complete)
        }
    }

    // MARK: - The validator

    @Test func aBrokenDocumentFailsValidationWithAMessage() throws {
        let validator = try Self.validator(.item(.v2p1))
        let item = QTIExport.item(Self.sample(.single), version: .v2p1)
        let unknown = item.replacingOccurrences(of: "<itemBody>", with: "<itemBody><blink>x</blink>")
        let issues = validator.validate(unknown)
        #expect(issues.contains { $0.message.contains("blink") && $0.line > 0 }, "\(issues)")

        let wrongType = item.replacingOccurrences(of: "maxChoices=\"1\"", with: "maxChoices=\"one\"")
        #expect(validator.validate(wrongType).contains { $0.message.contains("maxChoices") })

        let notXML = validator.validate("<assessmentItem><p></assessmentItem>")
        #expect(notXML.count == 1 && notXML[0].message.hasPrefix("not well-formed"), "\(notXML)")

        let entity = "<!DOCTYPE a [<!ENTITY e SYSTEM \"http://example.com/x\">]><a>&e;</a>"
        #expect(!validator.validate(entity).isEmpty)
    }

    @Test func aMissingSchemaIsReportedNotTrapped() throws {
        #expect(throws: XMLSchemaValidator.SchemaError.self) {
            try XMLSchemaValidator(schemaAt: Self.metadata.appendingPathComponent("schemas/none.xsd"))
        }
    }

    @Test func theShippedSchemasNeverNameANetworkLocation() throws {
        let schemas = Self.metadata.appendingPathComponent("schemas")
        let files = try #require(FileManager.default.enumerator(at: schemas, includingPropertiesForKeys: nil)?.allObjects as? [URL])
        var checked = 0
        for file in files where file.pathExtension == "xsd" {
            let root = try Self.root(try String(contentsOf: file, encoding: .utf8))
            let references =
                "//*[namespace-uri()='http://www.w3.org/2001/XMLSchema'][local-name()='import' or local-name()='include' or local-name()='redefine']"
            for location in try Self.values(root, references + "/@schemaLocation") {
                #expect(!location.contains(":"), "\(file.lastPathComponent) imports \(location)")
                let target = file.deletingLastPathComponent().appendingPathComponent(location).standardizedFileURL
                #expect(FileManager.default.fileExists(atPath: target.path), "\(file.lastPathComponent) imports missing \(location)")
                checked += 1
            }
        }
        #expect(checked > 30)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.sharedQTI.path)))
    func publishedSampleItemsValidateAgainstTheShippedSchemas() throws {
        let v2p1 = try Self.validator(.item(.v2p1))
        for name in ["choice", "choice_multiple", "text_entry", "extended_text", "inline_choice", "match", "order", "gap_match"] {
            let bytes = try Array(Data(contentsOf: Self.sharedQTI.appendingPathComponent("v2p1/\(name).xml")))
            #expect(v2p1.validate(bytes).isEmpty, "v2p1/\(name).xml")
        }
        // A QTI 2.2 item is not a QTI 2.1 one.
        let essay = try Array(Data(contentsOf: Self.sharedQTI.appendingPathComponent("v2p1/essay_v2p2.xml")))
        #expect(v2p1.validate(essay).contains { $0.message.contains("imsqti_v2p2") })

        let v3p0 = try Self.validator(.item(.v3p0))
        for name in ["choice", "choice_multiple", "text_entry", "extended_text", "BBQsTest/id-83210b60ed8f/TF-choice"] {
            let bytes = try Array(Data(contentsOf: Self.sharedQTI.appendingPathComponent("v3p0/\(name).xml")))
            #expect(v3p0.validate(bytes).isEmpty, "v3p0/\(name).xml")
        }
        let manifest = try Array(Data(contentsOf: Self.sharedQTI.appendingPathComponent("v3p0/BBQsTest/imsmanifest.xml")))
        #expect(try Self.validator(.manifest(.v3p0)).validate(manifest).isEmpty)
    }

    // MARK: - Helpers

    /// The repository's `Metadata` folder, whose `schemas` the product ships.
    static let metadata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Metadata")
    /// Published QTI samples (`../shared/data/qti`), present on development machines only.
    static let sharedQTI = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/qti")

    /// Compiled schemas, shared by the tests: QTI 3.0's takes seconds to compile.
    private static let validators = Mutex<[XMLSchemaValidator.Shipped: XMLSchemaValidator]>([:])

    /// The shared validator of `schema`, compiled on first use.
    static func validator(_ schema: XMLSchemaValidator.Shipped) throws -> XMLSchemaValidator {
        try Self.validators.withLock { cache in
            if let validator = cache[schema] { return validator }
            let validator = try XMLSchemaValidator(schema, metadata: Self.metadata)
            cache[schema] = validator
            return validator
        }
    }

    /// An XPath matching `names` (QTI 2 spelling) as descendants, in `version`'s spelling.
    static func path(_ version: QTIVersion, _ names: String...) -> String {
        names.map { "//*[local-name()='\(version.element($0))']" }.joined()
    }

    /// The root element of `document`.
    static func root(_ document: String) throws -> XMLElement {
        try #require(try XMLDocument(xmlString: document, options: []).rootElement())
    }

    /// String values of the nodes `xpath` selects.
    static func values(_ root: XMLElement, _ xpath: String) throws -> [String] {
        try root.nodes(forXPath: xpath).map { $0.stringValue ?? "" }
    }

    /// Values of the attribute `name` of the nodes `xpath` selects (FoundationXML's `attribute(forName:)` misses
    /// attributes of elements in a namespace, so XPath reads them).
    static func attributes(_ root: XMLElement, _ xpath: String, _ name: String) throws -> [String] {
        try Self.values(root, xpath + "/@" + name)
    }

    /// A package holding one question of each type, the single-choice one marked 原创.
    static func package(_ version: QTIVersion) -> ContentPackage {
        var package = ContentPackage(version: version, title: "焊接工艺 试题", created: Date(timeIntervalSince1970: 1_767_225_600))
        let names = ["kp-current": "焊接电流", "kp-groove": "坡口加工"]
        for type in QuestionType.allCases {
            var question = Self.sample(type)
            question.id = type.rawValue
            package.add(
                question,
                major: ContentPackage.Term(id: "460110", name: "智能焊接技术"),
                course: ContentPackage.Term(id: "course-weld", name: "焊接工艺"),
                pointNames: names,
                original: type == .single ? true : nil
            )
        }
        return package
    }

    /// A question of `type` as the bank stores it.
    static func sample(_ type: QuestionType) -> Question {
        var options: [Question.Option] = []
        var rubric: [Question.Criterion] = []
        var points = ["kp-current"]
        let stem: String
        let answer: JSONValue
        let score: Double
        switch type {
        case .single:
            stem = "焊接电流过大时最容易产生的缺陷是（　）。"
            options = [.init(id: "A", text: "咬边"), .init(id: "B", text: "未焊透"), .init(id: "C", text: "气孔"), .init(id: "D", text: "夹渣")]
            answer = .string("A")
            score = 2
        case .multiple:
            stem = "下列属于焊接接头形式的有（　）。"
            options = [.init(id: "A", text: "对接接头"), .init(id: "B", text: "T 形接头"), .init(id: "C", text: "角接接头"), .init(id: "D", text: "熔化接头")]
            answer = .array([.string("A"), .string("B"), .string("C")])
            score = 3
        case .judge:
            stem = "CO2 气体保护焊属于熔化极气体保护焊。"
            answer = .bool(true)
            score = 1
        case .fill:
            stem = "焊条电弧焊的焊接参数主要包括____、______和焊接速度。"
            answer = .array([.array([.string("焊接电流"), .string("电流")]), .array([.string("电弧电压")])])
            score = 2
        case .short:
            stem = "简述焊前预热的作用。\n答题不少于 100 字。"
            answer = .string("减缓焊后冷却速度，降低淬硬倾向，防止冷裂纹。")
            score = 5
        case .practical:
            stem = "按图纸完成 Q235 钢板 V 形坡口对接平焊。"
            answer = .string("焊缝表面无裂纹、气孔，余高 0–3 mm。")
            rubric = [.init(criterion: "焊缝成形", points: 10), .init(criterion: "无损检测", points: 6), .init(criterion: "安全文明生产", points: 4)]
            points = ["kp-current", "kp-groove"]
            score = 20
        }
        return Question(
            id: "0b7e2c1a-4f3d-4c1e-9a55-2f1d8e6c3b10",
            version: 2,
            course: "course-weld",
            knowledgePoints: points,
            type: type,
            difficulty: 3,
            stem: stem,
            options: options,
            answer: answer,
            analysis: type == .practical ? "坡口角度 60°，钝边 1 mm。" : "见教材第三章。",
            rubric: rubric,
            score: score,
            status: .approved,
            publishedVersion: 2,
            createdBy: "teacher1",
            createdAt: Date(timeIntervalSince1970: 1_767_225_600),
            updatedAt: Date(timeIntervalSince1970: 1_767_225_600)
        )
    }
}
