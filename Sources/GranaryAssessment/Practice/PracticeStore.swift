import Foundation
import GranaryModel
import GranaryStore

/// 练一练: a practice set on a learner's weakest points of a course, assembled by the paper assembler from the
/// course's published objective questions, and begun at once. Each answer can be checked as soon as it is given
/// (`AttemptStore.check`): scored by the question's rule, with its analysis and the right answer, and counted for
/// mastery at once. Practice sets are the learner's own: no teacher's list of papers, assembly or analytics counts
/// them, and no offering can give them.
public struct PracticeStore: Sendable {
    private let database: LibraryDatabase
    private let mastery: MasteryStore

    public init(database: LibraryDatabase) {
        self.database = database
        self.mastery = MasteryStore(database: database)
    }

    /// Questions a practice set may hold: those the grader scores at once.
    public static let checkable: [QuestionType] = [.single, .multiple, .judge, .fill]
    /// How many questions a set may hold.
    public static let sizes = 1...20
    /// How many of the weakest points one set works on.
    public static let focusPoints = 3

    /// What the set was built around: the points, weakest first, with the learner's mastery of each (nil: not yet
    /// assessed, the model's prior of one half).
    public struct Focus: Codable, Sendable, Equatable {
        public var point: String
        public var mastery: Double?
    }

    /// A practice set of `count` questions on `learner`'s weakest points of `course`, begun: the open attempt.
    public func start(course: String, count: Int = 5, learner: User) async throws -> (attempt: Attempt, focus: [Focus]) {
        guard learner.role == .learner || learner.role == .teacher else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有学习者和教师可以练一练", en: "Only learners and teachers practise"))
        }
        guard Self.sizes.contains(count) else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "题数应为 \(Self.sizes.lowerBound)–\(Self.sizes.upperBound)", en: "count must be 1 to 20"),
                errors: [FieldError(field: "count", message: LocalizedText(zh: "应为 1–20", en: "1 to 20"))]
            )
        }
        let known = Dictionary(
            try await self.mastery.mastery(of: learner, course: course).map { ($0.point, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        let (points, bank, seen) = try await self.database.read { db in
            try PaperStore.checkCourse(db, course)
            let points = try CatalogueStore.pointIds(db, course: course)
            let bank = try QuestionStore.liveSummaries(db, course: course).filter { Self.checkable.contains($0.type) }
            var seen: [String: Int] = [:]
            for row in try db.fetchAll(
                sql: """
                    SELECT r.question, COUNT(*) AS n FROM attempts a JOIN attemptResults r ON r.attempt = a.id
                    WHERE a.learner = ? AND r.score IS NOT NULL GROUP BY r.question
                    """,
                arguments: [learner.id]
            ) {
                seen[row["question"]] = row["n"]
            }
            return (points, bank, seen)
        }
        let onPoints = Set(bank.flatMap(\.points))
        // Weakest first: by the mastery estimate, a point not yet assessed at the model's prior (one half); mastered
        // points last; ties in the course's order.
        let position = Dictionary(points.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        func rank(_ point: String) -> (Int, Double, Int) {
            let estimate = known[point]
            return (estimate?.level == "mastered" ? 1 : 0, estimate?.mastery ?? 0.5, position[point] ?? .max)
        }
        let focus = Array(points.filter(onPoints.contains).sorted { rank($0) < rank($1) }.prefix(min(Self.focusPoints, count)))
        guard !focus.isEmpty else {
            throw GranaryError(
                .infeasibleBlueprint,
                LocalizedText(zh: "这门课程还没有可以练习的已发布客观题", en: "This course has no published questions to practise with")
            )
        }
        let pool = bank.filter { !Set($0.points).isDisjoint(with: focus) }
        let size = min(count, pool.count)
        // As many of each type as the pool allows, taken in turns, so a set mixes types where it can.
        var available: [QuestionType: Int] = [:]
        for item in pool { available[item.type, default: 0] += 1 }
        var quotas: [QuestionType: Int] = [:]
        var remaining = size
        while remaining > 0 {
            for type in Self.checkable where remaining > 0 && quotas[type, default: 0] < available[type, default: 0] {
                quotas[type, default: 0] += 1
                remaining -= 1
            }
        }
        // Difficulty where the learner is: a weak point asks easier questions (mastery 0 → 1, 1 → 5).
        let level = focus.map { known[$0]?.mastery ?? 0.5 }.reduce(0, +) / Double(focus.count)
        let pointIndex = Dictionary(uniqueKeysWithValues: points.enumerated().map { ($1, Int32($0)) })
        let candidates = pool.enumerated().map { index, item in
            PaperCandidate(
                index: Int32(index),
                type: item.type,
                difficulty: item.difficulty,
                score: Int((item.score * 2).rounded()),
                points: item.points.compactMap { pointIndex[$0] },
                // Questions the learner has not answered yet first.
                value: 100 - 20 * min(4, seen[item.question] ?? 0)
            )
        }
        let seed = UInt64.random(in: 0...UInt64.max)
        var assembled: AssembledPaper?
        // Near the learner's level and over every focus point; if the bank cannot, over any level and point.
        for (tolerance, cover) in [(1.5, Array(focus.prefix(size))), (4.0, [])] where assembled == nil {
            let blueprint = PaperBlueprint(
                quotas: quotas,
                difficultySum: PaperBlueprint.difficultySum(mean: 1 + 4 * level, tolerance: tolerance, count: size),
                cover: cover.compactMap { pointIndex[$0] },
                seed: seed
            )
            assembled = await PaperStore.solve(candidates, blueprint, papers: 1, maxShared: 0).first?.paper
        }
        guard let assembled else {
            throw GranaryError(
                .infeasibleBlueprint,
                LocalizedText(zh: "题库暂时组不出这样的练习，请换一门课程或减少题数", en: "The bank cannot make this practice set")
            )
        }
        let chosen = assembled.items.sorted { (pool[Int($0)].type.ordinal, $0) < (pool[Int($1)].type.ordinal, $1) }
        let items = chosen.enumerated().map { position, index in Paper.Item(pool[Int(index)], position: position + 1) }
        let attempt = try await self.database.write { db -> Attempt in
            guard try PaperStore.stillPublished(db, items) else {
                throw GranaryError(.conflict, LocalizedText(zh: "题库刚刚有变化，请再试一次", en: "The bank changed; try again"))
            }
            let now = self.database.clock.now()
            let name = try CatalogueStore.fetchCourse(db, id: course)?.name ?? course
            let paper = try PaperStore.insert(
                db,
                course: course,
                title: "练一练：\(name)",
                items: items,
                blueprint: nil,
                figures: try PaperStore.figures(db, course: course, items: items, cover: focus, objective: assembled.value),
                author: learner,
                at: now,
                kind: .practice
            )
            return try AttemptStore.begin(db, paper: paper.id, user: learner, at: now)
        }
        return (attempt, focus.map { Focus(point: $0, mastery: known[$0]?.mastery) })
    }
}
