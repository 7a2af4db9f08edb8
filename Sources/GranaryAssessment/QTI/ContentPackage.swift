import Foundation
import GranaryModel

/// An IMS content package (内容包) of QTI items: `imsmanifest.xml` and one item document per question, as a zip.
///
/// QTI 2.1 packages use IMS CP 1.1 (`http://www.imsglobal.org/xsd/imscp_v1p1`); QTI 3.0 packages use the QTI 3.0
/// profile of IMS CP (`http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1`). Each item is a resource of type
/// `imsqti_item_xmlv2p1` or `imsqti_item_xmlv3p0` at `items/<identifier>.xml`, described by QTI metadata and an
/// IEEE LOM record (`LOMRecord`): title, language zh-CN, difficulty, author, 专业/课程/知识点 in `classification`
/// and copyright (原创/引用 when known) in `rights`. The manifest's own LOM record names the package and its courses.
public struct ContentPackage: Sendable {
    /// A catalogue term as a LOM taxon carries it: a major (专业, by catalogue code), a course (课程) or a knowledge
    /// point (知识点), by id, with its name.
    public struct Term: Sendable, Equatable {
        /// Catalogue code or id.
        public var id: String
        /// Name.
        public var name: String

        /// Creates a term.
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// One question of the package with where it sits in the catalogue.
    public struct Item: Sendable {
        /// The question.
        public let question: Question
        /// Identifier of the item and of its resource, distinct within the package.
        public let identifier: String
        /// Path of the item document inside the package.
        public let path: String
        /// The major (专业) the question's course serves.
        public let major: Term
        /// The question's course (课程).
        public let course: Term
        /// The question's knowledge points (知识点), in the question's order.
        public let points: [Term]
        /// 原创 (true) or 引用 (false), when known.
        public let original: Bool?
    }

    /// Why the zip could not be made.
    public enum ArchiveError: Error, Equatable {
        /// It would need Zip64 (past 4 GiB or 65,535 files), which Granary does not write.
        case tooLarge
        /// zlib failed to deflate an entry (out of memory, say).
        case compressionFailed
    }

    /// QTI version of every item.
    public let version: QTIVersion
    /// The package's title, e.g. the course name and 试题.
    public let title: String
    /// The manifest's identifier.
    public let identifier: String
    /// When the package is made: the zip entries' time.
    public let created: Date
    /// The items, in the order added.
    public private(set) var items: [Item] = []

    /// An empty package; `identifier` is made an NCName the way item identifiers are.
    public init(version: QTIVersion, title: String, identifier: String = "granary-questions", created: Date) {
        self.version = version
        self.title = title
        let name = String(identifier.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        self.identifier = QTIExport.isNCName(name) ? name : "m-" + name
        self.created = created
    }

    /// Adds `question`, from `course` of `major`; `pointNames` names its knowledge points (id → name; an id without
    /// a name is its own name). A question whose identifier is taken gets `-2`, `-3`, ... appended.
    public mutating func add(_ question: Question, major: Term, course: Term, pointNames: [String: String] = [:], original: Bool? = nil) {
        let base = QTIExport.identifier(for: question)
        let taken = Set(self.items.map(\.identifier)).union([self.identifier])
        var identifier = base
        var suffix = 2
        while taken.contains(identifier) {
            identifier = "\(base)-\(suffix)"
            suffix += 1
        }
        let points = question.knowledgePoints.map { Term(id: $0, name: pointNames[$0] ?? $0) }
        self.items.append(
            Item(
                question: question,
                identifier: identifier,
                path: "items/\(identifier).xml",
                major: major,
                course: course,
                points: points,
                original: original
            )
        )
    }

    // MARK: - Documents

    /// The item document of `item`.
    public func document(of item: Item) -> String {
        let names = Dictionary(item.points.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return QTIExport.item(item.question, version: self.version, identifier: item.identifier, courseName: item.course.name, pointNames: names)
    }

    /// `imsmanifest.xml`.
    public func manifest() -> String {
        var writer = XMLDocumentWriter()
        let lomLocation: String
        let qtiMetadataNamespace: String
        let qtiMetadataLocation: String
        let manifestNamespace: String
        let manifestLocation: String
        switch self.version {
        case .v2p1:
            manifestNamespace = "http://www.imsglobal.org/xsd/imscp_v1p1"
            manifestLocation = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
            lomLocation = "http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd"
            qtiMetadataNamespace = "http://www.imsglobal.org/xsd/imsqti_metadata_v2p1"
            qtiMetadataLocation = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_metadata_v2p1.xsd"
        case .v3p0:
            manifestNamespace = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
            manifestLocation = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
            lomLocation = "https://purl.imsglobal.org/spec/md/v1p3/schema/xsd/imsmd_loose_v1p3p2.xsd"
            qtiMetadataNamespace = "http://www.imsglobal.org/xsd/imsqti_metadata_v3p0"
            qtiMetadataLocation = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_metadatav3p0_v1p0.xsd"
        }
        let locations = [
            manifestNamespace, manifestLocation, LOMRecord.namespace, lomLocation, qtiMetadataNamespace, qtiMetadataLocation,
        ]
        writer.open(
            "manifest",
            [
                ("xmlns", manifestNamespace),
                ("xmlns:lom", LOMRecord.namespace),
                ("xmlns:qti", qtiMetadataNamespace),
                ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                ("xsi:schemaLocation", locations.joined(separator: " ")),
                ("identifier", self.identifier),
            ]
        )
        writer.open("metadata")
        switch self.version {
        case .v2p1:
            writer.leaf("schema", [], "QTIv2.1 Package")
            writer.leaf("schemaversion", [], "1.0.0")
        case .v3p0:
            writer.leaf("schema", [], "QTI Item Bank")
            writer.leaf("schemaversion", [], "3.0.0")
        }
        self.packageRecord().write(into: &writer, prefix: "lom:")
        writer.close()
        writer.empty("organizations")
        writer.open("resources")
        for item in self.items {
            writer.open("resource", [("identifier", item.identifier), ("type", self.version.itemResourceType), ("href", item.path)])
            writer.open("metadata")
            self.writeQTIMetadata(of: item.question, into: &writer)
            self.record(of: item).write(into: &writer, prefix: "lom:")
            writer.close()
            writer.empty("file", [("href", item.path)])
            for file in item.question.attachments { writer.empty("file", [("href", QTIExport.fileReference(file, item: item.identifier))]) }
            writer.close()
        }
        writer.close()
        return writer.finish()
    }

    /// The LOM record describing `item`.
    func record(of item: Item) -> LOMRecord {
        let question = item.question
        var record = LOMRecord(entry: question.id, title: QTIExport.title(of: question))
        record.description = QTIExport.shortened(QTIExport.oneLine(question.stem), to: 500)
        record.keywords = item.points.map(\.name)
        record.version = String(question.version)
        record.author = question.createdBy
        record.date = question.updatedAt
        record.format = "text/x-imsqti-item-xml"
        record.learningResourceType = "exercise"
        record.difficulty = LOMRecord.difficulty(question.difficulty)
        record.rights = LOMRecord.rights(original: item.original, author: question.createdBy)
        let course = [LOMRecord.Taxon(id: item.major.id, name: item.major.name), LOMRecord.Taxon(id: item.course.id, name: item.course.name)]
        record.taxonPaths = item.points.isEmpty ? [course] : item.points.map { course + [LOMRecord.Taxon(id: $0.id, name: $0.name)] }
        return record
    }

    /// The manifest's own LOM record: title, the number of items, and the majors and courses they come from.
    private func packageRecord() -> LOMRecord {
        var record = LOMRecord(entry: self.identifier, title: self.title)
        record.description = "\(self.items.count) 道试题（QTI \(self.version.rawValue)）"
        record.aggregationLevel = 2
        var paths: [[LOMRecord.Taxon]] = []
        for item in self.items {
            let path = [LOMRecord.Taxon(id: item.major.id, name: item.major.name), LOMRecord.Taxon(id: item.course.id, name: item.course.name)]
            if !paths.contains(path) { paths.append(path) }
        }
        record.taxonPaths = paths
        return record
    }

    private func writeQTIMetadata(of question: Question, into writer: inout XMLDocumentWriter) {
        writer.open("qti:qtiMetadata")
        writer.leaf("qti:timeDependent", [], "false")
        let blanks = question.type == .fill ? QTIExport.blanks(question.answer).count : 1
        writer.leaf("qti:composite", [], blanks > 1 ? "true" : "false")
        let interaction =
            switch question.type {
            case .single, .multiple, .judge: "choiceInteraction"
            case .fill: "textEntryInteraction"
            case .short, .practical: "extendedTextInteraction"
            }
        writer.leaf("qti:interactionType", [], interaction)
        writer.leaf("qti:feedbackType", [], "none")
        writer.leaf("qti:solutionAvailable", [], question.type.isObjective ? "true" : "false")
        if self.version == .v3p0 { writer.leaf("qti:scoringMode", [], question.type.isObjective ? "responseprocessing" : "human") }
        writer.leaf("qti:toolName", [], "Granary")
        writer.close()
    }

    // MARK: - The archive

    /// The package as zip bytes: `imsmanifest.xml` first, then the items, each followed by the files it shows
    /// (`files`: bytes by SHA-256; a file not given is left out).
    public func archive(files: [String: [UInt8]] = [:]) throws(ArchiveError) -> [UInt8] {
        var zip = ZipWriter(modified: self.created)
        do {
            try zip.add("imsmanifest.xml", Array(self.manifest().utf8))
            for item in self.items {
                try zip.add(item.path, Array(self.document(of: item).utf8))
                for file in item.question.attachments {
                    if let bytes = files[file.sha256] { try zip.add(QTIExport.filePath(file, item: item.identifier), bytes) }
                }
            }
            return try zip.finish()
        } catch {
            switch error {
            case .tooLarge: throw .tooLarge
            case .deflateFailed: throw .compressionFailed
            }
        }
    }

    /// Writes the zip to `url` atomically (a temporary file renamed into place).
    public func write(to url: URL) throws {
        try Data(self.archive()).write(to: url, options: .atomic)
    }
}
