import GranaryModel

/// Writes an XML document element by element, escaping every text and attribute value it is given.
///
/// Block elements go on their own indented lines; `inline(_:_:_:)` writes an element whose mixed content (text
/// with empty elements such as a text entry in a sentence) stays on one line, so no whitespace is added inside it.
/// Characters XML 1.0 cannot hold (C0 controls other than tab, line feed and carriage return; U+FFFE, U+FFFF) are
/// dropped, so whatever a question says, the output is well formed.
struct XMLDocumentWriter {
    /// One piece of mixed content.
    enum Inline {
        /// Text, escaped when written.
        case text(String)
        /// An empty element with its attributes, e.g. a text entry interaction.
        case empty(String, [(String, String?)])
        /// Markup already checked and escaped (a MathML fragment from `QuestionText`), written as it is.
        case markup(String)
    }

    /// The document written so far.
    private(set) var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    private var depth = 0
    /// Names of the open elements, with the output's length in bytes just after each one's start tag.
    private var openElements: [(name: String, contentStart: Int)] = []

    /// A writer holding only the XML declaration.
    init() {}

    /// Opens `name` on a new line; attributes whose value is nil are left out.
    mutating func open(_ name: String, _ attributes: [(String, String?)] = []) {
        self.newLine()
        self.output += "<" + name + Self.attributes(attributes) + ">"
        self.openElements.append((name, self.output.utf8.count))
        self.depth += 1
    }

    /// Closes the element opened last: with an end tag on its own line, or as `<name …/>` when nothing was
    /// written inside it.
    mutating func close() {
        guard let (name, contentStart) = self.openElements.popLast() else { return }
        self.depth -= 1
        if self.output.utf8.count == contentStart {
            self.output.removeLast()
            self.output += "/>"
            return
        }
        self.newLine()
        self.output += "</" + name + ">"
    }

    /// Writes `<name …/>` on a new line.
    mutating func empty(_ name: String, _ attributes: [(String, String?)] = []) {
        self.newLine()
        self.output += "<" + name + Self.attributes(attributes) + "/>"
    }

    /// Writes `<name …>text</name>` on a new line.
    mutating func leaf(_ name: String, _ attributes: [(String, String?)] = [], _ text: String) {
        self.inline(name, attributes, [.text(text)])
    }

    /// Writes `name` with mixed content on one line.
    mutating func inline(_ name: String, _ attributes: [(String, String?)] = [], _ content: [Inline]) {
        self.newLine()
        self.output += "<" + name + Self.attributes(attributes) + ">"
        for piece in content {
            switch piece {
            case .text(let text): self.output += Markup.escape(text)
            case .empty(let element, let attributes): self.output += "<" + element + Self.attributes(attributes) + "/>"
            case .markup(let markup): self.output += markup
            }
        }
        self.output += "</" + name + ">"
    }

    /// Opens `name`, lets `body` write its children and closes it.
    mutating func element(_ name: String, _ attributes: [(String, String?)] = [], _ body: (inout XMLDocumentWriter) -> Void) {
        self.open(name, attributes)
        body(&self)
        self.close()
    }

    /// The finished document, closing whatever is still open, with a final line break.
    mutating func finish() -> String {
        while !self.openElements.isEmpty { self.close() }
        return self.output + "\n"
    }

    private static func attributes(_ attributes: [(String, String?)]) -> String {
        var written = ""
        for (name, value) in attributes {
            guard let value else { continue }
            written += " " + name + "=\"" + Markup.escape(value, whitespace: .referenced) + "\""
        }
        return written
    }

    private mutating func newLine() {
        self.output += "\n" + String(repeating: "  ", count: self.depth)
    }
}
