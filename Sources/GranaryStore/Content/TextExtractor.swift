import Foundation
import NIOPosix

/// Text for the search index, taken from a stored file.
///
/// Reads plain text as it is; HTML without its markup, scripts and styles; DOCX (the `w:t` runs of
/// `word/document.xml`, a line per paragraph) and PPTX (the `a:t` runs of `ppt/slides/slideN.xml` in slide-number
/// order) through a bounded zip reader, zlib and libxml2's SAX parser; PDF through poppler's `pdftotext` (Debian
/// package poppler-utils) in a child process, killed after `pdfTimeout`; without the tool, PDFs give nil.
///
/// Bounded, so no file, however large or hostile, costs more than this: at most `limit` characters are kept and, for
/// plain text and HTML, `4 × limit` bytes read; an Office part is inflated only until its text fills `limit` or it
/// reaches `maximumPartBytes`, the parts of one file together at most `maximumPackageBytes`, at most `maximumSlides`
/// slides; a truncated or corrupt package gives nil. Everything blocking runs on the thread pool.
public struct TextExtractor: Sendable {
    /// Characters kept from any file.
    public let limit: Int
    private let threadPool: NIOThreadPool

    /// Inflated bytes of one Office XML part read at most (a zip bomb stops here).
    static let maximumPartBytes = 32 << 20
    /// Inflated bytes of all the parts of one Office file read at most.
    static let maximumPackageBytes = 64 << 20
    /// Slides of a deck read at most.
    static let maximumSlides = 500
    /// Wall-clock time `pdftotext` may take before it is killed.
    static let pdfTimeout = Duration.seconds(10)
    /// Pages `pdftotext` reads at most.
    static let maximumPDFPages = 200

    /// WordprocessingML documents (DOCX), as libmagic names them.
    static let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    /// PresentationML decks (PPTX), as libmagic names them.
    static let pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

    /// Creates an extractor keeping at most `limit` characters per file.
    public init(limit: Int = 256 * 1024, threadPool: NIOThreadPool = .singleton) {
        self.limit = max(0, limit)
        self.threadPool = threadPool
    }

    /// The searchable text of the file at `path` with MIME type `mime`; nil for types it does not read and for
    /// files it cannot read (a corrupt package, a PDF without `pdftotext`).
    public func text(ofFileAt path: String, mime: String) async throws -> String? {
        let limit = self.limit
        switch mime {
        case "text/plain", "text/markdown", "text/html", "application/xhtml+xml":
            return try await self.threadPool.runIfActive {
                guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
                defer { try? handle.close() }
                let data = try handle.read(upToCount: Self.bytes(forCharacters: limit)) ?? Data()
                let decoded = String(decoding: Self.droppingCutCharacter(Array(data)[...]), as: UTF8.self)
                let text = mime == "text/plain" || mime == "text/markdown" ? decoded : Self.stripMarkup(decoded)
                return String(text.prefix(limit))
            }
        case Self.docx:
            return try await self.threadPool.runIfActive { Self.documentText(ofFileAt: path, limit: limit) }
        case Self.pptx:
            return try await self.threadPool.runIfActive { Self.presentationText(ofFileAt: path, limit: limit) }
        case "application/pdf":
            return try await self.threadPool.runIfActive { Self.pdfText(ofFileAt: path, limit: limit) }
        default:
            return nil
        }
    }

    // MARK: - Office

    /// The text of a DOCX's main document part.
    static func documentText(ofFileAt path: String, limit: Int) -> String? {
        guard let archive = ZipArchive(path: path), let part = archive.entry(named: "word/document.xml") else { return nil }
        let collector = OfficeXMLText(vocabulary: .wordprocessing, limit: limit)
        guard collector.read(part, of: archive, maximumBytes: Self.maximumPartBytes) != nil else { return nil }
        return String(collector.text.prefix(limit))
    }

    /// The text of a PPTX's slides, slide 1 first and slide 10 after slide 9 (the number in the part's name).
    static func presentationText(ofFileAt path: String, limit: Int) -> String? {
        guard let archive = ZipArchive(path: path) else { return nil }
        let slides = archive.entries.compactMap { entry in Self.slideNumber(entry.name).map { (number: $0, entry: entry) } }
            .sorted { $0.number < $1.number }
            .prefix(Self.maximumSlides)
        guard !slides.isEmpty else { return nil }
        let collector = OfficeXMLText(vocabulary: .drawing, limit: limit)
        for slide in slides where !collector.isFull && collector.bytesRead < Self.maximumPackageBytes {
            let budget = min(Self.maximumPartBytes, Self.maximumPackageBytes - collector.bytesRead)
            guard collector.read(slide.entry, of: archive, maximumBytes: budget) != nil else { return nil }
        }
        return String(collector.text.prefix(limit))
    }

    /// N of `ppt/slides/slideN.xml`; nil for every other name.
    static func slideNumber(_ name: String) -> Int? {
        let prefix = "ppt/slides/slide"
        let suffix = ".xml"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.utf8.count > prefix.utf8.count + suffix.utf8.count else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    // MARK: - PDF

    /// The text `pdftotext` finds in the first pages of a PDF; nil if the tool is missing or refuses the file.
    static func pdfText(ofFileAt path: String, limit: Int) -> String? {
        // A path starting with "-" would read as an option.
        let file = path.hasPrefix("-") ? "./" + path : path
        guard
            let result = BoundedProcess.run(
                "pdftotext",
                arguments: ["-enc", "UTF-8", "-l", String(Self.maximumPDFPages), file, "-"],
                timeout: Self.pdfTimeout,
                maximumOutput: Self.bytes(forCharacters: limit)
            )
        else { return nil }
        switch result.ending {
        case .exited(0), .timedOut, .outputCapped:
            // A killed run leaves what it wrote so far, perhaps ending inside a character.
            let output = result.ending == .exited(0) ? result.output[...] : Self.droppingCutCharacter(result.output[...])
            // Pages end with a form feed.
            let text = String(decoding: output, as: UTF8.self)
                .replacingOccurrences(of: "\u{0C}", with: "\n")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : String(text.prefix(limit))
        case .exited, .signalled, .unknown:
            return nil
        }
    }

    /// Enough UTF-8 bytes for `characters` characters of any script: a scalar takes at most four.
    static func bytes(forCharacters characters: Int) -> Int {
        let (bytes, overflow) = characters.multipliedReportingOverflow(by: 4)
        return overflow ? Int.max : bytes
    }

    /// `bytes` without a last UTF-8 sequence cut short (by a read limit or a killed tool).
    static func droppingCutCharacter(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let leadIndex = bytes.indices.reversed().prefix(4).first(where: { bytes[$0] & 0xC0 != 0x80 }) else { return bytes }
        let lead = bytes[leadIndex]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        return bytes.endIndex - leadIndex < length ? bytes[..<leadIndex] : bytes
    }

    /// HTML to text: drops `<script>` and `<style>` with their content, every tag, and the common entities.
    static func stripMarkup(_ html: String) -> String {
        var text = html
        for element in ["script", "style"] {
            while let open = text.range(of: "<\(element)", options: .caseInsensitive) {
                let close = text.range(of: "</\(element)>", options: .caseInsensitive, range: open.upperBound..<text.endIndex)
                text.removeSubrange(open.lowerBound..<(close?.upperBound ?? text.endIndex))
            }
        }
        var out = ""
        var inTag = false
        for character in text {
            if character == "<" {
                inTag = true
                out.append(" ")
            } else if character == ">" {
                inTag = false
            } else if !inTag {
                out.append(character)
            }
        }
        for (entity, value) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: value)
        }
        return out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
