/// The one escaper for HTML and XML: pages, the report page, search results, the course-system map (SVG) and QTI.
///
/// `& < > " '` become references, so the result is safe in element content and in either kind of quoted attribute;
/// a carriage return becomes `&#13;` (a parser would turn a literal one into a line feed) and the characters XML 1.0
/// cannot hold (other C0 controls, U+FFFE, U+FFFF) are dropped, which HTML does not want either.
public enum Markup {
    /// How line feeds and tabs are written.
    public enum Whitespace: Sendable {
        /// As they are: right for element content.
        case kept
        /// As `&#10;` and `&#9;`: right for attribute values, which a parser would otherwise normalise to spaces.
        case referenced
    }

    /// `text`, escaped.
    public static func escape(_ text: some StringProtocol, whitespace: Whitespace = .kept) -> String {
        // Most text needs nothing: return it as it is without building a copy.
        if !Self.needsWork(text.utf8, whitespace) { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        Self.append(text, to: &bytes, whitespace: whitespace)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text`, escaped, to UTF-8 `bytes`.
    public static func append(_ text: some StringProtocol, to bytes: inout [UInt8], whitespace: Whitespace = .kept) {
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            case 0x0D: bytes.append(contentsOf: "&#13;".utf8)
            case 0x0A: bytes.append(contentsOf: whitespace == .kept ? [0x0A] : Array("&#10;".utf8))
            case 0x09: bytes.append(contentsOf: whitespace == .kept ? [0x09] : Array("&#9;".utf8))
            case 0x00..<0x20: break
            case 0xEF:
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF; anything else starting with EF is kept whole.
                guard let second = utf8.next() else { return }
                guard let third = utf8.next() else { return }
                if !(second == 0xBF && (third == 0xBE || third == 0xBF)) { bytes += [byte, second, third] }
            default: bytes.append(byte)
            }
        }
    }

    private static func needsWork(_ utf8: some Sequence<UInt8>, _ whitespace: Whitespace) -> Bool {
        var last: (UInt8, UInt8) = (0, 0)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): return true
            case 0x0A, 0x09: if whitespace == .referenced { return true }
            case 0x00..<0x20: return true
            case 0xBE, 0xBF: if last == (0xEF, 0xBF) { return true }
            default: break
            }
            last = (last.1, byte)
        }
        return false
    }
}
