import Foundation
import GranaryModel

/// Scores objective answers at once, by each question's rule (`QuestionGrading`), and checks an answer's shape.
enum Grading {
    /// The result of one objective answer to `question` on a paper that gives it `score` points (its own score, or
    /// the paper's: points earned scale with it); nil for `short` and `practical`, which a teacher grades.
    static func grade(_ answer: JSONValue?, question: Question, score: Double) -> (correct: Bool, score: Double)? {
        guard
            let result = QuestionGrading.grade(
                answer,
                key: question.answer,
                type: question.type,
                score: question.score,
                scoring: question.scoring
            )
        else { return nil }
        guard score != question.score, question.score > 0 else { return result }
        return (result.correct, (result.score * score / question.score * 100).rounded() / 100)
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
}
