import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// Learners sitting papers: start, save answers, submit for instant scoring of objective questions; teachers
/// grade short and practical answers by rubric; statistics per question and point.
public struct AttemptStore: Sendable {
    private let database: LibraryDatabase
    /// Which teachers give a paper in their offerings (GranaryLearning's, which depends on this target).
    private let offerings: any PaperOfferings

    /// Creates the store over the library's database; `offerings` says who else teaches with a paper.
    public init(database: LibraryDatabase, offerings: any PaperOfferings) {
        self.database = database
        self.offerings = offerings
    }

    /// Starts an attempt of a paper; any logged-in user may sit one (teachers to preview).
    public func start(paper: String, user: User) async throws -> Attempt {
        try await self.database.write { db in
            guard try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM papers WHERE id = ?", arguments: [paper]) == 1 else {
                throw GranaryError.notFound(LocalizedText(zh: "试卷", en: "Paper"), paper)
            }
            return try Self.begin(db, paper: paper, user: user, at: self.database.clock.now())
        }
    }

    /// Starts an attempt of `paper` inside the caller's transaction.
    static func begin(_ db: any SQLConnection, paper: String, user: User, at now: Date) throws -> Attempt {
        let id = UUID().uuidString.lowercased()
        try db.execute(
            sql: "INSERT INTO attempts (id, paper, learner, status, startedAt) VALUES (?, ?, ?, 'open', ?)",
            arguments: [id, paper, user.id, now]
        )
        try EventLog.record(db, actor: user.username, action: "attempt.started", itemType: "attempt", itemId: id, after: ["paper": paper], at: now)
        return try Self.fetch(db, id: id)!
    }

    /// Saves answers (merged over those saved before) while the attempt is open.
    public func save(id: String, answers: [String: JSONValue], user: User) async throws -> Attempt {
        try await self.database.write { db in
            let attempt = try Self.owned(db, id: id, by: user)
            guard attempt.status == "open" else { throw GranaryError.invalidTransition(from: attempt.status, action: "attempt.answered") }
            let types = Dictionary(uniqueKeysWithValues: attempt.questions.map { ($0.question, $0.type) })
            let checked = Set((attempt.items ?? []).map(\.question))
            var problems: [FieldError] = []
            for (question, answer) in answers.sorted(by: { $0.key < $1.key }) {
                if checked.contains(question) && answer != attempt.answers[question] {
                    problems.append(
                        FieldError(field: "answers.\(question)", message: LocalizedText(zh: "已核对的题目不能再改答案", en: "checked already"))
                    )
                    continue
                }
                guard let type = types[question] else {
                    problems.append(
                        FieldError(field: "answers.\(question)", message: LocalizedText(zh: "试卷中没有这道题", en: "not a question of this paper"))
                    )
                    continue
                }
                if let shape = Grading.shapeProblem(answer, type: type) {
                    problems.append(FieldError(field: "answers.\(question)", message: LocalizedText(zh: "答案格式应为 \(shape)", en: "expected \(shape)")))
                }
            }
            guard problems.isEmpty else {
                throw GranaryError(.validationFailed, LocalizedText(zh: "答案有误", en: "Some answers do not fit their questions"), errors: problems)
            }
            var merged = attempt.answers
            for (question, answer) in answers { merged[question] = answer == .null ? nil : answer }
            try db.execute(sql: "UPDATE attempts SET answers = ? WHERE id = ?", arguments: [try Self.json(merged), id])
            return try Self.fetch(db, id: id)!
        }
    }

    /// Submits: objective questions are scored at once and their analysis shown; short and practical ones wait.
    public func submit(id: String, user: User) async throws -> Attempt {
        try await self.database.write { db in
            let attempt = try Self.owned(db, id: id, by: user)
            guard attempt.status == "open" else { throw GranaryError.invalidTransition(from: attempt.status, action: "attempt.submitted") }
            let now = self.database.clock.now()
            var pending = 0
            // Answers checked in practice have their result already.
            let checked = Set((attempt.items ?? []).map(\.question))
            for item in attempt.questions where !checked.contains(item.question) {
                let question = try QuestionStore.version(db, question: item.question, version: item.version)
                if let question, let result = Grading.grade(attempt.answers[item.question], question: question, score: item.score) {
                    try db.execute(
                        sql: "INSERT INTO attemptResults (attempt, question, correct, score, gradedAt) VALUES (?, ?, ?, ?, ?)",
                        arguments: [id, item.question, result.correct, result.score, now]
                    )
                } else if attempt.answers[item.question] == nil {
                    // Nothing to read: an unanswered open question scores nothing, without a teacher.
                    try db.execute(
                        sql: "INSERT INTO attemptResults (attempt, question, correct, score, gradedAt) VALUES (?, ?, 0, 0, ?)",
                        arguments: [id, item.question, now]
                    )
                } else {
                    pending += 1
                    try db.execute(sql: "INSERT INTO attemptResults (attempt, question) VALUES (?, ?)", arguments: [id, item.question])
                }
            }
            try db.execute(
                sql: """
                    UPDATE attempts SET status = ?, submittedAt = ?, gradedAt = ?,
                        score = (SELECT SUM(score) FROM attemptResults WHERE attempt = ?) WHERE id = ?
                    """,
                arguments: [pending == 0 ? "graded" : "submitted", now, pending == 0 ? now : nil, id, id]
            )
            try EventLog.record(
                db,
                actor: user.username,
                action: "attempt.submitted",
                itemType: "attempt",
                itemId: id,
                after: ["pending": pending],
                at: self.database.clock.now()
            )
            return try Self.fetch(db, id: id)!
        }
    }

    /// 练一练: checks one answer of an open practice attempt at once. It is scored by the question's rule, kept (it
    /// cannot change afterwards) and counts for mastery at once; the attempt then shows its result, analysis and
    /// the right answer.
    public func check(id: String, question: String, answer: JSONValue, user: User) async throws -> Attempt {
        try await self.database.write { db in
            let attempt = try Self.owned(db, id: id, by: user)
            guard attempt.practice else {
                throw GranaryError(.conflict, LocalizedText(zh: "只有练一练可以逐题核对；考试交卷后统一评分", en: "Only practice sets check answers one by one"))
            }
            guard attempt.status == "open" else { throw GranaryError.invalidTransition(from: attempt.status, action: "attempt.checked") }
            guard let item = attempt.questions.first(where: { $0.question == question }),
                let version = try QuestionStore.version(db, question: item.question, version: item.version)
            else {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(zh: "练习中没有这道题", en: "Not a question of this practice set"),
                    errors: [FieldError(field: "question", message: LocalizedText(zh: "不是本练习的题目", en: "not in this set"))]
                )
            }
            guard !(attempt.items ?? []).contains(where: { $0.question == question }) else {
                throw GranaryError(.conflict, LocalizedText(zh: "这道题已经核对过了", en: "This answer was checked already"))
            }
            if let shape = Grading.shapeProblem(answer, type: item.type) {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(zh: "答案格式应为 \(shape)", en: "The answer should be \(shape)"),
                    errors: [FieldError(field: "answer", message: LocalizedText(zh: "答案格式应为 \(shape)", en: "expected \(shape)"))]
                )
            }
            guard answer != .null, let result = Grading.grade(answer, question: version, score: item.score) else {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(zh: answer == .null ? "请先作答再核对" : "这道题需要教师评分，交卷后由教师批改", en: "Answer first; open answers are graded by a teacher"),
                    errors: [FieldError(field: "answer", message: LocalizedText(zh: "无法立即核对", en: "cannot be checked at once"))]
                )
            }
            let now = self.database.clock.now()
            var answers = attempt.answers
            answers[question] = answer
            try db.execute(sql: "UPDATE attempts SET answers = ? WHERE id = ?", arguments: [try Self.json(answers), id])
            try db.execute(
                sql: "INSERT INTO attemptResults (attempt, question, correct, score, gradedAt, checkedAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, question, result.correct, result.score, now, now]
            )
            return try Self.fetch(db, id: id)!
        }
    }

    /// One teacher's grade of an open answer: points per rubric criterion (practical) or a score (short).
    public struct Grade: Codable, Sendable {
        public var rubric: [Double]?
        public var score: Double?
    }

    /// Grades short and practical answers; the attempt is graded when none waits.
    public func grade(id: String, grades: [String: Grade], teacher: User) async throws -> Attempt {
        guard teacher.role == .teacher || teacher.role == .admin else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有教师能评分", en: "Only teachers grade"))
        }
        return try await self.database.write { db in
            guard let attempt = try Self.fetch(db, id: id), try self.teaches(db, paper: attempt.paper, user: teacher) else {
                throw GranaryError.notFound(LocalizedText(zh: "作答", en: "Attempt"), id)
            }
            guard attempt.status != "open" else { throw GranaryError.invalidTransition(from: attempt.status, action: "attempt.graded") }
            let items = Dictionary(uniqueKeysWithValues: attempt.questions.map { ($0.question, $0) })
            var problems: [FieldError] = []
            let now = self.database.clock.now()
            for (question, grade) in grades.sorted(by: { $0.key < $1.key }) {
                let field = "grades.\(question)"
                guard let item = items[question], !item.type.isObjective else {
                    problems.append(FieldError(field: field, message: LocalizedText(zh: "不是本卷的主观题", en: "not an open question of this paper")))
                    continue
                }
                var score: Double
                var rubricScores: [Double]?
                if item.type == .practical {
                    guard let given = grade.rubric, given.count == item.rubric.count,
                        zip(given, item.rubric).allSatisfy({ $0 >= 0 && $0 <= $1.points })
                    else {
                        problems.append(
                            FieldError(
                                field: field,
                                message: LocalizedText(
                                    zh: "应按 \(item.rubric.count) 项评分标准逐项给分，且不超过各项分值",
                                    en: "give points for each of the \(item.rubric.count) criteria, within each criterion's points"
                                )
                            )
                        )
                        continue
                    }
                    score = given.reduce(0, +)
                    rubricScores = given
                } else {
                    guard let given = grade.score, given >= 0, given <= item.score else {
                        problems.append(
                            FieldError(field: field, message: LocalizedText(zh: "分数应为 0–\(item.score)", en: "score must be 0 to \(item.score)"))
                        )
                        continue
                    }
                    score = given
                }
                try db.execute(
                    sql: """
                        UPDATE attemptResults SET score = ?, correct = ?, rubricScores = ?, gradedBy = ?, gradedAt = ?
                        WHERE attempt = ? AND question = ?
                        """,
                    arguments: [score, score >= item.score, try rubricScores.map(Self.json), teacher.id, now, id, question]
                )
            }
            guard problems.isEmpty else {
                throw GranaryError(.validationFailed, LocalizedText(zh: "评分有误", en: "Some grades are invalid"), errors: problems)
            }
            let waiting =
                try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM attemptResults WHERE attempt = ? AND score IS NULL", arguments: [id]) ?? 0
            try db.execute(
                sql: """
                    UPDATE attempts SET status = ?, gradedAt = ?, score = (SELECT SUM(score) FROM attemptResults WHERE attempt = ?) WHERE id = ?
                    """,
                arguments: [waiting == 0 ? "graded" : "submitted", waiting == 0 ? now : nil, id, id]
            )
            try EventLog.record(
                db,
                actor: teacher.username,
                action: "attempt.graded",
                itemType: "attempt",
                itemId: id,
                after: ["waiting": waiting],
                at: self.database.clock.now()
            )
            return try Self.fetch(db, id: id)!
        }
    }

    /// An attempt, for the learner who sits it and for those who teach with its paper (`teaches`); to anyone else
    /// it does not exist, whatever their role or institution.
    public func attempt(id: String, viewer: User) async throws -> Attempt {
        try await self.database.read { db in
            guard let attempt = try Self.fetch(db, id: id),
                try attempt.learner == viewer.username || self.teaches(db, paper: attempt.paper, user: viewer)
            else {
                throw GranaryError.notFound(LocalizedText(zh: "作答", en: "Attempt"), id)
            }
            return attempt
        }
    }

    /// A file a question of the attempt shows to its learner now (stem and options; the analysis once submitted),
    /// for those who may see the attempt.
    public func file(attempt id: String, sha256: String, viewer: User) async throws -> Question.Attachment {
        let attempt = try await self.attempt(id: id, viewer: viewer)
        guard let file = attempt.questions.lazy.flatMap(\.files).first(where: { $0.sha256 == sha256 }) else {
            throw GranaryError.notFound(LocalizedText(zh: "试题文件", en: "Question file"), sha256)
        }
        return file
    }

    /// Every attempt `user` sat, oldest first (their data export).
    public func attempts(of user: User) async throws -> [Attempt] {
        try await self.database.read { db in
            try db.fetchAll(String.self, sql: "SELECT id FROM attempts WHERE learner = ? ORDER BY startedAt, id", arguments: [user.id])
                .compactMap { try Self.fetch(db, id: $0) }
        }
    }

    /// Whether `user` reads and grades the attempts of `paper`: an admin, the paper's author, or a teacher who
    /// published an offering that gives it (any revision). Another teacher, here or at another institution, does not.
    func teaches(_ db: any SQLConnection, paper: String, user: User) throws -> Bool {
        switch user.role {
        case .admin: return true
        case .teacher:
            let authored =
                try db.fetchOne(Bool.self, sql: "SELECT 1 FROM papers WHERE id = ? AND createdBy = ?", arguments: [paper, user.id]) ?? false
            return try authored || self.offerings.offer(db, paper: paper, publishedBy: user.id)
        case .reviewer, .learner, .security, .auditor: return false
        }
    }

    // MARK: - Statistics

    /// Item difficulty (mean share of full marks) and discrimination (top 27% minus bottom 27% by total score)
    /// over fully graded attempts, per question and per point.
    public func statistics(paper id: String) async throws -> PaperStatistics {
        try await self.database.read { db in
            // Per question, the sum and number of its results over every graded attempt, over the lowest 27% by total
            // score (ties by id; rounded half up) and over the highest: a few rows however many attempts there are,
            // each with the number of graded attempts. Sent before the paper is read: it needs nothing from it. The
            // filter on attempt says again what the join implies: without it PostgreSQL hashes every result of every
            // paper (16 ms at the bench's size) instead of looking up this paper's (4 ms); SQLite takes 4 ms either way.
            let query = (
                sql: """
                WITH ranked AS (
                    SELECT id, ROW_NUMBER() OVER (ORDER BY score, id) AS rank, COUNT(*) OVER () AS responses
                    FROM attempts WHERE paper = ? AND status = 'graded'
                ), bounds AS (
                    SELECT id, rank, responses, (responses * 27 + 50) / 100 AS grp FROM ranked
                )
                SELECT r.question, MAX(k.responses) AS responses, COUNT(*) AS n, SUM(COALESCE(r.score, 0.0)) AS total,
                       SUM(CASE WHEN k.rank > k.responses - k.grp THEN 1 ELSE 0 END) AS topN,
                       SUM(CASE WHEN k.rank > k.responses - k.grp THEN COALESCE(r.score, 0.0) ELSE 0.0 END) AS topTotal,
                       SUM(CASE WHEN k.rank <= k.grp THEN 1 ELSE 0 END) AS bottomN,
                       SUM(CASE WHEN k.rank <= k.grp THEN COALESCE(r.score, 0.0) ELSE 0.0 END) AS bottomTotal
                FROM attemptResults r JOIN bounds k ON k.id = r.attempt
                WHERE r.attempt IN (SELECT id FROM attempts WHERE paper = ? AND status = 'graded')
                GROUP BY r.question
                """,
                arguments: [id, id] as SQLArguments
            )
            db.sendAhead(sql: query.sql, arguments: query.arguments)
            guard let paper = try PaperStore.fetch(db, id: id) else { throw GranaryError.notFound(LocalizedText(zh: "试卷", en: "Paper"), id) }
            let rows = try db.fetchAll(sql: query.sql, arguments: query.arguments)
            // Graded attempts without a single result (there are none today) are counted apart.
            let responses: Int =
                try rows.first?["responses"]
                ?? db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM attempts WHERE paper = ? AND status = 'graded'", arguments: [id]) ?? 0
            let group = (responses * 27 + 50) / 100
            var sums: [String: (all: Sum, top: Sum, bottom: Sum)] = [:]
            for row in rows {
                sums[row["question"]] = (
                    Sum(count: row["n"], total: row["total"]), Sum(count: row["topN"], total: row["topTotal"]),
                    Sum(count: row["bottomN"], total: row["bottomTotal"])
                )
            }
            let maxima = Dictionary(uniqueKeysWithValues: paper.items.map { ($0.question, $0.score) })
            func round(_ value: Double?) -> Double? { value.map { ($0 * 1000).rounded() / 1000 } }
            /// Difficulty (mean share of full marks) and discrimination of a set of questions, over their results.
            func figures(_ questions: [String]) -> (Double?, Double?) {
                func mean(_ part: KeyPath<(all: Sum, top: Sum, bottom: Sum), Sum>) -> Double? {
                    let parts = questions.compactMap { question in sums[question].map { ($0[keyPath: part], maxima[question] ?? 1) } }
                    let count = parts.reduce(0) { $0 + $1.0.count }
                    return count == 0 ? nil : parts.reduce(0) { $0 + $1.0.total / $1.1 } / Double(count)
                }
                let discrimination: Double? = group == 0 ? nil : mean(\.top).flatMap { high in mean(\.bottom).map { high - $0 } }
                return (round(mean(\.all)), round(discrimination))
            }
            let items = paper.items.map { item in
                let (difficulty, discrimination) = figures([item.question])
                return PaperStatistics.ItemFigures(
                    question: item.question,
                    version: item.version,
                    responses: responses,
                    difficulty: difficulty,
                    discrimination: discrimination
                )
            }
            var byPoint: [String: [String]] = [:]
            var order: [String] = []
            for item in paper.items {
                for point in item.knowledgePoints {
                    if byPoint[point] == nil { order.append(point) }
                    byPoint[point, default: []].append(item.question)
                }
            }
            let points = order.map { point in
                let (difficulty, discrimination) = figures(byPoint[point]!)
                return PaperStatistics.PointFigures(
                    point: point,
                    questions: byPoint[point]!.count,
                    difficulty: difficulty,
                    discrimination: discrimination
                )
            }
            return PaperStatistics(paper: id, attempts: responses, items: items, points: points)
        }
    }

    /// How many results and their summed scores.
    private struct Sum {
        let count: Int
        let total: Double
    }

    // MARK: - Rows

    private static func owned(_ db: any SQLConnection, id: String, by user: User) throws -> Attempt {
        guard let attempt = try Self.fetch(db, id: id), attempt.learner == user.username else {
            throw GranaryError.notFound(LocalizedText(zh: "作答", en: "Attempt"), id)
        }
        return attempt
    }

    static func fetch(_ db: any SQLConnection, id: String) throws -> Attempt? {
        guard let row = try db.fetchOne(sql: "SELECT a.*, p.kind FROM attempts a JOIN papers p ON p.id = a.paper WHERE a.id = ?", arguments: [id])
        else { return nil }
        let decoder = JSONDecoder()
        let status: String = row["status"]
        let learner: String = row["learner"]
        let practice = (row["kind"] as String) == Paper.Kind.practice.rawValue
        // Results: every one once handed in; in practice, those of the answers checked so far.
        let resultRows = Dictionary(
            uniqueKeysWithValues: try db.fetchAll(sql: "SELECT * FROM attemptResults WHERE attempt = ?", arguments: [id]).map {
                ($0["question"] as String, $0)
            }
        )
        let checked = Set(resultRows.filter { ($0.value["checkedAt"] as Date?) != nil }.keys)
        var rightAnswers: [String: JSONValue] = [:]
        var questions: [Attempt.Item] = []
        var analyses: [String: String?] = [:]
        let pinned = try db.fetchAll(
            sql: "SELECT position, question, version FROM paperQuestions WHERE paper = ? ORDER BY position",
            arguments: [row["paper"] as String]
        )
        var versions: [String: Question] = [:]
        for question in try QuestionStore.versions(db, pinned.map { (question: $0["question"], version: $0["version"]) }) {
            versions["\(question.id)#\(question.version)"] = question
        }
        for pinned in pinned {
            guard let question = versions["\(pinned["question"] as String)#\(pinned["version"] as Int)"] else { continue }
            // The files the learner is shown: those of stem and options, and of the analysis once it is shown too.
            let analysisShown = status != "open" || checked.contains(question.id)
            let texts = [question.stem] + question.options.map(\.text) + (analysisShown ? [question.analysis ?? ""] : [])
            let shown = Set(texts.flatMap(Question.Attachment.names(in:)))
            var blanks: Int?
            if question.type == .fill, case .array(let list) = question.answer { blanks = list.count }
            questions.append(
                Attempt.Item(
                    question: question.id,
                    version: question.version,
                    position: pinned["position"],
                    type: question.type,
                    stem: question.stem,
                    options: question.options,
                    blanks: blanks,
                    rubric: question.rubric,
                    score: question.score,
                    media: question.media,
                    files: question.attachments.filter { shown.contains($0.name) }
                )
            )
            analyses[question.id] = question.analysis
            if practice { rightAnswers[question.id] = question.answer }
        }
        var results: [Attempt.Result]?
        var pending: [String]?
        if status != "open" || practice {
            results = try questions.filter { status != "open" || checked.contains($0.question) }.map { item in
                let result = resultRows[item.question]
                return Attempt.Result(
                    question: item.question,
                    correct: result?["correct"],
                    score: result?["score"],
                    maxScore: item.score,
                    analysis: analyses[item.question] ?? nil,
                    rubricScores: try (result?["rubricScores"] as String?).map { try decoder.decode([Double].self, from: Data($0.utf8)) },
                    rightAnswer: rightAnswers[item.question],
                    checkedAt: result?["checkedAt"]
                )
            }
            if status != "open" { pending = results?.filter { $0.score == nil }.map(\.question) }
        }
        return Attempt(
            id: id,
            paper: row["paper"],
            learner: try Accounts.username(db, id: learner),
            status: status,
            questions: questions,
            answers: try decoder.decode([String: JSONValue].self, from: Data((row["answers"] as String).utf8)),
            score: row["score"],
            maxScore: questions.reduce(0) { $0 + $1.score },
            items: results,
            pending: pending,
            startedAt: row["startedAt"],
            submittedAt: row["submittedAt"],
            practice: practice
        )
    }

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
