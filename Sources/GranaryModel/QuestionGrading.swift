import Foundation

/// Scores an objective answer against a question's key and scoring rule: the one rule attempts, statistics and the
/// import's fidelity check all use.
public enum QuestionGrading {
    /// The result of `answer` to a question of `type` with key `key`, full marks `score` and rule `scoring`; nil for
    /// `short` and `practical`, which a teacher grades. `correct` means full marks.
    public static func grade(
        _ answer: JSONValue?,
        key: JSONValue,
        type: QuestionType,
        score: Double,
        scoring: QuestionScoring? = nil
    ) -> (
        correct: Bool, score: Double
    )? {
        switch type {
        case .single, .judge:
            guard let points = scoring?.optionPoints, case .string(let chosen)? = answer else {
                let right = answer == key
                return (right, right ? score : 0)
            }
            return Self.finish(points[chosen] ?? 0, scoring: scoring, score: score)
        case .multiple:
            guard case .array(let values)? = answer else { return (false, 0) }
            let given = values.compactMap(Self.string)
            guard let points = scoring?.optionPoints else {
                guard case .array(let expected) = key else { return (false, 0) }
                let right = Set(given) == Set(expected.compactMap(Self.string)) && given.count == expected.count
                return (right, right ? score : 0)
            }
            // Each option counts once, however often it is sent.
            return Self.finish(Set(given).reduce(0) { $0 + (points[$1] ?? 0) }, scoring: scoring, score: score)
        case .fill:
            let accepted = Self.blanks(key)
            guard !accepted.isEmpty else { return (false, 0) }
            let given: [String] = if case .array(let values)? = answer { values.map { Self.string($0) ?? "" } } else { [] }
            let rules = scoring?.blanks ?? []
            var used: [[String]: Set<String>] = [:]
            var earned = 0.0
            var allRight = true
            for (index, list) in accepted.enumerated() {
                let rule = index < rules.count ? rules[index] : QuestionScoring.Blank()
                let full = Self.blankPoints(index, accepted: accepted, rules: rules, score: score)
                let word = index < given.count ? given[index] : ""
                guard let match = Self.match(word, list, rule: rule) else {
                    allRight = false
                    continue
                }
                if scoring?.distinctAnswers == true {
                    // A group is the blanks accepting the same answers; an answer already given in the group earns nothing.
                    guard used[Self.group(list), default: []].insert(Self.normalized(list[match])).inserted else {
                        allRight = false
                        continue
                    }
                }
                let points = rule.answerPoints.map { $0[match] } ?? full
                if points + 1e-9 < full { allRight = false }
                earned += points
            }
            if scoring?.allOrNothing == true { earned = allRight ? score : 0 }
            return Self.finish(earned, scoring: scoring, score: score, allRight: allRight)
        case .short, .practical:
            return nil
        }
    }

    /// The points of blank `index` when right: its rule's points, else the score shared evenly.
    public static func blankPoints(_ index: Int, accepted: [[String]], rules: [QuestionScoring.Blank], score: Double) -> Double {
        if index < rules.count {
            if let points = rules[index].points { return points }
            if let list = rules[index].answerPoints { return list.max() ?? 0 }
        }
        return score / Double(max(accepted.count, 1))
    }

    /// The most a perfect answer earns under `scoring`, for checking that it is the question's score.
    public static func best(type: QuestionType, key: JSONValue, score: Double, scoring: QuestionScoring) -> Double {
        switch type {
        case .single, .judge:
            let points = scoring.optionPoints ?? [:]
            let best = points.values.max() ?? 0
            return Self.clamp(best, scoring: scoring, score: score)
        case .multiple:
            let positive = (scoring.optionPoints ?? [:]).values.filter { $0 > 0 }.reduce(0, +)
            return Self.clamp(positive, scoring: scoring, score: score)
        case .fill:
            if scoring.allOrNothing == true { return Self.clamp(score, scoring: scoring, score: score) }
            let accepted = Self.blanks(key)
            let rules = scoring.blanks ?? []
            var total = 0.0
            var groups: [[String]: Int] = [:]
            for (index, list) in accepted.enumerated() {
                if scoring.distinctAnswers == true {
                    groups[Self.group(list), default: 0] += 1
                    // A group with more blanks than answers cannot be filled right in every blank.
                    if groups[Self.group(list)]! > list.count { continue }
                }
                total += Self.blankPoints(index, accepted: accepted, rules: rules, score: score)
            }
            return Self.clamp(total, scoring: scoring, score: score)
        case .short, .practical:
            return score
        }
    }

    /// What blanks of one group share: the same accepted answers, in any order.
    public static func group(_ accepted: [String]) -> [String] {
        accepted.sorted()
    }

    /// Index of the first accepted answer `word` matches under `rule`, nil when none does or `word` is empty.
    public static func match(_ word: String, _ accepted: [String], rule: QuestionScoring.Blank) -> Int? {
        if let numeric = rule.numeric {
            guard let value = QuestionScoring.number(word) else { return nil }
            return accepted.firstIndex { QuestionScoring.number($0).map { numeric.matches(value, $0) } ?? false }
        }
        let caseSensitive = rule.caseSensitive == true
        let given = Self.normalized(word, caseSensitive: caseSensitive)
        guard !given.isEmpty else { return nil }
        return accepted.firstIndex { Self.normalized($0, caseSensitive: caseSensitive) == given }
    }

    /// Accepted strings per blank of a `fill` key (an entry may be one string or an array).
    public static func blanks(_ key: JSONValue) -> [[String]] {
        guard case .array(let entries) = key else { return [] }
        return entries.map { entry in
            switch entry {
            case .string(let word): [word]
            case .array(let list): list.compactMap(Self.string)
            default: []
            }
        }
    }

    /// Trimmed, spaces collapsed, full-width letters and digits as ASCII, Latin lower case unless `caseSensitive`:
    /// `１．２ＭＭ` is `1.2mm`.
    public static func normalized(_ text: String, caseSensitive: Bool = false) -> String {
        let half = text.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? text
        return (caseSensitive ? half : half.lowercased()).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    private static func finish(_ points: Double, scoring: QuestionScoring?, score: Double, allRight: Bool? = nil) -> (correct: Bool, score: Double) {
        let earned = (Self.clamp(points, scoring: scoring, score: score) * 100).rounded() / 100
        return (allRight ?? (earned + 1e-9 >= score), earned)
    }

    private static func clamp(_ points: Double, scoring: QuestionScoring?, score: Double) -> Double {
        min(scoring?.maximum ?? score, max(scoring?.minimum ?? 0, points))
    }

    private static func string(_ value: JSONValue) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }
}
