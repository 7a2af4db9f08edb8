import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// Papers (试卷): chosen by hand or assembled from a blueprint, always from published questions of one course,
/// each question pinned to its published version.
public struct PaperStore: Sendable {
    let database: LibraryDatabase

    /// Most questions on one paper.
    public static let maximumQuestions = 300
    /// Most parallel papers (A卷 to D卷) one blueprint assembles.
    public static let maximumParallelPapers = 4

    /// Creates the store over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
    }

    // MARK: - Hand-made papers

    /// A paper of the given questions, in that order, each at its published version.
    public func create(course: String, title: String, questions: [String], author: User) async throws -> Paper {
        try Self.requireTeacher(author)
        try Self.checkTitle(title)
        guard !questions.isEmpty, questions.count <= Self.maximumQuestions else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "试卷应有 1–\(Self.maximumQuestions) 道题", en: "A paper holds 1 to \(Self.maximumQuestions) questions"),
                errors: [FieldError(field: "questions", message: LocalizedText(zh: "数量不对", en: "wrong count"))]
            )
        }
        return try await self.database.write { db in
            try Self.checkCourse(db, course)
            var items: [Paper.Item] = []
            var problems: [FieldError] = []
            for (index, id) in questions.enumerated() {
                guard let item = try Self.publishedItem(db, question: id, position: index + 1), item.course == course else {
                    problems.append(
                        FieldError(
                            field: "questions[\(index)]",
                            message: LocalizedText(zh: "“\(id)”不是本课程已发布的试题", en: "'\(id)' is not a published question of this course")
                        )
                    )
                    continue
                }
                if items.contains(where: { $0.question == id }) {
                    problems.append(FieldError(field: "questions[\(index)]", message: LocalizedText(zh: "试题重复", en: "listed twice")))
                }
                items.append(item.item)
            }
            guard problems.isEmpty else {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(zh: "试卷中的试题有误", en: "Some questions cannot be on this paper"),
                    errors: problems
                )
            }
            let figures = try Self.figures(db, course: course, items: items, cover: [], objective: nil)
            return try Self.insert(
                db,
                course: course,
                title: title,
                items: items,
                blueprint: nil,
                figures: figures,
                author: author,
                at: self.database.clock.now()
            )
        }
    }

    // MARK: - Reading

    /// One paper.
    public func paper(id: String) async throws -> Paper {
        try await self.database.read { db in
            guard let paper = try Self.fetch(db, id: id) else { throw GranaryError.notFound(LocalizedText(zh: "试卷", en: "Paper"), id) }
            return paper
        }
    }

    /// Papers, newest first, optionally of one course.
    public func list(course: String?, _ page: PageRequest) async throws -> Page<Paper> {
        try await self.database.read { db in
            let total =
                try db.fetchOne(
                    Int.self,
                    sql: "SELECT COUNT(*) FROM papers WHERE kind = 'exam' AND (CAST(?1 AS TEXT) IS NULL OR course = ?1)",
                    arguments: [course]
                ) ?? 0
            let rows = try db.fetchAll(
                sql: """
                    SELECT * FROM papers WHERE kind = 'exam' AND (CAST(?1 AS TEXT) IS NULL OR course = ?1)
                    ORDER BY createdAt DESC, id LIMIT ?2 OFFSET ?3
                    """,
                arguments: [course, page.pageSize, page.offset]
            )
            return Page(items: try Self.papers(db, rows: rows), total: total, request: page)
        }
    }

    // MARK: - Shared

    static func requireTeacher(_ user: User) throws {
        guard user.role == .teacher || user.role == .admin else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有教师和管理员能组卷", en: "Only teachers and admins make papers"))
        }
    }

    static func checkTitle(_ title: String) throws {
        guard !title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, title.count <= 200 else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "试卷标题不能为空，且不超过 200 字", en: "title must be 1 to 200 characters"),
                errors: [FieldError(field: "title", message: LocalizedText(zh: "标题有误", en: "invalid title"))]
            )
        }
    }

    static func checkCourse(_ db: any SQLConnection, _ course: String) throws {
        guard try CatalogueStore.fetchCourse(db, id: course) != nil else {
            throw GranaryError(
                .unknownCourse,
                LocalizedText(zh: "课程“\(course)”不存在", en: "Course '\(course)' does not exist"),
                errors: [FieldError(field: "course", message: LocalizedText(zh: "未知课程", en: "unknown course"))]
            )
        }
    }

    /// The published version of a question as a paper item, with its course; nil when unpublished or retired.
    static func publishedItem(_ db: any SQLConnection, question: String, position: Int) throws -> (item: Paper.Item, course: String)? {
        try QuestionStore.liveSummary(db, question: question).map { (Paper.Item($0, position: position), $0.course) }
    }

    /// What the items hold: counts by type, score, difficulty, points covered and missed.
    static func figures(_ db: any SQLConnection, course: String, items: [Paper.Item], cover: [String], objective: Int?) throws -> Paper.Figures {
        var byType: [String: Int] = [:]
        var perPoint: [String: Int] = [:]
        for item in items {
            byType[item.type.rawValue, default: 0] += 1
            for point in item.knowledgePoints { perPoint[point, default: 0] += 1 }
        }
        let difficulty = items.reduce(0) { $0 + $1.difficulty }
        let order = try CatalogueStore.pointIds(db, course: course)
        return Paper.Figures(
            questions: items.count,
            byType: byType,
            score: items.reduce(0) { $0 + $1.score },
            difficultySum: difficulty,
            difficultyMean: items.isEmpty ? 0 : (Double(difficulty) / Double(items.count) * 100).rounded() / 100,
            covered: order.filter { perPoint[$0] != nil },
            uncovered: cover.filter { perPoint[$0] == nil },
            maxPerPoint: perPoint.values.max() ?? 0,
            objective: objective
        )
    }

    static func insert(
        _ db: any SQLConnection,
        id: String = UUID().uuidString.lowercased(),
        course: String,
        title: String,
        items: [Paper.Item],
        blueprint: PaperBlueprintInput?,
        figures: Paper.Figures,
        author: User,
        at now: Date,
        kind: Paper.Kind = .exam
    ) throws -> Paper {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try db.execute(
            sql:
                "INSERT INTO papers (id, course, title, blueprint, figures, totalScore, createdBy, createdAt, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                id, course, title, try blueprint.map { String(decoding: try encoder.encode($0), as: UTF8.self) },
                String(decoding: try encoder.encode(figures), as: UTF8.self), figures.score, author.id, now, kind.rawValue,
            ]
        )
        for item in items {
            try db.execute(
                sql: "INSERT INTO paperQuestions (paper, position, question, version) VALUES (?, ?, ?, ?)",
                arguments: [id, item.position, item.question, item.version]
            )
        }
        let paper = try Self.fetch(db, id: id)!
        try EventLog.record(db, actor: author.username, action: "paper.created", itemType: "paper", itemId: id, after: paper, at: now)
        return paper
    }

    static func fetch(_ db: any SQLConnection, id: String) throws -> Paper? {
        // Its questions are asked for with the paper: they need only its id.
        db.sendAhead(sql: Self.pinnedQuery(count: 1), arguments: [id])
        return try Self.papers(db, rows: db.fetchAll(sql: "SELECT * FROM papers WHERE id = ?", arguments: [id])).first
    }

    /// The questions and versions pinned by `count` papers.
    private static func pinnedQuery(count: Int) -> String {
        "SELECT paper, position, question, version FROM paperQuestions WHERE paper IN (\(databaseQuestionMarks(count: count))) ORDER BY paper, position"
    }

    /// The papers of these rows of `papers`, in their order: their questions, the versions pinned and the authors'
    /// names are read in four statements however many papers there are.
    static func papers(_ db: any SQLConnection, rows: [SQLRow]) throws -> [Paper] {
        guard !rows.isEmpty else { return [] }
        let ids: [String] = rows.map { $0["id"] }
        let pinned = try db.fetchAll(sql: Self.pinnedQuery(count: ids.count), arguments: SQLArguments(ids))
        var summaries: [String: QuestionStore.Summary] = [:]
        for summary in try QuestionStore.summaries(db, versions: pinned.map { (question: $0["question"], version: $0["version"]) }) {
            summaries["\(summary.question)#\(summary.version)"] = summary
        }
        var items: [String: [Paper.Item]] = [:]
        for row in pinned {
            guard let summary = summaries["\(row["question"] as String)#\(row["version"] as Int)"] else { continue }
            items[row["paper"], default: []].append(Paper.Item(summary, position: row["position"]))
        }
        let usernames = try Accounts.usernames(db, ids: Set(rows.map { $0["createdBy"] as String }))
        let decoder = JSONDecoder()
        return try rows.map { row in
            let id: String = row["id"]
            let author: String = row["createdBy"]
            return Paper(
                id: id,
                course: row["course"],
                title: row["title"],
                items: items[id] ?? [],
                totalScore: row["totalScore"],
                blueprint: try (row["blueprint"] as String?).map { try decoder.decode(PaperBlueprintInput.self, from: Data($0.utf8)) },
                figures: try decoder.decode(Paper.Figures.self, from: Data((row["figures"] as String).utf8)),
                createdBy: usernames[author] ?? author,
                createdAt: row["createdAt"],
                kind: Paper.Kind(rawValue: row["kind"]) ?? .exam
            )
        }
    }
}

extension Paper.Item {
    /// A question's version as an item of a paper at `position`.
    init(_ summary: QuestionStore.Summary, position: Int) {
        self.init(
            question: summary.question,
            version: summary.version,
            position: position,
            type: summary.type,
            difficulty: summary.difficulty,
            score: summary.score,
            knowledgePoints: summary.points
        )
    }
}
