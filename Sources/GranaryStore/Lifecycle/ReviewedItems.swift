import Foundation
import GRDB
import GranaryModel

/// The one life cycle of reviewed, versioned items: resources and questions today, offerings and textbooks next.
///
/// An item has immutable versions; `currentVersion` is the newest, `publishedVersion` the one the last approval
/// published. Its status moves:
///
/// - draft, rejected or changes requested → pending (`submit`); a new version of a pending or approved item goes
///   (back) to pending, of any other to draft, and an approved item keeps showing its published version meanwhile;
/// - pending → approved, rejected or changes requested, by a reviewer's decision (`decide`);
/// - anything → retired (`retire`): hidden everywhere, history kept.
///
/// Visibility is one rule, written here once for Swift (`ReviewedState.isVisible(to:)`) and once for SQL
/// (`visibleSQL`, `liveSQL`): reviewers, admins and the author see every version; everyone else sees only the
/// published version of an item that is not retired. Authoring is one rule too: teachers write, and only the
/// author or an admin changes an item.
public struct ReviewedItems: Sendable {
    /// Which kind of item.
    public let kind: ReviewItemType
    /// The table with the life-cycle columns (id, currentVersion, publishedVersion, status, createdBy, createdAt,
    /// updatedAt, submittedAt).
    let table: String
    /// What the item is called in messages.
    let noun: LocalizedText
    /// How the current version is named in the review queue: a join to the table aliased `t`, and the columns
    /// `title` (a question's stem, cut), `kind` and `course` it gives.
    let heading: (join: String, columns: String)
    /// What publishing a version does beyond the life-cycle columns, in the deciding transaction.
    let publishing: @Sendable (_ db: any SQLConnection, _ id: String, _ version: Int) throws -> Void

    /// Resources: publishing copies the version's report facts (major, course, kind, original) onto the row.
    public static let resources = ReviewedItems(
        kind: .resource,
        table: "resources",
        noun: LocalizedText(zh: "资源", en: "Resource"),
        heading: ("JOIN resourceVersions h ON h.resource = t.id AND h.version = t.currentVersion", "h.title, h.kind, h.course"),
        publishing: ResourceStore.didPublish
    )

    /// Questions: publishing makes the published version the one the report and the graph count.
    public static let questions = ReviewedItems(
        kind: .question,
        table: "questions",
        noun: LocalizedText(zh: "试题", en: "Question"),
        heading: (
            "LEFT JOIN questionVersions h ON h.question = t.id AND h.version = t.currentVersion",
            "COALESCE(substr(h.stem, 1, 80), t.id) AS title, NULL AS kind, t.course"
        ),
        publishing: QuestionStore.didPublish
    )

    /// The life cycle of `kind`.
    public static func of(_ kind: ReviewItemType) -> ReviewedItems {
        switch kind {
        case .resource: .resources
        case .question: .questions
        }
    }

    // MARK: - State

    /// Resource ids are lower-case UUIDs, accepted in any case.
    public func key(_ id: String) -> String {
        self.kind == .resource ? id.lowercased() : id
    }

    /// The item's life-cycle columns, or nil when there is no such item.
    public func state(_ db: any SQLConnection, id: String) throws -> ReviewedState? {
        try db.fetchOne(
            sql: "SELECT id, currentVersion, publishedVersion, status, createdBy, submittedAt, updatedAt FROM \(self.table) WHERE id = ?",
            arguments: [self.key(id)]
        ).map(Self.state(from:))
    }

    private static func state(from row: SQLRow) -> ReviewedState {
        ReviewedState(
            id: row["id"],
            currentVersion: row["currentVersion"],
            publishedVersion: row["publishedVersion"],
            status: ReviewStatus(rawValue: row["status"])!,
            createdBy: row["createdBy"],
            submittedAt: (row["submittedAt"] as Date?) ?? (row["updatedAt"] as Date)
        )
    }

    /// The item as `viewer` may know it; an item they may not see does not exist for them (404, not 403).
    public func visibleState(_ db: any SQLConnection, id: String, viewer: User) throws -> ReviewedState {
        guard let state = try self.state(db, id: id), state.isVisible(to: viewer) else { throw self.notFound(id) }
        return state
    }

    /// The 404 of an item that does not exist for the caller.
    public func notFound(_ id: String) -> GranaryError {
        GranaryError.notFound(self.noun, id)
    }

    // MARK: - Authoring

    /// Teachers and admins write items; reviewers review and learners learn.
    public func requireAuthor(_ user: User) throws {
        guard user.role == .teacher || user.role == .admin else {
            throw GranaryError.forbidden(
                LocalizedText(zh: "只有教师和管理员能编写\(self.noun.zh)", en: "Only teachers and admins write \(self.noun.en.lowercased())s")
            )
        }
    }

    /// Only the author (still a teacher) or an admin changes an item, and nobody changes a retired one.
    public func checkEditable(_ state: ReviewedState, by actor: User, action: String) throws {
        guard actor.role == .admin || (actor.role == .teacher && state.createdBy == actor.id) else {
            throw GranaryError.forbidden(
                LocalizedText(
                    zh: "只能修改自己的\(self.noun.zh)",
                    en: "Only the author or an admin may change this \(self.noun.en.lowercased())"
                )
            )
        }
        guard state.status != .retired else { throw GranaryError.invalidTransition(from: state.status.rawValue, action: action) }
    }

    /// Inserts the row of a new item: version 1, a draft.
    public func insertDraft(
        _ db: any SQLConnection,
        id: String,
        author: User,
        at now: Date,
        columns: [String: any DatabaseValueConvertible] = [:]
    ) throws {
        let extra = columns.sorted { $0.key < $1.key }
        try db.execute(
            sql: """
                INSERT INTO \(self.table) (id, currentVersion, status, createdBy, createdAt, updatedAt\(extra.map { ", " + $0.key }.joined()))
                VALUES (?, 1, 'draft', ?, ?, ?\(String(repeating: ", ?", count: extra.count)))
                """,
            arguments: SQLArguments([id, author.id, now, now] as [any DatabaseValueConvertible] + extra.map(\.value))
        )
    }

    /// Makes `version` (already inserted) the current one. A pending or approved item goes (back) to the end of
    /// the review queue, keeping its published version visible; any other becomes a draft.
    @discardableResult
    public func advance(_ db: any SQLConnection, _ state: ReviewedState, to version: Int, at now: Date) throws -> ReviewStatus {
        let status: ReviewStatus = [.approved, .pending].contains(state.status) ? .pending : .draft
        try db.execute(
            sql: """
                UPDATE \(self.table) SET currentVersion = ?1, status = ?2, updatedAt = ?3,
                    submittedAt = CASE WHEN ?2 = 'pending' THEN ?3 END WHERE id = ?4
                """,
            arguments: [version, status.rawValue, now, state.id]
        )
        return status
    }

    // MARK: - Transitions

    /// What an author or admin may do to an item's status.
    public enum Transition: String, Sendable {
        /// Into the review queue, from draft, rejected or changes requested.
        case submit = "submitted"
        /// Out of use, from any state but retired.
        case retire = "retired"

        var allowed: Set<ReviewStatus> {
            switch self {
            case .submit: [.draft, .changesRequested, .rejected]
            case .retire: Set(ReviewStatus.allCases).subtracting([.retired])
            }
        }

        var target: ReviewStatus {
            switch self {
            case .submit: .pending
            case .retire: .retired
            }
        }
    }

    /// Moves an item its author (or an admin) controls, and records `<kind>.submitted` or `<kind>.retired`.
    public func transition(_ db: any SQLConnection, id: String, _ transition: Transition, actor: User, at now: Date) throws -> ReviewedState {
        let state = try self.visibleState(db, id: id, viewer: actor)
        let action = "\(self.kind.rawValue).\(transition.rawValue)"
        try self.checkEditable(state, by: actor, action: action)
        guard transition.allowed.contains(state.status) else { throw GranaryError.invalidTransition(from: state.status.rawValue, action: action) }
        try db.execute(
            sql: "UPDATE \(self.table) SET status = ?1, updatedAt = ?2, submittedAt = CASE WHEN ?1 = 'pending' THEN ?2 END WHERE id = ?3",
            arguments: [transition.target.rawValue, now, state.id]
        )
        try EventLog.record(
            db,
            actor: actor.username,
            action: action,
            itemType: self.kind.rawValue,
            itemId: state.id,
            before: ["status": state.status.rawValue],
            after: ["status": transition.target.rawValue],
            at: now
        )
        return try self.state(db, id: state.id)!
    }

    /// Applies a reviewer's decision on the pending current version: approval publishes it, the others send the
    /// item back to its author. The review service checks who decides and records the decision and its event.
    public func decide(_ db: any SQLConnection, _ state: ReviewedState, _ decision: ReviewDecision, at now: Date) throws {
        guard state.status == .pending else {
            throw GranaryError.invalidTransition(from: state.status.rawValue, action: "review.\(decision.rawValue)")
        }
        switch decision {
        case .approve:
            try self.publishCurrentVersion(db, state, at: now)
        case .reject, .requestChanges:
            try db.execute(
                sql: "UPDATE \(self.table) SET status = ?, submittedAt = NULL, updatedAt = ? WHERE id = ?",
                arguments: [decision.resultingStatus.rawValue, now, state.id]
            )
        }
    }

    /// Publishes the current version: it becomes what everyone sees. Only a decision calls it, and tests that
    /// need published items without the review around it.
    package func publishCurrentVersion(_ db: any SQLConnection, _ state: ReviewedState, at now: Date) throws {
        try db.execute(
            sql: "UPDATE \(self.table) SET status = 'approved', publishedVersion = currentVersion, submittedAt = NULL, updatedAt = ? WHERE id = ?",
            arguments: [now, state.id]
        )
        try self.publishing(db, state.id, state.currentVersion)
    }

    /// Publishes the current version of the item `id`, for tests.
    package func publishCurrentVersion(_ db: any SQLConnection, id: String, at now: Date = Date()) throws {
        guard let state = try self.state(db, id: id) else { throw self.notFound(id) }
        try self.publishCurrentVersion(db, state, at: now)
    }

    /// One entry of the review queue: the item and how its version under review is named.
    public struct Pending: Sendable {
        public let state: ReviewedState
        public let title: String
        public let kind: ResourceKind?
        public let course: String
        /// The author's username.
        public let author: String
    }

    /// The review queue: pending items, oldest submission first, and how many there are.
    public func pending(_ db: any SQLConnection, limit: Int, offset: Int) throws -> (items: [Pending], total: Int) {
        let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM \(self.table) WHERE status = 'pending'") ?? 0
        let rows = try db.fetchAll(
            sql: """
                SELECT t.id, t.currentVersion, t.publishedVersion, t.status, t.createdBy, t.submittedAt, t.updatedAt, \(self.heading.columns)
                FROM \(self.table) t \(self.heading.join)
                WHERE t.status = 'pending' ORDER BY COALESCE(t.submittedAt, t.updatedAt), t.id LIMIT ? OFFSET ?
                """,
            arguments: [limit, offset]
        )
        let authors = try Accounts.usernames(db, ids: Set(rows.map { $0["createdBy"] as String }))
        let items = rows.map { row in
            Pending(
                state: Self.state(from: row),
                title: row["title"],
                kind: (row["kind"] as String?).flatMap(ResourceKind.init(rawValue:)),
                course: row["course"],
                author: authors[row["createdBy"]] ?? row["createdBy"]
            )
        }
        return (items, total)
    }

    // MARK: - The visibility rule in SQL

    /// True for an item everyone may see (its published version, not retired), for the table aliased `alias`.
    public static func liveSQL(_ alias: String) -> String {
        "(\(alias).publishedVersion IS NOT NULL AND \(alias).status <> 'retired')"
    }

    /// True for an item `viewer` may see; bind `visibleArguments(viewer)` at `?first` and `?first+1`.
    public static func visibleSQL(_ alias: String, first: Int = 1) -> String {
        "(?\(first) = 1 OR \(alias).createdBy = ?\(first + 1) OR \(Self.liveSQL(alias)))"
    }

    /// The arguments of `visibleSQL`: whether the viewer sees every version, and their id.
    public static func visibleArguments(_ viewer: User) -> [any DatabaseValueConvertible] {
        [viewer.role == .reviewer || viewer.role == .admin, viewer.id]
    }

    /// The version `viewer` is shown of the item aliased `alias` (with `visibleArguments` bound at ?1 and ?2): the
    /// current one to those who see everything, the published one to everyone else.
    public static func viewerVersionSQL(_ alias: String) -> String {
        "(CASE WHEN ?1 = 1 OR \(alias).createdBy = ?2 THEN \(alias).currentVersion ELSE \(alias).publishedVersion END)"
    }

    /// The status `viewer` is shown (bound as `viewerVersionSQL`): the real one to those who see everything;
    /// everyone else only sees published versions, as approved, whatever a newer version is going through.
    public static func viewerStatusSQL(_ alias: String) -> String {
        "(CASE WHEN ?1 = 1 OR \(alias).createdBy = ?2 THEN \(alias).status ELSE 'approved' END)"
    }

    /// The version that stands for the item aliased `alias` in what is derived for everyone (search, analytics):
    /// the published one once there is one, the current draft before.
    public static func standingVersionSQL(_ alias: String) -> String {
        "COALESCE(\(alias).publishedVersion, \(alias).currentVersion)"
    }
}

/// The life-cycle columns of one reviewed item.
public struct ReviewedState: Sendable, Equatable {
    public let id: String
    public let currentVersion: Int
    public let publishedVersion: Int?
    public let status: ReviewStatus
    /// The author's user id.
    public let createdBy: String
    /// When it last entered the review queue (its last change, for rows from before the queue kept it).
    public let submittedAt: Date

    /// Published and not retired: what everyone may see.
    public var isLive: Bool { self.publishedVersion != nil && self.status != .retired }

    /// Reviewers, admins and the author see every version and the real status.
    public func showsEverything(to viewer: User) -> Bool {
        viewer.role == .reviewer || viewer.role == .admin || self.createdBy == viewer.id
    }

    /// Whether the item exists at all for `viewer`.
    public func isVisible(to viewer: User) -> Bool {
        self.showsEverything(to: viewer) || self.isLive
    }

    /// The version `viewer` gets when asking for `requested` (nil: the newest they may see); asking for another
    /// than the published one without seeing everything is 403.
    public func shownVersion(requested: Int?, viewer: User) throws -> Int {
        guard self.showsEverything(to: viewer) else {
            guard requested == nil || requested == self.publishedVersion, let published = self.publishedVersion else {
                throw GranaryError.forbidden(LocalizedText(zh: "只能查看已发布的版本", en: "Only the published version may be seen"))
            }
            return published
        }
        return requested ?? self.currentVersion
    }
}
