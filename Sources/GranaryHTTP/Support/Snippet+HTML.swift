import GranaryModel
import GranarySearch

extension Snippet {
    /// The snippet as the API and the pages show it: escaped, the hits in `<mark>`.
    var html: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(self.text.utf8.count + 16 * self.marks.count)
        self.appendHTML(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the snippet's HTML to UTF-8 `bytes`.
    func appendHTML(to bytes: inout [UInt8]) {
        for piece in self.pieces {
            if piece.hit { bytes += Array("<mark>".utf8) }
            Markup.append(piece.text, to: &bytes)
            if piece.hit { bytes += Array("</mark>".utf8) }
        }
    }
}
