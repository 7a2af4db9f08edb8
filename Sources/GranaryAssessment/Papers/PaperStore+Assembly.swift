import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// Papers assembled from a blueprint by `PaperAssembler`, over the course's published questions.
extension PaperStore {
    /// Assembles a paper: exact counts per type, a difficulty band around the target, an exact total score if
    /// given, every point of `cover`, at most `maxPerPoint` questions per point, none used in the course's last
    /// `excludeRecent` papers. Among the papers that meet all of it, the one whose questions were used least.
    /// An impossible blueprint is `infeasible_blueprint` (422) naming the constraint.
    public func assemble(course: String, title: String, blueprint input: PaperBlueprintInput, author: User) async throws -> Paper {
        try Self.requireTeacher(author)
        try Self.checkTitle(title)
        var quotas: [QuestionType: Int] = [:]
        var problems: [FieldError] = []
        for (name, count) in input.byType.sorted(by: { $0.key < $1.key }) {
            guard let type = QuestionType(rawValue: name), count >= 0 else {
                problems.append(
                    FieldError(field: "blueprint.byType.\(name)", message: LocalizedText(zh: "未知题型或数量为负", en: "unknown type or negative count"))
                )
                continue
            }
            quotas[type] = count
        }
        let count = quotas.values.reduce(0, +)
        if count != input.total || count < 1 || count > Self.maximumQuestions {
            problems.append(
                FieldError(
                    field: "blueprint.total",
                    message: LocalizedText(
                        zh: "total 应等于各题型数量之和（1–\(Self.maximumQuestions)）",
                        en: "total must equal the sum of byType (1 to \(Self.maximumQuestions))"
                    )
                )
            )
        }
        if !(1...5).contains(input.difficulty.target) || input.difficulty.tolerance < 0 {
            problems.append(
                FieldError(field: "blueprint.difficulty", message: LocalizedText(zh: "目标难度应为 1–5，容差不为负", en: "target 1 to 5, tolerance not negative"))
            )
        }
        if let score = input.score, !(score > 0 && (score * 2).rounded() == score * 2) {
            problems.append(FieldError(field: "blueprint.score", message: LocalizedText(zh: "总分应为 0.5 的整数倍", en: "score in steps of 0.5")))
        }
        if let cap = input.maxPerPoint, cap < 1 {
            problems.append(FieldError(field: "blueprint.maxPerPoint", message: LocalizedText(zh: "至少为 1", en: "at least 1")))
        }
        if let papers = input.papers, !(1...Self.maximumParallelPapers).contains(papers) {
            problems.append(
                FieldError(
                    field: "blueprint.papers",
                    message: LocalizedText(zh: "平行试卷应为 1–\(Self.maximumParallelPapers) 份", en: "1 to \(Self.maximumParallelPapers) papers")
                )
            )
        }
        if let overlap = input.maxOverlap, !(overlap >= 0 && overlap <= 1) {
            problems.append(FieldError(field: "blueprint.maxOverlap", message: LocalizedText(zh: "重复率应为 0–1", en: "0 to 1")))
        }
        guard problems.isEmpty else {
            throw GranaryError(.validationFailed, LocalizedText(zh: "组卷蓝图有误", en: "Invalid blueprint"), errors: problems)
        }
        let typeQuotas = quotas
        let difficultySum = PaperBlueprint.difficultySum(mean: input.difficulty.target, tolerance: input.difficulty.tolerance, count: count)
        // The bank is read in one read transaction and solved outside any transaction, so the writer (every other
        // change to the library) never waits for the solver; the commit then checks that what was chosen is still
        // published. A question that changed meanwhile means solving again over the new bank.
        for _ in 1...3 {
            let bank = try await self.database.read { db in
                try Self.bank(db, course: course, cover: input.cover, excludeRecent: input.excludeRecent)
            }
            let scale = bank.halfScores || (input.score.map { $0.rounded() != $0 } ?? false) ? 2.0 : 1.0
            var pointIndex: [String: Int32] = [:]
            for (index, point) in bank.coursePoints.enumerated() { pointIndex[point] = Int32(index) }
            let candidates = bank.items.enumerated().map { index, item in
                PaperCandidate(
                    index: Int32(index),
                    type: item.type,
                    difficulty: item.difficulty,
                    score: Int((item.score * scale).rounded()),
                    points: item.knowledgePoints.compactMap { pointIndex[$0] },
                    value: 100 - (bank.uses[item.question] ?? 0)
                )
            }
            let blueprint = PaperBlueprint(
                quotas: typeQuotas,
                score: input.score.map { Int(($0 * scale).rounded()) },
                difficultySum: difficultySum,
                cover: bank.cover.compactMap { pointIndex[$0] },
                maxPerPoint: input.maxPerPoint,
                seed: input.seed ?? 0
            )
            let papers = input.papers ?? 1
            let maxShared = Int(((input.maxOverlap ?? 0) * Double(count) + 1e-9).rounded(.down))
            var sets: [[Paper.Item]] = []
            var assembledPapers: [AssembledPaper] = []
            for (index, answer) in await Self.solve(candidates, blueprint, papers: papers, maxShared: maxShared).enumerated() {
                switch answer {
                case .infeasible(let infeasibility):
                    let message = Self.naming(infeasibility.message, points: bank.coursePoints)
                    let chinese =
                        infeasibility.chinese.map { Self.naming($0, points: bank.coursePoints, word: "") } ?? Self.chinese(infeasibility.reason)
                    let which = papers > 1 ? "（\(Self.paperLetter(index))卷）" : ""
                    let whichEnglish = papers > 1 ? " (paper \(Self.paperLetter(index)))" : ""
                    throw GranaryError(
                        .infeasibleBlueprint,
                        LocalizedText(
                            zh: "按此蓝图无法组卷\(which)（\(Self.chinese(infeasibility.reason))）：\(chinese)",
                            en: "The blueprint cannot be met\(whichEnglish) (\(infeasibility.reason.rawValue)): \(message)"
                        ),
                        errors: [
                            FieldError(field: "blueprint.\(infeasibility.reason.rawValue)", message: LocalizedText(zh: chinese, en: message))
                        ]
                    )
                case .assembled(let assembled):
                    let chosen = assembled.items.sorted {
                        (bank.items[Int($0)].type.ordinalForPaper, $0) < (bank.items[Int($1)].type.ordinalForPaper, $1)
                    }
                    sets.append(
                        chosen.enumerated().map { position, index in
                            var item = bank.items[Int(index)]
                            item.position = position + 1
                            return item
                        }
                    )
                    assembledPapers.append(assembled)
                }
            }
            let cover = bank.cover
            let chosenSets = sets
            let solved = assembledPapers
            let created = try await self.database.write { db -> [Paper]? in
                for selected in chosenSets { guard try Self.stillPublished(db, selected) else { return nil } }
                let ids = chosenSets.map { _ in UUID().uuidString.lowercased() }
                let questionSets = chosenSets.map { Set($0.map(\.question)) }
                var created: [Paper] = []
                for (index, selected) in chosenSets.enumerated() {
                    var figures = try Self.figures(db, course: course, items: selected, cover: cover, objective: solved[index].value)
                    figures.bound = solved[index].bound
                    if chosenSets.count > 1 {
                        figures.parallel = ids
                        figures.shared = questionSets.indices.filter { $0 != index }.map { questionSets[$0].intersection(questionSets[index]).count }
                            .max()
                    }
                    created.append(
                        try Self.insert(
                            db,
                            id: ids[index],
                            course: course,
                            title: chosenSets.count > 1 ? "\(title)（\(Self.paperLetter(index))卷）" : title,
                            items: selected,
                            blueprint: input,
                            figures: figures,
                            author: author,
                            at: self.database.clock.now()
                        )
                    )
                }
                return created
            }
            if let first = created?.first { return first }
        }
        throw GranaryError(
            .conflict,
            LocalizedText(zh: "组卷期间题库接连发生变化，请稍后重试", en: "The question bank kept changing while the paper was assembled; try again")
        )
    }

    /// Runs the solver (up to its time limit) on a thread of its own: on the cooperative pool it would hold one of
    /// the few threads every request shares (two on a two-core machine) for as long as it searches.
    static func solve(_ candidates: [PaperCandidate], _ blueprint: PaperBlueprint, papers: Int, maxShared: Int) async -> [PaperAssembly] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: PaperAssembler().assemble(candidates, blueprint: blueprint, papers: papers, maxShared: maxShared))
            }
        }
    }

    /// A, B, C, D: the letter of a parallel paper.
    static func paperLetter(_ index: Int) -> String {
        String(UnicodeScalar(UInt8(65 + index)))
    }

    /// What assembly reads of the bank, in one read transaction.
    struct Bank {
        /// The course's points in the order they were written; the solver names them by position.
        let coursePoints: [String]
        /// The points the paper must cover.
        let cover: [String]
        /// Published versions of the course's live questions, less those of the recent papers excluded.
        let items: [Paper.Item]
        /// How many papers each question is in.
        let uses: [String: Int]
        /// Whether any published score has a half point.
        let halfScores: Bool
    }

    static func bank(_ db: any SQLConnection, course: String, cover input: PaperBlueprintInput.Cover?, excludeRecent: Int?) throws -> Bank {
        try Self.checkCourse(db, course)
        let coursePoints = try CatalogueStore.pointIds(db, course: course)
        let cover: [String]
        switch input ?? .points([]) {
        case .all: cover = coursePoints
        case .points(let points):
            let unknown = points.filter { !coursePoints.contains($0) }
            guard unknown.isEmpty else {
                throw GranaryError(
                    .unknownKnowledgePoint,
                    LocalizedText(
                        zh: "本课程没有知识点：\(unknown.joined(separator: "、"))",
                        en: "Not points of this course: \(unknown.joined(separator: ", "))"
                    ),
                    errors: [FieldError(field: "blueprint.cover", message: LocalizedText(zh: "未知知识点", en: "unknown point"))]
                )
            }
            cover = points
        }
        var excluded = Set<String>()
        if let recent = excludeRecent, recent > 0 {
            excluded = Set(
                try db.fetchAll(
                    String.self,
                    sql: """
                        SELECT DISTINCT question FROM paperQuestions WHERE paper IN
                            (SELECT id FROM papers WHERE course = ? AND kind = 'exam' ORDER BY createdAt DESC, id LIMIT ?)
                        """,
                    arguments: [course, recent]
                )
            )
        }
        let uses = Dictionary(
            uniqueKeysWithValues: try db.fetchAll(
                sql:
                    "SELECT q.question, COUNT(*) AS n FROM paperQuestions q JOIN papers p ON p.id = q.paper WHERE p.kind = 'exam' GROUP BY q.question"
            ).map {
                ($0["question"] as String, $0["n"] as Int)
            }
        )
        let items = try Self.publishedItems(db, course: course).filter { !excluded.contains($0.question) }
        return Bank(
            coursePoints: coursePoints,
            cover: cover,
            items: items,
            uses: uses,
            halfScores: items.contains { $0.score.rounded() != $0.score }
        )
    }

    /// The published versions of a course's live questions, oldest question first.
    static func publishedItems(_ db: any SQLConnection, course: String) throws -> [Paper.Item] {
        try QuestionStore.liveSummaries(db, course: course).map { Paper.Item($0, position: 0) }
    }

    /// Whether every chosen question still has the chosen version published, inside the transaction that stores the
    /// paper.
    static func stillPublished(_ db: any SQLConnection, _ items: [Paper.Item]) throws -> Bool {
        guard !items.isEmpty else { return true }
        let versions = try QuestionStore.liveVersions(db, ids: items.map(\.question))
        return items.allSatisfy { versions[$0.question] == .some($0.version) }
    }
}

extension PaperStore {
    /// The solver names points by their index in the course; a person wants the point's id.
    static func naming(_ message: String, points: [String], word: String = "point ") -> String {
        var named = ""
        var rest = Substring(message)
        while let range = rest.range(of: "point ") {
            named += rest[..<range.lowerBound] + word
            rest = rest[range.upperBound...]
            let digits = rest.prefix { $0.isNumber }
            if let index = Int(digits), points.indices.contains(index) {
                named += "'\(points[index])'"
                rest = rest.dropFirst(digits.count)
            }
        }
        return named + rest
    }

    /// The constraint that failed, in Chinese.
    static func chinese(_ reason: PaperInfeasibility.Reason) -> String {
        switch reason {
        case .typeQuota: "某题型的已发布试题不够"
        case .cover: "有知识点没有可用的试题"
        case .score: "凑不出要求的总分"
        case .difficulty: "平均难度无法落在目标范围内"
        case .maxPerPoint: "每个知识点的题量上限无法满足"
        }
    }
}

extension QuestionType {
    /// Papers list objective types first, in the order teachers write them: single, multiple, judge, fill, short, practical.
    fileprivate var ordinalForPaper: Int { QuestionType.allCases.firstIndex(of: self)! }
}
