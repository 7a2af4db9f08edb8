import Foundation

/// A paper (试卷): questions in order, each pinned to the version it was given with, so regrading never changes.
public struct Paper: Codable, Sendable, Equatable {
    /// One question of the paper.
    public struct Item: Codable, Sendable, Equatable {
        /// Question id.
        public var question: String
        /// The version the paper uses.
        public var version: Int
        /// Position, from 1.
        public var position: Int
        /// Type of that version.
        public var type: QuestionType
        /// Difficulty of that version.
        public var difficulty: Int
        /// Full marks of that version.
        public var score: Double
        /// Points that version assesses.
        public var knowledgePoints: [String]

        /// Creates an item.
        public init(question: String, version: Int, position: Int, type: QuestionType, difficulty: Int, score: Double, knowledgePoints: [String]) {
            self.question = question
            self.version = version
            self.position = position
            self.type = type
            self.difficulty = difficulty
            self.score = score
            self.knowledgePoints = knowledgePoints
        }
    }

    /// What a paper achieved against its blueprint (or simply what it holds, for a hand-made paper).
    public struct Figures: Codable, Sendable, Equatable {
        public var questions: Int
        public var byType: [String: Int]
        public var score: Double
        public var difficultySum: Int
        public var difficultyMean: Double
        /// Points of the course the paper assesses.
        public var covered: [String]
        /// Points the blueprint asked to cover that the paper does not (empty when it met `cover`).
        public var uncovered: [String]
        /// The most questions on one point.
        public var maxPerPoint: Int
        /// Sum of the selection's values (100 − earlier uses), which assembly maximises.
        public var objective: Int?
        /// A proven upper bound on the objective of any paper meeting the blueprint (a Lagrangian relaxation): the
        /// paper is within `1 − objective / bound` of the best possible.
        public var bound: Int?
        /// The papers assembled together from one blueprint (A卷, B卷, …), this one included, in order.
        public var parallel: [String]?
        /// The most questions this paper shares with another paper of its set.
        public var shared: Int?

        /// Creates figures.
        public init(
            questions: Int,
            byType: [String: Int],
            score: Double,
            difficultySum: Int,
            difficultyMean: Double,
            covered: [String],
            uncovered: [String],
            maxPerPoint: Int,
            objective: Int?,
            bound: Int? = nil,
            parallel: [String]? = nil,
            shared: Int? = nil
        ) {
            self.questions = questions
            self.byType = byType
            self.score = score
            self.difficultySum = difficultySum
            self.difficultyMean = difficultyMean
            self.covered = covered
            self.uncovered = uncovered
            self.maxPerPoint = maxPerPoint
            self.objective = objective
            self.bound = bound
            self.parallel = parallel
            self.shared = shared
        }
    }

    public var id: String
    public var course: String
    public var title: String
    public var items: [Item]
    public var totalScore: Double
    /// The blueprint it was assembled from, as sent; nil for a hand-made paper.
    public var blueprint: PaperBlueprintInput?
    public var figures: Figures
    public var createdBy: String
    public var createdAt: Date
    /// `exam` (a teacher's, for offerings) or `practice` (练一练: a learner's own set on their weakest points).
    public var kind: Kind

    /// What a paper is for.
    public enum Kind: String, Codable, Sendable {
        case exam
        case practice
    }

    /// Creates a paper value.
    public init(
        id: String,
        course: String,
        title: String,
        items: [Item],
        totalScore: Double,
        blueprint: PaperBlueprintInput?,
        figures: Figures,
        createdBy: String,
        createdAt: Date,
        kind: Kind = .exam
    ) {
        self.kind = kind
        self.id = id
        self.course = course
        self.title = title
        self.items = items
        self.totalScore = totalScore
        self.blueprint = blueprint
        self.figures = figures
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// A blueprint as a teacher writes it (`POST /papers`).
public struct PaperBlueprintInput: Codable, Sendable, Equatable {
    /// Target mean difficulty and how far the paper's mean may stray.
    public struct Difficulty: Codable, Sendable, Equatable {
        public var target: Double
        public var tolerance: Double
    }

    /// Which points must be assessed: every point of the course, or a list.
    public enum Cover: Codable, Sendable, Equatable {
        case all
        case points([String])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let word = try? container.decode(String.self), word == "all" {
                self = .all
            } else {
                self = .points(try container.decode([String].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .all: try container.encode("all")
            case .points(let points): try container.encode(points)
            }
        }
    }

    /// Number of questions; must equal the sum of `byType`.
    public var total: Int
    /// Questions per type.
    public var byType: [String: Int]
    public var difficulty: Difficulty
    public var cover: Cover?
    /// Exact total score.
    public var score: Double?
    /// At most this many questions on one point.
    public var maxPerPoint: Int?
    /// Leave out questions used in the course's last N papers.
    public var excludeRecent: Int?
    /// Seed: the same bank and blueprint with the same seed give the same paper.
    public var seed: UInt64?
    /// Parallel papers (A卷, B卷, …) assembled at once, each meeting the whole blueprint; 1 when absent.
    public var papers: Int?
    /// The largest share of a paper's questions any two of the parallel papers may have in common (0.1: 10%).
    public var maxOverlap: Double?
}

/// A learner's sitting of a paper (作答).
public struct Attempt: Codable, Sendable, Equatable {
    /// A question as the learner sees it: no answer, no analysis.
    public struct Item: Codable, Sendable, Equatable {
        public var question: String
        public var version: Int
        public var position: Int
        public var type: QuestionType
        public var stem: String
        public var options: [Question.Option]
        /// Blanks to fill, for `fill` questions.
        public var blanks: Int?
        /// The criteria a practical answer is scored by.
        public var rubric: [Question.Criterion]
        public var score: Double
        /// Published resources the question shows.
        public var media: [String]
        /// The question's files its stem and options show (and, once submitted, its analysis).
        public var files: [Question.Attachment]

        /// Creates a value.
        public init(
            question: String,
            version: Int,
            position: Int,
            type: QuestionType,
            stem: String,
            options: [Question.Option],
            blanks: Int?,
            rubric: [Question.Criterion],
            score: Double,
            media: [String] = [],
            files: [Question.Attachment] = []
        ) {
            self.question = question
            self.version = version
            self.position = position
            self.type = type
            self.stem = stem
            self.options = options
            self.blanks = blanks
            self.rubric = rubric
            self.score = score
            self.media = media
            self.files = files
        }
    }

    /// One question's result.
    public struct Result: Codable, Sendable, Equatable {
        public var question: String
        /// Nil while a teacher has still to grade it.
        public var correct: Bool?
        public var score: Double?
        public var maxScore: Double
        public var analysis: String?
        /// Points per rubric criterion, once graded.
        public var rubricScores: [Double]?
        /// The right answer: shown in practice (练一练) once the answer is checked, never for an exam.
        public var rightAnswer: JSONValue?
        /// When the answer was checked in an open practice attempt (nil for an exam and for answers handed in).
        public var checkedAt: Date?

        /// Creates a value.
        public init(
            question: String,
            correct: Bool?,
            score: Double?,
            maxScore: Double,
            analysis: String?,
            rubricScores: [Double]?,
            rightAnswer: JSONValue? = nil,
            checkedAt: Date? = nil
        ) {
            self.rightAnswer = rightAnswer
            self.checkedAt = checkedAt
            self.question = question
            self.correct = correct
            self.score = score
            self.maxScore = maxScore
            self.analysis = analysis
            self.rubricScores = rubricScores
        }
    }

    public var id: String
    public var paper: String
    public var learner: String
    /// `open`, `submitted` (waiting for a teacher) or `graded`.
    public var status: String
    public var questions: [Item]
    public var answers: [String: JSONValue]
    public var score: Double?
    public var maxScore: Double
    /// Results, once submitted (in practice, also those of the answers checked so far).
    public var items: [Result]?
    /// Questions waiting for a teacher's grading.
    public var pending: [String]?
    public var startedAt: Date
    public var submittedAt: Date?
    /// Whether it is a practice set (练一练): each answer may be checked at once, with its analysis.
    public var practice: Bool

    /// Creates a value.
    public init(
        id: String,
        paper: String,
        learner: String,
        status: String,
        questions: [Item],
        answers: [String: JSONValue],
        score: Double?,
        maxScore: Double,
        items: [Result]?,
        pending: [String]?,
        startedAt: Date,
        submittedAt: Date?,
        practice: Bool = false
    ) {
        self.practice = practice
        self.id = id
        self.paper = paper
        self.learner = learner
        self.status = status
        self.questions = questions
        self.answers = answers
        self.score = score
        self.maxScore = maxScore
        self.items = items
        self.pending = pending
        self.startedAt = startedAt
        self.submittedAt = submittedAt
    }
}

/// How each question of a paper worked (`GET /papers/{id}/stats`).
public struct PaperStatistics: Codable, Sendable, Equatable {
    /// One question's figures.
    public struct ItemFigures: Codable, Sendable, Equatable {
        public var question: String
        public var version: Int
        /// Graded responses counted.
        public var responses: Int
        /// Mean share of full marks (难度 p 值): 1 means everyone scored full marks.
        public var difficulty: Double?
        /// Mean share of the top 27% by total score minus that of the bottom 27% (区分度).
        public var discrimination: Double?

        /// Creates a value.
        public init(
            question: String,
            version: Int,
            responses: Int,
            difficulty: Double?,
            discrimination: Double?
        ) {
            self.question = question
            self.version = version
            self.responses = responses
            self.difficulty = difficulty
            self.discrimination = discrimination
        }
    }

    /// One point's figures, over the questions that assess it.
    public struct PointFigures: Codable, Sendable, Equatable {
        public var point: String
        public var questions: Int
        public var difficulty: Double?
        public var discrimination: Double?

        /// Creates a value.
        public init(
            point: String,
            questions: Int,
            difficulty: Double?,
            discrimination: Double?
        ) {
            self.point = point
            self.questions = questions
            self.difficulty = difficulty
            self.discrimination = discrimination
        }
    }

    public var paper: String
    /// Attempts fully graded.
    public var attempts: Int
    public var items: [ItemFigures]
    public var points: [PointFigures]

    /// Creates a value.
    public init(
        paper: String,
        attempts: Int,
        items: [ItemFigures],
        points: [PointFigures]
    ) {
        self.paper = paper
        self.attempts = attempts
        self.items = items
        self.points = points
    }
}
