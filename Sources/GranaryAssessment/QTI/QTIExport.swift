import Foundation
import GranaryModel

/// QTI 2.1 and 3.0 assessment items (试题导出) for the bank's six question types.
///
/// Every item declares `SCORE` (normal maximum: the question's score) and `MAXSCORE`, so the points survive without
/// a test around the item. `single` and `judge` (对/错 as two choices `true` and `false`) map the correct choice to
/// the score with the standard `map_response` template; `multiple` is all or nothing, written out as the
/// `match_correct` template's condition with the score in place of 1; `fill` has one text entry per blank, each
/// with the first accepted answer as correct and every accepted answer mapped (case-insensitively) to its share of
/// the score: `map_response` for one blank, the sum of the blanks' mappings for several. `short` and `practical`
/// have an extended text entry and no response processing: a person scores them. The reference answer, the rubric
/// (评分标准) and the analysis (解析) go into rubric blocks for the scorer, never in view of the candidate.
public enum QTIExport {
    /// Characters of the stem an item's title keeps.
    static let titleLength = 40
    /// Characters of an item's label (QTI 2.1 caps it at 256).
    static let labelLength = 256
    /// A run of at least this many underscores in a `fill` stem is a blank.
    static let blankRun = 3

    /// The complete item document for `question`: `assessmentItem` (2.1) or `qti-assessment-item` (3.0).
    ///
    /// `courseName` and the names of the question's knowledge points (`pointNames`: id → name; an id without a
    /// name is written as it is) make up the item's `label`; a content package carries them in LOM as well.
    public static func item(_ question: Question, version: QTIVersion, courseName: String? = nil, pointNames: [String: String] = [:]) -> String {
        Self.item(question, version: version, identifier: Self.identifier(for: question), courseName: courseName, pointNames: pointNames)
    }

    /// The item document with a chosen `identifier` (a content package keeps its identifiers distinct).
    static func item(_ question: Question, version: QTIVersion, identifier: String, courseName: String?, pointNames: [String: String]) -> String {
        var builder = Builder(question: question, version: version)
        return builder.build(identifier: identifier, label: Self.label(question, courseName: courseName, pointNames: pointNames))
    }

    /// Where a package holds a file of the item `item`: `media/<item>/<name>`.
    static func filePath(_ file: Question.Attachment, item: String) -> String {
        "media/\(item)/\(file.name)"
    }

    /// `filePath` as a URI reference, percent-encoded.
    static func fileReference(_ file: Question.Attachment, item: String) -> String {
        let path = Self.filePath(file, item: item)
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ";?#[]")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// An NCName naming `question`: `q-` and its id, with characters other than `[A-Za-z0-9._-]` replaced by `_`.
    public static func identifier(for question: Question) -> String {
        "q-" + String(question.id.map { Self.isNameCharacter($0) ? $0 : "_" })
    }

    /// The item's title: the stem on one line, cut to `titleLength` characters.
    public static func title(of question: Question) -> String {
        Self.shortened(Self.oneLine(QuestionText.title(question.stem)), to: Self.titleLength)
    }

    /// Text as mixed content: words escaped, MathML fragments as markup.
    static func inlines(_ text: String) -> [XMLDocumentWriter.Inline] {
        QuestionText.segments(text).map { segment in
            switch segment {
            case .text(let words): .text(words)
            case .math(let markup): .markup(markup)
            }
        }
    }

    // MARK: - Text helpers

    /// `text` with every run of white space (line breaks included) made one space, trimmed.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
    }

    /// `text` cut to `limit` characters, the last being `…` when anything was cut.
    static func shortened(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// A number as XML Schema reads it: `2`, `0.5`, `0.3333333333333333`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// The lines of `text` that hold anything but white space.
    static func paragraphs(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
    }

    /// One identifier per option, in order: the options' own ids when every one is an NCName, ids like `c_1` when
    /// each is made of name characters, `choice_1`, `choice_2`, ... otherwise (always distinct).
    static func choiceIdentifiers(_ options: [Question.Option]) -> [String] {
        let ids = options.map(\.id)
        if ids.allSatisfy(Self.isNCName), Set(ids).count == ids.count { return ids }
        let prefixed = ids.map { "c_" + $0 }
        if prefixed.allSatisfy(Self.isNCName), Set(prefixed).count == ids.count { return prefixed }
        return options.indices.map { "choice_\($0 + 1)" }
    }

    /// Accepted strings per blank of a `fill` answer (an entry may be one string or an array), trimmed, without
    /// empty strings or repeats.
    static func blanks(_ answer: JSONValue) -> [[String]] {
        guard case .array(let entries) = answer else { return [] }
        return entries.map { entry in
            let words: [String] =
                switch entry {
                case .string(let word): [word]
                case .array(let list): list.compactMap { if case .string(let word) = $0 { word } else { nil } }
                default: []
                }
            var accepted: [String] = []
            for word in words.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !word.isEmpty && !accepted.contains(word) {
                accepted.append(word)
            }
            return accepted
        }
    }

    /// A paragraph of a `fill` stem cut at its blanks (runs of `blankRun` or more underscores).
    static func pieces(of paragraph: String) -> [Piece] {
        var pieces: [Piece] = []
        var text = ""
        var run = 0
        func endRun() {
            if run >= Self.blankRun {
                if !text.isEmpty { pieces.append(.text(text)) }
                pieces.append(.blank)
                text = ""
            } else {
                text += String(repeating: "_", count: run)
            }
            run = 0
        }
        for character in paragraph {
            if character == "_" {
                run += 1
            } else {
                endRun()
                text.append(character)
            }
        }
        endRun()
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }

    /// Text or a blank of a `fill` stem.
    enum Piece: Equatable {
        /// Words of the stem.
        case text(String)
        /// Where a text entry goes.
        case blank
    }

    private static func label(_ question: Question, courseName: String?, pointNames: [String: String]) -> String? {
        guard let courseName, !courseName.isEmpty else { return nil }
        let points = question.knowledgePoints.map { pointNames[$0] ?? $0 }.joined(separator: "、")
        return Self.shortened(Self.oneLine(points.isEmpty ? courseName : courseName + "：" + points), to: Self.labelLength)
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || character == "." || character == "-" || character == "_"
    }

    /// Whether `name` is an ASCII NCName: a letter or `_`, then letters, digits, `.`, `-` or `_`.
    static func isNCName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy(Self.isNameCharacter)
    }

    // MARK: - Writing an item

    /// Writes one item, element by element, in the spelling of one QTI version.
    struct Builder {
        /// The question written.
        let question: Question
        /// The spelling written in.
        let version: QTIVersion
        /// The document so far.
        var writer = XMLDocumentWriter()
        /// The item's identifier, which names the folder of its files in a package.
        var identifier = ""

        /// A builder with an empty document.
        init(question: Question, version: QTIVersion) {
            self.question = question
            self.version = version
        }

        /// The whole item, named `identifier`, with `label` if any.
        mutating func build(identifier: String, label: String?) -> String {
            self.identifier = identifier
            let item = self.version.element("assessmentItem")
            let attributes: [(String, String?)] = [
                ("xmlns", self.version.itemNamespace),
                ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                ("xsi:schemaLocation", self.version.itemNamespace + " " + self.version.itemSchemaLocation),
                ("identifier", identifier),
                ("title", QTIExport.title(of: self.question)),
                ("label", label),
                ("xml:lang", "zh-CN"),
                (self.version.attribute("toolName"), "Granary"),
                (self.version.attribute("adaptive"), "false"),
                (self.version.attribute("timeDependent"), "false"),
            ]
            self.writer.open(item, attributes)
            self.responseDeclarations()
            self.outcomeDeclarations()
            self.itemBody()
            self.responseProcessing()
            return self.writer.finish()
        }

        // MARK: Declarations

        private var choiceIdentifiers: [String] {
            switch self.question.type {
            case .single, .multiple: QTIExport.choiceIdentifiers(self.question.options)
            case .judge: ["true", "false"]
            case .fill, .short, .practical: []
            }
        }

        /// The identifier a choice answer id stands for.
        func choiceIdentifier(_ answer: String) -> String? {
            guard let index = self.question.options.firstIndex(where: { $0.id == answer }) else { return nil }
            return self.choiceIdentifiers[index]
        }

        var blanks: [[String]] { QTIExport.blanks(self.question.answer) }

        func responseIdentifier(blank index: Int, of count: Int) -> String {
            count == 1 ? "RESPONSE" : "RESPONSE_\(index + 1)"
        }

        private mutating func responseDeclarations() {
            if let scoring = self.question.scoring, self.question.type.isObjective {
                self.scoredResponseDeclarations(scoring)
                return
            }
            let score = QTIExport.number(self.question.score)
            switch (self.question.type, self.question.answer) {
            case (.single, .string(let answer)):
                let correct = self.choiceIdentifier(answer)
                self.declareResponse("RESPONSE", cardinality: "single", baseType: "identifier", correct: correct.map { [$0] } ?? []) { builder in
                    if let correct { builder.mapping([("defaultValue", "0")], entries: [(correct, score, nil)]) }
                }
            case (.judge, .bool(let truth)):
                let correct = truth ? "true" : "false"
                self.declareResponse("RESPONSE", cardinality: "single", baseType: "identifier", correct: [correct]) { builder in
                    builder.mapping([("defaultValue", "0")], entries: [(correct, score, nil)])
                }
            case (.multiple, .array(let answers)):
                let correct = answers.compactMap { value -> String? in
                    guard case .string(let id) = value else { return nil }
                    return self.choiceIdentifier(id)
                }
                self.declareResponse("RESPONSE", cardinality: "multiple", baseType: "identifier", correct: correct)
            case (.fill, _):
                let blanks = self.blanks
                let share = QTIExport.number(self.question.score / Double(max(blanks.count, 1)))
                for (index, accepted) in blanks.enumerated() {
                    let identifier = self.responseIdentifier(blank: index, of: blanks.count)
                    self.declareResponse(identifier, cardinality: "single", baseType: "string", correct: Array(accepted.prefix(1))) { builder in
                        if !accepted.isEmpty { builder.mapping([("defaultValue", "0")], entries: accepted.map { ($0, share, "false") }) }
                    }
                }
            case (.single, _), (.multiple, _):
                let cardinality = self.question.type == .single ? "single" : "multiple"
                self.declareResponse("RESPONSE", cardinality: cardinality, baseType: "identifier", correct: [])
            case (.judge, _):
                self.declareResponse("RESPONSE", cardinality: "single", baseType: "identifier", correct: [])
            case (.short, _), (.practical, _):
                self.declareResponse("RESPONSE", cardinality: "single", baseType: "string", correct: [])
            }
        }

        mutating func declareResponse(
            _ identifier: String,
            cardinality: String,
            baseType: String,
            correct: [String],
            then more: (inout Builder) -> Void = { _ in }
        ) {
            self.writer.open(
                self.version.element("responseDeclaration"),
                [("identifier", identifier), ("cardinality", cardinality), (self.version.attribute("baseType"), baseType)]
            )
            if !correct.isEmpty {
                self.writer.open(self.version.element("correctResponse"))
                for value in correct { self.writer.leaf(self.version.element("value"), [], value) }
                self.writer.close()
            }
            more(&self)
            self.writer.close()
        }

        /// A mapping: `attributes` in QTI 2 spelling, entries of key, mapped value and case sensitivity.
        mutating func mapping(_ attributes: [(String, String)], entries: [(String, String, String?)]) {
            self.writer.open(self.version.element("mapping"), attributes.map { (self.version.attribute($0.0), $0.1) })
            for (key, value, caseSensitive) in entries {
                self.writer.empty(
                    self.version.element("mapEntry"),
                    [
                        (self.version.attribute("mapKey"), key),
                        (self.version.attribute("mappedValue"), value),
                        (self.version.attribute("caseSensitive"), caseSensitive),
                    ]
                )
            }
            self.writer.close()
        }

        private mutating func outcomeDeclarations() {
            let score = QTIExport.number(self.question.score)
            let human = !self.question.type.isObjective && self.version == .v3p0
            self.outcome(
                "SCORE",
                [(self.version.attribute("normalMaximum"), score), (self.version.attribute("externalScored"), human ? "human" : nil)],
                "0"
            )
            self.outcome("MAXSCORE", [], score)
        }

        private mutating func outcome(_ identifier: String, _ extra: [(String, String?)], _ defaultValue: String) {
            let attributes = [("identifier", identifier), ("cardinality", "single"), (self.version.attribute("baseType"), "float")] + extra
            self.writer.open(self.version.element("outcomeDeclaration"), attributes)
            self.writer.open(self.version.element("defaultValue"))
            self.writer.leaf(self.version.element("value"), [], defaultValue)
            self.writer.close()
            self.writer.close()
        }

        // MARK: Body

        private mutating func itemBody() {
            self.writer.open(self.version.element("itemBody"))
            switch self.question.type {
            case .single, .multiple, .judge:
                self.stemParagraphs()
                self.choiceInteraction()
            case .fill:
                self.fillBody()
            case .short, .practical:
                self.stemParagraphs()
                self.writer.empty(self.version.element("extendedTextInteraction"), [(self.version.attribute("responseIdentifier"), "RESPONSE")])
            }
            self.scorerBlocks()
            self.writer.close()
        }

        private mutating func stemParagraphs() {
            for paragraph in QTIExport.paragraphs(self.question.stem) { self.writer.inline("p", [], self.inlines(paragraph)) }
        }

        private mutating func choiceInteraction() {
            let maxChoices = self.question.type == .multiple ? "0" : "1"
            self.writer.open(
                self.version.element("choiceInteraction"),
                [
                    (self.version.attribute("responseIdentifier"), "RESPONSE"),
                    ("shuffle", "false"),
                    (self.version.attribute("maxChoices"), maxChoices),
                ]
            )
            let texts = self.question.type == .judge ? ["对", "错"] : self.question.options.map(\.text)
            for (identifier, text) in zip(self.choiceIdentifiers, texts) {
                self.writer.inline(self.version.element("simpleChoice"), [("identifier", identifier)], self.inlines(QTIExport.oneLine(text)))
            }
            self.writer.close()
        }

        /// The stem with a text entry in place of each blank when the stem marks as many blanks as the answer has;
        /// otherwise the stem as written and then one numbered text entry per blank.
        private mutating func fillBody() {
            let count = self.blanks.count
            let paragraphs = QTIExport.paragraphs(self.question.stem).map(QTIExport.pieces(of:))
            let marked = paragraphs.reduce(0) { $0 + $1.filter { $0 == .blank }.count }
            if marked == count {
                var next = 0
                for pieces in paragraphs {
                    let content = pieces.flatMap { piece -> [XMLDocumentWriter.Inline] in
                        switch piece {
                        case .text(let text): return self.inlines(text)
                        case .blank:
                            defer { next += 1 }
                            return [self.textEntry(self.responseIdentifier(blank: next, of: count))]
                        }
                    }
                    self.writer.inline("p", [], content)
                }
            } else {
                self.stemParagraphs()
                for index in 0..<count {
                    let entry = self.textEntry(self.responseIdentifier(blank: index, of: count))
                    self.writer.inline("p", [], count == 1 ? [entry] : [.text("（\(index + 1)）"), entry])
                }
            }
        }

        /// Text as mixed content: words, MathML, and each file the question has in place of its marker (a picture as
        /// `img`, a sound or film as `object`), from the item's folder of files in a package (`QTIExport.filePath`).
        func inlines(_ text: String) -> [XMLDocumentWriter.Inline] {
            let files = self.question.attachments
            guard !files.isEmpty else { return QTIExport.inlines(text) }
            return Question.Attachment.pieces(of: text).flatMap { piece -> [XMLDocumentWriter.Inline] in
                switch piece {
                case .text(let words): return QTIExport.inlines(words)
                case .file(let word, let name):
                    guard let file = files.first(where: { $0.name == name }) else { return [.text("[\(word)：\(name)]")] }
                    let source = "../" + QTIExport.fileReference(file, item: self.identifier)
                    if file.mime.hasPrefix("image/") { return [.empty("img", [("src", source), ("alt", name)])] }
                    return [.empty("object", [("data", source), ("type", file.mime)])]
                }
            }
        }

        private func textEntry(_ identifier: String) -> XMLDocumentWriter.Inline {
            .empty(self.version.element("textEntryInteraction"), [(self.version.attribute("responseIdentifier"), identifier)])
        }

        /// Reference answer, rubric and analysis, for the scorer (and the tutor) only.
        private mutating func scorerBlocks() {
            if case .string(let reference) = self.question.answer, !self.question.type.isObjective {
                self.rubricBlock(view: "scorer") { builder in
                    builder.writer.leaf("h4", [], "参考答案")
                    for paragraph in QTIExport.paragraphs(reference) { builder.writer.leaf("p", [], paragraph) }
                }
            }
            let rubric = self.question.rubric
            if self.question.type == .practical, !rubric.isEmpty {
                self.rubricBlock(view: "scorer") { builder in
                    builder.writer.leaf("h4", [], "评分标准")
                    builder.writer.element("table") { writer in
                        writer.element("thead") { writer in
                            writer.element("tr") { writer in
                                writer.leaf("th", [], "评分项")
                                writer.leaf("th", [], "分值")
                            }
                        }
                        writer.element("tbody") { writer in
                            for criterion in rubric {
                                writer.element("tr") { writer in
                                    writer.leaf("td", [], QTIExport.oneLine(criterion.criterion))
                                    writer.leaf("td", [], QTIExport.number(criterion.points))
                                }
                            }
                        }
                    }
                }
            }
            if let analysis = self.question.analysis, !QTIExport.paragraphs(analysis).isEmpty {
                self.rubricBlock(view: "scorer tutor") { builder in
                    builder.writer.leaf("h4", [], "解析")
                    for paragraph in QTIExport.paragraphs(analysis) { builder.writer.inline("p", [], builder.inlines(paragraph)) }
                }
            }
        }

        /// A rubric block; QTI 3.0 wants its content in `qti-content-body` and says what it is for.
        private mutating func rubricBlock(view: String, _ body: (inout Builder) -> Void) {
            switch self.version {
            case .v2p1:
                self.writer.open("rubricBlock", [("view", view)])
                body(&self)
                self.writer.close()
            case .v3p0:
                self.writer.open("qti-rubric-block", [("use", "scoring"), ("view", view)])
                self.writer.open("qti-content-body")
                body(&self)
                self.writer.close()
                self.writer.close()
            }
        }

        // MARK: Response processing

        private mutating func responseProcessing() {
            if let scoring = self.question.scoring, self.question.type.isObjective {
                self.scoredResponseProcessing(scoring)
                return
            }
            let processing = self.version.element("responseProcessing")
            switch self.question.type {
            case .single, .judge:
                self.writer.empty(processing, [("template", self.version.template("map_response"))])
            case .fill where self.blanks.count == 1:
                self.writer.empty(processing, [("template", self.version.template("map_response"))])
            case .multiple:
                self.writer.open(processing)
                self.writer.open(self.version.element("responseCondition"))
                self.writer.open(self.version.element("responseIf"))
                self.writer.open(self.version.element("match"))
                self.writer.empty(self.version.element("variable"), [("identifier", "RESPONSE")])
                self.writer.empty(self.version.element("correct"), [("identifier", "RESPONSE")])
                self.writer.close()
                self.setScore(to: QTIExport.number(self.question.score))
                self.writer.close()
                self.writer.open(self.version.element("responseElse"))
                self.setScore(to: "0")
                self.writer.close()
                self.writer.close()
                self.writer.close()
            case .fill:
                self.writer.open(processing)
                self.setScore(to: "0")
                for index in self.blanks.indices {
                    let identifier = self.responseIdentifier(blank: index, of: self.blanks.count)
                    self.writer.open(self.version.element("responseCondition"))
                    self.writer.open(self.version.element("responseIf"))
                    self.writer.open(self.version.element("not"))
                    self.writer.open(self.version.element("isNull"))
                    self.writer.empty(self.version.element("variable"), [("identifier", identifier)])
                    self.writer.close()
                    self.writer.close()
                    self.writer.open(self.version.element("setOutcomeValue"), [("identifier", "SCORE")])
                    self.writer.open(self.version.element("sum"))
                    self.writer.empty(self.version.element("variable"), [("identifier", "SCORE")])
                    self.writer.empty(self.version.element("mapResponse"), [("identifier", identifier)])
                    self.writer.close()
                    self.writer.close()
                    self.writer.close()
                    self.writer.close()
                }
                self.writer.close()
            case .short, .practical:
                break
            }
        }

        mutating func setScore(to value: String) {
            self.writer.open(self.version.element("setOutcomeValue"), [("identifier", "SCORE")])
            self.writer.leaf(self.version.element("baseValue"), [(self.version.attribute("baseType"), "float")], value)
            self.writer.close()
        }
    }
}
