/// A resource's extracted text cut into passages an assistant can read one at a time and cite: each ends at a
/// paragraph or sentence end where one lies near the size, never inside a word of a Latin script, and passages
/// overlap a little so a sentence cut at a hard limit is whole in one of them.
public enum TextChunks {
    /// One passage: its place in the list, where it starts in the text (in characters) and its text.
    public struct Chunk: Codable, Sendable, Equatable {
        public var index: Int
        public var offset: Int
        public var text: String

        public init(index: Int, offset: Int, text: String) {
            self.index = index
            self.offset = offset
            self.text = text
        }
    }

    /// Characters per passage: about a page of Chinese, and within what a small embedding model reads (512 tokens).
    public static let size = 400
    /// Characters a passage repeats of the one before when it had to be cut without a sentence end.
    public static let overlap = 40

    /// The passages of `text`, whitespace runs folded to one space or one line break. Empty text has none.
    public static func split(_ text: String, size: Int = Self.size, overlap: Int = Self.overlap) -> [Chunk] {
        let characters = Array(Self.folded(text))
        guard !characters.isEmpty else { return [] }
        var chunks: [Chunk] = []
        var start = 0
        while start < characters.count {
            var end = min(characters.count, start + size)
            var cutAtBoundary = end == characters.count
            if !cutAtBoundary {
                // The last paragraph end, else sentence end, in the second half of the window.
                let floor = start + size / 2
                if let paragraph = (floor..<end).last(where: { characters[$0] == "\n" }) {
                    end = paragraph + 1
                    cutAtBoundary = true
                } else if let sentence = (floor..<end).last(where: { Self.sentenceEnds.contains(characters[$0]) }) {
                    end = sentence + 1
                    cutAtBoundary = true
                } else if let space = (floor..<end).last(where: { characters[$0] == " " }) {
                    end = space + 1
                }
            }
            let piece = String(characters[start..<end]).trimmingWhitespace()
            if !piece.isEmpty { chunks.append(Chunk(index: chunks.count, offset: start, text: piece)) }
            guard end < characters.count else { break }
            if cutAtBoundary {
                start = end
            } else {
                // The overlap begins at a word's start where the text has spaces.
                start = max(start + 1, end - overlap)
                if let space = (start..<end).first(where: { characters[$0] == " " }), space + 1 < end { start = space + 1 }
            }
        }
        return chunks
    }

    private static let sentenceEnds: Set<Character> = ["。", "！", "？", "；", "!", "?", ";", "."]

    /// Runs of spaces and tabs become one space, runs of line breaks (with the spaces around them) one line break.
    static func folded(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        var pendingBreak = false
        for character in text {
            if character.isNewline {
                pendingBreak = true
            } else if character.isWhitespace {
                pendingSpace = true
            } else {
                if !result.isEmpty {
                    if pendingBreak { result.append("\n") } else if pendingSpace { result.append(" ") }
                }
                pendingSpace = false
                pendingBreak = false
                result.append(character)
            }
        }
        return result
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
