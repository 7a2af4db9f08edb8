import Foundation
import GranaryModel
import GranaryStore

#if canImport(Glibc)
import Glibc
#endif

/// `POST /questions/import`: the question files teachers bring, into the bank.
///
/// Reads QTI 2.1, 2.2 and 3.0 items (alone or in an IMS content package), QTI 1.2 (Canvas, Blackboard), Moodle XML,
/// GIFT, Aiken, and the Word (.docx) and Excel (.xlsx) templates of Chinese platforms; the format comes from the
/// bytes and the file name unless the caller names it. Each question becomes a draft of the given course, written
/// by the importing teacher, so it goes through review like any other. Points and difficulty come from the file when
/// it names them (知识点 by name or id, a Moodle category), else from the request. Every question is reported:
/// imported (with its id) or failed (with the reason); what an imported one lost on the way is a warning.
public struct QuestionImporter: Sendable {
    /// What an import did, question by question.
    public struct Report: Codable, Sendable, Equatable {
        /// A question (or file) that was not imported, and why.
        public struct Failure: Codable, Sendable, Equatable {
            /// The file of a package, or where in the file (第 3 题, 第 5 行).
            public var file: String
            /// `malformed`, `not_qti` (not a format the bank reads), `unsupported`, `invalid` (the question it would
            /// make breaks a bank rule), or `missing` (a file the manifest names is not in the package).
            public var code: String
            public var reason: String
        }

        /// A question that was imported with something left behind.
        public struct Warning: Codable, Sendable, Equatable {
            public var file: String
            public var question: String
            public var warning: String
        }

        /// The format read: `qti`, `qti12`, `moodle`, `gift`, `aiken`, `docx` or `xlsx`.
        public var format: String = QuestionFormat.qti.rawValue
        /// Ids of the questions created, in file order.
        public var imported: [String] = []
        /// Questions or files not imported.
        public var failed: [Failure] = []
        /// What imported questions lost.
        public var warnings: [Warning] = []
        /// Files the package names that are not items (tests, media), left alone.
        public var ignored: [String] = []
    }

    /// Largest item file read from a package.
    public static let maximumItemBytes = 8 << 20
    /// Most questions one import may bring.
    public static let maximumItems = 2_000
    /// Most bytes a package's entries may declare once inflated, all together (a zip bomb is refused unread).
    public static let maximumPackageBytes = 256 << 20

    private let questions: QuestionStore
    private let files: QuestionFiles

    /// Creates an importer writing into `questions`, keeping the pictures, sounds and films they show in `files`.
    public init(questions: QuestionStore, files: QuestionFiles) {
        self.questions = questions
        self.files = files
    }

    /// Imports the file at `path` (named `name`: its extension helps tell the format) as drafts of `course`, each on
    /// the points and with the difficulty it names, else on `knowledgePoints` with `difficulty` (3 when nil).
    public func importFile(
        at path: String,
        name: String,
        format: QuestionFormat? = nil,
        course: String,
        knowledgePoints: [String],
        difficulty: Int?,
        author: User
    ) async throws -> Report {
        if !knowledgePoints.isEmpty { try await self.questions.checkTarget(course: course, knowledgePoints: knowledgePoints) }
        let coursePoints = try await self.questions.coursePoints(course)
        if let difficulty, !(1...5).contains(difficulty) {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "难度应为 1–5", en: "difficulty must be 1 to 5"),
                errors: [FieldError(field: "difficulty", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        var report = Report()
        let format = try format ?? QuestionFormat.detect(path: path, name: name)
        report.format = format.rawValue
        let entries = try Self.read(path: path, name: name, format: format, report: &report)
        for entry in entries.prefix(Self.maximumItems) {
            do {
                var item = try entry.result.get()
                var named = item.points
                if named.isEmpty, let hint = item.pointHint {
                    if (try? Self.points([hint], of: coursePoints, default: [])) != nil {
                        named = [hint]
                    } else if !knowledgePoints.isEmpty {
                        item.warnings.append("分类“\(hint)”不是本课程的知识点，按所选知识点导入")
                    }
                }
                let points = try Self.points(named, of: coursePoints, default: knowledgePoints)
                let attachments = try await self.keepFiles(of: &item)
                let question = try await self.questions.create(
                    QuestionStore.Input(
                        course: course,
                        knowledgePoints: points,
                        type: item.type,
                        difficulty: item.difficulty ?? difficulty ?? 3,
                        stem: item.stem,
                        options: item.options,
                        answer: item.answer,
                        analysis: .some(item.analysis),
                        rubric: item.rubric,
                        score: item.score ?? Self.defaultScore(item),
                        scoring: .some(item.scoring),
                        attachments: attachments
                    ),
                    author: author
                )
                report.imported.append(question.id)
                report.warnings += item.warnings.map { Report.Warning(file: entry.name, question: question.id, warning: $0) }
            } catch let failure as ImportFailure {
                report.failed.append(.init(file: entry.name, code: failure.code, reason: failure.reason))
            } catch let error as GranaryError {
                report.failed.append(
                    .init(file: entry.name, code: "invalid", reason: error.detail.zh + error.errors.map { " \($0.field)：\($0.message.zh)" }.joined())
                )
            }
        }
        if entries.count > Self.maximumItems {
            report.failed.append(.init(file: name, code: "unsupported", reason: "超过 \(Self.maximumItems) 题，其余未读取"))
        }
        return report
    }

    /// Stores the files `item`'s texts show and names each in its markers by its own name (`image1.png`, made unique
    /// in the question); a file the upload does not hold, or that is no picture, sound or film, stays a named marker
    /// and is reported.
    private func keepFiles(of item: inout ImportedQuestion) async throws -> [Question.Attachment] {
        var kept: [Question.Attachment] = []
        for (index, source) in item.fileSources.enumerated() {
            let shown = source.hasPrefix("data:") ? "第 \(index + 1) 个内嵌文件" : source
            guard let bytes = item.files[source] else {
                item.warnings.append("文件“\(shown)”不在上传的内容中，题中以文件名代替")
                continue
            }
            var name = Self.fileName(source, index: index)
            var copy = 1
            while kept.contains(where: { $0.name == name }) {
                copy += 1
                name = "\(copy)-" + Self.fileName(source, index: index)
            }
            do {
                let file = try await self.files.keep(bytes, name: name)
                if let same = kept.first(where: { $0.sha256 == file.sha256 }) {
                    item.renameFile(source, to: same.name)
                } else {
                    kept.append(file)
                    item.renameFile(source, to: name)
                }
            } catch let error as GranaryError {
                item.warnings.append("文件“\(shown)”未导入：\(error.detail.zh)")
            }
        }
        return kept
    }

    /// The name a file is shown by: the last part of its path, or 内嵌文件N for one a `data:` URL carried.
    static func fileName(_ source: String, index: Int) -> String {
        guard !source.hasPrefix("data:") else { return "内嵌文件\(index + 1)" }
        let path = source.split(separator: "?").first.map(String.init) ?? source
        let last = (path.removingPercentEncoding ?? path).split(separator: "/").last.map(String.init) ?? ""
        let name = String(Question.Attachment.markerName(last).suffix(120))
        return name.isEmpty ? "文件\(index + 1)" : name
    }

    /// The entries of the file in `format`.
    private static func read(path: String, name: String, format: QuestionFormat, report: inout Report) throws -> [ImportEntry] {
        switch format {
        case .qti, .qti12:
            if try Self.prefix(of: path, count: 4) == [0x50, 0x4B, 0x03, 0x04] {
                let (archive, files) = try Self.packageItems(at: path, report: &report)
                guard !files.isEmpty || !report.failed.isEmpty else {
                    throw GranaryError(
                        .validationFailed,
                        LocalizedText(
                            zh: "压缩包中没有 QTI 试题（没有 XML 文件，或清单未列出试题）",
                            en: "The package holds no QTI item (no XML file, or none the manifest lists as an item)"
                        ),
                        errors: [FieldError(field: "body", message: LocalizedText(zh: "没有可读的试题", en: "no item to read"))]
                    )
                }
                let media = PackageMedia(archive)
                return files.flatMap { file in
                    // A file an item shows is named relative to the item (Canvas: to its folder of files).
                    let folder = file.name.split(separator: "/").dropLast().joined(separator: "/")
                    return Self.qtiEntries(file.bytes, name: file.name).map { entry in
                        Self.fetchingFiles(entry) { source in
                            let canvas = source.replacingOccurrences(of: "$IMS-CC-FILEBASE$", with: "/web_resources")
                            return ImportedQuestion.packagePath(canvas, from: folder).flatMap(media.bytes)
                        }
                    }
                }
            }
            return Self.qtiEntries(try Self.document(at: path), name: name)
        case .moodle:
            return MoodleXMLReader.read(try Self.document(at: path), name: name)
        case .gift:
            return GIFTReader.read(try Self.text(at: path), name: name)
        case .aiken:
            return AikenReader.read(try Self.text(at: path), name: name)
        case .docx:
            return try WordQuestionReader.read(path: path, name: name)
        case .xlsx:
            return try ExcelQuestionReader.read(path: path, name: name)
        }
    }

    /// The questions of one QTI document: a 2.x/3.0 item, or a QTI 1.2 `questestinterop` of any number of items.
    static func qtiEntries(_ bytes: [UInt8], name: String) -> [ImportEntry] {
        let tree: XMLTree
        do {
            tree = try XMLTree.parse(bytes)
        } catch {
            return [ImportEntry(name: name, result: .failure(ImportFailure(error)))]
        }
        if tree.name == "questestinterop" { return QTI12Reader.read(tree, name: name) }
        do throws(XMLTree.Failure) {
            guard let namespace = tree.namespace, QTIItemReader.namespaces[namespace] != nil else {
                throw XMLTree.Failure(code: "not_qti", reason: "not a QTI 2.1, 2.2 or 3.0 document (namespace \(tree.namespace ?? "none"))")
            }
            switch tree.name {
            case "assessmentItem":
                return [ImportEntry(name: name, result: .success(try QTIItemReader.read(tree).question))]
            case "assessmentTest":
                throw XMLTree.Failure(
                    reason: "an assessment test names its items by file: send an IMS content package (zip) holding the test and its items"
                )
            default:
                throw XMLTree.Failure(code: "not_qti", reason: "\(tree.name) is not a QTI assessment item")
            }
        } catch {
            return [ImportEntry(name: name, result: .failure(ImportFailure(error)))]
        }
    }

    /// `entry` with the bytes of the files its texts name that `read` finds.
    static func fetchingFiles(_ entry: ImportEntry, _ read: (String) -> [UInt8]?) -> ImportEntry {
        guard case .success(var question) = entry.result else { return entry }
        question.fetchFiles(read)
        return ImportEntry(name: entry.name, result: .success(question))
    }

    /// The files of a package its questions show, each read once however many questions show it (a logo on every
    /// item is one copy in memory, not one per item).
    final class PackageMedia {
        private let archive: ZipArchive
        private var read: [String: [UInt8]?] = [:]

        init(_ archive: ZipArchive) {
            self.archive = archive
        }

        /// The bytes of the entry at `path`, when it is there and no larger than a question's file may be.
        func bytes(_ path: String) -> [UInt8]? {
            if let known = self.read[path] { return known }
            let bytes = self.archive.entry(named: path).flatMap {
                QuestionImporter.read($0, of: self.archive, maximumBytes: Int(QuestionFiles.maximumBytes))
            }
            self.read[path] = .some(bytes)
            return bytes
        }
    }

    /// `named` (ids or names of `coursePoints`) as ids; `fallback` when the question names none.
    private static func points(_ named: [String], of coursePoints: [(id: String, name: String)], default fallback: [String]) throws -> [String] {
        guard !named.isEmpty else {
            guard !fallback.isEmpty else {
                throw ImportFailure(code: "invalid", reason: "未指定知识（技能）点：请在题目中写“知识点：”，或用 knowledgePoints 参数指定")
            }
            return fallback
        }
        var ids: [String] = []
        var unknown: [String] = []
        for given in named {
            let key = ChineseLayout.comparable(given)
            let match =
                coursePoints.first { $0.id == given } ?? coursePoints.first { $0.name == given }
                ?? coursePoints.first { ChineseLayout.comparable($0.name) == key }
            if let match {
                if !ids.contains(match.id) { ids.append(match.id) }
            } else {
                unknown.append(given)
            }
        }
        guard unknown.isEmpty else {
            throw ImportFailure(code: "invalid", reason: "课程中没有知识（技能）点“\(unknown.joined(separator: "”“"))”")
        }
        return ids
    }

    /// 1 point, or one per blank.
    private static func defaultScore(_ item: ImportedQuestion) -> Double {
        if item.type == .fill, case .array(let blanks) = item.answer { return Double(max(blanks.count, 1)) }
        if item.type == .practical { return item.rubric.reduce(0) { $0 + $1.points } }
        return 1
    }

    // MARK: - Files

    /// The whole upload, as bytes of a document of at most `XMLTree.maximumBytes`.
    private static func document(at path: String) throws -> [UInt8] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count <= XMLTree.maximumBytes else {
            throw GranaryError(.payloadTooLarge, LocalizedText(zh: "文件过大（超过 8 MiB）", en: "The document is too large (over 8 MiB)"))
        }
        return bytes
    }

    /// The upload as text: UTF-8 (with or without a byte-order mark), else GB 18030, as Windows Notepad saves Chinese.
    static func text(at path: String) throws -> String {
        let bytes = try Self.document(at: path)
        if let text = String(validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self) {
            return text
        }
        if let text = Self.gb18030(bytes) { return text }
        throw GranaryError(.invalidDocument, LocalizedText(zh: "文本既不是 UTF-8 也不是 GB18030 编码", en: "The text is neither UTF-8 nor GB 18030"))
    }

    /// `bytes` read as GB 18030 (which includes GBK and GB 2312) by iconv; nil when they are not.
    static func gb18030(_ bytes: [UInt8]) -> String? {
        let converter = iconv_open("UTF-8", "GB18030")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 4)
        let written: Int? = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                var inPointer = source.baseAddress
                var inLeft = source.count
                var outPointer = target.baseAddress
                var outLeft = target.count
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else { return nil }
                return target.count - outLeft
            }
        }
        guard let written else { return nil }
        return String(decoding: output.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The items a content package holds: those its manifest lists, or every XML file when it has no manifest.
    private static func packageItems(at path: String, report: inout Report) throws -> (ZipArchive, [(name: String, bytes: [UInt8])]) {
        guard let archive = ZipArchive(path: path) else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "压缩包已损坏或无法读取", en: "The zip package is damaged or unreadable"))
        }
        try Self.checkInflatedSize(archive)
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
                // QTI 2 items, and QTI 1.2 assessments and banks as Canvas and Blackboard list them.
                if type.contains("imsqti_item") || type.contains("imsqti_xmlv1p2") || type.contains("x-bb-qti") {
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
        return (archive, files)
    }

    /// Refuses an archive whose entries declare more than `maximumPackageBytes` inflated.
    static func checkInflatedSize(_ archive: ZipArchive) throws {
        guard archive.declaredInflatedBytes <= Self.maximumPackageBytes else {
            throw GranaryError(
                .payloadTooLarge,
                LocalizedText(
                    zh: "压缩包解压后超过 \(Self.maximumPackageBytes >> 20) MiB（疑似压缩炸弹），未导入",
                    en: "The package inflates to more than \(Self.maximumPackageBytes >> 20) MiB (a zip bomb?); nothing was imported"
                )
            )
        }
    }

    /// An entry's bytes, nil when damaged or over `maximumBytes`.
    static func read(_ entry: ZipArchive.Entry, of archive: ZipArchive, maximumBytes: Int = Self.maximumItemBytes) -> [UInt8]? {
        var bytes: [UInt8] = []
        let end = archive.read(entry, maximumBytes: maximumBytes) { chunk in
            bytes.append(contentsOf: chunk)
            return true
        }
        return end == .complete ? bytes : nil
    }

    static func prefix(of path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "无法读取上传的文件", en: "The upload cannot be read"))
        }
        defer { try? handle.close() }
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }
}
