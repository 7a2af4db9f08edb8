import Foundation
import GranaryModel

/// The conventions of the question templates Chinese platforms (智慧职教/职教云, 学习通, 雨课堂) give teachers, in
/// Word and in Excel: type names (单选题, 多项选择题, 判断题 …), options `A.`–`H.`, answers as letters, 对/错, or
/// blanks separated by `；` or `|` with alternatives by `/`, difficulty as 易/较易/中/较难/难 or 1–5, points as
/// `2` or `2分`, and blanks in a stem as `（　）`, `____` or `【答案】`.
enum ChineseLayout {
    /// A question as a template lays it out, field by field, before it is checked.
    struct Draft {
        var type: QuestionType?
        var stem = ""
        var options: [(letter: String, text: String)] = []
        var answer: String?
        var analysis: String?
        var difficulty: String?
        var score: String?
        var points: String?
        var rubric: String?
        var warnings: [String] = []

        /// A field a labelled line fills.
        enum Field: Sendable {
            case answer, analysis, difficulty, score, points, rubric
        }

        subscript(field: Field) -> String? {
            get {
                switch field {
                case .answer: self.answer
                case .analysis: self.analysis
                case .difficulty: self.difficulty
                case .score: self.score
                case .points: self.points
                case .rubric: self.rubric
                }
            }
            set {
                switch field {
                case .answer: self.answer = newValue
                case .analysis: self.analysis = newValue
                case .difficulty: self.difficulty = newValue
                case .score: self.score = newValue
                case .points: self.points = newValue
                case .rubric: self.rubric = newValue
                }
            }
        }

        var isEmpty: Bool { self.stem.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && self.options.isEmpty && self.answer == nil }
    }

    /// Type names, longest first so that 多项选择 wins over 选择.
    private static let typeNames: [(String, QuestionType)] = [
        ("不定项选择", .multiple), ("多项选择", .multiple), ("单项选择", .single), ("多选", .multiple), ("单选", .single), ("选择", .single),
        ("判断", .judge), ("是非", .judge), ("对错", .judge), ("填空", .fill), ("简答", .short), ("问答", .short), ("论述", .short),
        ("名词解释", .short), ("计算", .short), ("分析", .short), ("综合实践", .practical), ("实践", .practical), ("实操", .practical),
        ("实训", .practical), ("操作", .practical), ("综合", .practical), ("案例", .short), ("single", .single), ("multiple", .multiple),
        ("judge", .judge), ("fill", .fill), ("short", .short), ("practical", .practical),
    ]

    /// The type a heading or a 题型 cell names: `一、单项选择题（每题 2 分）` is `single`.
    static func type(named text: String) -> QuestionType? {
        let key = Self.comparable(text)
        return Self.typeNames.first { key.contains($0.0) }?.1
    }

    /// Text for comparing names: half-width, lower case, without spaces and punctuation.
    static func comparable(_ text: String) -> String {
        let half = text.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? text
        return String(
            half.lowercased().unicodeScalars.filter {
                !CharacterSet.whitespacesAndNewlines.contains($0) && !CharacterSet.punctuationCharacters.contains($0)
            }
        )
    }

    /// 易 1, 较易 2, 中 3, 较难 4, 难 5 (and 容易, 简单, 中等, 适中, 困难, 1–5).
    static func difficulty(_ text: String) -> Int? {
        let key = Self.comparable(text)
        if let value = Int(key), (1...5).contains(value) { return value }
        let words: [(String, Int)] = [
            ("较易", 2), ("较难", 4), ("容易", 1), ("简单", 1), ("中等", 3), ("适中", 3), ("一般", 3), ("困难", 5), ("易", 1), ("中", 3), ("难", 5),
        ]
        return words.first { key.hasPrefix($0.0) }?.1
    }

    /// `2`, `2分`, `2.5 分` as points.
    static func score(_ text: String) -> Double? {
        let half = text.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? text
        let number = half.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber || $0 == "." }
        return Double(number)
    }

    /// Points a heading gives: `（每题 2 分，共 20 分）` 2 per question, `（每空 1 分）` 1 per blank.
    struct SectionScore {
        var points: Double
        var perBlank: Bool
    }

    /// The points a section heading gives each question or blank, if it says.
    static func sectionScore(_ heading: String) -> SectionScore? {
        let half = heading.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? heading
        guard let range = half.range(of: #"每(小)?(题|空)\s*([0-9.]+)\s*分"#, options: .regularExpression),
            let points = Self.score(String(half[range].drop { !$0.isNumber }))
        else { return nil }
        return SectionScore(points: points, perBlank: half[range].contains("空"))
    }

    /// true for 对/正确/√/T/是, false for 错/错误/×/F/否.
    static func truth(_ text: String) -> Bool? {
        let key = Self.comparable(text)
        if ["对", "正确", "√", "✓", "✔", "t", "true", "是", "y", "yes", "v"].contains(key) { return true }
        if ["错", "错误", "×", "✗", "✘", "x", "f", "false", "否", "n", "no"].contains(key) { return false }
        return nil
    }

    /// Option letters of an answer: `ABD`, `A,B,D`, `A、B、D`, `a b d`; nil when it is not only letters.
    static func letters(_ text: String) -> [String]? {
        let half = (text.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? text).uppercased()
        let kept = half.filter { !$0.isWhitespace && !",、;，；/|".contains($0) }
        guard !kept.isEmpty, kept.allSatisfy({ ("A"..."Z").contains(String($0)) }) else { return nil }
        return kept.map(String.init)
    }

    /// Accepted answers per blank: blanks separated by `；`, `;`, `|` or `｜`, alternatives by `/` or `／`.
    static func blankAnswers(_ text: String) -> [[String]] {
        text.split(whereSeparator: { "；;|｜".contains($0) }).map { blank in
            blank.split(whereSeparator: { "/／".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }.filter { !$0.isEmpty }
    }

    /// Names or ids of points: separated by `，`, `,`, `、`, `；` or `;`.
    static func names(_ text: String) -> [String] {
        text.split(whereSeparator: { "，,、；;".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The stem of a fill question with every blank as `____`, and the answers written inside `【】` in order
    /// (nil for a blank written empty or as 【答案】).
    static func blanks(in stem: String) -> (stem: String, inline: [String?]) {
        var output = ""
        var inline: [String?] = []
        var rest = Substring(stem)
        let pattern = #"_{2,}|＿{2,}|[（(][\s\x{3000}]*[)）]|【[^】]*】"#
        while let range = rest.range(of: pattern, options: .regularExpression) {
            output += rest[..<range.lowerBound]
            let mark = rest[range]
            if mark.hasPrefix("【") {
                let inside = mark.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                inline.append(inside.isEmpty || inside == "答案" ? nil : inside)
            } else {
                inline.append(nil)
            }
            output += "____"
            rest = rest[range.upperBound...]
        }
        output += rest
        return (output, inline)
    }

    /// The question `draft` describes (its type named, or read from its answer), or why it cannot be one.
    static func question(_ draft: Draft, section: SectionScore? = nil) throws(ImportFailure) -> ImportedQuestion {
        let stem = draft.stem.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !stem.isEmpty else { throw ImportFailure(code: "invalid", reason: "没有题干") }
        let answer = draft.answer?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let letters = Self.letters(answer)
        let type: QuestionType
        if let named = draft.type {
            type = named
        } else if !draft.options.isEmpty {
            type = (letters?.count ?? 1) > 1 ? .multiple : .single
        } else if Self.truth(answer) != nil {
            type = .judge
        } else if !Self.blanks(in: stem).inline.isEmpty {
            type = .fill
        } else {
            type = .short
        }
        var question = ImportedQuestion(type: type, stem: stem, answer: .null)
        question.analysis = draft.analysis?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        question.warnings = draft.warnings
        if let text = draft.difficulty?.nilIfEmpty {
            guard let value = Self.difficulty(text) else { throw ImportFailure(code: "invalid", reason: "难度“\(text)”应为 易、较易、中、较难、难 或 1–5") }
            question.difficulty = value
        }
        if let text = draft.score?.nilIfEmpty {
            guard let value = Self.score(text) else { throw ImportFailure(code: "invalid", reason: "分值“\(text)”不是数字") }
            question.score = value
        } else if let section, !section.perBlank || type != .fill {
            question.score = section.points
        }
        question.points = draft.points.map(Self.names) ?? []
        switch type {
        case .single, .multiple:
            guard !draft.options.isEmpty else { throw ImportFailure(code: "invalid", reason: "\(type.chinese)题没有选项（A. …）") }
            question.options = draft.options.map { Question.Option(id: $0.letter, text: $0.text.trimmingCharacters(in: .whitespaces)) }
            guard let letters, !letters.isEmpty else { throw ImportFailure(code: "invalid", reason: "答案“\(answer)”应为选项字母") }
            let known = Set(question.options.map(\.id))
            guard letters.allSatisfy(known.contains) else { throw ImportFailure(code: "invalid", reason: "答案“\(answer)”中有不存在的选项") }
            if type == .single {
                guard letters.count == 1 else { throw ImportFailure(code: "invalid", reason: "单选题的答案只能有一个选项，现为“\(answer)”") }
                question.answer = .string(letters[0])
            } else {
                question.answer = .array(Array(Set(letters)).sorted().map(JSONValue.string))
            }
        case .judge:
            var truth = Self.truth(answer)
            // 判断题 written with options A. 对 B. 错 and a letter for the answer.
            if truth == nil, let letters, letters.count == 1, let option = draft.options.first(where: { $0.letter == letters[0] }) {
                truth = Self.truth(option.text)
            }
            guard let truth else { throw ImportFailure(code: "invalid", reason: "判断题的答案“\(answer)”应为 对/错（正确/错误、√/×）") }
            question.answer = .bool(truth)
        case .fill:
            let (marked, inline) = Self.blanks(in: stem)
            var blanks = Self.blankAnswers(answer)
            if blanks.isEmpty, !inline.isEmpty, inline.allSatisfy({ $0 != nil }) {
                blanks = inline.compactMap { $0 }.map(Self.blankAnswers).map { $0.first ?? [] }
            }
            guard !blanks.isEmpty else { throw ImportFailure(code: "invalid", reason: "填空题没有答案（答案：… 或题干中的【答案】）") }
            if !inline.isEmpty, inline.count != blanks.count {
                throw ImportFailure(code: "invalid", reason: "题干有 \(inline.count) 个空，答案有 \(blanks.count) 个（各空答案用“；”或“|”分隔）")
            }
            question.stem = marked
            question.answer = .array(blanks.map { .array($0.map(JSONValue.string)) })
            if draft.score == nil, let section, section.perBlank { question.score = section.points * Double(blanks.count) }
        case .short, .practical:
            guard !answer.isEmpty else { throw ImportFailure(code: "invalid", reason: "\(type.chinese)题没有参考答案（答案：…）") }
            question.answer = .string(answer)
            if type == .practical {
                question.rubric = try Self.rubric(draft.rubric, score: question.score)
                if question.rubric.isEmpty {
                    let score = question.score ?? 1
                    question.rubric = [Question.Criterion(criterion: "与参考答案一致", points: score)]
                    question.score = score
                    question.warnings.append("没有评分标准：以“与参考答案一致”一项计满分")
                } else if question.score == nil {
                    question.score = question.rubric.reduce(0) { $0 + $1.points }
                }
            }
        }
        return question
    }

    /// `成形 6分；安全 4分` as criteria.
    private static func rubric(_ text: String?, score: Double?) throws(ImportFailure) -> [Question.Criterion] {
        guard let text = text?.nilIfEmpty else { return [] }
        var criteria: [Question.Criterion] = []
        for part in text.split(whereSeparator: { "；;\n".contains($0) }) {
            let half = (String(part).applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? String(part)).trimmingCharacters(in: .whitespaces)
            guard let range = half.range(of: #"([0-9.]+)\s*分?\s*$"#, options: .regularExpression), let points = Self.score(String(half[range])) else {
                throw ImportFailure(code: "invalid", reason: "评分标准“\(part)”应写作“评分项 分值”，如“焊缝成形 6分”")
            }
            let name = half[..<range.lowerBound].trimmingCharacters(in: CharacterSet.whitespaces.union(.punctuationCharacters))
            criteria.append(Question.Criterion(criterion: name.isEmpty ? "评分项 \(criteria.count + 1)" : name, points: points))
        }
        return criteria
    }
}

extension String {
    /// Nil for an empty or all-white string, else the string trimmed.
    var nilIfEmpty: String? {
        let trimmed = self.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
