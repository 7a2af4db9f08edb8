import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// Threaded discussion (讨论区) per unit of an offering: learners ask, teachers answer, and the offering's teacher
/// can hide a post (the event keeps who hid it and why; the post itself is never deleted).
public struct DiscussionStore: Sendable {
    let database: LibraryDatabase

    /// Longest post, in characters.
    public static let maximumLength = 5000

    /// Creates the store over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
    }

    /// The threads of one unit, oldest first, each with its replies. Hidden posts keep their place; their text is
    /// shown only to the offering's teacher and admins.
    public func threads(offering: String, unit: String, viewer: User, _ page: PageRequest) async throws -> Page<Post> {
        try await self.database.read { db in
            let owner = try Self.checkUnit(db, offering: offering, unit: unit, viewer: viewer)
            let total =
                try db.fetchOne(
                    Int.self,
                    sql: "SELECT COUNT(*) FROM posts WHERE offering = ? AND unit = ? AND parent IS NULL",
                    arguments: [offering, unit]
                ) ?? 0
            let threads = try Self.fetch(
                db,
                where: "p.offering = ? AND p.unit = ? AND p.parent IS NULL ORDER BY p.createdAt, p.id LIMIT ? OFFSET ?",
                arguments: [offering, unit, page.pageSize, page.offset],
                owner: owner,
                viewer: viewer
            )
            var items: [Post] = []
            for var thread in threads {
                thread.replies = try Self.fetch(
                    db,
                    where: "p.parent = ? ORDER BY p.createdAt, p.id",
                    arguments: [thread.id],
                    owner: owner,
                    viewer: viewer
                )
                items.append(thread)
            }
            return Page(items: items, total: total, request: page)
        }
    }

    /// A new thread, or a reply to `parent` (a reply to a reply joins the same thread).
    public func post(offering: String, unit: String, body: String, parent: String?, author: User) async throws -> Post {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= Self.maximumLength else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "内容不能为空，且不超过 \(Self.maximumLength) 字", en: "A post is 1 to \(Self.maximumLength) characters"),
                errors: [FieldError(field: "body", message: LocalizedText(zh: "长度不对", en: "wrong length"))]
            )
        }
        return try await self.database.write { db in
            let owner = try Self.checkUnit(db, offering: offering, unit: unit, viewer: author)
            let enrolled =
                try db.fetchOne(Bool.self, sql: "SELECT 1 FROM enrollments WHERE offering = ? AND user = ?", arguments: [offering, author.id]) == true
            guard enrolled || owner || author.role == .teacher else {
                throw GranaryError.forbidden(LocalizedText(zh: "选修这门课程后才能参与讨论", en: "Enrol in the offering to join its discussion"))
            }
            var root: String?
            if let parent {
                guard
                    let row = try db.fetchOne(
                        sql: "SELECT id, parent FROM posts WHERE id = ? AND offering = ? AND unit = ?",
                        arguments: [parent.lowercased(), offering, unit]
                    )
                else {
                    throw GranaryError(
                        .validationFailed,
                        LocalizedText(zh: "要回复的帖子不在这个单元", en: "The post replied to is not in this unit"),
                        errors: [FieldError(field: "parent", message: LocalizedText(zh: "未知帖子", en: "unknown post"))]
                    )
                }
                root = row["parent"] ?? row["id"]
            }
            let id = UUID().uuidString.lowercased()
            try db.execute(
                sql: "INSERT INTO posts (id, offering, unit, parent, author, body, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [id, offering, unit, root, author.id, text, self.database.clock.now()]
            )
            try EventLog.record(
                db,
                actor: author.username,
                action: "post.created",
                itemType: "post",
                itemId: id,
                after: ["offering": offering, "unit": unit],
                at: self.database.clock.now()
            )
            return try Self.fetch(db, where: "p.id = ?", arguments: [id], owner: owner, viewer: author)[0]
        }
    }

    /// Hides a post. Only the offering's teacher and admins may; the reason goes into the audit trail.
    public func hide(post id: String, reason: String?, user: User) async throws -> Post {
        try await self.database.write { db in
            guard
                let row = try db.fetchOne(
                    sql: "SELECT p.hiddenAt, o.createdBy FROM posts p JOIN offerings o ON o.id = p.offering WHERE p.id = ?",
                    arguments: [id]
                )
            else { throw GranaryError.notFound(LocalizedText(zh: "帖子", en: "Post"), id) }
            guard row["createdBy"] as String == user.id || user.role == .admin else {
                throw GranaryError.forbidden(LocalizedText(zh: "只有授课教师和管理员能隐藏帖子", en: "Only the offering's teacher and admins hide posts"))
            }
            guard row["hiddenAt"] as Date? == nil else { throw GranaryError.invalidTransition(from: "hidden", action: "post.hidden") }
            try db.execute(sql: "UPDATE posts SET hiddenAt = ?, hiddenBy = ? WHERE id = ?", arguments: [self.database.clock.now(), user.id, id])
            try EventLog.record(
                db,
                actor: user.username,
                action: "post.hidden",
                itemType: "post",
                itemId: id,
                before: ["hidden": "false"],
                after: ["hidden": "true", "reason": String((reason ?? "").prefix(500))],
                at: self.database.clock.now()
            )
            return try Self.fetch(db, where: "p.id = ?", arguments: [id], owner: true, viewer: user)[0]
        }
    }

    // MARK: - 答疑

    /// Keeps the passages suggested to a question its author just asked (at most 5), for everyone who reads the thread.
    public func keep(suggestions: [Post.Suggestion], for post: Post, author: User) async throws -> Post {
        guard post.parent == nil, !suggestions.isEmpty else { return post }
        return try await self.database.write { db in
            guard try db.fetchOne(String.self, sql: "SELECT author FROM posts WHERE id = ?", arguments: [post.id]) == author.id else {
                throw GranaryError.notFound(LocalizedText(zh: "帖子", en: "Post"), post.id)
            }
            try db.execute(sql: "DELETE FROM postSuggestions WHERE post = ?", arguments: [post.id])
            for (position, suggestion) in suggestions.prefix(5).enumerated() {
                try db.execute(
                    sql: "INSERT INTO postSuggestions (post, position, resource, title, passage) VALUES (?, ?, ?, ?, ?)",
                    arguments: [post.id, position, suggestion.resource, suggestion.title, String(suggestion.passage.prefix(300))]
                )
            }
            var kept = post
            kept.suggestions = Array(suggestions.prefix(5))
            return kept
        }
    }

    /// Marks a reply as the answer to its thread (解答); only the offering's teacher and admins may, and a thread has
    /// one answer (marking another moves the mark). The question and the answer are then found by `answers`.
    public func markAnswer(post id: String, user: User) async throws -> Post {
        try await self.database.write { db in
            guard
                let row = try db.fetchOne(
                    sql:
                        "SELECT p.parent, p.hiddenAt, p.offering, p.unit, o.createdBy FROM posts p JOIN offerings o ON o.id = p.offering WHERE p.id = ?",
                    arguments: [id]
                )
            else { throw GranaryError.notFound(LocalizedText(zh: "帖子", en: "Post"), id) }
            guard row["createdBy"] as String == user.id || user.role == .admin else {
                throw GranaryError.forbidden(LocalizedText(zh: "只有授课教师和管理员能标记解答", en: "Only the offering's teacher and admins mark answers"))
            }
            guard let parent = row["parent"] as String?, row["hiddenAt"] as Date? == nil else {
                throw GranaryError(
                    .conflict,
                    LocalizedText(zh: "只有未隐藏的回复可以标为解答", en: "Only a reply that is not hidden can be the answer")
                )
            }
            let now = self.database.clock.now()
            try db.execute(sql: "UPDATE posts SET answeredAt = NULL WHERE parent = ? AND answeredAt IS NOT NULL", arguments: [parent])
            try db.execute(sql: "UPDATE posts SET answeredAt = ? WHERE id = ?", arguments: [now, id])
            try EventLog.record(db, actor: user.username, action: "post.answered", itemType: "post", itemId: id, after: ["thread": parent], at: now)
            return try Self.fetch(db, where: "p.id = ?", arguments: [id], owner: true, viewer: user)[0]
        }
    }

    /// The questions of published offerings whose answer a teacher marked, newest answer first: every term of
    /// `query` (split at spaces) in the question or the answer, of `course` only when given. Hidden posts are left out.
    public func answers(query: String, course: String?, _ page: PageRequest) async throws -> Page<QuestionAnswer> {
        var conditions = [
            "a.answeredAt IS NOT NULL", "a.hiddenAt IS NULL", "q.hiddenAt IS NULL", "o.status = 'published'",
        ]
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let course {
            conditions.append("o.course = ?")
            arguments.append(course)
        }
        for term in query.split(whereSeparator: \.isWhitespace).prefix(8) {
            let escaped = term.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            conditions.append("(LOWER(q.body) LIKE ? ESCAPE '\\' OR LOWER(a.body) LIKE ? ESCAPE '\\')")
            arguments += ["%\(escaped)%", "%\(escaped)%"]
        }
        let from = "FROM posts a JOIN posts q ON q.id = a.parent JOIN offerings o ON o.id = a.offering WHERE " + conditions.joined(separator: " AND ")
        let filterArguments = SQLArguments(arguments)
        let pageArguments = SQLArguments(arguments + [page.pageSize, page.offset])
        return try await self.database.read { db in
            let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) \(from)", arguments: filterArguments) ?? 0
            let rows = try db.fetchAll(
                sql: """
                    SELECT a.id, a.body AS answer, a.author, a.answeredAt, a.unit, q.id AS question, q.body AS asked, q.createdAt AS askedAt,
                           o.id AS offering, o.title, o.course
                    \(from) ORDER BY a.answeredAt DESC, a.id LIMIT ? OFFSET ?
                    """,
                arguments: pageArguments
            )
            let people = try Accounts.people(db, ids: Set(rows.map { $0["author"] as String }))
            let items = rows.map { row in
                QuestionAnswer(
                    question: row["question"],
                    asked: row["asked"],
                    askedAt: row["askedAt"],
                    answer: row["id"],
                    answered: row["answer"],
                    answeredBy: people[row["author"]]?.displayName ?? row["author"],
                    answeredAt: row["answeredAt"],
                    offering: row["offering"],
                    offeringTitle: row["title"],
                    course: row["course"],
                    unit: row["unit"]
                )
            }
            return Page(items: items, total: total, request: page)
        }
    }

    /// Every post `user` wrote, hidden ones too, oldest first (their data export).
    public func posts(by user: User) async throws -> [Post] {
        try await self.database.read { db in
            try Self.fetch(db, where: "p.author = ? ORDER BY p.createdAt, p.id", arguments: [user.id], owner: false, viewer: user)
        }
    }

    // MARK: - Shared

    /// Checks that the unit is in the offering as `viewer` sees it; returns whether `viewer` teaches it.
    private static func checkUnit(_ db: any SQLConnection, offering: String, unit: String, viewer: User) throws -> Bool {
        let (row, owner) = try OfferingStore.visible(db, id: offering, viewer: viewer)
        // Everyone's units are the published revision's; the teacher also discusses units of the working copy.
        var units = try (row["publishedUnits"] as String?).map(OfferingStore.decodeUnits) ?? []
        if owner { units += try OfferingStore.decodeUnits(row["units"]) }
        guard units.contains(where: { $0.id == unit }) else {
            throw GranaryError.notFound(LocalizedText(zh: "单元", en: "Unit"), unit)
        }
        return owner
    }

    private static func fetch(
        _ db: any SQLConnection,
        where clause: String,
        arguments: SQLArguments,
        owner: Bool,
        viewer: User
    ) throws -> [Post] {
        let rows = try db.fetchAll(sql: "SELECT p.* FROM posts p WHERE \(clause)", arguments: arguments)
        let authors = try Accounts.people(db, ids: Set(rows.map { $0["author"] as String }))
        // The passages suggested to each question (threads only).
        var suggestions: [String: [Post.Suggestion]] = [:]
        let threads = rows.filter { ($0["parent"] as String?) == nil }.map { $0["id"] as String }
        if !threads.isEmpty {
            for row in try db.fetchAll(
                sql:
                    "SELECT post, resource, title, passage FROM postSuggestions WHERE post IN (\(databaseQuestionMarks(count: threads.count))) ORDER BY post, position",
                arguments: SQLArguments(threads)
            ) {
                suggestions[row["post"], default: []].append(Post.Suggestion(resource: row["resource"], title: row["title"], passage: row["passage"]))
            }
        }
        return rows.map { row in
            let hidden = row["hiddenAt"] as Date? != nil
            let mine = row["author"] as String == viewer.id
            let author = authors[row["author"]]
            return Post(
                id: row["id"],
                offering: row["offering"],
                unit: row["unit"],
                parent: row["parent"],
                author: author?.username ?? row["author"],
                authorName: author?.displayName ?? row["author"],
                byTeacher: author.map { [.teacher, .admin].contains($0.role) } ?? false,
                body: hidden && !owner && !mine ? nil : row["body"],
                hidden: hidden,
                createdAt: row["createdAt"],
                replies: nil,
                answer: row["answeredAt"] as Date? != nil,
                suggestions: (row["parent"] as String?) == nil ? suggestions[row["id"]] ?? [] : nil
            )
        }
    }
}
