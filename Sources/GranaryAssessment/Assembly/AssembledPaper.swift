import GranaryModel

/// A paper that satisfies its blueprint, with the figures it reaches (试卷).
public struct AssembledPaper: Sendable, Hashable {
    /// Bank positions of the chosen questions, ascending.
    public var items: [Int32]
    /// Questions of each type; equal to the blueprint's quotas.
    public var countByType: [QuestionType: Int]
    /// Total score of the paper.
    public var scoreSum: Int
    /// Sum of the questions' difficulties.
    public var difficultySum: Int
    /// Every knowledge point the paper assesses, ascending (a superset of the blueprint's `cover`).
    public var coveredPoints: [Int32]
    /// Most questions of the paper on any one knowledge point.
    public var maxItemsOnOnePoint: Int
    /// Sum of the questions' values: the objective the assembler maximises.
    public var value: Int
    /// Questions left for the search once the bank was reduced to the ones that can matter.
    public var consideredItems: Int
    /// Whether every selection of the reduced bank was tried, so that no paper of higher value exists.
    public var provenOptimal: Bool
    /// A proven upper bound on the value of any paper meeting the blueprint (`PaperBound`); `value` when optimal.
    public var bound: Int

    /// Mean difficulty of the paper's questions.
    public var difficultyMean: Double {
        self.items.isEmpty ? 0 : Double(self.difficultySum) / Double(self.items.count)
    }
}
