import Foundation
import GranaryModel

/// Reads one QTI 2.1, 2.2 or 3.0 assessment item into the bank's six question types.
///
/// choice → `single` (or `judge` when its two choices are true and false) or `multiple`; text entry and several
/// inline choices → `fill`; one inline choice → `single`; extended text → `short`; order, match, associate and gap
/// match → `practical`, with the correct response written out as the reference answer and one rubric criterion.
/// Interactions that need an image area, a drawing, an upload or a custom widget are refused with a reason.
enum QTIItemReader {
    /// The question an item becomes, before it is given a course and points: the question every format hands on,
    /// with its full marks always known and what proving its scoring needs.
    @dynamicMemberLookup
    struct Imported: Sendable {
        /// Type, stem, options, answer, analysis, rubric, scoring and warnings, read through `imported.stem` etc.
        var base: ImportedQuestion
        /// Full marks.
        var score: Double
        /// MAXSCORE (or SCORE's normal maximum) as the item declares it.
        var declaredMaximum: Double?
        /// Responses of base type float or integer: their blanks are numbers.
        var numericResponses: Set<String> = []

        init(
            type: QuestionType,
            stem: String,
            options: [Question.Option] = [],
            answer: JSONValue,
            rubric: [Question.Criterion] = [],
            score: Double
        ) {
            self.base = ImportedQuestion(type: type, stem: stem, options: options, answer: answer, rubric: rubric)
            self.score = score
        }

        subscript<Value>(dynamicMember field: WritableKeyPath<ImportedQuestion, Value>) -> Value {
            get { self.base[keyPath: field] }
            set { self.base[keyPath: field] = newValue }
        }

        /// The question as every import format hands it on.
        var question: ImportedQuestion {
            var question = self.base
            question.score = self.score
            return question
        }
    }

    /// The QTI versions read, by namespace.
    static let namespaces = [
        "http://www.imsglobal.org/xsd/imsqti_v2p1": "2.1",
        "http://www.imsglobal.org/xsd/imsqti_v2p2": "2.2",
        "http://www.imsglobal.org/xsd/imsqtiasi_v3p0": "3.0",
    ]

    private static let unsupported: [String: String] = [
        "hotspotInteraction": "a hotspot on an image",
        "graphicOrderInteraction": "ordering areas of an image",
        "graphicAssociateInteraction": "associating areas of an image",
        "graphicGapMatchInteraction": "dragging onto an image",
        "selectPointInteraction": "pointing on an image",
        "positionObjectInteraction": "placing objects on an image",
        "sliderInteraction": "a slider",
        "drawingInteraction": "a drawing",
        "uploadInteraction": "a file upload",
        "mediaInteraction": "playing media",
        "customInteraction": "a custom widget",
        "portableCustomInteraction": "a portable custom interaction",
        "endAttemptInteraction": "an end-attempt button",
    ]

    private static let practicalKinds: Set<String> = ["orderInteraction", "matchInteraction", "associateInteraction", "gapMatchInteraction"]

    /// The question `item` (an `assessmentItem` root) describes, or the reason it cannot be one.
    static func read(_ item: XMLTree) throws(XMLTree.Failure) -> Imported {
        guard let body = item.element("itemBody") else { throw XMLTree.Failure(reason: "the item has no itemBody") }
        if let template = item.descendants(where: { ["templateDeclaration", "templateProcessing", "printedVariable"].contains($0.name) }).first {
            throw XMLTree.Failure(
                reason:
                    "the item is generated from a template (\(template.name)): its numbers change for each candidate, and a bank question is fixed"
            )
        }
        let processing = try QTIResponseProcessing(item: item)
        let responses = Dictionary(
            item.elements("responseDeclaration").map { ($0.attributes["identifier"] ?? "", Response($0)) },
            uniquingKeysWith: { a, _ in a }
        )
        let interactions = body.descendants { $0.name.hasSuffix("Interaction") && $0.name != "prompt" }
        guard !interactions.isEmpty else { throw XMLTree.Failure(reason: "the item has no interaction to answer") }
        for interaction in interactions {
            if let what = Self.unsupported[interaction.name] {
                throw XMLTree.Failure(reason: "\(interaction.name) needs \(what), which none of the six question types can hold")
            }
        }
        var warnings: [String] = []
        let stem = Self.stem(of: body)
        guard !stem.isEmpty else { throw XMLTree.Failure(reason: "the item has no text to ask") }
        var feedback = item.elements("modalFeedback").map(Self.richText).filter { !$0.isEmpty }
        feedback += body.descendants { $0.name == "feedbackBlock" || $0.name == "feedbackInline" }.compactMap { block in
            let text = block.text
            guard !text.isEmpty else { return nil }
            return block.attributes["identifier"].map { "（\($0)）\(text)" } ?? text
        }
        // Rubric blocks written by Granary's exporter carry headed sections (参考答案, 评分标准, 解析); others are
        // scoring notes.
        var rubricText: [String] = []
        var reference: String?
        var criteria: [Question.Criterion] = []
        for block in body.descendants(where: { $0.name == "rubricBlock" }) {
            let heading = block.descendants { $0.name == "h4" }.first?.text
            let paragraphs = block.descendants { $0.name == "p" }.map(Self.richText).filter { !$0.isEmpty }.joined(separator: "\n")
            switch heading {
            case "参考答案": reference = paragraphs
            case "解析": feedback.append(paragraphs)
            case "评分标准":
                for row in block.descendants(where: { $0.name == "tr" }) {
                    let cells = row.elements("td").map(\.text)
                    if cells.count == 2, let points = Double(cells[1]) { criteria.append(.init(criterion: cells[0], points: points)) }
                }
            default:
                if !block.text.isEmpty { rubricText.append(block.text) }
            }
        }
        let analysis = (feedback + rubricText.map { "评分说明：\($0)" }).joined(separator: "\n")
        let kinds = Set(interactions.map(\.name))
        let maximum = Self.maximumScore(item)

        func response(_ interaction: XMLTree) throws(XMLTree.Failure) -> Response {
            guard let response = responses[interaction.attributes["responseIdentifier"] ?? ""] else {
                throw XMLTree.Failure(reason: "\(interaction.name) names no declared response")
            }
            return response
        }

        var imported: Imported
        var binding: Binding?
        if kinds.isSubset(of: ["textEntryInteraction", "inlineChoiceInteraction"]) {
            if interactions.count == 1, interactions[0].name == "inlineChoiceInteraction" {
                let (choices, sources) = Self.choices(interactions[0], element: "inlineChoice")
                let correct = try response(interactions[0]).correct.compactMap { sources[$0] }
                guard correct.count == 1 else { throw XMLTree.Failure(reason: "the inline choice has no single correct choice") }
                imported = Imported(type: .single, stem: stem, options: choices, answer: .string(correct[0]), score: maximum ?? 1)
                binding = .choice(
                    response: interactions[0].attributes["responseIdentifier"] ?? "",
                    options: sources.map { (source: $0.key, option: $0.value) }.sorted { $0.option < $1.option }
                )
            } else {
                var blanks: [JSONValue] = []
                var bound: [Blank] = []
                var numeric: Set<String> = []
                for (number, interaction) in interactions.enumerated() {
                    let declared = try response(interaction)
                    let identifier = interaction.attributes["responseIdentifier"] ?? ""
                    var accepted: [String]
                    if interaction.name == "inlineChoiceInteraction" {
                        let choices = Self.choices(interaction, element: "inlineChoice").options
                        accepted = declared.correct.compactMap { id in choices.first { $0.id == id }?.text }
                        bound.append(
                            Blank(response: identifier, choices: Dictionary(choices.map { ($0.text, $0.id) }, uniquingKeysWith: { a, _ in a }))
                        )
                    } else {
                        bound.append(Blank(response: identifier))
                        if ["float", "integer"].contains(declared.baseType) { numeric.insert(identifier) }
                        accepted = declared.correct + declared.mapping.filter { $0.value > 0 }.map(\.key)
                    }
                    accepted = accepted.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
                    accepted = accepted.reduce(into: []) { list, word in if !list.contains(word) { list.append(word) } }
                    guard !accepted.isEmpty else { throw XMLTree.Failure(reason: "blank \(number + 1) has no correct answer") }
                    blanks.append(.array(accepted.map(JSONValue.string)))
                }
                imported = Imported(type: .fill, stem: stem, answer: .array(blanks), score: maximum ?? Double(blanks.count))
                imported.numericResponses = numeric
                binding = .blanks(bound)
            }
        } else if kinds.count > 1 || interactions.count > 1 {
            throw XMLTree.Failure(
                reason: "an item with several interactions (\(interactions.map(\.name).joined(separator: ", "))) cannot be one question"
            )
        } else if kinds == ["choiceInteraction"] {
            let interaction = interactions[0]
            let (choices, sources) = Self.choices(interaction, element: "simpleChoice")
            let declared = try response(interaction)
            let correctSources = declared.correct.isEmpty ? declared.mapping.filter { $0.value > 0 }.map(\.key) : declared.correct
            let correct = correctSources.compactMap { sources[$0] }
            guard !correct.isEmpty, correct.count == correctSources.count else {
                throw XMLTree.Failure(reason: "the choice interaction has no correct choice among its choices")
            }
            let responseIdentifier = interaction.attributes["responseIdentifier"] ?? ""
            binding = .choice(
                response: responseIdentifier,
                options: choices.compactMap { option in sources.first { $0.value == option.id }.map { (source: $0.key, option: option.id) } }
            )
            let maxChoices = Int(interaction.attributes["maxChoices"] ?? "1") ?? 1
            if maxChoices == 1 && declared.cardinality != "multiple" {
                guard correct.count == 1 else { throw XMLTree.Failure(reason: "a single-choice interaction declares several correct choices") }
                if choices.count == 2, let truth = Self.truth(choices, correct: correct[0]) {
                    imported = Imported(type: .judge, stem: stem, answer: .bool(truth), score: maximum ?? 1)
                    let sourceOf = { (id: String) in sources.first { $0.value == id }?.key ?? id }
                    let other = choices[0].id == correct[0] ? choices[1].id : choices[0].id
                    let (yes, no) = truth ? (correct[0], other) : (other, correct[0])
                    binding = .judge(response: responseIdentifier, truth: sourceOf(yes), falsehood: sourceOf(no))
                } else {
                    imported = Imported(type: .single, stem: stem, options: choices, answer: .string(correct[0]), score: maximum ?? 1)
                }
            } else {
                imported = Imported(
                    type: .multiple,
                    stem: stem,
                    options: choices,
                    answer: .array(correct.sorted().map(JSONValue.string)),
                    score: maximum ?? 1
                )
            }
        } else if kinds == ["extendedTextInteraction"], !criteria.isEmpty {
            let total = criteria.reduce(0) { $0 + $1.points }
            imported = Imported(
                type: .practical,
                stem: stem,
                answer: .string(reference ?? "（原题未提供参考答案，由教师评阅）"),
                rubric: criteria,
                score: maximum ?? total
            )
        } else if kinds == ["extendedTextInteraction"] {
            let declared = try response(interactions[0])
            var reference = reference ?? declared.correct.joined(separator: "\n")
            if reference.isEmpty, let rubric = rubricText.first { reference = rubric }
            if reference.isEmpty, let first = feedback.first { reference = first }
            if reference.isEmpty {
                reference = "（原题未提供参考答案，由教师评阅）"
                warnings.append("the item gives no reference answer; a note saying so stands in its place")
            }
            imported = Imported(type: .short, stem: stem, answer: .string(reference), score: maximum ?? 1)
        } else if let kind = kinds.first, Self.practicalKinds.contains(kind) {
            let interaction = interactions[0]
            let declared = try response(interaction)
            guard !declared.correct.isEmpty else { throw XMLTree.Failure(reason: "the \(kind) declares no correct response") }
            let names = Self.choiceNames(interaction)
            let described = declared.correct.map { value in
                value.split(separator: " ").map { names[String($0)] ?? String($0) }.joined(separator: " — ")
            }
            let reference =
                kind == "orderInteraction"
                ? "正确顺序：" + described.joined(separator: " → ")
                : "正确对应：" + described.joined(separator: "；")
            let score = maximum ?? 1
            imported = Imported(
                type: .practical,
                stem: stem,
                answer: .string(reference),
                rubric: [Question.Criterion(criterion: "与参考答案一致", points: Self.scoreStep(score))],
                score: score
            )
            warnings.append("\(kind) became a practical question graded against the written-out correct response")
        } else {
            throw XMLTree.Failure(reason: "\(interactions[0].name) is not one of the interactions the bank reads")
        }
        imported.analysis = analysis.isEmpty ? nil : analysis
        imported.score = Self.scoreStep(imported.score)
        imported.declaredMaximum = maximum
        if let binding { try Self.prove(&imported, processing: processing, binding: binding) }
        if imported.type == .practical, criteria.isEmpty {
            imported.rubric = imported.rubric.map { .init(criterion: $0.criterion, points: imported.score) }
        }
        imported.warnings = warnings + imported.warnings
        return imported
    }

    // MARK: - Parts

    /// A response declaration: its cardinality, correct values and mapping.
    struct Response {
        let cardinality: String
        let baseType: String
        let correct: [String]
        let mapping: [(key: String, value: Double)]

        init(_ declaration: XMLTree) {
            self.cardinality = declaration.attributes["cardinality"] ?? "single"
            self.baseType = declaration.attributes["baseType"] ?? "identifier"
            self.correct = declaration.element("correctResponse")?.elements("value").map { XMLTree.collapse($0.text) } ?? []
            self.mapping =
                declaration.element("mapping")?.elements("mapEntry").compactMap { entry in
                    guard let key = entry.attributes["mapKey"] else { return nil }
                    return (key, Double(entry.attributes["mappedValue"] ?? "0") ?? 0)
                } ?? []
        }
    }

    /// The choices of an interaction as options, and each source identifier's option id. Identifiers the bank
    /// cannot keep (over 16 characters, as Onyx writes `choice_1658152974`) make every option A, B, C… in order.
    private static func choices(_ interaction: XMLTree, element: String) -> (options: [Question.Option], sources: [String: String]) {
        var options = interaction.descendants { $0.name == element }.compactMap { choice -> Question.Option? in
            guard let id = choice.attributes["identifier"] else { return nil }
            let text = Self.richText(choice)
            return Question.Option(id: id, text: text.isEmpty ? id : text)
        }
        let sources = options.map(\.id)
        if sources.contains(where: { $0.count > 16 }) || Set(sources).count != sources.count, options.count <= 26 {
            for index in options.indices { options[index].id = String(UnicodeScalar(UInt8(ascii: "A") + UInt8(index))) }
        }
        return (options, Dictionary(zip(sources, options.map(\.id)), uniquingKeysWith: { a, _ in a }))
    }

    /// Identifier → text of everything choosable inside an interaction, for writing out a correct response.
    private static func choiceNames(_ interaction: XMLTree) -> [String: String] {
        var names: [String: String] = [:]
        for choice in interaction.descendants(where: { $0.attributes["identifier"] != nil }) {
            let text = choice.text
            if !text.isEmpty { names[choice.attributes["identifier"]!] = text }
        }
        // Gaps have no text of their own: they are named by their place, as the stem shows them (____).
        for (number, gap) in interaction.descendants(where: { $0.name == "gap" }).enumerated() {
            names[gap.attributes["identifier"] ?? ""] = "第 \(number + 1) 空"
        }
        return names
    }

    /// For two choices that read as true and false: whether the correct one is "true".
    private static func truth(_ choices: [Question.Option], correct: String) -> Bool? {
        let yes: Set<String> = ["true", "yes", "对", "正确", "是", "√", "t"]
        let no: Set<String> = ["false", "no", "错", "错误", "否", "×", "f"]
        func meaning(_ option: Question.Option) -> Bool? {
            let word = option.text.lowercased().trimmingCharacters(in: .punctuationCharacters.union(.whitespaces))
            return yes.contains(word) ? true : no.contains(word) ? false : nil
        }
        guard let first = meaning(choices[0]), let second = meaning(choices[1]), first != second else { return nil }
        return meaning(choices.first { $0.id == correct }!)
    }

    /// MAXSCORE's default value, else SCORE's normal maximum.
    private static func maximumScore(_ item: XMLTree) -> Double? {
        let outcomes = item.elements("outcomeDeclaration")
        if let value = outcomes.first(where: { $0.attributes["identifier"] == "MAXSCORE" })?.element("defaultValue")?.element("value")?.text,
            let score = Double(value), score > 0
        {
            return score
        }
        if let maximum = outcomes.first(where: { $0.attributes["identifier"] == "SCORE" })?.attributes["normalMaximum"], let score = Double(maximum),
            score > 0
        {
            return score
        }
        return nil
    }

    /// A score the bank accepts: a multiple of 0.5 from 0.5 to 1000.
    static func scoreStep(_ score: Double) -> Double {
        min(1_000, max(0.5, (score * 2).rounded() / 2))
    }

    // MARK: - The stem

    /// The text of `tree` on one line, MathML kept as markup (a choice's words and formulae).
    static func richText(_ tree: XMLTree) -> String {
        var output = ""
        func visit(_ node: XMLTree) {
            for child in node.children {
                switch child {
                case .text(let text): output += Self.literalUnderscores(text)
                case .element(let element) where element.name == "math": output += QuestionText.markup(element)
                case .element(let element) where ["img", "object", "audio", "video"].contains(element.name): output += Self.fileMarker(element)
                case .element(let element) where !Self.skipped.contains(element.name): visit(element)
                case .element: break
                }
            }
        }
        visit(tree)
        return XMLTree.collapse(output)
    }

    /// A picture, sound or film as the marker that shows it, naming the file as the item does (the importer finds it
    /// in the package and names it anew): `[图片：images/bead.png]`, `[媒体：media/arc.mp3]`.
    static func fileMarker(_ element: XMLTree) -> String {
        let file =
            element.attributes["src"] ?? element.attributes["data"]
            ?? element.descendants(where: { $0.name == "source" }).compactMap { $0.attributes["src"] }.first ?? ""
        let name = Question.Attachment.markerName(file)
        guard !name.isEmpty else { return "[\(element.name == "img" ? "图片" : "媒体")：未注明文件]" }
        return "[\(element.name == "img" ? "图片" : "媒体")：\(name)]"
    }

    /// `text` with each run of three or more `_` written as full-width low lines (＿), which look the same and mark no blank.
    static func literalUnderscores(_ text: String) -> String {
        guard text.contains("___") else { return text }
        var output = ""
        var run = 0
        func flush() {
            output += String(repeating: run >= QTIExport.blankRun ? "＿" : "_", count: run)
            run = 0
        }
        for character in text {
            if character == "_" {
                run += 1
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        return output
    }

    private static let blocks: Set<String> = [
        "p", "div", "blockquote", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "pre", "prompt", "simpleBlock",
    ]
    private static let skipped: Set<String> = ["rubricBlock", "modalFeedback", "feedbackBlock", "feedbackInline", "templateBlock", "templateInline"]

    /// The item body as text: prompts kept, choices left to `options`, each blank as `____`, images named.
    static func stem(of body: XMLTree) -> String {
        var output = ""
        func visit(_ tree: XMLTree) {
            for child in tree.children {
                switch child {
                case .text(let text):
                    // Underscores the author typed are not blanks: only an interaction is (a run of three or more
                    // would otherwise become one more blank on every export and import).
                    output += Self.literalUnderscores(text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " "))
                case .element(let element):
                    switch element.name {
                    case _ where Self.skipped.contains(element.name): break
                    case "textEntryInteraction", "inlineChoiceInteraction": output += "____"
                    case "gap": output += "____"
                    case "gapText", "gapImg", "simpleChoice", "simpleAssociableChoice", "simpleMatchSet", "inlineChoice": break
                    case "math": output += QuestionText.markup(element)
                    case "br": output += "\n"
                    case "img", "object", "audio", "video": output += Self.fileMarker(element)
                    case _ where element.name.hasSuffix("Interaction"):
                        output += "\n"
                        visit(element)
                        output += "\n"
                    case _ where Self.blocks.contains(element.name):
                        output += "\n"
                        visit(element)
                        output += "\n"
                    default: visit(element)
                    }
                }
            }
        }
        visit(body)
        return output.split(separator: "\n").map { XMLTree.collapse(String($0)) }.filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
