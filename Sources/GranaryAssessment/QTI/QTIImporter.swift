import Foundation
import GranaryModel
import GranaryStore

/// `POST /questions/import`: QTI 2.1, 2.2 and 3.0 items, alone or in an IMS content package (zip), into the bank.
///
/// Each item becomes a draft question of the given course and points, written by the importing teacher, so it
/// goes through review like any other. Every file is reported: imported (with the question's id) or failed (with
/// the reason); what an imported item lost on the way (images, a missing reference answer) is a warning.
public struct QTIImporter: Sendable {
    /// What an import did, file by file.
    public struct Report: Codable, Sendable, Equatable {
        /// A file that was not imported, and why.
        public struct Failure: Codable, Sendable, Equatable {
            public var file: String
            /// `malformed`, `not_qti`, `unsupported`, `invalid` (the question it would make breaks a bank rule),
            /// or `missing` (a file the manifest names is not in the package).
            public var code: String
            public var reason: String
        }

        /// A file that was imported with something left behind.
        public struct Warning: Codable, Sendable, Equatable {
            public var file: String
            public var question: String
            public var warning: String
        }

        /// Ids of the questions created, in file order.
        public var imported: [String] = []
        /// Files not imported.
        public var failed: [Failure] = []
        /// What imported files lost.
        public var warnings: [Warning] = []
        /// Files the package names that are not items (tests, media), left alone.
        public var ignored: [String] = []
    }

    /// Largest item file read from a package.
    public static let maximumItemBytes = 8 << 20
    /// Most items one package may bring.
    public static let maximumItems = 2_000
    /// Most bytes a package's entries may declare once inflated, all together (a zip bomb is refused unread).
    public static let maximumPackageBytes = 256 << 20

    private let questions: QuestionStore

    /// Creates an importer writing into `questions`.
    public init(questions: QuestionStore) {
        self.questions = questions
    }

    /// Imports the item or package in the file at `path` (named `name` in the report) as drafts of `course` on
    /// `knowledgePoints`, each with `difficulty` (QTI does not carry one).
    public func importFile(
        at path: String,
        name: String,
        course: String,
        knowledgePoints: [String],
        difficulty: Int,
        author: User
    ) async throws -> Report {
        try await self.questions.checkTarget(course: course, knowledgePoints: knowledgePoints)
        guard (1...5).contains(difficulty) else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "难度应为 1–5", en: "difficulty must be 1 to 5"),
                errors: [FieldError(field: "difficulty", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        var report = Report()
        var files: [(name: String, bytes: [UInt8])] = []
        let head = try Self.prefix(of: path, count: 4)
        if head == [0x50, 0x4B, 0x03, 0x04] {
            files = try Self.packageItems(at: path, report: &report)
            if files.isEmpty, report.failed.isEmpty {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(
                        zh: "压缩包中没有 QTI 试题（没有 XML 文件，或清单未列出试题）",
                        en: "The package holds no QTI item (no XML file, or none the manifest lists as an item)"
                    ),
                    errors: [FieldError(field: "body", message: LocalizedText(zh: "没有可读的试题", en: "no item to read"))]
                )
            }
        } else {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            guard bytes.count <= XMLTree.maximumBytes else {
                throw GranaryError(.payloadTooLarge, LocalizedText(zh: "XML 文件过大", en: "The XML document is too large"))
            }
            files = [(name, bytes)]
        }
        for file in files {
            do {
                let tree = try XMLTree.parse(file.bytes)
                try Self.checkQTI(tree)
                switch tree.name {
                case "assessmentItem":
                    let item = try QTIItemReader.read(tree)
                    let question = try await self.create(item, course: course, points: knowledgePoints, difficulty: difficulty, author: author)
                    report.imported.append(question.id)
                    report.warnings += item.warnings.map { Report.Warning(file: file.name, question: question.id, warning: $0) }
                case "assessmentTest":
                    throw XMLTree.Failure(
                        reason: "an assessment test names its items by file: send an IMS content package (zip) holding the test and its items"
                    )
                default:
                    throw XMLTree.Failure(code: "not_qti", reason: "\(tree.name) is not a QTI assessment item")
                }
            } catch let failure as XMLTree.Failure {
                report.failed.append(.init(file: file.name, code: failure.code, reason: failure.reason))
            } catch let error as GranaryError {
                report.failed.append(
                    .init(file: file.name, code: "invalid", reason: error.detail.en + error.errors.map { " \($0.field): \($0.message.en)" }.joined())
                )
            }
        }
        return report
    }

    private func create(_ item: QTIItemReader.Imported, course: String, points: [String], difficulty: Int, author: User) async throws -> Question {
        try await self.questions.create(
            QuestionStore.Input(
                course: course,
                knowledgePoints: points,
                type: item.type,
                difficulty: difficulty,
                stem: item.stem,
                options: item.options,
                answer: item.answer,
                analysis: .some(item.analysis),
                rubric: item.rubric,
                score: item.score,
                scoring: .some(item.scoring)
            ),
            author: author
        )
    }

    /// A QTI 2.1, 2.2 or 3.0 document, by the root's namespace.
    private static func checkQTI(_ tree: XMLTree) throws(XMLTree.Failure) {
        guard let namespace = tree.namespace, QTIItemReader.namespaces[namespace] != nil else {
            throw XMLTree.Failure(code: "not_qti", reason: "not a QTI 2.1, 2.2 or 3.0 document (namespace \(tree.namespace ?? "none"))")
        }
    }

    // MARK: - Packages

    /// The items a content package holds: those its manifest lists, or every XML file when it has no manifest.
    private static func packageItems(at path: String, report: inout Report) throws -> [(name: String, bytes: [UInt8])] {
        guard let archive = ZipArchive(path: path) else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "压缩包已损坏或无法读取", en: "The zip package is damaged or unreadable"))
        }
        guard archive.declaredInflatedBytes <= Self.maximumPackageBytes else {
            throw GranaryError(
                .payloadTooLarge,
                LocalizedText(
                    zh: "压缩包解压后超过 \(Self.maximumPackageBytes >> 20) MiB（疑似压缩炸弹），未导入",
                    en: "The package inflates to more than \(Self.maximumPackageBytes >> 20) MiB (a zip bomb?); nothing was imported"
                )
            )
        }
        var names: [String] = []
        if let manifestEntry = archive.entry(named: "imsmanifest.xml") {
            guard let bytes = Self.read(manifestEntry, of: archive) else {
                throw GranaryError(.invalidDocument, LocalizedText(zh: "imsmanifest.xml 无法读取", en: "imsmanifest.xml cannot be read"))
            }
            let manifest: XMLTree
            do {
                manifest = try XMLTree.parse(bytes)
            } catch {
                throw GranaryError(.invalidDocument, LocalizedText(zh: "imsmanifest.xml 有误：\(error.reason)", en: "imsmanifest.xml: \(error.reason)"))
            }
            for resource in manifest.descendants(where: { $0.name == "resource" }) {
                let type = resource.attributes["type"] ?? ""
                guard let href = resource.attributes["href"] ?? resource.element("file")?.attributes["href"] else { continue }
                if type.contains("imsqti_item") {
                    names.append(href)
                } else {
                    report.ignored.append(href)
                }
            }
        } else {
            names = archive.entries.map(\.name).filter { $0.lowercased().hasSuffix(".xml") }
        }
        var files: [(name: String, bytes: [UInt8])] = []
        for name in names.prefix(Self.maximumItems) {
            let path = name.removingPercentEncoding ?? name
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                report.failed.append(.init(file: name, code: "malformed", reason: "the path leaves the package"))
                continue
            }
            guard let entry = archive.entry(named: path) else {
                report.failed.append(.init(file: name, code: "missing", reason: "the manifest names a file the package does not hold"))
                continue
            }
            guard let bytes = Self.read(entry, of: archive) else {
                report.failed.append(
                    .init(file: name, code: "malformed", reason: "the file is damaged or larger than \(Self.maximumItemBytes >> 20) MiB")
                )
                continue
            }
            files.append((name, bytes))
        }
        if names.count > Self.maximumItems {
            report.failed.append(
                .init(file: "imsmanifest.xml", code: "unsupported", reason: "more than \(Self.maximumItems) items; the rest were not read")
            )
        }
        return files
    }

    /// An entry's bytes, nil when damaged or over the limit.
    private static func read(_ entry: ZipArchive.Entry, of archive: ZipArchive) -> [UInt8]? {
        var bytes: [UInt8] = []
        let end = archive.read(entry, maximumBytes: Self.maximumItemBytes) { chunk in
            bytes.append(contentsOf: chunk)
            return true
        }
        return end == .complete ? bytes : nil
    }

    private static func prefix(of path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "无法读取上传的文件", en: "The upload cannot be read"))
        }
        defer { try? handle.close() }
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }
}
