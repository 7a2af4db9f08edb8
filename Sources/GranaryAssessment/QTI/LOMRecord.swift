import Foundation

/// An IEEE LOM record (学习对象元数据, the basis of GB/T 21365 / CELTS-3) as Granary writes it, in the
/// `http://ltsc.ieee.org/xsd/LOM` namespace that QTI content packages use.
///
/// 专业/课程/知识点 go into one `classification` (purpose `discipline`) as one `taxonPath` per knowledge point,
/// from the major through the course to the point: three `taxon`s, each with the id (the major's catalogue code)
/// and the name, under the source `专业/课程/知识点`. 原创/引用 go into `rights`. Text is tagged `zh-CN`.
struct LOMRecord: Sendable, Equatable {
    /// The LOM namespace.
    static let namespace = "http://ltsc.ieee.org/xsd/LOM"
    /// The `source` of Granary's taxon paths.
    static let taxonPathSource = "专业/课程/知识点"

    /// A term of a taxon path: a catalogue code or id and its name.
    struct Taxon: Sendable, Equatable {
        /// Code or id, e.g. `460110`.
        var id: String
        /// Name, e.g. 智能焊接技术.
        var name: String
    }

    /// Catalogue the `entry` identifier belongs to.
    var catalog = "granary"
    /// Identifier of the object described.
    var entry: String
    /// Title.
    var title: String
    /// Description, if any.
    var description: String?
    /// LOMv1.0 aggregation level: 1 for one item (structure `atomic`), 2 for a collection of them.
    var aggregationLevel = 1
    /// Keywords (the knowledge points' names, say).
    var keywords: [String] = []
    /// Version of the object, e.g. `3`.
    var version: String?
    /// Username of the author (`lifeCycle/contribute`, role `author`).
    var author: String?
    /// When the author made this version.
    var date: Date?
    /// MIME type of the object.
    var format: String?
    /// LOMv1.0 learning resource type, e.g. `exercise`.
    var learningResourceType: String?
    /// LOMv1.0 difficulty, e.g. `medium`.
    var difficulty: String?
    /// What `rights` says (copyright applies, and this); nil leaves `rights` out.
    var rights: String?
    /// Taxon paths of the `discipline` classification, each from the root down: 专业, 课程, 知识点.
    var taxonPaths: [[Taxon]] = []

    /// What `rights` says of an item: 原创 (true) or 引用 (false) when known, and who holds the copyright.
    static func rights(original: Bool?, author: String?) -> String {
        let owner = author.map { "作者 \($0) " } ?? "作者"
        return switch original {
        case true?: "原创。著作权归\(owner)所有。"
        case false?: "引用。著作权归原作者所有，使用须注明出处。"
        case nil: "著作权归\(owner)所有。"
        }
    }

    /// LOMv1.0 difficulty for the bank's 1 (easy) to 5 (hard).
    static func difficulty(_ level: Int) -> String {
        switch level {
        case ...1: "very easy"
        case 2: "easy"
        case 3: "medium"
        case 4: "difficult"
        default: "very difficult"
        }
    }

    /// The record alone, as a document whose root is `lom` (to check it against the LOM schema by itself).
    func document() -> String {
        var writer = XMLDocumentWriter()
        self.write(into: &writer, prefix: "", declaringNamespace: true)
        return writer.finish()
    }

    /// Writes `<lom>` with its content; element names take `prefix` (e.g. `lom:`), bound by the caller unless
    /// `declaringNamespace`.
    func write(into writer: inout XMLDocumentWriter, prefix: String, declaringNamespace: Bool = false) {
        let name = { (local: String) in prefix + local }
        let binding = prefix.isEmpty ? "xmlns" : "xmlns:" + prefix.dropLast()
        writer.open(name("lom"), declaringNamespace ? [(binding, Self.namespace)] : [])

        writer.open(name("general"))
        writer.open(name("identifier"))
        writer.leaf(name("catalog"), [], self.catalog)
        writer.leaf(name("entry"), [], self.entry)
        writer.close()
        self.langString(name("title"), self.title, into: &writer, prefix: prefix)
        writer.leaf(name("language"), [], "zh-CN")
        if let description = self.description { self.langString(name("description"), description, into: &writer, prefix: prefix) }
        for keyword in self.keywords { self.langString(name("keyword"), keyword, into: &writer, prefix: prefix) }
        self.vocabulary(name("structure"), self.aggregationLevel == 1 ? "atomic" : "collection", into: &writer, prefix: prefix)
        self.vocabulary(name("aggregationLevel"), String(self.aggregationLevel), into: &writer, prefix: prefix)
        writer.close()

        if self.version != nil || self.author != nil {
            writer.open(name("lifeCycle"))
            if let version = self.version { self.langString(name("version"), version, into: &writer, prefix: prefix) }
            if let author = self.author {
                writer.open(name("contribute"))
                self.vocabulary(name("role"), "author", into: &writer, prefix: prefix)
                writer.leaf(name("entity"), [], "BEGIN:VCARD\nVERSION:3.0\nFN:\(Self.vCardText(author))\nEND:VCARD")
                if let date = self.date {
                    writer.open(name("date"))
                    writer.leaf(name("dateTime"), [], Self.dateTime(date))
                    writer.close()
                }
                writer.close()
            }
            writer.close()
        }

        if let format = self.format {
            writer.open(name("technical"))
            writer.leaf(name("format"), [], format)
            writer.close()
        }

        writer.open(name("educational"))
        if let type = self.learningResourceType { self.vocabulary(name("learningResourceType"), type, into: &writer, prefix: prefix) }
        if let difficulty = self.difficulty { self.vocabulary(name("difficulty"), difficulty, into: &writer, prefix: prefix) }
        writer.leaf(name("language"), [], "zh-CN")
        writer.close()

        if let rights = self.rights {
            writer.open(name("rights"))
            self.vocabulary(name("copyrightAndOtherRestrictions"), "yes", into: &writer, prefix: prefix)
            self.langString(name("description"), rights, into: &writer, prefix: prefix)
            writer.close()
        }

        if !self.taxonPaths.isEmpty {
            writer.open(name("classification"))
            self.vocabulary(name("purpose"), "discipline", into: &writer, prefix: prefix)
            for path in self.taxonPaths {
                writer.open(name("taxonPath"))
                self.langString(name("source"), Self.taxonPathSource, into: &writer, prefix: prefix)
                for taxon in path {
                    writer.open(name("taxon"))
                    writer.leaf(name("id"), [], taxon.id)
                    self.langString(name("entry"), taxon.name, into: &writer, prefix: prefix)
                    writer.close()
                }
                writer.close()
            }
            writer.close()
        }

        writer.close()
    }

    // MARK: - Pieces

    private func langString(_ element: String, _ text: String, into writer: inout XMLDocumentWriter, prefix: String) {
        writer.open(element)
        writer.leaf(prefix + "string", [("language", "zh-CN")], text)
        writer.close()
    }

    private func vocabulary(_ element: String, _ value: String, into writer: inout XMLDocumentWriter, prefix: String) {
        writer.open(element)
        writer.leaf(prefix + "source", [], "LOMv1.0")
        writer.leaf(prefix + "value", [], value)
        writer.close()
    }

    /// `date` as ISO 8601 in UTC, whole seconds.
    static func dateTime(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Text escaped for a vCard value (RFC 6350: backslash, comma, semicolon; line breaks as `\n`).
    private static func vCardText(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case ",": escaped += "\\,"
            case ";": escaped += "\\;"
            case "\n", "\r\n", "\r": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
