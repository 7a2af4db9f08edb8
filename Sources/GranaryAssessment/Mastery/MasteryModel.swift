import Foundation

/// How well a learner masters each knowledge or skill point, estimated from every graded answer: an Elo-style rating
/// per point with an uncertainty that shrinks as answers come in (Pelánek, "Applications of the Elo rating system in
/// adaptive educational systems", Computers & Education 98, 2016).
///
/// Why Elo and not Bayesian knowledge tracing: BKT needs four parameters per skill (prior, learn, guess, slip) fitted
/// from many learners' sequences, which a new library does not have, and it reads an answer only as right or wrong.
/// Elo needs no fitting, uses what the bank already knows of a question (its difficulty 1–5), takes partial credit
/// (3 of 5 points is 0.6 of a success) and updates at once after each answer.
///
/// Each answer moves the rating `θ` of every point its question assesses by `K(n) · (outcome − P) / √m`, where
/// `P = σ(θ − b)` is the chance the model gave of success on a question of difficulty `b`, `m` the number of points
/// the question assesses and `n` the answers the point has had: `K(n) = 1.2 / (1 + 0.25 n)`, large while little is
/// known, smaller as evidence builds. Mastery is `σ(θ)`, the chance of answering a question of medium difficulty
/// (3) right; a point counts as mastered at 0.8 or more after at least three answers.
public enum MasteryModel {
    /// One graded answer, as the model reads it.
    public struct Answer: Sendable, Equatable {
        /// The points the question assesses.
        public var points: [String]
        /// The question's difficulty, 1 (easy) to 5 (hard).
        public var difficulty: Int
        /// Points earned over the question's full marks, 0 to 1.
        public var outcome: Double

        public init(points: [String], difficulty: Int, outcome: Double) {
            self.points = points
            self.difficulty = difficulty
            self.outcome = outcome
        }
    }

    /// A point's estimate.
    public struct Estimate: Sendable, Equatable {
        /// The rating: 0 is an even chance on a question of medium difficulty.
        public var rating: Double = 0
        /// Answers that assessed the point.
        public var answers = 0
        /// The chance of answering a medium question on the point right, 0 to 1.
        public var mastery: Double { MasteryModel.logistic(self.rating) }
        /// `mastered`, `learning`, `weak` (under 0.5 after two answers or more) or `new` (fewer than two answers).
        public var level: String {
            if self.answers >= MasteryModel.minimumAnswers && self.mastery >= MasteryModel.masteredAt { return "mastered" }
            if self.answers < 2 { return "new" }
            return self.mastery < 0.5 ? "weak" : "learning"
        }
    }

    /// Mastery at or above which a point counts as mastered.
    public static let masteredAt = 0.8
    /// Answers a point needs before it can count as mastered.
    public static let minimumAnswers = 3

    /// The difficulty `b` of a question of level 1–5 on the rating scale.
    static func difficulty(_ level: Int) -> Double {
        Double(min(max(level, 1), 5) - 3) * 0.75
    }

    static func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    /// How far one answer may move a rating after `answers` answers.
    static func step(after answers: Int) -> Double { 1.2 / (1 + 0.25 * Double(answers)) }

    /// The estimates after `answers`, in the order they were given, over what was known before.
    public static func update(_ estimates: [String: Estimate], with answers: [Answer]) -> [String: Estimate] {
        var estimates = estimates
        for answer in answers where !answer.points.isEmpty {
            let outcome = min(max(answer.outcome, 0), 1)
            let share = 1 / Double(answer.points.count).squareRoot()
            let b = Self.difficulty(answer.difficulty)
            for point in Set(answer.points) {
                var estimate = estimates[point] ?? Estimate()
                let expected = Self.logistic(estimate.rating - b)
                estimate.rating += Self.step(after: estimate.answers) * (outcome - expected) * share
                estimate.answers += 1
                estimates[point] = estimate
            }
        }
        return estimates
    }
}
