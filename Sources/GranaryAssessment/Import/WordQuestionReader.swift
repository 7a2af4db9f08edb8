import Foundation
import GranaryModel
import GranaryStore

/// A Word (.docx) question bank in the common Chinese layout, as 智慧职教, 学习通 and 雨课堂 templates have it:
///
///     一、单项选择题（每题 2 分）
///     1. 焊接电弧中温度最高的区域是（　）。
///     A. 阴极区    B. 弧柱区
///     C. 阳极区    D. 熔池
///     答案：B
///     解析：弧柱区温度可达 5000–8000 K。
///     难度：易        分值：2        知识点：焊接电弧
///
/// Section headings name the type (and may give points per question or blank); each numbered paragraph starts a
/// question; options may share a line; `答案：`, `解析：`, `难度：`, `分值：`, `知识点：`, `题型：` and `评分标准：` lines fill
/// their fields, and a line after one of them continues it. Word's automatic numbering counts as typed numbers.
/// Underlined blank runs are blanks. Pictures are named in the stem and reported.
enum WordQuestionReader {
    /// Largest `word/document.xml` read.
    static let maximumDocumentBytes = 32 << 20

    static func read(path: String, name: String) throws -> [ImportEntry] {
        guard let archive = ZipArchive(path: path) else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "Word 文件已损坏或无法读取", en: "The Word file is damaged or unreadable"))
        }
        try QuestionImporter.checkInflatedSize(archive)
        guard let entry = archive.entry(named: "word/document.xml"),
            let bytes = QuestionImporter.read(entry, of: archive, maximumBytes: Self.maximumDocumentBytes)
        else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "Word 文件中没有可读的正文", en: "The Word file has no readable document part"))
        }
        let document: XMLTree
        do {
            document = try XMLTree.parse(bytes, maximumBytes: Self.maximumDocumentBytes)
        } catch {
            throw GranaryError(
                .invalidDocument,
                LocalizedText(zh: "Word 正文无法解析：\(error.reason)", en: "The Word document cannot be parsed: \(error.reason)")
            )
        }
        let numbering = archive.entry(named: "word/numbering.xml").flatMap { QuestionImporter.read($0, of: archive) }.flatMap {
            try? XMLTree.parse($0)
        }
        let images = archive.entry(named: "word/_rels/document.xml.rels").flatMap { QuestionImporter.read($0, of: archive) }
            .flatMap { try? XMLTree.parse($0) }
        var lines = Lines(numbering: numbering.map(Numbering.init), relationships: images)
        if let body = document.element("body") { lines.read(body) }
        // Pictures are the document's parts its relationships name, relative to `word/`.
        let media = QuestionImporter.PackageMedia(archive)
        return Self.questions(in: lines.lines, name: name).map { entry in
            QuestionImporter.fetchingFiles(entry) { target in ImportedQuestion.packagePath(target, from: "word").flatMap(media.bytes) }
        }
    }

    // MARK: - Questions from lines

    private static let heading = #"^[一二三四五六七八九十百]+\s*[、.．]"#
    private static let numbered = #"^[(（]?\d{1,4}\s*[.．、)）]\s*"#
    private static let optionStart = #"^[A-Ha-h]\s*[.．、:：)）]"#
    private static let fields: [(String, ChineseLayout.Draft.Field)] = [
        ("正确答案", .answer), ("参考答案", .answer), ("标准答案", .answer), ("答案解析", .analysis), ("试题解析", .analysis),
        ("答案", .answer), ("解析", .analysis), ("难度", .difficulty), ("难易度", .difficulty), ("分值", .score), ("分数", .score),
        ("知识点", .points), ("考点", .points), ("评分标准", .rubric),
    ]

    /// Questions of the text lines of a document in the Chinese layout, named 第 N 题.
    static func questions(in lines: [String], name: String) -> [ImportEntry] {
        var entries: [ImportEntry] = []
        var type: QuestionType?
        var section: ChineseLayout.SectionScore?
        var draft = ChineseLayout.Draft()
        var number = 0
        // The field a plain line continues: nil for the stem, else a field of the draft.
        var continuing: ChineseLayout.Draft.Field?
        // Lines before the first numbered question (a title, instructions) belong to no question.
        var started = false
        func flush() {
            guard started, !draft.isEmpty else { return }
            number += 1
            let label = "第 \(number) 题"
            do throws(ImportFailure) {
                entries.append(ImportEntry(name: label, result: .success(try ChineseLayout.question(draft, section: section))))
            } catch {
                entries.append(ImportEntry(name: label, result: .failure(error)))
            }
            draft = ChineseLayout.Draft()
            draft.type = type
            continuing = nil
        }
        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{3000}")))
            guard !line.isEmpty else { continue }
            if line.range(of: Self.heading, options: .regularExpression) != nil, let named = ChineseLayout.type(named: line), line.count < 60 {
                flush()
                type = named
                draft.type = named
                section = ChineseLayout.sectionScore(line)
                continue
            }
            if let range = line.range(of: Self.numbered, options: .regularExpression) {
                flush()
                started = true
                draft.stem = String(line[range.upperBound...])
                continue
            }
            guard started else { continue }
            let fields = Self.fields(in: line)
            if !fields.isEmpty {
                for (field, value) in fields { draft[field] = value }
                continuing = fields.last?.0
                continue
            }
            if line.hasPrefix("题型"), let colon = line.firstIndex(where: { $0 == "：" || $0 == ":" }) {
                draft.type = ChineseLayout.type(named: String(line[line.index(after: colon)...])) ?? draft.type
                continue
            }
            if line.range(of: Self.optionStart, options: .regularExpression) != nil, continuing == nil {
                draft.options += Self.options(in: line)
                continue
            }
            if let field = continuing {
                draft[field] = (draft[field] ?? "") + "\n" + line
            } else if let last = draft.options.indices.last {
                draft.options[last].text += line
            } else {
                draft.stem += draft.stem.isEmpty ? line : "\n" + line
            }
        }
        flush()
        return entries
    }

    /// The fields of a field line: `答案：B`, `【答案】B`, or several on one line (`难度：易  分值：2`); empty for
    /// another line.
    static func fields(in line: String) -> [(ChineseLayout.Draft.Field, String)] {
        let text = line as NSString
        let matches = Self.fieldPattern.matches(in: line, range: NSRange(location: 0, length: text.length)).filter { match in
            // A label counts when a colon or a bracket marks it.
            let marked = text.substring(with: match.range)
            return marked.contains("：") || marked.contains(":") || marked.contains("】") || marked.contains("]")
        }
        guard let first = matches.first, first.range.location == 0 else { return [] }
        var found: [(ChineseLayout.Draft.Field, String)] = []
        for (index, match) in matches.enumerated() {
            let label = text.substring(with: match.range(at: 1))
            let start = match.range.location + match.range.length
            let end = index + 1 < matches.count ? matches[index + 1].range.location : text.length
            let value = text.substring(with: NSRange(location: start, length: max(0, end - start))).trimmingCharacters(in: .whitespaces)
            if let field = Self.fields.first(where: { $0.0 == label })?.1 { found.append((field, value)) }
        }
        return found
    }

    /// A field's label where a line or a run of spaces starts, in 【】 or before a colon.
    private static let fieldPattern = Self.regex(
        #"(?:^|[\s\u3000]+)[【\[]?("# + Self.fields.map(\.0).joined(separator: "|") + #")[】\]]?\s*[：:】\]]?\s*"#
    )
    /// An option letter where a line or a run of spaces starts, before its mark.
    private static let optionPattern = Self.regex(#"(?:^|[\s\u3000])([A-Ha-h])\s*[.．、:：)）]"#)

    /// A pattern written in this file: compiled once; a mistake in it is a programming error.
    private static func regex(_ pattern: String) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            preconditionFailure("bad pattern \(pattern): \(error)")
        }
    }

    /// The options on one line: `A. 阴极区  B. 弧柱区` is two.
    static func options(in line: String) -> [(letter: String, text: String)] {
        let text = line as NSString
        let matches = Self.optionPattern.matches(in: line, range: NSRange(location: 0, length: text.length))
        var options: [(letter: String, text: String)] = []
        for (index, match) in matches.enumerated() {
            let start = match.range.location + match.range.length
            let end = index + 1 < matches.count ? matches[index + 1].range.location : text.length
            let letter = text.substring(with: match.range(at: 1)).uppercased()
            let body = text.substring(with: NSRange(location: start, length: max(0, end - start)))
            options.append((letter, body.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{3000}")))))
        }
        return options
    }

    // MARK: - Lines from WordprocessingML

    /// Word's list numbering: the format of each level of each list.
    struct Numbering {
        /// numId → ilvl → numFmt (`decimal`, `upperLetter`, `chineseCounting` …).
        var formats: [String: [String: String]] = [:]

        init(_ tree: XMLTree) {
            var abstract: [String: [String: String]] = [:]
            for list in tree.elements("abstractNum") {
                var levels: [String: String] = [:]
                for level in list.elements("lvl") {
                    levels[level.attributes["ilvl"] ?? "0"] = level.element("numFmt")?.attributes["val"] ?? "decimal"
                }
                abstract[list.attributes["abstractNumId"] ?? ""] = levels
            }
            for num in tree.elements("num") {
                if let id = num.attributes["numId"], let base = num.element("abstractNumId")?.attributes["val"] {
                    self.formats[id] = abstract[base] ?? [:]
                }
            }
        }
    }

    /// The paragraphs of a document body as lines of text, automatic numbers written out.
    struct Lines {
        let numbering: Numbering?
        let relationships: XMLTree?
        var lines: [String] = []
        private var counters: [String: Int] = [:]

        init(numbering: Numbering?, relationships: XMLTree?) {
            self.numbering = numbering
            self.relationships = relationships
        }

        mutating func read(_ body: XMLTree) {
            for element in body.elements() {
                switch element.name {
                case "p": self.paragraph(element)
                case "tbl":
                    for row in element.descendants(where: { $0.name == "tr" }) {
                        for cell in row.elements("tc") { for paragraph in cell.elements("p") { self.paragraph(paragraph) } }
                    }
                case "sdt": if let content = element.element("sdtContent") { self.read(content) }
                default: break
                }
            }
        }

        private mutating func paragraph(_ paragraph: XMLTree) {
            var text = self.number(paragraph)
            func runs(_ tree: XMLTree) {
                for child in tree.elements() {
                    switch child.name {
                    case "r": self.run(child, into: &text)
                    case "hyperlink", "ins", "smartTag", "fldSimple", "sdt", "sdtContent": runs(child)
                    default: break
                    }
                }
            }
            runs(paragraph)
            self.lines += text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }

        private func run(_ run: XMLTree, into text: inout String) {
            let underlined = run.element("rPr")?.element("u").map { $0.attributes["val"] != "none" } ?? false
            for child in run.elements() {
                switch child.name {
                case "t":
                    let words = child.rawText
                    // An underlined run of spaces is a blank to fill.
                    if underlined, !words.isEmpty, words.allSatisfy({ $0 == " " || $0 == "\u{3000}" }) {
                        text += "____"
                    } else {
                        text += words
                    }
                case "tab": text += underlined ? "____" : " "
                case "br", "cr": text += "\n"
                case "drawing", "pict", "object":
                    let id = child.descendants(where: { $0.name == "blip" || $0.name == "imagedata" }).first.flatMap {
                        $0.attributes["embed"] ?? $0.attributes["id"]
                    }
                    text += "[图片：\(self.target(of: id) ?? "未命名")]"
                default: break
                }
            }
        }

        /// The file a relationship id names (`media/image1.png`).
        private func target(of id: String?) -> String? {
            guard let id, let relationships else { return nil }
            return relationships.elements("Relationship").first { $0.attributes["Id"] == id }?.attributes["Target"]
        }

        /// The number Word draws before a list paragraph: `3. `, `B. ` or `二、`; empty for other paragraphs.
        private mutating func number(_ paragraph: XMLTree) -> String {
            guard let properties = paragraph.element("pPr")?.element("numPr"), let id = properties.element("numId")?.attributes["val"], id != "0"
            else { return "" }
            let level = properties.element("ilvl")?.attributes["val"] ?? "0"
            let key = id + "/" + level
            self.counters[key, default: 0] += 1
            // A deeper level restarts when a shallower one moves on.
            for other in self.counters.keys where other.hasPrefix(id + "/") && (Int(other.split(separator: "/").last ?? "") ?? 0) > (Int(level) ?? 0)
            {
                self.counters[other] = 0
            }
            let count = self.counters[key]!
            switch self.numbering?.formats[id]?[level] ?? "decimal" {
            case "upperLetter", "lowerLetter": return count <= 26 ? String(UnicodeScalar(UInt8(64 + count))) + ". " : ""
            case "chineseCounting", "chineseCountingThousand", "ideographTraditional", "japaneseCounting":
                let digits = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
                return count <= 10 ? digits[count - 1] + "、" : ""
            case "bullet", "none": return ""
            default: return "\(count). "
            }
        }
    }
}
