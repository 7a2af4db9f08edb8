import Foundation
import GranaryModel

/// Moodle XML (`<quiz>`), as Moodle's question bank exports it.
///
/// multichoice → single (one right answer; other positive or negative fractions become points per option) or
/// multiple (fractions become points per option, floored at zero and capped at full marks as Moodle does);
/// truefalse → judge; shortanswer → a fill blank (fractions below 100% give partial credit per answer, `usecase` keeps
/// case); numerical → a number blank with its tolerance; essay → short (the grader information is the reference);
/// matching → practical, graded against the written-out pairs; cloze (multianswer) → fill, one blank per embedded
/// SHORTANSWER, NUMERICAL or MULTICHOICE answer, weighted as written. The last part of a category names the point
/// when the course has one by that name. Question types that need drag and drop, calculation or random draws are
/// refused by name; descriptions are left out.
enum MoodleXMLReader {
    static func read(_ bytes: [UInt8], name: String) -> [ImportEntry] {
        let quiz: XMLTree
        do {
            quiz = try XMLTree.parse(bytes)
        } catch {
            return [ImportEntry(name: name, result: .failure(ImportFailure(error)))]
        }
        guard quiz.name == "quiz" else {
            return [ImportEntry(name: name, result: .failure(ImportFailure(code: "not_qti", reason: "根元素是 \(quiz.name)，不是 Moodle XML 的 quiz")))]
        }
        var entries: [ImportEntry] = []
        var category: String?
        for (index, element) in quiz.elements("question").enumerated() {
            let type = element.attributes["type"] ?? ""
            if type == "category" {
                let path = element.element("category").map(Self.text) ?? ""
                category = path.split(separator: "/").last.map { String($0).trimmingCharacters(in: .whitespaces) }
                continue
            }
            let title = element.element("name").map(Self.text).flatMap { $0.nilIfEmpty }
            let label = "第 \(index + 1) 题" + (title.map { "（\($0)）" } ?? "")
            do throws(ImportFailure) {
                var question = try Self.question(element, type: type)
                question.pointHint = category
                entries.append(ImportEntry(name: label, result: .success(question)))
            } catch {
                entries.append(ImportEntry(name: label, result: .failure(error)))
            }
        }
        return entries
    }

    private static let refused: [String: String] = [
        "description": "说明文字，不是题目",
        "calculated": "计算题（calculated）的数值每次随机生成",
        "calculatedsimple": "计算题（calculatedsimple）的数值每次随机生成",
        "calculatedmulti": "计算选择题（calculatedmulti）的数值每次随机生成",
        "randomsamatch": "随机简答匹配题（randomsamatch）从题库随机抽题",
        "random": "随机题（random）只是抽题规则",
        "ddwtos": "拖放到文本（ddwtos）",
        "gapselect": "下拉选词（gapselect）",
        "ddimageortext": "拖放到图片（ddimageortext）",
        "ddmarker": "拖放标记（ddmarker）",
        "ordering": "排序题（ordering）",
    ]

    static func question(_ element: XMLTree, type: String) throws(ImportFailure) -> ImportedQuestion {
        if let what = Self.refused[type] { throw ImportFailure(code: "unsupported", reason: "\(what)，题库的六种题型无法保存") }
        let html = element.element("questiontext").map(Self.text) ?? ""
        let stem = HTMLText.text(html)
        let score = element.element("defaultgrade").flatMap { Double(Self.text($0).trimmingCharacters(in: .whitespaces)) } ?? 1
        let general = element.element("generalfeedback").map { HTMLText.text(Self.text($0)) }?.nilIfEmpty
        let answers = element.elements("answer").map { answer in
            (
                fraction: Double(answer.attributes["fraction"] ?? "0") ?? 0,
                text: HTMLText.text(answer.element("text").map(Self.text) ?? Self.text(answer)),
                feedback: answer.element("feedback").map { HTMLText.text(Self.text($0)) }?.nilIfEmpty,
                tolerance: answer.element("tolerance").flatMap { Double(Self.text($0).trimmingCharacters(in: .whitespaces)) }
            )
        }
        var question: ImportedQuestion
        switch type {
        case "multichoice":
            let options = try ImportedQuestion.lettered(answers.map(\.text))
            var points: [String: Double] = [:]
            for (option, answer) in zip(options, answers) where answer.fraction != 0 { points[option.id] = answer.fraction / 100 * score }
            let single = element.element("single").map { Self.text($0).trimmingCharacters(in: .whitespaces) } != "false"
            if single {
                guard let key = zip(options, answers).first(where: { $0.1.fraction >= 100 })?.0 else {
                    throw ImportFailure(code: "invalid", reason: "单选题没有得满分（fraction=100）的选项")
                }
                question = ImportedQuestion(type: .single, stem: stem, options: options, answer: .string(key.id))
                if points.count > 1 || points.values.contains(where: { $0 < 0 }) { question.scoring = QuestionScoring(optionPoints: points) }
            } else {
                let correct = zip(options, answers).filter { $0.1.fraction > 0 }.map(\.0.id)
                guard !correct.isEmpty else { throw ImportFailure(code: "invalid", reason: "多选题没有得分的选项") }
                question = ImportedQuestion(type: .multiple, stem: stem, options: options, answer: .array(correct.map(JSONValue.string)))
                question.scoring = QuestionScoring(optionPoints: points)
            }
        case "truefalse":
            guard let right = answers.first(where: { $0.fraction >= 100 }), let truth = ChineseLayout.truth(right.text) else {
                throw ImportFailure(code: "invalid", reason: "判断题没有得满分的 true/false 答案")
            }
            question = ImportedQuestion(type: .judge, stem: stem, answer: .bool(truth))
        case "shortanswer":
            let accepted = answers.filter { $0.fraction > 0 }
            guard !accepted.isEmpty else { throw ImportFailure(code: "invalid", reason: "简答（填空）题没有得分的答案") }
            if let wild = accepted.first(where: { $0.text.contains("*") }) {
                throw ImportFailure(code: "unsupported", reason: "答案“\(wild.text)”含通配符 *，题库按原样比较，无法忠实评分")
            }
            let caseSensitive = element.element("usecase").map { Self.text($0).trimmingCharacters(in: .whitespaces) } == "1"
            question = ImportedQuestion(type: .fill, stem: Self.withBlank(stem), answer: .array([.array(accepted.map { .string($0.text) })]))
            let weights = accepted.map { $0.fraction / 100 * score }
            let rule = QuestionScoring.Blank(
                answerPoints: weights.allSatisfy { abs($0 - score) < 1e-9 } ? nil : weights,
                caseSensitive: caseSensitive ? true : nil
            )
            if rule != QuestionScoring.Blank() { question.scoring = QuestionScoring(blanks: [rule]) }
        case "numerical":
            let accepted = answers.filter { $0.fraction > 0 && $0.text != "*" }
            guard let first = accepted.first else { throw ImportFailure(code: "invalid", reason: "数值题没有得分的答案") }
            guard accepted.allSatisfy({ QuestionScoring.number($0.text) != nil }) else { throw ImportFailure(code: "invalid", reason: "数值题的答案应是数字") }
            guard accepted.allSatisfy({ abs(($0.tolerance ?? 0) - (first.tolerance ?? 0)) < 1e-12 }) else {
                throw ImportFailure(code: "unsupported", reason: "各数值答案的误差不同，题库的一个空只有一个误差")
            }
            question = ImportedQuestion(type: .fill, stem: Self.withBlank(stem), answer: .array([.array(accepted.map { .string($0.text) })]))
            let weights = accepted.map { $0.fraction / 100 * score }
            let tolerance = first.tolerance ?? 0
            question.scoring = QuestionScoring(blanks: [
                .init(
                    answerPoints: weights.allSatisfy { abs($0 - score) < 1e-9 } ? nil : weights,
                    numeric: .init(tolerance: tolerance > 0 ? tolerance : nil)
                )
            ])
            if element.element("units")?.elements("unit").contains(where: { !Self.text($0.element("unit_name") ?? $0).isEmpty }) == true {
                question.warnings.append("单位未导入：只比较数值")
            }
        case "essay":
            let reference = element.element("graderinfo").map { HTMLText.text(Self.text($0)) }?.nilIfEmpty ?? general
            question = ImportedQuestion.essay(stem: stem, reference: reference)
        case "matching":
            let pairs = element.elements("subquestion").compactMap { sub -> String? in
                let left = HTMLText.text(Self.text(sub))
                let right = sub.element("answer").map(Self.text) ?? ""
                return left.isEmpty ? nil : "\(left) — \(right)"
            }
            guard !pairs.isEmpty else { throw ImportFailure(code: "invalid", reason: "匹配题没有子题") }
            question = ImportedQuestion.matching(stem: stem, pairs: pairs, score: score)
        case "multianswer", "cloze":
            question = try Self.cloze(html)
        default:
            throw ImportFailure(code: "unsupported", reason: "Moodle 题型“\(type)”无法导入")
        }
        if type != "multianswer" && type != "cloze" { question.score = score }
        let feedback = answers.compactMap { answer in answer.feedback.map { "\(answer.text)：\($0)" } }
        question.analysis = ([general].compactMap { $0 } + (type == "essay" ? [] : feedback)).joined(separator: "\n").nilIfEmpty
        // Files travel inside the XML, base64, each named by `@@PLUGINFILE@@` and its path in the text's `src`.
        var files: [String: [UInt8]] = [:]
        for file in element.descendants(where: { $0.name == "file" }) {
            guard let name = file.attributes["name"], let bytes = Data(base64Encoded: file.rawText, options: .ignoreUnknownCharacters) else {
                continue
            }
            let path = file.attributes["path"] ?? "/"
            files["@@PLUGINFILE@@" + (path.hasSuffix("/") ? path : path + "/") + name] = [UInt8](bytes)
        }
        question.fetchFiles { source in files[source] ?? source.removingPercentEncoding.flatMap { files[$0] } }
        return question
    }

    /// A cloze text: `{1:SHORTANSWER:=红#对~%50%橙}`, `{2:NUMERICAL:=9.81:0.05}`, `{1:MULTICHOICE:=甲~乙}` each a blank.
    static func cloze(_ html: String) throws(ImportFailure) -> ImportedQuestion {
        let text = HTMLText.text(html)
        let pattern = Self.clozePattern
        let source = text as NSString
        var stem = ""
        var last = 0
        var blanks: [JSONValue] = []
        var rules: [QuestionScoring.Blank] = []
        var warnings: [String] = []
        for match in pattern.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            stem += source.substring(with: NSRange(location: last, length: match.range.location - last)) + "____"
            last = match.range.location + match.range.length
            let weight = Double(source.substring(with: match.range(at: 1))) ?? 1
            let kind = source.substring(with: match.range(at: 2))
            var answers: [(text: String, fraction: Double)] = []
            for part in source.substring(with: match.range(at: 3)).split(separator: "~", omittingEmptySubsequences: true) {
                var body = Substring(part)
                var fraction = 0.0
                if body.hasPrefix("=") {
                    fraction = 100
                    body = body.dropFirst()
                } else if body.hasPrefix("%"), let end = body.dropFirst().firstIndex(of: "%") {
                    fraction = Double(body[body.index(after: body.startIndex)..<end]) ?? 0
                    body = body[body.index(after: end)...]
                }
                if let hash = body.firstIndex(of: "#") { body = body[..<hash] }
                answers.append((body.replacingOccurrences(of: "\\", with: "").trimmingCharacters(in: .whitespaces), fraction))
            }
            var kept = answers.filter { $0.fraction > 0 }
            guard let best = kept.map(\.fraction).max(), best >= 100 else {
                throw ImportFailure(code: "invalid", reason: "第 \(blanks.count + 1) 空没有满分答案")
            }
            var rule = QuestionScoring.Blank(points: weight)
            switch kind {
            case "SHORTANSWER", "SA", "MW":
                break
            case "SHORTANSWER_C", "SAC", "MWC":
                rule.caseSensitive = true
            case "NUMERICAL", "NM":
                // Each answer is `value:tolerance`; one blank holds one tolerance.
                var tolerances: Set<Double> = []
                for index in kept.indices {
                    let pieces = kept[index].text.split(separator: ":", maxSplits: 1)
                    guard let value = pieces.first, Double(value) != nil, let tolerance = pieces.count > 1 ? Double(pieces[1]) : 0 else {
                        throw ImportFailure(code: "invalid", reason: "数值答案“\(kept[index].text)”不是数字")
                    }
                    kept[index].text = String(value)
                    tolerances.insert(tolerance)
                }
                guard tolerances.count == 1, let tolerance = tolerances.first else {
                    throw ImportFailure(code: "unsupported", reason: "第 \(blanks.count + 1) 空各答案的误差不同")
                }
                rule.numeric = .init(tolerance: tolerance > 0 ? tolerance : nil)
            case "MULTICHOICE", "MC", "MCV", "MCH", "MULTICHOICE_V", "MULTICHOICE_H", "MULTICHOICE_S", "MCS", "MULTICHOICE_VS", "MCVS",
                "MULTICHOICE_HS", "MCHS":
                warnings.append("第 \(blanks.count + 1) 空原为下拉选择，导入为填空，答案为正确选项的文字")
            default:
                throw ImportFailure(code: "unsupported", reason: "完形填空中的 \(kind) 无法导入")
            }
            blanks.append(.array(kept.map { .string($0.text) }))
            if kept.contains(where: { $0.fraction != 100 }) { rule.answerPoints = kept.map { $0.fraction / 100 * weight } }
            rules.append(rule)
        }
        guard !blanks.isEmpty else { throw ImportFailure(code: "invalid", reason: "完形填空题中没有 {1:SHORTANSWER:…} 这样的空") }
        stem += source.substring(from: last)
        var question = ImportedQuestion(type: .fill, stem: stem.trimmingCharacters(in: .whitespacesAndNewlines), answer: .array(blanks))
        question.score = rules.reduce(0) { $0 + ($1.answerPoints?.max() ?? $1.points ?? 0) }
        question.scoring = QuestionScoring(blanks: rules)
        question.warnings = warnings
        return question
    }

    /// `{weight:KIND:answers}` of a cloze text.
    private static let clozePattern: NSRegularExpression = {
        do {
            return try NSRegularExpression(pattern: #"\{(\d*):([A-Z_]+):((?:\\.|[^}])*)\}"#)
        } catch {
            preconditionFailure("bad cloze pattern: \(error)")
        }
    }()

    /// A short-answer stem with its blank marked (Moodle puts none; a run of underscores already there is it).
    private static func withBlank(_ stem: String) -> String {
        stem.contains("___") ? stem : stem + " ____"
    }

    /// The text of an element whose words sit in `<text>` (or directly in it).
    static func text(_ element: XMLTree) -> String {
        let holder = element.element("text") ?? element
        return holder.children.map { child in
            switch child {
            case .text(let text): text
            case .element(let inner): inner.name == "file" ? "" : inner.rawText
            }
        }.joined()
    }
}
