import Foundation
import GRDB
import GranaryAssessment
import GranaryModel
import GranaryStore

/// Offerings (课程组建): teachers assemble courses from the library's published resources and papers, preview the
/// working copy, publish it as an immutable revision, and revise it later.
public struct OfferingStore: Sendable {
    let database: LibraryDatabase

    /// Most units in one offering.
    public static let maximumUnits = 100
    /// Most items in one unit.
    public static let maximumItemsPerUnit = 200

    /// Creates the store over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
    }

    // MARK: - Writing

    /// A new draft offering of `course`.
    public func create(_ input: OfferingInput, author: User) async throws -> Offering {
        try Self.requireTeacher(author)
        var problems: [FieldError] = []
        let title = Self.checkedTitle(input.title, problems: &problems)
        Self.checkDescription(input.description, problems: &problems)
        guard let course = input.course, !course.isEmpty else {
            problems.append(FieldError(field: "course", message: LocalizedText(zh: "必填", en: "required")))
            throw Self.invalid(problems)
        }
        let id = UUID().uuidString.lowercased()
        let found = problems
        return try await self.database.write { db in
            var problems = found
            guard try CatalogueStore.fetchCourse(db, id: course) != nil else {
                throw GranaryError(
                    .unknownCourse,
                    LocalizedText(zh: "课程“\(course)”不存在", en: "Course '\(course)' does not exist"),
                    errors: [FieldError(field: "course", message: LocalizedText(zh: "未知课程", en: "unknown course"))]
                )
            }
            let units = try Self.checkedUnits(db, input.units ?? [], existing: [], problems: &problems)
            guard problems.isEmpty, let title else { throw Self.invalid(problems) }
            let now = self.database.clock.now()
            try db.execute(
                sql: """
                    INSERT INTO offerings (id, course, title, description, units, status, createdBy, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?)
                    """,
                arguments: [id, course, title, input.description, try Self.json(units), author.id, now, now]
            )
            try EventLog.record(
                db,
                actor: author.username,
                action: "offering.created",
                itemType: "offering",
                itemId: id,
                after: ["title": title, "course": course],
                at: self.database.clock.now()
            )
            return try Self.read(db, id: id, viewer: author, preview: true)
        }
    }

    /// Changes the working copy: title, description, units (the course stays). Learners see nothing of it until
    /// the next publication.
    public func update(id: String, _ input: OfferingInput, user: User) async throws -> Offering {
        var problems: [FieldError] = []
        let title = input.title == nil ? nil : Self.checkedTitle(input.title, problems: &problems)
        Self.checkDescription(input.description, problems: &problems)
        let found = problems
        return try await self.database.write { db in
            var problems = found
            let row = try Self.requireOwned(db, id: id, user: user)
            if let course = input.course, course != row["course"] as String {
                problems.append(FieldError(field: "course", message: LocalizedText(zh: "组课后不能更换所属课程", en: "the course cannot change")))
            }
            let existing = try Self.decodeUnits(row["units"])
            let units = try input.units.map { try Self.checkedUnits(db, $0, existing: existing, problems: &problems) }
            guard problems.isEmpty else { throw Self.invalid(problems) }
            try db.execute(
                sql: "UPDATE offerings SET title = ?, description = ?, units = ?, updatedAt = ? WHERE id = ?",
                arguments: [
                    title ?? row["title"] as String,
                    input.description ?? row["description"] as String?,
                    try units.map(Self.json) ?? row["units"] as String,
                    self.database.clock.now(),
                    id,
                ]
            )
            try EventLog.record(db, actor: user.username, action: "offering.updated", itemType: "offering", itemId: id, at: self.database.clock.now())
            return try Self.read(db, id: id, viewer: user, preview: true)
        }
    }

    /// Publishes the working copy as the next revision. Every item must still be published (a resource may have
    /// been retired since it was added).
    public func publish(id: String, user: User) async throws -> Offering {
        try await self.database.write { db in
            let row = try Self.requireOwned(db, id: id, user: user)
            let units = try Self.decodeUnits(row["units"])
            guard units.contains(where: { !$0.items.isEmpty }) else {
                throw GranaryError(
                    .invalidTransition,
                    LocalizedText(zh: "发布前至少要有一个单元和一项内容", en: "An offering needs at least one unit with one item to be published"),
                    errors: [FieldError(field: "units", message: LocalizedText(zh: "没有内容", en: "empty"))]
                )
            }
            var problems: [FieldError] = []
            for (u, unit) in units.enumerated() {
                for (i, item) in unit.items.enumerated() {
                    if let message = try Self.unavailable(db, item) {
                        problems.append(FieldError(field: "units[\(u)].items[\(i)].\(item.itemType)", message: message))
                    }
                }
            }
            guard problems.isEmpty else {
                throw GranaryError(.invalidTransition, LocalizedText(zh: "有内容已不可用，请先调整", en: "Some items are no longer available"), errors: problems)
            }
            let revision = (row["revision"] as Int? ?? 0) + 1
            let now = self.database.clock.now()
            try db.execute(
                sql: """
                    INSERT INTO offeringRevisions (offering, revision, title, description, units, publishedBy, publishedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, revision, row["title"] as String, row["description"] as String?, row["units"] as String, user.id, now]
            )
            for (unitPosition, unit) in units.enumerated() {
                for (position, item) in unit.items.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO offeringItems (offering, revision, unit, unitPosition, position, itemType, itemId)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [id, revision, unit.id, unitPosition + 1, position + 1, item.itemType, item.itemId]
                    )
                }
            }
            try db.execute(
                sql: "UPDATE offerings SET status = 'published', revision = ?, publishedAt = ?, updatedAt = ? WHERE id = ?",
                arguments: [revision, now, now, id]
            )
            try EventLog.record(
                db,
                actor: user.username,
                action: "offering.published",
                itemType: "offering",
                itemId: id,
                before: ["status": row["status"] as String],
                after: ["status": "published", "revision": String(revision)],
                at: self.database.clock.now()
            )
            return try Self.read(db, id: id, viewer: user, preview: true)
        }
    }

    /// Takes a published offering off the list. Enrolled learners keep it and their progress.
    public func withdraw(id: String, user: User) async throws -> Offering {
        try await self.database.write { db in
            let row = try Self.requireOwned(db, id: id, user: user)
            let status: String = row["status"]
            guard status == "published" else { throw GranaryError.invalidTransition(from: status, action: "offering.withdrawn") }
            try db.execute(sql: "UPDATE offerings SET status = 'withdrawn', updatedAt = ? WHERE id = ?", arguments: [self.database.clock.now(), id])
            try EventLog.record(
                db,
                actor: user.username,
                action: "offering.withdrawn",
                itemType: "offering",
                itemId: id,
                before: ["status": status],
                after: ["status": "withdrawn"],
                at: self.database.clock.now()
            )
            return try Self.read(db, id: id, viewer: user, preview: true)
        }
    }

    // MARK: - Reading

    /// One offering. Its author and admins see the working copy unless `preview` is false; everyone else sees the
    /// published revision, and a draft or withdrawn offering only when they are enrolled in it.
    public func offering(id: String, viewer: User, preview: Bool = true) async throws -> Offering {
        try await self.database.read { db in try Self.read(db, id: id, viewer: viewer, preview: preview) }
    }

    /// Offerings, newest first: published ones for everyone, plus a teacher's own (`mine`), optionally of one course.
    public func list(viewer: User, course: String?, mine: Bool, query: String?, _ page: PageRequest) async throws -> Page<Offering> {
        try await self.database.read { db in
            let pattern = query.flatMap { $0.isEmpty ? nil : "%" + $0.replacingOccurrences(of: "%", with: "") + "%" }
            let filter = """
                WHERE (CAST(?1 AS TEXT) IS NULL OR o.course = ?1)
                  AND (CASE WHEN ?2 = 1 THEN o.createdBy = ?3 ELSE o.status = 'published' END)
                  AND (CAST(?4 AS TEXT) IS NULL OR o.title \(db.engine.likeIgnoringCase) ?4)
                """
            let arguments: SQLArguments = [course, mine, viewer.id, pattern]
            let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM offerings o " + filter, arguments: arguments) ?? 0
            let rows = try db.fetchAll(
                sql: Self.selectRows(viewer: "?3") + filter + " ORDER BY COALESCE(o.publishedAt, o.createdAt) DESC, o.id LIMIT ?5 OFFSET ?6",
                arguments: arguments + [page.pageSize, page.offset]
            )
            return Page(items: try Self.offerings(db, rows: rows, viewer: viewer, preview: mine), total: total, request: page)
        }
    }

    // MARK: - Shared with progress and discussions

    /// The units a learner works through: the published revision's.
    static func publishedUnits(_ db: any SQLConnection, offering id: String) throws -> [Offering.Unit]? {
        guard
            let units = try db.fetchOne(
                String.self,
                sql: "SELECT r.units FROM offerings o JOIN offeringRevisions r ON r.offering = o.id AND r.revision = o.revision WHERE o.id = ?",
                arguments: [id]
            )
        else { return nil }
        return try Self.decodeUnits(units)
    }

    /// The offering's row (with its published revision and enrolment counts) when `viewer` may see it, and whether
    /// they may change it; not found for a draft or withdrawn offering they neither wrote nor enrolled in.
    static func visible(_ db: any SQLConnection, id: String, viewer: User) throws -> (row: SQLRow, owns: Bool) {
        guard
            let row = try db.fetchOne(sql: Self.selectRows(viewer: "?2") + "WHERE o.id = ?1", arguments: [id, viewer.id])
        else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id) }
        let status = Offering.Status(rawValue: row["status"]) ?? .draft
        let owns = row["createdBy"] as String == viewer.id || viewer.role == .admin
        guard owns || status == .published || (row["isEnrolled"] as Bool && row["revision"] as Int? != nil) else {
            throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id)
        }
        return (row, owns)
    }

    /// An offering's row with its published revision and enrolment counts, for `WHERE` on `o` to follow; `viewer`
    /// is the placeholder of the viewer's id.
    private static func selectRows(viewer: String) -> String {
        """
        SELECT o.*, (SELECT COUNT(*) FROM enrollments e WHERE e.offering = o.id) AS enrolled,
               EXISTS (SELECT 1 FROM enrollments e WHERE e.offering = o.id AND e.user = \(viewer)) AS isEnrolled,
               r.title AS publishedTitle, r.description AS publishedDescription, r.units AS publishedUnits
        FROM offerings o
        LEFT JOIN offeringRevisions r ON r.offering = o.id AND r.revision = o.revision

        """
    }

    static func read(_ db: any SQLConnection, id: String, viewer: User, preview: Bool) throws -> Offering {
        let (row, _) = try Self.visible(db, id: id, viewer: viewer)
        return try Self.offerings(db, rows: [row], viewer: viewer, preview: preview)[0]
    }

    /// The offerings of rows `selectRows` read, which `viewer` may see: items described and authors named in three
    /// statements however many there are.
    private static func offerings(_ db: any SQLConnection, rows: [SQLRow], viewer: User, preview: Bool) throws -> [Offering] {
        var unitLists = try rows.map { row in
            let owns = row["createdBy"] as String == viewer.id || viewer.role == .admin
            let working = owns && (preview || row["revision"] as Int? == nil)
            return try Self.decodeUnits(working ? row["units"] : row["publishedUnits"])
        }
        var all = unitLists.flatMap { $0 }
        try Self.describe(db, &all)
        var next = all.startIndex
        for index in unitLists.indices {
            unitLists[index] = Array(all[next..<next + unitLists[index].count])
            next += unitLists[index].count
        }
        let usernames = try Accounts.usernames(db, ids: Set(rows.map { $0["createdBy"] as String }))
        return zip(rows, unitLists).map { row, units in
            Self.offering(row, units: units, viewer: viewer, preview: preview, author: usernames[row["createdBy"]] ?? row["createdBy"])
        }
    }

    private static func offering(_ row: SQLRow, units: [Offering.Unit], viewer: User, preview: Bool, author: String) -> Offering {
        let owns = row["createdBy"] as String == viewer.id || viewer.role == .admin
        let status = Offering.Status(rawValue: row["status"]) ?? .draft
        let working = owns && (preview || row["revision"] as Int? == nil)
        return Offering(
            id: row["id"],
            course: row["course"],
            title: working ? row["title"] : row["publishedTitle"],
            description: working ? row["description"] : row["publishedDescription"],
            status: status,
            units: units,
            revision: row["revision"],
            unpublishedChanges: owns
                ? (row["publishedUnits"] as String? != row["units"] as String
                    || row["publishedTitle"] as String? != row["title"] as String
                    || row["publishedDescription"] as String? != row["description"] as String?) : nil,
            enrolled: row["enrolled"],
            createdBy: author,
            createdAt: row["createdAt"],
            updatedAt: row["updatedAt"],
            publishedAt: row["publishedAt"]
        )
    }

    /// Fills in each item's title, kind and course: one read for the resources and one for the papers, however many
    /// items there are.
    static func describe(_ db: any SQLConnection, _ units: inout [Offering.Unit]) throws {
        let items = units.flatMap(\.items)
        let resources = try ResourceStore.headings(db, ids: Set(items.compactMap(\.resource)))
        let papers = try PaperStore.headings(db, ids: Set(items.compactMap(\.paper)))
        for u in units.indices {
            for i in units[u].items.indices {
                let item = units[u].items[i]
                if let heading = item.resource.flatMap({ resources[$0] }) {
                    units[u].items[i].title = heading.title
                    units[u].items[i].kind = heading.kind
                    units[u].items[i].course = heading.course
                } else if let heading = item.paper.flatMap({ papers[$0] }) {
                    units[u].items[i].title = heading.title
                    units[u].items[i].course = heading.course
                }
            }
        }
    }

    static func decodeUnits(_ json: String) throws -> [Offering.Unit] {
        try JSONDecoder().decode([Offering.Unit].self, from: Data(json.utf8))
    }

    // MARK: - Checks

    private static func requireTeacher(_ user: User) throws {
        guard user.role == .teacher || user.role == .admin else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有教师和管理员能组课", en: "Only teachers and admins assemble offerings"))
        }
    }

    /// The offering's row, when `user` is its author or an admin.
    private static func requireOwned(_ db: any SQLConnection, id: String, user: User) throws -> SQLRow {
        guard let row = try db.fetchOne(sql: "SELECT * FROM offerings WHERE id = ?", arguments: [id]) else {
            throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id)
        }
        guard row["createdBy"] as String == user.id || user.role == .admin else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有组课教师本人和管理员能修改", en: "Only the offering's author and admins may change it"))
        }
        return row
    }

    private static func checkedTitle(_ title: String?, problems: inout [FieldError]) -> String? {
        let trimmed = title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !trimmed.isEmpty, trimmed.count <= 200 else {
            problems.append(FieldError(field: "title", message: LocalizedText(zh: "标题不能为空，且不超过 200 字", en: "1 to 200 characters")))
            return nil
        }
        return trimmed
    }

    private static func checkDescription(_ description: String?, problems: inout [FieldError]) {
        if let description, description.count > 5000 {
            problems.append(FieldError(field: "description", message: LocalizedText(zh: "简介不超过 5000 字", en: "at most 5000 characters")))
        }
    }

    /// Checks units as sent and gives each an id: the one sent when it is well-formed, else a new one.
    private static func checkedUnits(
        _ db: any SQLConnection,
        _ input: [OfferingInput.Unit],
        existing: [Offering.Unit],
        problems: inout [FieldError]
    ) throws -> [Offering.Unit] {
        if input.count > Self.maximumUnits {
            problems.append(
                FieldError(field: "units", message: LocalizedText(zh: "最多 \(Self.maximumUnits) 个单元", en: "at most \(Self.maximumUnits) units"))
            )
            return []
        }
        var units: [Offering.Unit] = []
        var seenUnits: Set<String> = []
        var seenItems: Set<String> = []
        for (u, unit) in input.enumerated() {
            let title = unit.title.trimmingCharacters(in: .whitespacesAndNewlines)
            if title.isEmpty || title.count > 100 {
                problems.append(FieldError(field: "units[\(u)].title", message: LocalizedText(zh: "单元标题不能为空，且不超过 100 字", en: "1 to 100 characters")))
            }
            var id = unit.id ?? Self.newUnitID()
            if unit.id != nil, !Self.isUnitID(id) {
                problems.append(
                    FieldError(field: "units[\(u)].id", message: LocalizedText(zh: "单元编号只能含字母、数字、- 和 _", en: "letters, digits, - and _ only"))
                )
            }
            if !seenUnits.insert(id).inserted {
                problems.append(FieldError(field: "units[\(u)].id", message: LocalizedText(zh: "单元编号重复", en: "listed twice")))
                id = Self.newUnitID()
            }
            if unit.items.count > Self.maximumItemsPerUnit {
                problems.append(
                    FieldError(
                        field: "units[\(u)].items",
                        message: LocalizedText(zh: "每个单元最多 \(Self.maximumItemsPerUnit) 项", en: "at most \(Self.maximumItemsPerUnit) items")
                    )
                )
                continue
            }
            var items: [Offering.Item] = []
            for (i, item) in unit.items.enumerated() {
                let field = "units[\(u)].items[\(i)]"
                guard (item.resource == nil) != (item.paper == nil) else {
                    problems.append(
                        FieldError(field: field, message: LocalizedText(zh: "每项须给出 resource 或 paper 之一", en: "give either resource or paper"))
                    )
                    continue
                }
                let clean = Offering.Item(resource: item.resource?.lowercased(), paper: item.paper?.lowercased())
                if let message = try Self.unavailable(db, clean) {
                    problems.append(FieldError(field: field + "." + clean.itemType, message: message))
                    continue
                }
                if !seenItems.insert(clean.itemType + ":" + clean.itemId).inserted {
                    problems.append(FieldError(field: field, message: LocalizedText(zh: "同一内容在课程中重复出现", en: "already in this offering")))
                    continue
                }
                items.append(clean)
            }
            units.append(Offering.Unit(id: id, title: title, items: items))
        }
        return units
    }

    /// Why an item cannot be in an offering, or nil when it can: resources must be approved and published, papers must exist.
    private static func unavailable(_ db: any SQLConnection, _ item: Offering.Item) throws -> LocalizedText? {
        if let resource = item.resource {
            guard let state = try ReviewedItems.resources.state(db, id: resource), state.publishedVersion != nil else {
                return LocalizedText(zh: "资源“\(resource)”不存在或未审核发布", en: "resource '\(resource)' does not exist or is not published")
            }
            return state.status == .retired ? LocalizedText(zh: "资源“\(resource)”已下架", en: "resource '\(resource)' is retired") : nil
        }
        let paper = item.paper ?? ""
        return try !PaperStore.headings(db, ids: [paper]).isEmpty
            ? nil : LocalizedText(zh: "试卷“\(paper)”不存在", en: "paper '\(paper)' does not exist")
    }

    private static func isUnitID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    private static func newUnitID() -> String {
        "u-" + UUID().uuidString.lowercased().prefix(8)
    }

    private static func invalid(_ problems: [FieldError]) -> GranaryError {
        GranaryError(.validationFailed, LocalizedText(zh: "组课内容有误", en: "The offering is not valid"), errors: problems)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

extension OfferingStore: PaperOfferings {
    /// Whether `teacher` published an offering, in any revision, that gives `paper`: such a teacher grades its attempts.
    public func offer(_ db: any SQLConnection, paper: String, publishedBy teacher: String) throws -> Bool {
        try db.fetchOne(
            Bool.self,
            sql: """
                SELECT EXISTS (
                    SELECT 1 FROM offeringItems i JOIN offerings o ON o.id = i.offering
                    WHERE i.itemType = 'paper' AND i.itemId = ? AND o.createdBy = ?
                )
                """,
            arguments: [paper, teacher]
        ) ?? false
    }
}
