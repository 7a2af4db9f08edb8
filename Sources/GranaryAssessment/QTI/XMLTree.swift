import CLibXML2
import Foundation

/// An XML element read by libxml2 with the network off, entities never expanded and DTDs refused, copied into
/// Swift values so nothing of libxml2 outlives the parse.
///
/// QTI 3.0 spells QTI 2's names in kebab case with a `qti-` prefix (`qti-choice-interaction`, `max-choices`);
/// `XMLTree` reads both spellings as QTI 2's (`choiceInteraction`, `maxChoices`), so one reader serves both.
struct XMLTree: Sendable {
    /// Local name, in QTI 2 spelling.
    var name: String
    /// Namespace URI of the element.
    var namespace: String?
    /// Attributes by local name, in QTI 2 spelling.
    var attributes: [String: String]
    /// Element and text children in document order.
    var children: [Child]

    /// A child: an element or a run of text.
    enum Child: Sendable {
        case element(XMLTree)
        case text(String)
    }

    /// Why a document could not be read or used.
    struct Failure: Error, Sendable {
        /// `malformed` (not well-formed, a DTD, too large), `not_qti`, or `unsupported` (a QTI item the six
        /// question types cannot hold).
        var code = "unsupported"
        let reason: String
    }

    /// Largest document read.
    static let maximumBytes = 8 << 20

    /// libxml2's global state, set up once per process.
    private static let parserReady: Void = xmlInitParser()

    /// Parses `bytes`. A document with a DOCTYPE or an entity declaration is refused before libxml2 sees it: QTI
    /// needs neither, and refusing them rules out external entities (XXE) and entity expansion bombs alike.
    static func parse(_ bytes: [UInt8], maximumBytes: Int = Self.maximumBytes) throws(Failure) -> XMLTree {
        guard bytes.count <= maximumBytes else { throw Failure(code: "malformed", reason: "larger than \(maximumBytes >> 20) MiB") }
        if Self.declaresDocumentType(bytes) {
            throw Failure(code: "malformed", reason: "document type declarations and entities are not accepted (DOCTYPE/ENTITY)")
        }
        _ = Self.parserReady
        guard let context = xmlNewParserCtxt() else { throw Failure(code: "malformed", reason: "the XML parser could not start") }
        defer { xmlFreeParserCtxt(context) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlCtxtReadMemory(context, $0, Int32(buffer.count), "item.xml", nil, options)
            }
        }
        guard let document else {
            let message = xmlCtxtGetLastError(context).flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "malformed XML"
            // libxml2 stops at 256 levels without XML_PARSE_HUGE; its message names that option, which means nothing to a teacher.
            if message.contains("Excessive depth") {
                throw Failure(code: "malformed", reason: "elements are nested deeper than 256 levels")
            }
            throw Failure(code: "malformed", reason: "not well-formed XML: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        defer { xmlFreeDoc(document) }
        guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
            throw Failure(code: "malformed", reason: "document type declarations are not accepted")
        }
        guard let root = xmlDocGetRootElement(document) else { throw Failure(code: "malformed", reason: "the document has no root element") }
        return Self.copy(root)
    }

    private static func copy(_ node: xmlNodePtr) -> XMLTree {
        var attributes: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            let name = Self.qti2Spelling(String(cString: current.pointee.name))
            // An attribute's value is the text of its children (predefined entities already replaced).
            var value = ""
            var part = current.pointee.children
            while let text = part {
                if let content = text.pointee.content { value += String(cString: content) }
                part = text.pointee.next
            }
            attributes[name] = value
            attribute = current.pointee.next
        }
        var children: [Child] = []
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE: children.append(.element(Self.copy(current)))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { children.append(.text(String(cString: content))) }
            default: break
            }
            child = current.pointee.next
        }
        return XMLTree(
            name: Self.qti2Spelling(String(cString: node.pointee.name)),
            namespace: node.pointee.ns?.pointee.href.map { String(cString: $0) },
            attributes: attributes,
            children: children
        )
    }

    /// `qti-choice-interaction` → `choiceInteraction`, `max-choices` → `maxChoices`; QTI 2 and HTML names unchanged.
    static func qti2Spelling(_ name: String) -> String {
        let bare = name.hasPrefix("qti-") ? String(name.dropFirst(4)) : name
        guard bare.contains("-"), !bare.hasPrefix("data-"), !bare.hasPrefix("aria-") else { return bare }
        let parts = bare.split(separator: "-")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }.joined()
    }

    /// Whether `bytes` hold a `<!DOCTYPE` or `<!ENTITY` declaration as markup: the words inside a comment or a CDATA
    /// section (a QTI item about XML may quote them) are text.
    static func declaresDocumentType(_ bytes: [UInt8]) -> Bool {
        func starts(_ needle: String, at index: Int) -> Bool {
            let pattern = Array(needle.utf8)
            return index + pattern.count <= bytes.count && bytes[index..<(index + pattern.count)].elementsEqual(pattern)
        }
        func skip(to end: String, from index: Int) -> Int {
            let pattern = Array(end.utf8)
            var at = index
            while at + pattern.count <= bytes.count {
                if bytes[at] == pattern[0], bytes[at..<(at + pattern.count)].elementsEqual(pattern) { return at + pattern.count }
                at += 1
            }
            return bytes.count
        }
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if starts("<!--", at: index) {
                index = skip(to: "-->", from: index + 4)
            } else if starts("<![CDATA[", at: index) {
                index = skip(to: "]]>", from: index + 9)
            } else if starts("<!DOCTYPE", at: index) || starts("<!ENTITY", at: index) {
                return true
            } else {
                index += 1
            }
        }
        return false
    }

    // MARK: - Reading

    /// Child elements, optionally of one name.
    func elements(_ name: String? = nil) -> [XMLTree] {
        self.children.compactMap { child in
            if case .element(let element) = child, name == nil || element.name == name { return element }
            return nil
        }
    }

    /// The first child element of a name.
    func element(_ name: String) -> XMLTree? {
        self.elements(name).first
    }

    /// Every descendant element (depth first, document order) for which `match` holds.
    func descendants(where match: (XMLTree) -> Bool) -> [XMLTree] {
        var found: [XMLTree] = []
        for element in self.elements() {
            if match(element) { found.append(element) }
            found += element.descendants(where: match)
        }
        return found
    }

    /// All text inside, whitespace collapsed.
    var text: String { self.text(excluding: []) }

    /// All text inside exactly as written: spaces, line breaks and ideographic spaces kept (Office runs, HTML in CDATA).
    var rawText: String {
        self.children.map { child in
            switch child {
            case .text(let text): text
            case .element(let element): element.rawText
            }
        }.joined()
    }

    /// The text inside, leaving out elements of the given names (feedback inside a choice, say).
    func text(excluding names: Set<String>) -> String {
        var pieces: [String] = []
        func collect(_ tree: XMLTree) {
            for child in tree.children {
                switch child {
                case .text(let text): pieces.append(text)
                case .element(let element) where !names.contains(element.name): collect(element)
                case .element: break
                }
            }
        }
        collect(self)
        return Self.collapse(pieces.joined())
    }

    /// Runs of white space as one space, trimmed.
    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
