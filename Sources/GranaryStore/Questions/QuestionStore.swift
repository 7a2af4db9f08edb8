import Foundation
import GRDB
import GranaryModel

/// The question bank (试题库): questions of six types, versioned and reviewed like resources.
///
/// The bank's answers are what an assessment hides, so only teachers, reviewers and admins read it; learners meet
/// questions in papers. Teachers see their own questions in every state and other teachers' published versions.
public struct QuestionStore: Sendable {
    private let database: LibraryDatabase

    /// Creates the store over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
    }

    /// Fields of a new question or of a change; a change leaves out what stays.
    public struct Input: Sendable {
        public var course: String?
        public var knowledgePoints: [String]?
        public var type: QuestionType?
        public var difficulty: Int?
        public var stem: String?
        public var options: [Question.Option]?
        public var answer: JSONValue?
        public var analysis: String??
        public var rubric: [Question.Criterion]?
        public var score: Double?
        /// A rule of scoring; `.some(nil)` removes one.
        public var scoring: QuestionScoring??
        public var media: [String]?
        /// Files the texts show, by name and SHA-256 (stored already, `QuestionFiles.keep`); their type and size are
        /// looked up.
        public var attachments: [Question.Attachment]?

        /// Creates an input.
        public init(
            course: String? = nil,
            knowledgePoints: [String]? = nil,
            type: QuestionType? = nil,
            difficulty: Int? = nil,
            stem: String? = nil,
            options: [Question.Option]? = nil,
            answer: JSONValue? = nil,
            analysis: String?? = nil,
            rubric: [Question.Criterion]? = nil,
            score: Double? = nil,
            scoring: QuestionScoring?? = nil,
            media: [String]? = nil,
            attachments: [Question.Attachment]? = nil
        ) {
            self.course = course
            self.knowledgePoints = knowledgePoints
            self.type = type
            self.difficulty = difficulty
            self.stem = stem
            self.options = options
            self.answer = answer
            self.analysis = analysis
            self.rubric = rubric
            self.score = score
            self.scoring = scoring
            self.media = media
            self.attachments = attachments
        }
    }

    // MARK: - Changes

    /// Adds a question as a draft (version 1).
    public func create(_ input: Input, author: User) async throws -> Question {
        try Self.lifecycle.requireAuthor(author)
        let checked = try Self.content(input, over: nil)
        let id = UUID().uuidString.lowercased()
        return try await self.database.write { db in
            var content = checked
            try Self.checkReferences(db, course: content.course, points: content.knowledgePoints, media: content.media)
            content.attachments = try QuestionFiles.resolve(db, content.attachments)
            let now = self.database.clock.now()
            try Self.lifecycle.insertDraft(db, id: id, author: author, at: now, columns: ["course": content.course, "type": content.type.rawValue])
            try Self.insertVersion(db, id: id, version: 1, content: content, author: author, at: now)
            try Self.describe(db, id: id, version: 1)
            let question = try Self.fetch(db, id: id, version: 1)!
            try EventLog.record(
                db,
                actor: author.username,
                action: "question.created",
                itemType: "question",
                itemId: id,
                after: question,
                at: self.database.clock.now()
            )
            return question
        }
    }

    /// Makes a new version from the current one with `input`'s fields replaced. An approved question keeps its
    /// published version for papers and returns to the review queue with the new one.
    public func update(id: String, _ input: Input, actor: User) async throws -> Question {
        try await self.database.write { db in
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: actor)
            try Self.lifecycle.checkEditable(state, by: actor, action: "question.versioned")
            let before = try Self.fetch(db, id: id, version: state.currentVersion)!
            var content = try Self.content(input, over: before)
            try Self.checkReferences(db, course: content.course, points: content.knowledgePoints, media: content.media)
            if input.attachments != nil { content.attachments = try QuestionFiles.resolve(db, content.attachments) }
            let version = state.currentVersion + 1
            let now = self.database.clock.now()
            try Self.insertVersion(db, id: id, version: version, content: content, author: actor, at: now)
            try Self.lifecycle.advance(db, state, to: version, at: now)
            if state.publishedVersion == nil { try Self.describe(db, id: id, version: version) }
            let after = try Self.fetch(db, id: id, version: version)!
            try EventLog.record(
                db,
                actor: actor.username,
                action: "question.versioned",
                itemType: "question",
                itemId: id,
                before: before,
                after: after,
                at: self.database.clock.now()
            )
            return after
        }
    }

    /// Draft, changes requested or rejected → pending.
    public func submit(id: String, actor: User) async throws -> Question {
        try await self.transition(id: id, .submit, actor: actor)
    }

    /// Takes a question out of use; its versions stay for the papers that used them.
    public func retire(id: String, actor: User) async throws -> Question {
        try await self.transition(id: id, .retire, actor: actor)
    }

    private func transition(id: String, _ transition: ReviewedItems.Transition, actor: User) async throws -> Question {
        try await self.database.write { db in
            let state = try Self.lifecycle.transition(db, id: id, transition, actor: actor, at: self.database.clock.now())
            return try Self.fetch(db, id: id, version: state.currentVersion)!
        }
    }

    /// Makes the published version the one the report and the graph count; the life cycle calls it in the deciding
    /// transaction.
    static func didPublish(_ db: any SQLConnection, id: String, version: Int) throws {
        try Self.describe(db, id: id, version: version)
    }

    /// Checks that a course exists and that the points belong to it, as a new question would need.
    public func checkTarget(course: String, knowledgePoints: [String]) async throws {
        try await self.database.read { db in
            guard !knowledgePoints.isEmpty else {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(zh: "至少关联一个知识（技能）点", en: "at least one knowledge or skill point"),
                    errors: [FieldError(field: "knowledgePoints", message: LocalizedText(zh: "必填", en: "required"))]
                )
            }
            try Self.checkReferences(db, course: course, points: knowledgePoints, media: [])
        }
    }

    /// The points of `course`, by id and name, for imports that name points; the course must exist.
    public func coursePoints(_ course: String) async throws -> [(id: String, name: String)] {
        try await self.database.read { db in
            try Self.checkReferences(db, course: course, points: [], media: [])
            return try db.fetchAll(sql: "SELECT id, name FROM points WHERE course = ? ORDER BY createdAt, id", arguments: [course]).map {
                (id: $0["id"] as String, name: $0["name"] as String)
            }
        }
    }

    // MARK: - Reading

    /// One question: the current version for its author, reviewers and admins, the published one for other teachers.
    public func question(id: String, version: Int? = nil, viewer: User) async throws -> Question {
        try Self.requireBankReader(viewer)
        return try await self.database.read { db in
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: viewer)
            let shown = try state.shownVersion(requested: version, viewer: viewer)
            guard var question = try Self.fetch(db, id: id, version: shown) else {
                throw GranaryError.notFound(LocalizedText(zh: "试题版本", en: "Question version"), "\(id) v\(shown)")
            }
            if !state.showsEverything(to: viewer) { question.status = .approved }
            return question
        }
    }

    /// Every version of a question, newest first, as numbers with their author and time.
    public func versions(id: String, viewer: User) async throws -> [Question] {
        try Self.requireBankReader(viewer)
        return try await self.database.read { db in
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: viewer)
            let newest = state.showsEverything(to: viewer) ? state.currentVersion : state.publishedVersion ?? 0
            return try Self.fetch(db, versions: (1...max(1, newest)).reversed().map { (id: id, version: $0) })
        }
    }

    /// Narrows a list of questions.
    public struct Filter: Sendable {
        public var course: String?
        public var knowledgePoint: String?
        public var type: QuestionType?
        public var difficulty: Int?
        public var status: ReviewStatus?

        /// Creates a filter; nil fields do not narrow.
        public init(
            course: String? = nil,
            knowledgePoint: String? = nil,
            type: QuestionType? = nil,
            difficulty: Int? = nil,
            status: ReviewStatus? = nil
        ) {
            self.course = course
            self.knowledgePoint = knowledgePoint
            self.type = type
            self.difficulty = difficulty
            self.status = status
        }
    }

    /// Questions the viewer may see, newest first, each as the version the viewer sees.
    public func list(_ filter: Filter, viewer: User, _ page: PageRequest) async throws -> Page<Question> {
        try Self.requireBankReader(viewer)
        return try await self.database.read { db in
            let everything = viewer.role == .reviewer || viewer.role == .admin
            // The version a viewer sees: the current one of what they may see unpublished, else the published one.
            let shown = ReviewedItems.viewerVersionSQL("q")
            var conditions = [ReviewedItems.visibleSQL("q")]
            var arguments: [(any DatabaseValueConvertible)?] = ReviewedItems.visibleArguments(viewer)
            func add(_ sql: String, _ value: (any DatabaseValueConvertible)?) {
                guard let value else { return }
                arguments.append(value)
                conditions.append(sql.replacingOccurrences(of: "@", with: "?\(arguments.count)"))
            }
            add("v.course = @", filter.course)
            add("v.type = @", filter.type?.rawValue)
            add("v.difficulty = @", filter.difficulty)
            add(
                "EXISTS (SELECT 1 FROM questionVersionPoints p WHERE p.question = q.id AND p.version = v.version AND p.point = @)",
                filter.knowledgePoint
            )
            add("\(ReviewedItems.viewerStatusSQL("q")) = @", filter.status?.rawValue)
            let from =
                "FROM questions q JOIN questionVersions v ON v.question = q.id AND v.version = \(shown) WHERE \(conditions.joined(separator: " AND "))"
            let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) \(from)", arguments: SQLArguments(arguments)) ?? 0
            let count = arguments.count
            let rows = try db.fetchAll(
                sql: "SELECT q.id, v.version \(from) ORDER BY q.createdAt DESC, q.id LIMIT ?\(count + 1) OFFSET ?\(count + 2)",
                arguments: SQLArguments(arguments + [page.pageSize, page.offset])
            )
            let items = try Self.fetch(db, versions: rows.map { (id: $0["id"], version: $0["version"]) }).map { question in
                var question = question
                if !everything, question.createdBy != viewer.username { question.status = .approved }
                return question
            }
            return Page(items: items, total: total, request: page)
        }
    }

    // MARK: - Rules

    /// The one life cycle of reviewed items, as questions go through it.
    static let lifecycle = ReviewedItems.questions

    private static func requireBankReader(_ user: User) throws {
        guard user.role != .learner else {
            throw GranaryError.forbidden(LocalizedText(zh: "学习者通过试卷作答，不能浏览题库", en: "Learners answer questions in papers, not in the bank"))
        }
    }

    static func notFound(_ id: String) -> GranaryError {
        Self.lifecycle.notFound(id)
    }

    /// The input over the current content (nil for a new question), checked for its type.
    private static func content(_ input: Input, over current: Question?) throws -> QuestionContent {
        var missing: [FieldError] = []
        func value<T>(_ given: T?, _ kept: T?, _ field: String) -> T? {
            if let given { return given }
            if let kept { return kept }
            missing.append(FieldError(field: field, message: LocalizedText(zh: "必填", en: "required")))
            return nil
        }
        let course = value(input.course, current?.course, "course")
        let points = value(input.knowledgePoints, current?.knowledgePoints, "knowledgePoints")
        let type = value(input.type, current?.type, "type")
        let difficulty = value(input.difficulty, current?.difficulty, "difficulty")
        let stem = value(input.stem, current?.stem, "stem")
        let answer = value(input.answer, current?.answer, "answer")
        let score = value(input.score, current?.score, "score")
        guard missing.isEmpty, let course, let points, let type, let difficulty, let stem, let answer, let score else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(
                    zh: "缺少字段 \(missing.map(\.field).joined(separator: "、"))",
                    en: "Fields \(missing.map(\.field).joined(separator: ", ")) are required"
                ),
                errors: missing
            )
        }
        // A change of type drops what the old type had and the new one cannot use.
        let typeChanged = current != nil && type != current?.type
        return try QuestionContent(
            course: course,
            knowledgePoints: points,
            type: type,
            difficulty: difficulty,
            stem: stem,
            options: input.options ?? (typeChanged && type != .single && type != .multiple ? [] : current?.options ?? []),
            answer: answer,
            analysis: input.analysis ?? current?.analysis,
            rubric: input.rubric ?? (typeChanged && type != .practical ? [] : current?.rubric ?? []),
            score: score,
            // A change of type, answer or options leaves a rule written for the old ones behind (the same ones sent
            // again keep it).
            scoring: input.scoring
                ?? (typeChanged || input.answer.map { $0 != current?.answer } == true || input.options.map { $0 != current?.options } == true
                    ? nil : current?.scoring),
            media: input.media ?? current?.media ?? [],
            attachments: input.attachments ?? current?.attachments ?? []
        )
    }

    /// The course exists and every point belongs to it; every problem is named.
    private static func checkReferences(_ db: any SQLConnection, course id: String, points: [String], media: [String]) throws {
        guard let course = try CatalogueStore.fetchCourse(db, id: id) else {
            throw GranaryError(
                .unknownCourse,
                LocalizedText(zh: "课程“\(id)”不存在", en: "Course '\(id)' does not exist"),
                errors: [FieldError(field: "course", message: LocalizedText(zh: "未知课程", en: "unknown course"))]
            )
        }
        var errors: [FieldError] = []
        for (index, id) in points.enumerated() {
            let point = try CatalogueStore.fetchPoint(db, id: id)
            if point?.course != course.id {
                errors.append(
                    FieldError(
                        field: "knowledgePoints[\(index)]",
                        message: LocalizedText(zh: "课程“\(course.name)”中没有知识点“\(id)”", en: "course '\(course.id)' has no point '\(id)'")
                    )
                )
            }
        }
        for (index, id) in media.enumerated() {
            let published = try db.fetchOne(
                Bool.self,
                sql: "SELECT \(ReviewedItems.liveSQL("resources")) FROM resources WHERE id = ?",
                arguments: [id.lowercased()]
            )
            if published != true {
                errors.append(
                    FieldError(field: "media[\(index)]", message: LocalizedText(zh: "“\(id)”不是已发布的资源", en: "'\(id)' is not a published resource"))
                )
            }
        }
        if Set(points).count != points.count {
            errors.append(FieldError(field: "knowledgePoints", message: LocalizedText(zh: "知识点重复", en: "a point is listed twice")))
        }
        guard errors.isEmpty else {
            throw GranaryError(
                .unknownKnowledgePoint,
                LocalizedText(zh: "知识（技能）点不存在、重复或不属于该课程", en: "Unknown, repeated or foreign knowledge or skill points"),
                errors: errors
            )
        }
    }

    // MARK: - Rows

    private static func insertVersion(_ db: any SQLConnection, id: String, version: Int, content: QuestionContent, author: User, at now: Date) throws
    {
        try db.execute(
            sql: """
                INSERT INTO questionVersions
                    (question, version, course, type, difficulty, stem, options, answer, analysis, rubric, score, scoring, media, attachments,
                     createdBy, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, version, content.course, content.type.rawValue, content.difficulty, content.stem, try Self.json(content.options),
                try Self.json(content.answer), content.analysis, try Self.json(content.rubric), content.score,
                try content.scoring.map { try Self.json($0) }, try Self.json(content.media.map { $0.lowercased() }),
                try Self.json(content.attachments), author.id, now,
            ]
        )
        for (position, point) in content.knowledgePoints.enumerated() {
            try db.execute(
                sql: "INSERT INTO questionVersionPoints (question, version, point, position) VALUES (?, ?, ?, ?)",
                arguments: [id, version, point, position]
            )
        }
    }

    /// Copies a version's course, type and points onto the question: what the report and the graph count.
    private static func describe(_ db: any SQLConnection, id: String, version: Int) throws {
        try db.execute(
            sql: """
                UPDATE questions SET course = v.course, type = v.type
                FROM (SELECT course, type FROM questionVersions WHERE question = ?1 AND version = ?2) AS v WHERE id = ?1
                """,
            arguments: [id, version]
        )
        try db.execute(sql: "DELETE FROM questionPoints WHERE question = ?", arguments: [id])
        try db.execute(
            sql: "INSERT INTO questionPoints (question, point) SELECT question, point FROM questionVersionPoints WHERE question = ? AND version = ?",
            arguments: [id, version]
        )
    }

    package static func fetch(_ db: any SQLConnection, id: String, version: Int) throws -> Question? {
        try Self.fetch(db, versions: [(id, version)]).first
    }

    /// These versions of questions, in the order given, with their points; pairs that do not exist are left out.
    /// Two statements whatever the number, so a page, a paper or an export costs what one question does.
    package static func fetch(_ db: any SQLConnection, versions keys: [(id: String, version: Int)]) throws -> [Question] {
        guard !keys.isEmpty else { return [] }
        guard keys.count <= 500 else {
            // SQLite takes at most 32,766 arguments in one statement.
            return try stride(from: 0, to: keys.count, by: 500).flatMap { try Self.fetch(db, versions: Array(keys[$0..<min($0 + 500, keys.count)])) }
        }
        let wanted = Set(keys.map { VersionKey(id: $0.id, version: $0.version) })
        let ids = Array(Set(keys.map(\.id)))
        let points = try Self.points(db, of: wanted, ids: ids)
        var found: [VersionKey: Question] = [:]
        let decoder = JSONDecoder()
        let rows = try db.fetchCursor(
            sql: """
                SELECT q.status, q.publishedVersion, q.createdAt AS questionCreatedAt, u.username, v.*
                FROM questions q JOIN questionVersions v ON v.question = q.id
                JOIN users u ON u.id = q.createdBy WHERE v.question IN (\(databaseQuestionMarks(count: ids.count)))
                """,
            arguments: SQLArguments(ids)
        )
        while let row = try rows.next() {
            let key = VersionKey(id: row["question"], version: row["version"])
            guard wanted.contains(key) else { continue }
            found[key] = Question(
                id: key.id,
                version: key.version,
                course: row["course"],
                knowledgePoints: points[key] ?? [],
                type: QuestionType(rawValue: row["type"])!,
                difficulty: row["difficulty"],
                stem: row["stem"],
                options: try decoder.decode([Question.Option].self, from: Data((row["options"] as String).utf8)),
                answer: try decoder.decode(JSONValue.self, from: Data((row["answer"] as String).utf8)),
                analysis: row["analysis"],
                rubric: try decoder.decode([Question.Criterion].self, from: Data((row["rubric"] as String).utf8)),
                score: row["score"],
                scoring: try (row["scoring"] as String?).map { try decoder.decode(QuestionScoring.self, from: Data($0.utf8)) },
                media: try decoder.decode([String].self, from: Data((row["media"] as String).utf8)),
                attachments: try decoder.decode([Question.Attachment].self, from: Data((row["attachments"] as String).utf8)),
                status: ReviewStatus(rawValue: row["status"])!,
                publishedVersion: row["publishedVersion"],
                createdBy: row["username"],
                createdAt: row["questionCreatedAt"],
                updatedAt: row["createdAt"]
            )
        }
        return keys.compactMap { found[VersionKey(id: $0.id, version: $0.version)] }
    }

    /// A question version's identity.
    struct VersionKey: Hashable {
        let id: String
        let version: Int
    }

    /// The points of the versions `wanted` (of the questions `ids`), in their order. By question along the primary
    /// key, other versions left out here: SQLite does not look a row-value list up in an index, and a question has
    /// few versions.
    static func points(_ db: any SQLConnection, of wanted: Set<VersionKey>, ids: [String]) throws -> [VersionKey: [String]] {
        var points: [VersionKey: [String]] = [:]
        let rows = try db.fetchCursor(
            sql: """
                SELECT question, version, point FROM questionVersionPoints WHERE question IN (\(databaseQuestionMarks(count: ids.count)))
                ORDER BY question, version, position
                """,
            arguments: SQLArguments(ids)
        )
        while let row = try rows.next() {
            let key = VersionKey(id: row["question"], version: row["version"])
            if wanted.contains(key) { points[key, default: []].append(row["point"]) }
        }
        return points
    }

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
