import Foundation
import GranaryModel

/// A question's text (stem, option, analysis) is plain text in which formulae are MathML: `<math>…</math>` fragments
/// kept as written by the source (a QTI item's MathML, or a teacher's). Chromium, Firefox and Safari draw MathML Core,
/// so pages show the fragments as formulae; everything around them is text and escaped.
///
/// A fragment is shown only after it is read again and written back with MathML Core's elements and presentational
/// attributes alone (no links, styles, scripts or foreign elements; `semantics` keeps its presentation, `mfenced`
/// becomes a row with its fences); one that is not well formed is shown as the text it is. Where markup cannot go (a
/// title, a Word paper) a fragment is written out linearly: 10², (1)/(2), √(2).
public enum QuestionText {
    /// One piece of a question's text.
    enum Segment: Equatable {
        case text(String)
        /// A MathML fragment as allow-listed markup, namespace declared on its `math` element.
        case math(String)
    }

    static let namespace = "http://www.w3.org/1998/Math/MathML"

    /// MathML Core's elements (and `mfenced`, which becomes a row).
    static let elements: Set<String> = [
        "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mstyle", "merror",
        "mpadded", "mphantom", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mmultiscripts", "mprescripts", "none", "semantics",
        "mfenced",
    ]

    /// Presentational attributes; anything else (href, style, on…, xlink) is dropped.
    static let attributes: Set<String> = [
        "display", "mathvariant", "displaystyle", "scriptlevel", "fence", "separator", "stretchy", "symmetric", "largeop", "movablelimits",
        "accent", "accentunder", "form", "lspace", "rspace", "minsize", "maxsize", "linethickness", "columnalign", "rowalign", "columnspan",
        "rowspan", "width", "height", "depth", "voffset", "dir",
    ]

    /// `text` as HTML: text escaped, MathML fragments as allow-listed markup.
    public static func html(_ text: String) -> String {
        Self.segments(text).map { segment in
            switch segment {
            case .text(let words): Markup.escape(words)
            case .math(let markup): markup
            }
        }.joined()
    }

    /// `text` as HTML with each marker of one of `files` drawn in place: a picture as `img`, a sound or a film with its
    /// player, each from `url(file)`; a marker naming no file of the question stays text.
    public static func html(_ text: String, files: [Question.Attachment], url: (Question.Attachment) -> String) -> String {
        guard !files.isEmpty else { return Self.html(text) }
        return Question.Attachment.pieces(of: text).map { piece in
            switch piece {
            case .text(let words): return Self.html(words)
            case .file(let word, let name):
                guard let file = files.first(where: { $0.name == name }) else { return Self.html("[\(word)：\(name)]") }
                let source = Markup.escape(url(file), whitespace: .referenced)
                let label = Markup.escape(name, whitespace: .referenced)
                if file.mime.hasPrefix("audio/") {
                    return "<audio class=\"question-file\" controls preload=\"metadata\" src=\"\(source)\" title=\"\(label)\"></audio>"
                }
                if file.mime.hasPrefix("video/") {
                    return "<video class=\"question-file\" controls preload=\"metadata\" src=\"\(source)\" title=\"\(label)\"></video>"
                }
                return "<img class=\"question-file\" src=\"\(source)\" alt=\"\(label)\">"
            }
        }.joined()
    }

    /// `text` with each MathML fragment written out linearly, for places that hold only text.
    public static func plain(_ text: String) -> String {
        guard text.contains("<math") else { return text }
        return Self.segments(text).map { segment in
            switch segment {
            case .text(let words): words
            case .math(let markup): (try? XMLTree.parse(Array(markup.utf8))).map(Self.linear) ?? markup
            }
        }.joined()
    }

    /// `text` as a title says it: formulae written out, each file as the word for what it is (（图片）).
    public static func title(_ text: String) -> String {
        Question.Attachment.pieces(of: Self.plain(text)).map { piece in
            switch piece {
            case .text(let words): words
            case .file(let word, _): "（\(word)）"
            }
        }.joined()
    }

    /// Whether `text` holds a MathML fragment.
    static func hasMath(_ text: String) -> Bool {
        text.contains("<math") && Self.segments(text).contains { if case .math = $0 { true } else { false } }
    }

    /// The text cut into plain pieces and MathML fragments; a fragment that does not parse stays text.
    static func segments(_ text: String) -> [Segment] {
        guard text.contains("<math") else { return [.text(text)] }
        var segments: [Segment] = []
        var rest = Substring(text)
        while let start = rest.range(of: "<math"), let end = rest[start.upperBound...].range(of: "</math>") {
            let after = rest[start.upperBound...].first
            guard after == ">" || after == " " || after == "\n" || after == "\t" else {
                segments.append(.text(String(rest[..<start.upperBound])))
                rest = rest[start.upperBound...]
                continue
            }
            let fragment = rest[start.lowerBound..<end.upperBound]
            if start.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<start.lowerBound]))) }
            if let tree = try? XMLTree.parse(Array(fragment.utf8), maximumBytes: 1 << 20), tree.name == "math" {
                segments.append(.math(Self.markup(tree)))
            } else {
                segments.append(.text(String(fragment)))
            }
            rest = rest[end.upperBound...]
        }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        return segments
    }

    /// A `math` element (read by `XMLTree`) as allow-listed MathML markup on one line.
    static func markup(_ math: XMLTree) -> String {
        var output = ""
        func write(_ tree: XMLTree, root: Bool) {
            var name = tree.name
            var children = tree.children
            if name == "semantics" {
                // The presentation is its first child; annotations are for other programs.
                if let first = tree.elements().first { write(first, root: false) }
                return
            }
            var extra: [(String, String)] = []
            if name == "mfenced" {
                name = "mrow"
                let open = tree.attributes["open"] ?? "("
                let close = tree.attributes["close"] ?? ")"
                children =
                    [.element(XMLTree(name: "mo", namespace: nil, attributes: [:], children: [.text(open)]))] + children
                    + [.element(XMLTree(name: "mo", namespace: nil, attributes: [:], children: [.text(close)]))]
            }
            guard Self.elements.contains(name) else { return }
            if root { extra.append(("xmlns", Self.namespace)) }
            let kept = tree.attributes.filter { Self.attributes.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            output += "<" + name
            for (key, value) in extra + kept { output += " \(key)=\"\(Markup.escape(value, whitespace: .referenced))\"" }
            output += ">"
            for child in children {
                switch child {
                case .text(let text): output += Markup.escape(text.replacingOccurrences(of: "\n", with: " "))
                case .element(let element): write(element, root: false)
                }
            }
            output += "</\(name)>"
        }
        write(math, root: true)
        return output
    }

    /// A fragment written out linearly: superscripts as ² or ^, fractions as (a)/(b), roots as √.
    static func linear(_ tree: XMLTree) -> String {
        let parts = tree.elements().map(Self.linear)
        func grouped(_ text: String) -> String { text.count > 1 ? "(\(text))" : text }
        switch tree.name {
        case "mi", "mn", "mo", "mtext", "ms": return XMLTree.collapse(tree.rawText)
        case "msup" where parts.count == 2:
            let superscripts: [Character: Character] = [
                "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻", "+": "⁺",
            ]
            if parts[1].allSatisfy({ superscripts[$0] != nil }) { return parts[0] + String(parts[1].compactMap { superscripts[$0] }) }
            return parts[0] + "^" + grouped(parts[1])
        case "msub" where parts.count == 2: return parts[0] + "_" + grouped(parts[1])
        case "msubsup" where parts.count == 3: return parts[0] + "_" + grouped(parts[1]) + "^" + grouped(parts[2])
        case "mfrac" where parts.count == 2: return grouped(parts[0]) + "/" + grouped(parts[1])
        case "msqrt": return "√" + grouped(parts.joined())
        case "mroot" where parts.count == 2: return "\(parts[1])√" + grouped(parts[0])
        case "mfenced": return (tree.attributes["open"] ?? "(") + parts.joined(separator: ",") + (tree.attributes["close"] ?? ")")
        case "semantics": return parts.first ?? ""
        case "annotation", "annotation-xml", "annotationXml": return ""
        default: return parts.joined()
        }
    }
}
