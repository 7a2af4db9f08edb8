import Foundation
import GranaryModel

/// The text of the HTML fragments Moodle, Canvas and Blackboard write question text in: tags dropped, `<br>` and
/// block ends as line breaks, images named, entities read. Only for reading words out; nothing is rendered.
enum HTMLText {
    /// The text of `html`, with `[图片：src]` for each image and `[媒体：src]` for each sound, film or object: the
    /// importer finds the file it names.
    static func text(_ html: String) -> String {
        var output = ""
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">") {
                let tag = html[html.index(after: index)..<close]
                let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
                switch name {
                case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "blockquote":
                    output += "\n"
                case "img":
                    let source = Question.Attachment.markerName(Self.attribute("src", in: String(tag)) ?? "")
                    output += "[图片：\(source.isEmpty ? "未注明文件" : source)]"
                case "audio", "video", "source", "object":
                    // A player names its file by `src` (or a `source` inside it), an object by `data`.
                    if let source = Self.attribute(name == "object" ? "data" : "src", in: String(tag)).map(Question.Attachment.markerName),
                        !source.isEmpty
                    {
                        output += "[媒体：\(source)]"
                    }
                case "sup": output += tag.hasPrefix("/") ? "" : "^"
                default: break
                }
                index = html.index(after: close)
                continue
            }
            output.append(character)
            index = html.index(after: index)
        }
        let lines = Self.entities(output).split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        return lines.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// The value of attribute `name` in a tag's text.
    static func attribute(_ name: String, in tag: String) -> String? {
        guard let range = tag.range(of: #"\b\#(name)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)"#, options: [.regularExpression, .caseInsensitive]) else {
            return nil
        }
        let value = tag[range].drop { $0 != "=" }.dropFirst().trimmingCharacters(in: .whitespaces)
        return Self.entities(value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))
    }

    /// `&amp;`, `&lt;`, `&nbsp;`, `&#8451;` and `&#x2103;` read.
    static func entities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "times": "×", "divide": "÷", "deg": "°", "plusmn": "±",
        ]
        var output = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semicolon = after.prefix(10).firstIndex(of: ";") {
                let name = String(after[..<semicolon])
                var value: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    value = UInt32(name.dropFirst(2), radix: 16).flatMap(UnicodeScalar.init).map { String(Character($0)) }
                } else if name.hasPrefix("#") {
                    value = UInt32(name.dropFirst()).flatMap(UnicodeScalar.init).map { String(Character($0)) }
                } else {
                    value = named[name]
                }
                if let value {
                    output += value
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            output += "&"
            rest = after
        }
        return output + rest
    }
}
