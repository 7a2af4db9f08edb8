import CLibXML2
import Foundation
import Synchronization

/// Checks XML documents against one W3C XML Schema with libxml2, without ever touching the network.
///
/// The schema and everything it imports or includes are read from local files: `schemaLocation`s are resolved
/// against the importing file's own path, and libxml2's entity loader refuses `http://` and `ftp://` for the whole
/// process (SPEC §6: XML is parsed with network access off), so a schema that still named a remote location fails
/// to load rather than reaching out. Documents are parsed without network access, DTD loading or entity
/// expansion; `xsi:schemaLocation` hints in them are ignored. Parsing the schema takes seconds for QTI, so one
/// validator is built and kept; validations on it run one at a time. libxml2 calls block: run them on a thread pool.
public final class XMLSchemaValidator: Sendable {
    /// One problem libxml2 reported.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// Line of the document (or schema) it was found on; 0 when unknown.
        public let line: Int
        /// libxml2's message, e.g. `Element 'x': This element is not expected.`
        public let message: String

        /// Creates an issue.
        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }

        /// `line N: message`.
        public var description: String { self.line > 0 ? "line \(self.line): \(self.message)" : self.message }
    }

    /// The schema could not be read or compiled; the issues say why.
    public struct SchemaError: Error, CustomStringConvertible {
        /// Path of the schema given.
        public let path: String
        /// What libxml2 reported.
        public let issues: [Issue]

        /// `schema PATH: issues`.
        public var description: String { "schema \(self.path): " + self.issues.map(\.description).joined(separator: "; ") }
    }

    /// The schemas Granary ships in `Metadata/schemas`, by what they check.
    public enum Shipped: Sendable, Hashable {
        /// An assessment item of a QTI version.
        case item(QTIVersion)
        /// The `imsmanifest.xml` of a content package of items of a QTI version, LOM records included.
        case manifest(QTIVersion)
        /// An IEEE LOM record on its own (`lom` in `http://ltsc.ieee.org/xsd/LOM`, loose binding 1.3.2).
        case lom

        /// The schema file, relative to the `schemas` folder.
        public var relativePath: String {
            switch self {
            case .item(.v2p1): "qtiv2p1/imsqti_v2p1.xsd"
            case .item(.v3p0): "qtiv3p0/imsqti_asiv3p0_sbacv1p0_v1p0.mathml1998.xsd"
            case .manifest(.v2p1): "granary_qtiv2p1_package.xsd"
            case .manifest(.v3p0): "qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"
            case .lom: "imsmd_loose_v1p3p2.xsd"
            }
        }
    }

    /// libxml2's global set-up, done once per process and never undone (other code shares the library).
    private static let libraryReady: Void = {
        xmlInitParser()
        xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader)
    }()

    /// The compiled schema (`xmlSchemaPtr`). libxml2 never changes it after `xmlSchemaParse`, and every use of it
    /// holds `lock`, so sharing the validator between tasks is safe although a C pointer is not `Sendable`.
    nonisolated(unsafe) private let schema: OpaquePointer
    /// Keeps validations one at a time.
    private let lock = Mutex(())
    /// Path of the schema file.
    public let path: String

    /// Reads and compiles the schema at `url` with what it imports.
    public init(schemaAt url: URL) throws(SchemaError) {
        _ = Self.libraryReady
        let path = url.path
        // Checked first so that a wrong path is one clear issue, not libxml2's I/O warning on standard error.
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw SchemaError(path: path, issues: [Issue(line: 0, message: "no readable schema file at this path")])
        }
        let collector = IssueCollector()
        guard let context = xmlSchemaNewParserCtxt(path) else {
            throw SchemaError(path: path, issues: [Issue(line: 0, message: "libxml2 could not start a schema parser")])
        }
        defer { xmlSchemaFreeParserCtxt(context) }
        let box = Unmanaged.passUnretained(collector).toOpaque()
        xmlSchemaSetParserStructuredErrors(context, { box, error in IssueCollector.record(box, error) }, box)
        guard let schema = withExtendedLifetime(collector, { xmlSchemaParse(context) }) else {
            let issues = collector.issues.isEmpty ? [Issue(line: 0, message: "the schema could not be compiled")] : collector.issues
            throw SchemaError(path: path, issues: issues)
        }
        self.schema = schema
        self.path = path
    }

    /// Reads the shipped `schema` from the `schemas` folder of `metadata` (the `Metadata` directory).
    public convenience init(_ schema: Shipped, metadata: URL) throws(SchemaError) {
        try self.init(schemaAt: metadata.appendingPathComponent("schemas").appendingPathComponent(schema.relativePath))
    }

    deinit {
        xmlSchemaFree(self.schema)
    }

    /// Every problem with `document` (UTF-8 XML); empty when it is well formed and valid.
    public func validate(_ document: String) -> [Issue] {
        self.validate(Array(document.utf8))
    }

    /// Every problem with the XML in `bytes`; empty when it is well formed and valid.
    public func validate(_ bytes: [UInt8]) -> [Issue] {
        _ = Self.libraryReady
        guard let parser = xmlNewParserCtxt() else { return [Issue(line: 0, message: "libxml2 could not start a parser")] }
        defer { xmlFreeParserCtxt(parser) }
        let options = CInt(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                xmlCtxtReadMemory(parser, characters.baseAddress, CInt(characters.count), "document.xml", nil, options)
            }
        }
        guard let document else {
            var issue = Issue(line: 0, message: "the document is not well-formed XML")
            if let error = xmlCtxtGetLastError(parser) {
                issue = Issue(line: Int(error.pointee.line), message: "not well-formed: " + IssueCollector.message(error.pointee.message))
            }
            return [issue]
        }
        defer { xmlFreeDoc(document) }
        let collector = IssueCollector()
        let box = Unmanaged.passUnretained(collector).toOpaque()
        let result: CInt = withExtendedLifetime(collector) {
            self.lock.withLock { _ in
                guard let context = xmlSchemaNewValidCtxt(self.schema) else { return -1 }
                defer { xmlSchemaFreeValidCtxt(context) }
                xmlSchemaSetValidStructuredErrors(context, { box, error in IssueCollector.record(box, error) }, box)
                return xmlSchemaValidateDoc(context, document)
            }
        }
        if result == 0 { return [] }
        return collector.issues.isEmpty ? [Issue(line: 0, message: "libxml2 could not validate the document (code \(result))")] : collector.issues
    }
}

/// Gathers the errors libxml2 reports through a structured-error callback.
private final class IssueCollector {
    /// What was reported, in order.
    var issues: [XMLSchemaValidator.Issue] = []

    /// The callback's body: `box` is an unretained collector, `error` libxml2's error record.
    static func record(_ box: UnsafeMutableRawPointer?, _ error: UnsafePointer<xmlError>?) {
        guard let box, let error else { return }
        let collector = Unmanaged<IssueCollector>.fromOpaque(box).takeUnretainedValue()
        // Warnings (an import skipped, say) are kept too: they explain a later error.
        collector.issues.append(XMLSchemaValidator.Issue(line: Int(error.pointee.line), message: Self.message(error.pointee.message)))
    }

    /// libxml2's message without its trailing line break.
    static func message(_ text: UnsafeMutablePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
