import Foundation
import GranaryModel

/// GIFT, Moodle's text format: `::标题:: 题干 {答案}`, one question per paragraph, `//` comments, `$CATEGORY:`.
///
/// `{T}`/`{F}` → judge; `{=对 ~错 ~错}` → single (a `~%50%` option gives partial credit); options all weighted
/// (`{~%50%甲 ~%50%乙 ~%-100%丙}`) → multiple with points per option; only `=` answers → a fill blank (weights give
/// partial credit per answer), placed where the braces stand when text follows them; `{#9.81:0.05}`, `{#9.76..9.86}`
/// → a number blank with its tolerance; `{=甲 -> 乙 …}` → practical, graded against the written-out pairs; `{}` →
/// short. The last part of a category names the question's point when the course has one by that name.
enum GIFTReader {
    static func read(_ text: String, name: String) -> [ImportEntry] {
        var entries: [ImportEntry] = []
        var category: String?
        var paragraph: [String] = []
        var start = 1
        var line = 0
        func flush() {
            defer { paragraph = [] }
            let chunk = paragraph.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !chunk.isEmpty else { return }
            if chunk.hasPrefix("$CATEGORY:") {
                let path = chunk.dropFirst("$CATEGORY:".count).trimmingCharacters(in: .whitespaces)
                category = path.split(separator: "/").last.map { String($0).trimmingCharacters(in: .whitespaces) }
                return
            }
            let label = "第 \(entries.count + 1) 题（第 \(start) 行）"
            do throws(ImportFailure) {
                var question = try Self.question(chunk)
                question.pointHint = category
                entries.append(ImportEntry(name: label, result: .success(question)))
            } catch {
                entries.append(ImportEntry(name: label, result: .failure(error)))
            }
        }
        for raw in text.components(separatedBy: .newlines) {
            line += 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("//") { continue }
            if trimmed.isEmpty {
                flush()
                continue
            }
            if paragraph.isEmpty { start = line }
            paragraph.append(raw)
        }
        flush()
        if entries.isEmpty {
            entries.append(ImportEntry(name: name, result: .failure(ImportFailure(code: "not_qti", reason: "文件中没有 GIFT 格式的题目"))))
        }
        return entries
    }

    /// One answer of a block: its mark (`=`, `~`), weight in percent if written, text and feedback.
    struct Answer {
        var mark: Character
        var weight: Double?
        var text: String
        var feedback: String?
    }

    static func question(_ chunk: String) throws(ImportFailure) -> ImportedQuestion {
        var body = Substring(chunk)
        if body.hasPrefix("::"), let end = Self.unescaped("::", in: body.dropFirst(2)) {
            body = body[end.upperBound...]
        }
        body = body.drop { $0.isWhitespace }
        if body.hasPrefix("["), let close = body.firstIndex(of: "]"), body[body.index(after: body.startIndex)..<close].allSatisfy(\.isLetter) {
            body = body[body.index(after: close)...]
        }
        guard let open = Self.unescaped("{", in: body) else {
            throw ImportFailure(code: "unsupported", reason: "没有答案块 {…}：说明文字不是题目")
        }
        guard let close = Self.unescaped("}", in: body[open.upperBound...]) else { throw ImportFailure(code: "malformed", reason: "答案块缺少 }") }
        let before = Self.plain(body[..<open.lowerBound])
        let after = Self.plain(body[close.upperBound...])
        var block = body[open.upperBound..<close.lowerBound]
        var general: String?
        if let feedback = Self.unescaped("####", in: block) {
            general = Self.plain(block[feedback.upperBound...])
            block = block[..<feedback.lowerBound]
        }
        let content = block.trimmingCharacters(in: .whitespacesAndNewlines)
        // The stem, with a blank where the braces stand when text follows them (a missing word).
        let stem = after.isEmpty ? before : before + " ____ " + after
        guard !before.isEmpty || !after.isEmpty else { throw ImportFailure(code: "invalid", reason: "没有题干") }
        var question: ImportedQuestion
        switch content.uppercased() {
        case "": return ImportedQuestion.essay(stem: stem, reference: general)
        case "T", "TRUE", "F", "FALSE":
            question = ImportedQuestion(type: .judge, stem: stem, answer: .bool(content.uppercased().hasPrefix("T")))
            question.analysis = general
            return question
        default: break
        }
        if content.hasPrefix("#") {
            question = try Self.numerical(Substring(content.dropFirst()), stem: after.isEmpty ? before + " ____" : stem)
        } else {
            let answers = try Self.answers(Substring(content))
            if answers.allSatisfy({ $0.mark == "=" }) && answers.contains(where: { $0.text.contains("->") }) {
                question = try Self.matching(answers, stem: stem)
            } else if answers.allSatisfy({ $0.mark == "=" }) {
                question = try Self.shortAnswer(answers, stem: after.isEmpty ? before + " ____" : stem)
            } else {
                question = try Self.choice(answers, stem: stem)
            }
        }
        let feedback = (try? Self.answers(Substring(content)))?.compactMap { answer in answer.feedback.map { "\(answer.text)：\($0)" } } ?? []
        question.analysis = ([general].compactMap { $0 } + feedback).joined(separator: "\n").nilIfEmpty
        return question
    }

    private static func choice(_ answers: [Answer], stem: String) throws(ImportFailure) -> ImportedQuestion {
        let options = try ImportedQuestion.lettered(answers.map(\.text))
        let right = answers.indices.filter { answers[$0].mark == "=" }
        if right.count == 1 {
            var question = ImportedQuestion(type: .single, stem: stem, options: options, answer: .string(options[right[0]].id))
            let partial = answers.indices.filter { answers[$0].mark == "~" && ($0 != right[0]) && (answers[$0].weight ?? 0) != 0 }
            if !partial.isEmpty {
                var points: [String: Double] = [options[right[0]].id: 1]
                for index in partial { points[options[index].id] = (answers[index].weight ?? 0) / 100 }
                // Moodle floors a question at zero, as the bank does.
                question.scoring = QuestionScoring(optionPoints: points)
                question.score = 1
            }
            return question
        }
        guard right.isEmpty, answers.allSatisfy({ $0.weight != nil }) else {
            throw ImportFailure(code: "invalid", reason: "选择题应有一个 = 正确选项，或全部选项都带 %权重%（多选）")
        }
        let correct = answers.indices.filter { (answers[$0].weight ?? 0) > 0 }.map { options[$0].id }
        guard !correct.isEmpty else { throw ImportFailure(code: "invalid", reason: "多选题没有正权重的选项") }
        var points: [String: Double] = [:]
        for (index, answer) in answers.enumerated() where (answer.weight ?? 0) != 0 { points[options[index].id] = (answer.weight ?? 0) / 100 }
        var question = ImportedQuestion(type: .multiple, stem: stem, options: options, answer: .array(correct.map(JSONValue.string)))
        question.score = 1
        // Moodle floors a question at zero and caps it at full marks, as the bank does.
        question.scoring = QuestionScoring(optionPoints: points)
        return question
    }

    private static func shortAnswer(_ answers: [Answer], stem: String) throws(ImportFailure) -> ImportedQuestion {
        let accepted = answers.filter { ($0.weight ?? 100) > 0 }
        guard !accepted.isEmpty else { throw ImportFailure(code: "invalid", reason: "填空题没有得分的答案") }
        var question = ImportedQuestion(type: .fill, stem: stem, answer: .array([.array(accepted.map { .string($0.text) })]))
        question.score = 1
        if accepted.contains(where: { ($0.weight ?? 100) != 100 }) {
            question.scoring = QuestionScoring(blanks: [.init(answerPoints: accepted.map { ($0.weight ?? 100) / 100 })])
        }
        return question
    }

    /// `9.81:0.05`, `9.76..9.86`, or `=9.81:0.05 =%50%9.8:0.2`.
    private static func numerical(_ content: Substring, stem: String) throws(ImportFailure) -> ImportedQuestion {
        let parts: [Answer] = content.contains("=") ? try Self.answers(content) : [Answer(mark: "=", text: String(content))]
        var values: [(value: String, tolerance: Double, weight: Double)] = []
        for part in parts where (part.weight ?? 100) > 0 {
            let text = part.text.trimmingCharacters(in: .whitespaces)
            if let range = text.range(of: "..") {
                guard let low = Double(text[..<range.lowerBound]), let high = Double(text[range.upperBound...]), low <= high else {
                    throw ImportFailure(code: "invalid", reason: "数值范围“\(text)”无效")
                }
                values.append((QTIExport.number((low + high) / 2), (high - low) / 2, part.weight ?? 100))
            } else {
                let pieces = text.split(separator: ":", maxSplits: 1)
                guard let first = pieces.first, Double(first) != nil else { throw ImportFailure(code: "invalid", reason: "数值答案“\(text)”不是数字") }
                let tolerance = pieces.count > 1 ? Double(pieces[1]) : 0
                guard let tolerance, tolerance >= 0 else { throw ImportFailure(code: "invalid", reason: "误差“\(text)”无效") }
                values.append((String(first), tolerance, part.weight ?? 100))
            }
        }
        guard let first = values.first else { throw ImportFailure(code: "invalid", reason: "数值题没有得分的答案") }
        guard values.allSatisfy({ abs($0.tolerance - first.tolerance) < 1e-12 }) else {
            throw ImportFailure(code: "unsupported", reason: "各数值答案的误差不同，题库的一个空只有一个误差")
        }
        var question = ImportedQuestion(type: .fill, stem: stem, answer: .array([.array(values.map { .string($0.value) })]))
        question.score = 1
        let numeric = QuestionScoring.Numeric(tolerance: first.tolerance > 0 ? first.tolerance : nil)
        let weights = values.map { $0.weight / 100 }
        question.scoring = QuestionScoring(blanks: [.init(answerPoints: weights.allSatisfy { $0 == 1 } ? nil : weights, numeric: numeric)])
        return question
    }

    private static func matching(_ answers: [Answer], stem: String) throws(ImportFailure) -> ImportedQuestion {
        let pairs = answers.map { answer -> String in
            let sides = answer.text.components(separatedBy: "->").map { $0.trimmingCharacters(in: .whitespaces) }
            return sides.joined(separator: " — ")
        }
        return ImportedQuestion.matching(stem: stem, pairs: pairs, score: 1)
    }

    /// The answers of a block: each starts at an unescaped `=` or `~`.
    private static func answers(_ block: Substring) throws(ImportFailure) -> [Answer] {
        var answers: [Answer] = []
        var current: (mark: Character, text: String)?
        var escaped = false
        for character in block {
            if escaped {
                current?.text.append("\\")
                current?.text.append(character)
                escaped = false
                continue
            }
            if character == "\\" {
                escaped = true
                continue
            }
            if character == "=" || character == "~" {
                if let current { answers.append(Self.answer(current.mark, current.text)) }
                current = (character, "")
                continue
            }
            if current == nil {
                guard character.isWhitespace else { throw ImportFailure(code: "malformed", reason: "答案块应以 = 或 ~ 开始每个答案") }
                continue
            }
            current?.text.append(character)
        }
        if let current { answers.append(Self.answer(current.mark, current.text)) }
        guard !answers.isEmpty else { throw ImportFailure(code: "malformed", reason: "答案块中没有答案") }
        return answers
    }

    private static func answer(_ mark: Character, _ raw: String) -> Answer {
        var text = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        var weight: Double?
        if text.hasPrefix("%"), let end = text.dropFirst().firstIndex(of: "%") {
            weight = Double(text[text.index(after: text.startIndex)..<end])
            text = text[text.index(after: end)...]
        }
        var feedback: String?
        if let hash = Self.unescaped("#", in: text) {
            feedback = Self.plain(text[hash.upperBound...])
            text = text[..<hash.lowerBound]
        }
        return Answer(mark: mark, weight: weight, text: Self.plain(text), feedback: feedback?.nilIfEmpty)
    }

    /// The first `token` in `text` not preceded by a backslash.
    private static func unescaped(_ token: String, in text: Substring) -> Range<Substring.Index>? {
        var search = text.startIndex
        while let range = text[search...].range(of: token) {
            var backslashes = 0
            var index = range.lowerBound
            while index > text.startIndex {
                index = text.index(before: index)
                guard text[index] == "\\" else { break }
                backslashes += 1
            }
            if backslashes % 2 == 0 { return range }
            search = range.upperBound
        }
        return nil
    }

    /// Text with GIFT's escapes read (`\=` is `=`, `\n` a line break) and white space trimmed.
    private static func plain(_ text: Substring) -> String {
        var output = ""
        var escaped = false
        for character in text {
            if escaped {
                output.append(character == "n" ? "\n" : character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                output.append(character)
            }
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
