import GranaryModel

/// One question of the bank as paper assembly (组卷) sees it: what the blueprint constrains and what the paper maximises.
public struct PaperCandidate: Sendable, Hashable {
    /// Position of the question in the caller's bank; a paper names its questions by these positions.
    public var index: Int32
    /// Question type (题型), counted against the blueprint's quotas.
    public var type: QuestionType
    /// Difficulty from 1 (easiest) to 5 (hardest).
    public var difficulty: Int
    /// Marks the question is worth (分值), not negative.
    public var score: Int
    /// Knowledge points (知识点) the question assesses; it counts toward each of them.
    public var points: [Int32]
    /// Objective coefficient: the paper maximises the sum of its questions' values, so higher is better.
    public var value: Int

    /// A candidate question; `points` should name at least one knowledge point.
    public init(index: Int32, type: QuestionType, difficulty: Int, score: Int, points: [Int32], value: Int) {
        self.index = index
        self.type = type
        self.difficulty = difficulty
        self.score = score
        self.points = points
        self.value = value
    }
}
