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
        guard problems.isEmpty else {
            throw GranaryError(.validationFailed, LocalizedText(zh: "组卷蓝图有误", en: "Invalid blueprint"), errors: problems)
        }
        let typeQuotas = quotas
        return try await self.database.pool.write { db in
            try Self.checkCourse(db, course)
            let coursePoints = try String.fetchAll(db, sql: "SELECT id FROM points WHERE course = ? ORDER BY createdAt, rowid", arguments: [course])
            let cover: [String]
            switch input.cover ?? .points([]) {
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
            // Candidates: published versions of the course's questions, less those of the last N papers.
            var excluded = Set<String>()
            if let recent = input.excludeRecent, recent > 0 {
                excluded = Set(
                    try String.fetchAll(
                        db,
                        sql: """
                            SELECT DISTINCT question FROM paperQuestions WHERE paper IN
                                (SELECT id FROM papers WHERE course = ? ORDER BY createdAt DESC, id LIMIT ?)
                            """,
                        arguments: [course, recent]
                    )
                )
            }
            let uses = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT question, COUNT(*) AS n FROM paperQuestions GROUP BY question").map {
                    ($0["question"] as String, $0["n"] as Int)
                }
            )
            let ids = try String.fetchAll(
                db,
                sql: "SELECT id FROM questions WHERE course = ? AND publishedVersion IS NOT NULL AND status <> 'retired' ORDER BY createdAt, id",
                arguments: [course]
            ).filter { !excluded.contains($0) }
            // Scores in steps of 0.5 travel to the solver as half points; whole scores travel as they are.
            let halves =
                try Double.fetchAll(
                    db,
                    sql:
                        "SELECT DISTINCT v.score FROM questions q JOIN questionVersions v ON v.question = q.id AND v.version = q.publishedVersion WHERE q.course = ?",
                    arguments: [course]
                ).contains { $0.rounded() != $0 } || (input.score.map { $0.rounded() != $0 } ?? false)
            let scale = halves ? 2.0 : 1.0
            var pointIndex: [String: Int32] = [:]
            for (index, point) in coursePoints.enumerated() { pointIndex[point] = Int32(index) }
            var items: [Paper.Item] = []
            var candidates: [PaperCandidate] = []
            for id in ids {
                guard let (item, _) = try Self.publishedItem(db, question: id, position: 0) else { continue }
                candidates.append(
                    PaperCandidate(
                        index: Int32(items.count),
                        type: item.type,
                        difficulty: item.difficulty,
                        score: Int((item.score * scale).rounded()),
                        points: item.knowledgePoints.compactMap { pointIndex[$0] },
                        value: 100 - (uses[id] ?? 0)
                    )
                )
                items.append(item)
            }
            let blueprint = PaperBlueprint(
                quotas: typeQuotas,
                score: input.score.map { Int(($0 * scale).rounded()) },
                difficultySum: PaperBlueprint.difficultySum(mean: input.difficulty.target, tolerance: input.difficulty.tolerance, count: count),
                cover: cover.compactMap { pointIndex[$0] },
                maxPerPoint: input.maxPerPoint,
                seed: input.seed ?? 0
            )
            switch PaperAssembler().assemble(candidates, blueprint: blueprint) {
            case .infeasible(let infeasibility):
                let message = Self.naming(infeasibility.message, points: coursePoints)
                let chinese = infeasibility.chinese.map { Self.naming($0, points: coursePoints, word: "") } ?? Self.chinese(infeasibility.reason)
                throw GranaryError(
                    .infeasibleBlueprint,
                    LocalizedText(
                        zh: "按此蓝图无法组卷（\(Self.chinese(infeasibility.reason))）：\(chinese)",
                        en: "The blueprint cannot be met (\(infeasibility.reason.rawValue)): \(message)"
                    ),
                    errors: [
                        FieldError(field: "blueprint.\(infeasibility.reason.rawValue)", message: LocalizedText(zh: chinese, en: message))
                    ]
                )
            case .assembled(let assembled):
                let chosen = assembled.items.sorted {
                    (items[Int($0)].type.ordinalForPaper, $0) < (items[Int($1)].type.ordinalForPaper, $1)
                }
                let selected = chosen.enumerated().map { position, index in
                    var item = items[Int(index)]
                    item.position = position + 1
                    return item
                }
                let figures = try Self.figures(db, course: course, items: selected, cover: cover, objective: assembled.value)
                return try Self.insert(db, course: course, title: title, items: selected, blueprint: input, figures: figures, author: author)
            }
        }
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
