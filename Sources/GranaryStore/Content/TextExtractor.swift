import Foundation
import NIOPosix

/// Text for the search index, taken from a stored file: plain text as it is, HTML without its markup, scripts
/// and styles. Bounded: at most `limit` bytes are read and at most `limit` characters kept, so no file, however
/// large or hostile, costs more than that. Office and PDF files are not read yet.
public struct TextExtractor: Sendable {
    /// Bytes read from a file, and characters kept.
    public let limit: Int
    private let threadPool: NIOThreadPool

    /// Creates an extractor reading at most `limit` bytes per file.
    public init(limit: Int = 256 * 1024, threadPool: NIOThreadPool = .singleton) {
        self.limit = limit
        self.threadPool = threadPool
    }

    /// The searchable text of the file at `path` with MIME type `mime`; nil for types it does not read.
    public func text(ofFileAt path: String, mime: String) async throws -> String? {
        guard mime == "text/plain" || mime == "text/html" || mime == "application/xhtml+xml" || mime == "text/markdown" else { return nil }
        let limit = self.limit
        return try await self.threadPool.runIfActive {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            let data = try handle.read(upToCount: limit) ?? Data()
            let decoded = String(decoding: data, as: UTF8.self)
            let text = mime == "text/plain" || mime == "text/markdown" ? decoded : Self.stripMarkup(decoded)
            return String(text.prefix(limit))
        }
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
