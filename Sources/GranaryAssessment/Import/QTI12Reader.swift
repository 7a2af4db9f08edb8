import Foundation
import GranaryModel

/// QTI 1.2 (`questestinterop`), as Canvas and Blackboard export quizzes and pools.
///
/// The type comes from Canvas's `question_type` or Blackboard's `bbmd_questiontype`, else from the responses: one
/// `response_lid` is a choice (single, multiple, or judge when its two labels read true and false), text responses
/// are blanks (numbers when the conditions compare with `vargte`/`varlte`, essays when nothing scores them), several
/// `response_lid`s are the blanks of a Canvas fill-in-multiple-blanks or dropdowns question (matching becomes
/// practical). The correct answers are the values a condition that gives points compares with `varequal`, and the
/// points are Canvas's `points_possible` (1 otherwise). Calculated and upload questions are refused by name.
enum QTI12Reader {
    static func read(_ root: XMLTree, name: String) -> [ImportEntry] {
        let items = root.descendants { $0.name == "item" }
        guard !items.isEmpty else {
            return [ImportEntry(name: name, result: .failure(ImportFailure(code: "not_qti", reason: "QTI 1.2 文件中没有 item")))]
        }
        return items.enumerated().map { index, item in
            let title = item.attributes["title"].flatMap { $0.nilIfEmpty }
            let label = "\(name) 第 \(index + 1) 题" + (title.map { "（\($0)）" } ?? "")
            do throws(ImportFailure) {
                return ImportEntry(name: label, result: .success(try Self.question(item)))
            } catch {
                return ImportEntry(name: label, result: .failure(error))
            }
        }
    }

    /// A response of the presentation: its identifier, whether it is a choice, its labels (ident → text) in order.
    struct Response {
        var ident: String
        var choice: Bool
        var multiple: Bool
        var labels: [(ident: String, text: String)]
    }

    static func question(_ item: XMLTree) throws(ImportFailure) -> ImportedQuestion {
        let metadata = Self.metadata(item)
        let kind =
            metadata["question_type"] ?? metadata["bbmd_questiontype"].map(Self.canvasName) ?? metadata["cc_profile"].map(Self.cartridgeName) ?? ""
        switch kind {
        case "text_only_question": throw ImportFailure(code: "unsupported", reason: "说明文字，不是题目")
        case "calculated_question": throw ImportFailure(code: "unsupported", reason: "计算题（calculated）的数值每次随机生成")
        case "file_upload_question": throw ImportFailure(code: "unsupported", reason: "上传文件作答的题目")
        case "hot_spot_question", "hotspot_question": throw ImportFailure(code: "unsupported", reason: "图片热区题")
        default: break
        }
        guard let presentation = item.element("presentation") else { throw ImportFailure(code: "malformed", reason: "item 没有 presentation") }
        let responseNames: Set<String> = ["response_lid", "response_str", "response_num", "response_xy", "response_grp"]
        var stem = Self.materials(presentation, skipping: responseNames)
        let responses = presentation.descendants { responseNames.contains($0.name) }.map { element in
            Response(
                ident: element.attributes["ident"] ?? "",
                choice: element.name == "response_lid",
                multiple: (element.attributes["rcardinality"] ?? "Single").lowercased() == "multiple",
                labels: element.descendants { $0.name == "response_label" }.map { label in
                    (label.attributes["ident"] ?? "", Self.materials(label, skipping: []))
                }
            )
        }
        guard !responses.isEmpty else { throw ImportFailure(code: "unsupported", reason: "没有可作答的 response") }
        if let other = presentation.descendants(where: { $0.name == "response_xy" || $0.name == "response_grp" }).first {
            throw ImportFailure(code: "unsupported", reason: "\(other.name) 需要在图片上作答或分组拖放")
        }
        let correct = Self.correctValues(item)
        let score = metadata["points_possible"].flatMap(Double.init) ?? 1
        let feedback = item.elements("itemfeedback").map { feedback -> String in
            Self.materials(feedback, skipping: [])
        }.filter { !$0.isEmpty }
        var question: ImportedQuestion
        if kind == "matching_question" {
            let pairs = responses.map { response -> String in
                let right = correct.values[response.ident]?.compactMap { id in response.labels.first { $0.ident == id }?.text } ?? []
                let left =
                    presentation.descendants { $0.name == "response_lid" && $0.attributes["ident"] == response.ident }.first
                    .map { Self.materials($0, skipping: ["render_choice"]) } ?? response.ident
                return "\(left) — \(right.joined(separator: "、"))"
            }
            question = ImportedQuestion.matching(stem: stem, pairs: pairs, score: score)
        } else if responses.count == 1, responses[0].choice {
            question = try Self.choice(responses[0], correct: correct.values[responses[0].ident] ?? [], stem: stem, kind: kind)
        } else if responses.allSatisfy({ !$0.choice }) && (kind == "essay_question" || correct.values.isEmpty && correct.ranges.isEmpty) {
            question = ImportedQuestion.essay(stem: stem, reference: feedback.first)
        } else {
            // Blanks: text entries, or Canvas's blanks and dropdowns (a choice per blank, named [blank] in the stem).
            var blanks: [JSONValue] = []
            var rules: [QuestionScoring.Blank] = []
            for response in responses {
                var accepted: [String]
                var rule = QuestionScoring.Blank()
                if let range = correct.ranges[response.ident] {
                    let exact = correct.values[response.ident]?.first.flatMap(Double.init)
                    let middle = exact ?? (range.low + range.high) / 2
                    accepted = [QTIExport.number(middle)]
                    let tolerance = max(abs(range.high - middle), abs(middle - range.low))
                    rule.numeric = .init(tolerance: tolerance > 0 ? tolerance : nil)
                } else if response.choice {
                    accepted = (correct.values[response.ident] ?? []).compactMap { id in response.labels.first { $0.ident == id }?.text }
                } else {
                    accepted = correct.values[response.ident] ?? []
                    if kind == "numerical_question", accepted.allSatisfy({ QuestionScoring.number($0) != nil }) { rule.numeric = .init() }
                }
                accepted = accepted.reduce(into: []) { list, word in if !word.isEmpty, !list.contains(word) { list.append(word) } }
                guard !accepted.isEmpty else { throw ImportFailure(code: "invalid", reason: "\(response.ident) 没有正确答案") }
                blanks.append(.array(accepted.map(JSONValue.string)))
                rules.append(rule)
                let name = response.ident.hasPrefix("response_") ? String(response.ident.dropFirst("response_".count)) : response.ident
                stem = stem.replacingOccurrences(of: "[\(name)]", with: "____")
            }
            if !stem.contains("___") && responses.count == 1 { stem += " ____" }
            question = ImportedQuestion(type: .fill, stem: stem, answer: .array(blanks))
            if rules.contains(where: { $0 != QuestionScoring.Blank() }) { question.scoring = QuestionScoring(blanks: rules) }
            if responses.contains(where: \.choice) { question.warnings.append("下拉选择导入为填空，答案为正确选项的文字") }
        }
        question.score = score
        question.analysis = question.type == .short ? nil : feedback.joined(separator: "\n").nilIfEmpty
        return question
    }

    private static func choice(_ response: Response, correct: [String], stem: String, kind: String) throws(ImportFailure) -> ImportedQuestion {
        let options = try ImportedQuestion.lettered(response.labels.map(\.text))
        let chosen = correct.compactMap { id in response.labels.firstIndex { $0.ident == id } }.map { options[$0].id }
        guard !chosen.isEmpty else { throw ImportFailure(code: "invalid", reason: "选择题没有正确选项") }
        if kind == "true_false_question" || options.count == 2 && options.allSatisfy({ ChineseLayout.truth($0.text) != nil }),
            let truth = options.first(where: { $0.id == chosen[0] }).flatMap({ ChineseLayout.truth($0.text) })
        {
            return ImportedQuestion(type: .judge, stem: stem, answer: .bool(truth))
        }
        if response.multiple || kind == "multiple_answers_question" {
            return ImportedQuestion(type: .multiple, stem: stem, options: options, answer: .array(Array(Set(chosen)).sorted().map(JSONValue.string)))
        }
        guard Set(chosen).count == 1 else { throw ImportFailure(code: "invalid", reason: "单选题有多个正确选项") }
        return ImportedQuestion(type: .single, stem: stem, options: options, answer: .string(chosen[0]))
    }

    /// Values each response must equal, and numeric ranges, from the conditions that give points.
    private static func correctValues(_ item: XMLTree) -> (values: [String: [String]], ranges: [String: (low: Double, high: Double)]) {
        var values: [String: [String]] = [:]
        var ranges: [String: (low: Double, high: Double)] = [:]
        for condition in item.element("resprocessing")?.elements("respcondition") ?? [] {
            let points = condition.elements("setvar").compactMap { Double(XMLTree.collapse($0.text)) }.max() ?? 0
            let title = (condition.attributes["title"] ?? "").lowercased()
            guard points > 0 || title == "correct", let test = condition.element("conditionvar") else { continue }
            func visit(_ tree: XMLTree, negated: Bool) {
                for child in tree.elements() {
                    switch child.name {
                    case "not": visit(child, negated: !negated)
                    case "and", "or": visit(child, negated: negated)
                    case "varequal" where !negated:
                        let id = child.attributes["respident"] ?? ""
                        let value = XMLTree.collapse(child.text)
                        if !(values[id] ?? []).contains(value) { values[id, default: []].append(value) }
                    case "vargte", "vargt":
                        if let number = Double(XMLTree.collapse(child.text)) {
                            let id = child.attributes["respident"] ?? ""
                            ranges[id] = (number, ranges[id]?.high ?? number)
                        }
                    case "varlte", "varlt":
                        if let number = Double(XMLTree.collapse(child.text)) {
                            let id = child.attributes["respident"] ?? ""
                            ranges[id] = (ranges[id]?.low ?? number, number)
                        }
                    default: break
                    }
                }
            }
            visit(test, negated: false)
        }
        return (values, ranges)
    }

    /// Canvas's and Blackboard's metadata fields by label.
    private static func metadata(_ item: XMLTree) -> [String: String] {
        var fields: [String: String] = [:]
        for field in item.descendants(where: { $0.name == "qtimetadatafield" }) {
            if let label = field.element("fieldlabel")?.text, let entry = field.element("fieldentry")?.text {
                fields[XMLTree.collapse(label)] = XMLTree.collapse(entry)
            }
        }
        if let type = item.descendants(where: { $0.name == "bbmd_questiontype" }).first?.text { fields["bbmd_questiontype"] = XMLTree.collapse(type) }
        return fields
    }

    /// Common Cartridge's QTI profiles (`cc.multiple_choice.v0p1`) in Canvas's words.
    private static func cartridgeName(_ profile: String) -> String {
        switch profile.split(separator: ".").dropFirst().first ?? "" {
        case "multiple_choice": "multiple_choice_question"
        case "true_false": "true_false_question"
        case "multiple_response": "multiple_answers_question"
        case "fib": "short_answer_question"
        case "essay": "essay_question"
        case "pattern_match": "short_answer_question"
        default: ""
        }
    }

    /// Blackboard's type names in Canvas's words.
    private static func canvasName(_ blackboard: String) -> String {
        switch blackboard.lowercased() {
        case "multiple choice", "either/or": "multiple_choice_question"
        case "true/false": "true_false_question"
        case "multiple answer": "multiple_answers_question"
        case "fill in the blank", "fill in multiple blanks": "fill_in_multiple_blanks_question"
        case "essay", "short response": "essay_question"
        case "numeric": "numerical_question"
        case "matching": "matching_question"
        case "calculated": "calculated_question"
        case "file upload": "file_upload_question"
        case "hot spot": "hot_spot_question"
        default: ""
        }
    }

    /// The text of the materials in `tree` (HTML read as text), outside elements named in `skipping`.
    private static func materials(_ tree: XMLTree, skipping: Set<String>) -> String {
        var parts: [String] = []
        func visit(_ node: XMLTree) {
            for child in node.elements() where !skipping.contains(child.name) {
                switch child.name {
                case "mattext", "mat_formattedtext":
                    let raw = child.rawText
                    let html = (child.attributes["texttype"] ?? child.attributes["type"] ?? "").lowercased().contains("html") || raw.contains("<")
                    parts.append(html ? HTMLText.text(raw) : XMLTree.collapse(raw))
                case "matimage":
                    let uri = Question.Attachment.markerName(child.attributes["uri"] ?? "")
                    parts.append("[图片：\(uri.isEmpty ? "未注明文件" : uri)]")
                default:
                    visit(child)
                }
            }
        }
        visit(tree)
        return parts.filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
