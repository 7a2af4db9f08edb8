import CLibXML2
import Foundation

/// The text of Office XML parts: WordprocessingML runs (`w:t`) or DrawingML runs (`a:t`), one line per paragraph.
///
/// libxml2's SAX parser is pushed the bytes as they are inflated, so no tree is built and a part of any size costs
/// one chunk of memory; at most `limit` Unicode scalars are kept, and inflating stops once they are.
/// Parsing is without network access and without entity expansion: the handler has no entity callbacks, so only
/// the five predefined entities and character references are read. A part that is not well formed gives the text
/// read before the error. One collector serves one task; it may read several parts (the slides of a deck) in turn.
final class OfficeXMLText {
    /// Which Office vocabulary's runs hold the text.
    enum Vocabulary {
        /// WordprocessingML (DOCX `word/document.xml`): `w:t`, a space for `w:tab`, a line per `w:p`.
        case wordprocessing
        /// DrawingML (PPTX slides): `a:t`, a line per `a:p`.
        case drawing
    }

    /// Unicode scalars kept at most.
    let limit: Int
    private let vocabulary: Vocabulary
    private var utf8: [UInt8] = []
    private var scalars = 0
    /// Set when a scalar was refused: nothing more is kept, not even a stray continuation byte.
    private var closed = false
    /// Depth inside text runs (`t`), tab-stop lists (`w:tabs`) and markup-compatibility fallbacks, which repeat
    /// the text of the choice before them.
    private var textDepth = 0
    private var tabStopsDepth = 0
    private var fallbackDepth = 0

    /// libxml2's global state, set up once per process (never torn down: FoundationXML shares the library).
    private static let parserReady: Void = xmlInitParser()

    /// Inflated bytes of all the parts read so far.
    private(set) var bytesRead = 0

    /// A collector keeping at most `limit` Unicode scalars of `vocabulary`'s text.
    init(vocabulary: Vocabulary, limit: Int) {
        self.vocabulary = vocabulary
        self.limit = limit
    }

    /// Whether `limit` scalars are kept, so reading further is pointless.
    var isFull: Bool { self.scalars >= self.limit }

    /// The text kept so far, without trailing line breaks and spaces.
    var text: String {
        var end = self.utf8.endIndex
        while end > 0 && (self.utf8[end - 1] == 0x0A || self.utf8[end - 1] == 0x20) { end -= 1 }
        return String(decoding: self.utf8[..<end], as: UTF8.self)
    }

    /// Parses the XML part `entry` of `archive`, inflating at most `maximumBytes` of it and stopping as soon as the
    /// text is full. Nil when the archive entry itself is unreadable or corrupt.
    func read(_ entry: ZipArchive.Entry, of archive: ZipArchive, maximumBytes: Int) -> ZipArchive.ReadEnd? {
        _ = Self.parserReady
        var handler = Self.handler()
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard let context = xmlCreatePushParserCtxt(&handler, me, nil, 0, nil) else { return nil }
        defer { xmlFreeParserCtxt(context) }
        xmlCtxtUseOptions(context, CInt(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue))
        let end = archive.read(entry, maximumBytes: maximumBytes) { chunk in
            guard let bytes = chunk.baseAddress, chunk.count > 0 else { return true }
            self.bytesRead += chunk.count
            // After a fatal error libxml2 reads no more; the rest is still inflated (within the cap) so that its
            // CRC tells a corrupt package (nil) from a well-stored part that is not well formed (its text so far).
            if context.pointee.disableSAX == 0 {
                xmlParseChunk(context, bytes.assumingMemoryBound(to: CChar.self), CInt(chunk.count), 0)
            }
            return !self.isFull
        }
        if end == .complete { xmlParseChunk(context, nil, 0, 1) }
        // Parts (slides) never run into each other.
        if let last = self.utf8.last, last != 0x0A { self.append(0x0A) }
        return end
    }

    // MARK: - SAX events

    private func startElement(_ name: UnsafePointer<xmlChar>, namespace: UnsafePointer<xmlChar>?) {
        if Self.equals(name, "Fallback") && Self.isMarkupCompatibility(namespace) {
            self.fallbackDepth += 1
            return
        }
        guard self.isOwnNamespace(namespace) else { return }
        if Self.equals(name, "t") {
            self.textDepth += 1
        } else if self.vocabulary == .wordprocessing && Self.equals(name, "tabs") {
            self.tabStopsDepth += 1
        } else if self.vocabulary == .wordprocessing && Self.equals(name, "tab") && self.tabStopsDepth == 0 {
            self.append(0x20)
        } else if Self.equals(name, "br") || (self.vocabulary == .wordprocessing && Self.equals(name, "cr")) {
            self.append(0x0A)
        }
    }

    private func endElement(_ name: UnsafePointer<xmlChar>, namespace: UnsafePointer<xmlChar>?) {
        if Self.equals(name, "Fallback") && Self.isMarkupCompatibility(namespace) {
            self.fallbackDepth = max(0, self.fallbackDepth - 1)
            return
        }
        guard self.isOwnNamespace(namespace) else { return }
        if Self.equals(name, "t") {
            self.textDepth = max(0, self.textDepth - 1)
        } else if self.vocabulary == .wordprocessing && Self.equals(name, "tabs") {
            self.tabStopsDepth = max(0, self.tabStopsDepth - 1)
        } else if Self.equals(name, "p") {
            self.append(0x0A)
        }
    }

    private func characters(_ bytes: UnsafePointer<xmlChar>, count: Int) {
        guard self.textDepth > 0 else { return }
        for byte in UnsafeBufferPointer(start: bytes, count: count) {
            guard self.append(byte) else { return }
        }
    }

    /// Keeps one UTF-8 byte unless it would start a scalar beyond the limit; false once the text is full.
    @discardableResult
    private func append(_ byte: UInt8) -> Bool {
        guard self.fallbackDepth == 0 else { return true }
        guard !self.closed else { return false }
        if byte & 0xC0 != 0x80 {
            guard self.scalars < self.limit else {
                self.closed = true
                return false
            }
            self.scalars += 1
        }
        self.utf8.append(byte)
        return true
    }

    // MARK: - Names

    private func isOwnNamespace(_ namespace: UnsafePointer<xmlChar>?) -> Bool {
        guard let namespace else { return false }
        switch self.vocabulary {
        case .wordprocessing:
            return Self.equals(namespace, "http://schemas.openxmlformats.org/wordprocessingml/2006/main")
                || Self.equals(namespace, "http://purl.oclc.org/ooxml/wordprocessingml/main")
        case .drawing:
            return Self.equals(namespace, "http://schemas.openxmlformats.org/drawingml/2006/main")
                || Self.equals(namespace, "http://purl.oclc.org/ooxml/drawingml/main")
        }
    }

    private static func isMarkupCompatibility(_ namespace: UnsafePointer<xmlChar>?) -> Bool {
        guard let namespace else { return false }
        return Self.equals(namespace, "http://schemas.openxmlformats.org/markup-compatibility/2006")
    }

    /// Whether the NUL-terminated `name` is `literal`; stops at the first difference, so never reads past either.
    private static func equals(_ name: UnsafePointer<xmlChar>, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { expected in
            for (index, byte) in expected.enumerated() where name[index] != byte { return false }
            return name[expected.count] == 0
        }
    }

    /// A SAX2 handler with element, text and (silent) error callbacks only: no entity, DTD or document callbacks.
    private static func handler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startElementNs = { context, name, _, namespace, _, _, _, _, _ in
            guard let context, let name else { return }
            Unmanaged<OfficeXMLText>.fromOpaque(context).takeUnretainedValue().startElement(name, namespace: namespace)
        }
        handler.endElementNs = { context, name, _, namespace in
            guard let context, let name else { return }
            Unmanaged<OfficeXMLText>.fromOpaque(context).takeUnretainedValue().endElement(name, namespace: namespace)
        }
        handler.characters = { context, bytes, count in
            guard let context, let bytes, count > 0 else { return }
            Unmanaged<OfficeXMLText>.fromOpaque(context).takeUnretainedValue().characters(bytes, count: Int(count))
        }
        handler.cdataBlock = handler.characters
        handler.serror = { _, _ in }
        return handler
    }
}
