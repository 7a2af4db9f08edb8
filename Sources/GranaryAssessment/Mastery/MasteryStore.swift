import Foundation
import GranaryModel
import GranaryStore

/// Each learner's mastery of the points their graded answers assessed (`MasteryModel`), worked out from the answers
/// themselves whenever it is asked for: a regraded answer, a practice set just submitted or a question's points
/// changed in a later version (answers keep the version they were given) count at once, and nothing can drift.
public struct MasteryStore: Sendable {
    /// A point's mastery as the API and pages show it.
    public struct PointMastery: Codable, Sendable, Equatable {
        public var point: String
        public var name: String
        public var course: String
        /// The chance of answering a medium question on the point right, 0 to 1, to three places.
        public var mastery: Double
        /// Graded answers that assessed it.
        public var answers: Int
        /// `mastered`, `learning`, `weak` or `new`.
        public var level: String
    }

    private let database: LibraryDatabase

    public init(database: LibraryDatabase) {
        self.database = database
    }

    /// `learner`'s mastery of every point a graded answer of theirs assessed (of `course` only, when given), weakest
    /// first.
    public func mastery(of learner: User, course: String? = nil) async throws -> [PointMastery] {
        try await self.database.read { db in
            let estimates = MasteryModel.update([:], with: try Self.answers(db, learner: learner.id))
            var shown: [PointMastery] = []
            for (point, estimate) in estimates {
                guard let known = try CatalogueStore.fetchPoint(db, id: point), course == nil || known.course == course else { continue }
                shown.append(
                    PointMastery(
                        point: point,
                        name: known.name,
                        course: known.course,
                        mastery: (estimate.mastery * 1000).rounded() / 1000,
                        answers: estimate.answers,
                        level: estimate.level
                    )
                )
            }
            return shown.sorted { ($0.mastery, $0.course, $0.point) < ($1.mastery, $1.course, $1.point) }
        }
    }

    /// `learner`'s standing on a learning path: each step's mastery, what is mastered, where to go on.
    public func standing(on path: LearningPath, of learner: User) async throws -> LearningPath {
        let mastery = try await self.mastery(of: learner)
        return path.standing(Dictionary(mastery.map { ($0.point, ($0.mastery, $0.answers, $0.level)) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Every graded answer of the learner with id `learner` (handed in, or checked in an open practice set), in the
    /// order they were given, with the points and difficulty of the version answered.
    static func answers(_ db: any SQLConnection, learner: String) throws -> [MasteryModel.Answer] {
        let rows = try db.fetchAll(
            sql: """
                SELECT r.question, q.version, r.score FROM attempts a
                JOIN attemptResults r ON r.attempt = a.id
                JOIN paperQuestions q ON q.paper = a.paper AND q.question = r.question
                WHERE a.learner = ? AND (a.status <> 'open' OR r.checkedAt IS NOT NULL) AND r.score IS NOT NULL
                ORDER BY COALESCE(r.checkedAt, a.submittedAt), a.id, q.position
                """,
            arguments: [learner]
        )
        let keys = rows.map { (question: $0["question"] as String, version: $0["version"] as Int) }
        var versions: [String: QuestionStore.Summary] = [:]
        for summary in try QuestionStore.summaries(db, versions: keys) { versions["\(summary.question)#\(summary.version)"] = summary }
        return rows.compactMap { row in
            guard let summary = versions["\(row["question"] as String)#\(row["version"] as Int)"], summary.score > 0 else { return nil }
            return MasteryModel.Answer(points: summary.points, difficulty: summary.difficulty, outcome: (row["score"] as Double) / summary.score)
        }
    }
}
