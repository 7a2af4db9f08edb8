import GranaryModel

/// What an assembled paper must satisfy (组卷蓝图): every constraint is hard.
public struct PaperBlueprint: Sendable, Hashable {
    /// Exact number of questions of each type; types left out are not asked for. The paper's length is their sum.
    public var quotas: [QuestionType: Int]
    /// Exact total score of the paper, when the blueprint fixes one.
    public var score: Int?
    /// Bounds on the sum of the questions' difficulties (the target mean ± tolerance, times the paper's length).
    public var difficultySum: ClosedRange<Int>
    /// Knowledge points that at least one question of the paper must assess.
    public var cover: [Int32]
    /// At most this many questions of the paper on any one knowledge point, when the blueprint spreads them.
    public var maxPerPoint: Int?
    /// Seed of the search's tie-breaking and perturbations: the same bank, blueprint and seed give the same paper.
    public var seed: UInt64

    /// A blueprint; see the properties for the meaning of each constraint.
    public init(
        quotas: [QuestionType: Int],
        score: Int? = nil,
        difficultySum: ClosedRange<Int>,
        cover: [Int32] = [],
        maxPerPoint: Int? = nil,
        seed: UInt64 = 0
    ) {
        self.quotas = quotas
        self.score = score
        self.difficultySum = difficultySum
        self.cover = cover
        self.maxPerPoint = maxPerPoint
        self.seed = seed
    }

    /// Number of questions the paper holds: the sum of the quotas.
    public var questionCount: Int {
        QuestionType.allCases.reduce(0) { $0 + max(0, self.quotas[$1] ?? 0) }
    }

    /// The difficulty sums whose mean lies within `mean ± tolerance` for a paper of `count` questions.
    ///
    /// The bounds are rounded inwards, with a small allowance for binary fractions (2.8 × 50 is 140, not 139.99…).
    public static func difficultySum(mean: Double, tolerance: Double, count: Int) -> ClosedRange<Int> {
        let lower = Int(((mean - tolerance) * Double(count) - 1e-9).rounded(.up))
        let upper = Int(((mean + tolerance) * Double(count) + 1e-9).rounded(.down))
        return lower...max(lower, upper)
    }
}
