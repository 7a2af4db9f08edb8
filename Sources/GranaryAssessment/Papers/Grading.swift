import Foundation
import GranaryModel

/// Scores objective answers at once: single, multiple and judge all or nothing, fill blank by blank.
enum Grading {
    /// The result of one objective answer; nil for `short` and `practical`, which a teacher grades.
    static func grade(_ answer: JSONValue?, key: JSONValue, type: QuestionType, score: Double) -> (correct: Bool, score: Double)? {
        switch type {
        case .single, .judge:
            let right = answer == key
            return (right, right ? score : 0)
        case .multiple:
            guard case .array(let given)? = answer, case .array(let expected) = key else { return (false, 0) }
            let right = Set(given.compactMap(Self.string)) == Set(expected.compactMap(Self.string)) && given.count == expected.count
            return (right, right ? score : 0)
        case .fill:
            guard case .array(let blanks) = key, !blanks.isEmpty else { return (false, 0) }
            let given: [String] = if case .array(let values)? = answer { values.map { Self.string($0) ?? "" } } else { [] }
            var right = 0
            for (index, blank) in blanks.enumerated() {
                guard case .array(let accepted) = blank, index < given.count else { continue }
                let word = Self.normalized(given[index])
                if !word.isEmpty, accepted.compactMap(Self.string).map(Self.normalized).contains(word) { right += 1 }
            }
            let earned = (score * Double(right) / Double(blanks.count) * 100).rounded() / 100
            return (right == blanks.count, earned)
        case .short, .practical:
            return nil
        }
    }

    /// Whether `answer` has the shape its type takes; the message says which.
    static func shapeProblem(_ answer: JSONValue, type: QuestionType) -> String? {
        switch (type, answer) {
        case (.single, .string), (.judge, .bool), (.short, .string), (.practical, .string), (_, .null): return nil
        case (.multiple, .array(let values)) where values.allSatisfy({ Self.string($0) != nil }): return nil
        case (.fill, .array(let values)) where values.allSatisfy({ Self.string($0) != nil }): return nil
        case (.single, _): return "an option id"
        case (.multiple, _): return "an array of option ids"
        case (.judge, _): return "true or false"
        case (.fill, _): return "an array with one string per blank"
        case (.short, _), (.practical, _): return "text"
        }
    }

    private static func string(_ value: JSONValue) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// Trimmed, spaces collapsed, full-width letters and digits as ASCII, Latin lower case: `１．２ＭＭ` is `1.2mm`.
    static func normalized(_ text: String) -> String {
        let half = text.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? text
        return half.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
