import Foundation
import GRDB
import GranaryModel

/// The library's own course system: majors, courses, knowledge/skill points, jobs and talent plans.
public struct CatalogueStore: Sendable {
    /// Largest number of served majors a library may have besides its core major.
    public static let maximumServedMajors = 5
    /// Item types of the events that change the course system (a plan's event is its major's).
    public static let itemTypes: Set<String> = ["major", "course", "point", "job", "catalogue"]

    let database: LibraryDatabase
    let national: NationalCatalogue
    let occupations: OccupationClassification
    /// What this node has read of the catalogue since it last changed.
    let reads: RememberedReads

    /// Creates the store over `database`, checking major codes against `national` and job codes against `occupations`.
    public init(database: LibraryDatabase, national: NationalCatalogue, occupations: OccupationClassification) {
        self.database = database
        self.national = national
        self.occupations = occupations
        self.reads = RememberedReads(feed: database.feed, forgettingOn: Self.itemTypes)
    }

    // MARK: - Majors

    /// Adds a major; its code must be in the 2021 catalogue. Name and level default to the catalogue's.
    public func createMajor(code: String, name: String?, level: MajorLevel?, role: MajorRole, actor: String) async throws -> Major {
        guard let entry = self.national.major(code: code) else {
            throw GranaryError(
                .unknownMajor,
                LocalizedText(zh: "专业代码“\(code)”不在 2021 年职业教育专业目录中", en: "Major code '\(code)' is not in the 2021 catalogue"),
                errors: [FieldError(field: "code", message: LocalizedText(zh: "未知的专业代码", en: "unknown major code"))]
            )
        }
        if let level, level != entry.level {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "专业“\(code)”属于\(entry.level.rawValue)层次", en: "Major '\(code)' belongs to level \(entry.level.rawValue)"),
                errors: [FieldError(field: "level", message: LocalizedText(zh: "层次与目录不符", en: "level does not match the catalogue"))]
            )
        }
        let major = Major(code: code, name: name?.isEmpty == false ? name! : entry.name, level: entry.level, role: role)
        try await self.database.write { db in
            if try Self.fetchMajor(db, code: code) != nil {
                throw GranaryError(.conflict, LocalizedText(zh: "专业“\(code)”已存在", en: "Major '\(code)' already exists"))
            }
            try Self.insertMajor(db, major, actor: actor, at: self.database.clock.now())
        }
        return major
    }

    static func insertMajor(_ db: any SQLConnection, _ major: Major, actor: String, at now: Date) throws {
        try Self.checkRoleLimits(db, role: major.role, excluding: nil)
        try db.execute(
            sql: "INSERT INTO majors (code, name, level, role, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [major.code, major.name, major.level.rawValue, major.role.rawValue, now, now]
        )
        try EventLog.record(db, actor: actor, action: "major.created", itemType: "major", itemId: major.code, after: major, at: now)
    }

    /// Changes a major's name or role.
    public func updateMajor(code: String, name: String?, role: MajorRole?, actor: String) async throws -> Major {
        try await self.database.write { db in
            guard let before = try Self.fetchMajor(db, code: code) else { throw GranaryError.notFound(LocalizedText(zh: "专业", en: "Major"), code) }
            var after = before
            if let name, !name.isEmpty { after.name = name }
            after.role = role ?? before.role
            try Self.updateMajor(db, before: before, after: after, actor: actor, at: self.database.clock.now())
            return after
        }
    }

    static func updateMajor(_ db: any SQLConnection, before: Major, after: Major, actor: String, at now: Date) throws {
        if after.role != before.role { try Self.checkRoleLimits(db, role: after.role, excluding: after.code) }
        try db.execute(
            sql: "UPDATE majors SET name = ?, role = ?, updatedAt = ? WHERE code = ?",
            arguments: [after.name, after.role.rawValue, now, after.code]
        )
        try EventLog.record(db, actor: actor, action: "major.updated", itemType: "major", itemId: after.code, before: before, after: after, at: now)
    }

    /// One major.
    public func major(code: String) async throws -> Major? {
        try await self.reads.answer("major \(code)") { try await self.database.read { db in try Self.fetchMajor(db, code: code) } }
    }

    /// The library's majors, core first.
    public func majors(_ page: PageRequest) async throws -> Page<Major> {
        try await self.reads.answer("majors \(page.page) \(page.pageSize)") {
            try await self.database.read { db in
                let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM majors") ?? 0
                let rows = try db.fetchAll(
                    sql: "SELECT * FROM majors ORDER BY role = 'served', code LIMIT ? OFFSET ?",
                    arguments: [page.pageSize, page.offset]
                )
                return Page(items: rows.map(Self.major(from:)), total: total, request: page)
            }
        }
    }

    static func checkRoleLimits(_ db: any SQLConnection, role: MajorRole, excluding code: String?) throws {
        let count =
            try db.fetchOne(
                Int.self,
                sql: "SELECT COUNT(*) FROM majors WHERE role = ? AND code IS DISTINCT FROM ?",
                arguments: [role.rawValue, code]
            ) ?? 0
        switch role {
        case .core where count >= 1:
            throw GranaryError(.conflict, LocalizedText(zh: "资源库只能有一个核心专业", en: "A library has exactly one core major"))
        case .served where count >= Self.maximumServedMajors:
            throw GranaryError(
                .conflict,
                LocalizedText(zh: "资源库最多服务 \(Self.maximumServedMajors) 个专业", en: "A library serves at most \(Self.maximumServedMajors) majors")
            )
        default: break
        }
    }

    static func fetchMajor(_ db: any SQLConnection, code: String) throws -> Major? {
        try db.fetchOne(sql: "SELECT * FROM majors WHERE code = ?", arguments: [code]).map(Self.major(from:))
    }

    static func major(from row: SQLRow) -> Major {
        Major(code: row["code"], name: row["name"], level: MajorLevel(rawValue: row["level"])!, role: MajorRole(rawValue: row["role"])!)
    }

    // MARK: - Courses

    /// Adds a course to a major of the library.
    public func createCourse(
        id: String?,
        name: String,
        major: String,
        category: CourseCategory,
        hours: Int?,
        standard: String?,
        actor: String
    ) async throws -> Course {
        try Self.checkIdentifier(id)
        try Self.checkName(name)
        try Self.checkHours(hours)
        let course = Course(id: id ?? UUID().uuidString.lowercased(), name: name, major: major, category: category, hours: hours, standard: standard)
        try await self.database.write { db in
            if try Self.fetchCourse(db, id: course.id) != nil {
                throw GranaryError(.conflict, LocalizedText(zh: "课程编号“\(course.id)”已存在", en: "Course id '\(course.id)' already exists"))
            }
            try Self.insertCourse(db, course, actor: actor, at: self.database.clock.now())
        }
        return course
    }

    static func insertCourse(_ db: any SQLConnection, _ course: Course, actor: String, at now: Date) throws {
        guard try Self.fetchMajor(db, code: course.major) != nil else {
            throw GranaryError(
                .unknownMajor,
                LocalizedText(zh: "资源库中没有专业“\(course.major)”", en: "The library has no major '\(course.major)'"),
                errors: [FieldError(field: "major", message: LocalizedText(zh: "未知专业", en: "unknown major"))]
            )
        }
        try Self.checkCourseName(db, course)
        try db.execute(
            sql: "INSERT INTO courses (id, name, major, category, hours, standard, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [course.id, course.name, course.major, course.category.rawValue, course.hours, course.standard, now, now]
        )
        try EventLog.record(db, actor: actor, action: "course.created", itemType: "course", itemId: course.id, after: course, at: now)
    }

    static func updateCourse(_ db: any SQLConnection, before: Course, after: Course, actor: String, at now: Date) throws {
        try Self.checkCourseName(db, after)
        try db.execute(
            sql: "UPDATE courses SET name = ?, category = ?, hours = ?, standard = ?, updatedAt = ? WHERE id = ?",
            arguments: [after.name, after.category.rawValue, after.hours, after.standard, now, after.id]
        )
        try EventLog.record(db, actor: actor, action: "course.updated", itemType: "course", itemId: after.id, before: before, after: after, at: now)
    }

    private static func checkCourseName(_ db: any SQLConnection, _ course: Course) throws {
        let taken = try db.fetchOne(
            String.self,
            sql: "SELECT id FROM courses WHERE major = ? AND name = ? AND id <> ?",
            arguments: [course.major, course.name, course.id]
        )
        if taken != nil {
            throw GranaryError(.conflict, LocalizedText(zh: "该专业已有课程“\(course.name)”", en: "The major already has a course '\(course.name)'"))
        }
    }

    /// Changes a course's name, category, hours or standard.
    public func updateCourse(
        id: String,
        name: String?,
        category: CourseCategory?,
        hours: Int?,
        standard: String?,
        actor: String
    ) async throws -> Course {
        if let name { try Self.checkName(name) }
        try Self.checkHours(hours)
        return try await self.database.write { db in
            guard let before = try Self.fetchCourse(db, id: id) else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Course"), id) }
            var after = before
            after.name = name ?? before.name
            after.category = category ?? before.category
            after.hours = hours ?? before.hours
            after.standard = standard ?? before.standard
            try Self.updateCourse(db, before: before, after: after, actor: actor, at: self.database.clock.now())
            return after
        }
    }

    /// One course.
    public func course(id: String) async throws -> Course? {
        try await self.reads.answer("course \(id)") { try await self.database.read { db in try Self.fetchCourse(db, id: id) } }
    }

    /// Courses, optionally of one major and one category.
    public func courses(major: String?, category: CourseCategory?, _ page: PageRequest) async throws -> Page<Course> {
        let key = "courses \(major ?? "-") \(category?.rawValue ?? "-") \(page.page) \(page.pageSize)"
        return try await self.reads.answer(key) {
            try await self.database.read { db in
                let filter = "WHERE (CAST(?1 AS TEXT) IS NULL OR major = ?1) AND (CAST(?2 AS TEXT) IS NULL OR category = ?2)"
                let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM courses \(filter)", arguments: [major, category?.rawValue]) ?? 0
                let rows = try db.fetchAll(
                    sql: "SELECT * FROM courses \(filter) ORDER BY major, category, name LIMIT ?3 OFFSET ?4",
                    arguments: [major, category?.rawValue, page.pageSize, page.offset]
                )
                return Page(items: rows.map(Self.course(from:)), total: total, request: page)
            }
        }
    }

    package static func fetchCourse(_ db: any SQLConnection, id: String) throws -> Course? {
        try db.fetchOne(sql: "SELECT * FROM courses WHERE id = ?", arguments: [id]).map(Self.course(from:))
    }

    static func course(from row: SQLRow) -> Course {
        Course(
            id: row["id"],
            name: row["name"],
            major: row["major"],
            category: CourseCategory(rawValue: row["category"])!,
            hours: row["hours"],
            standard: row["standard"]
        )
    }

    // MARK: - Knowledge and skill points

    /// Adds a knowledge or skill point to a course. Prerequisites must exist already, so no cycle can form.
    public func createPoint(
        id: String?,
        name: String,
        course: String,
        kind: PointKind,
        prerequisites: [String],
        actor: String
    ) async throws -> KnowledgePoint {
        try Self.checkIdentifier(id)
        try Self.checkName(name)
        let point = KnowledgePoint(id: id ?? UUID().uuidString.lowercased(), name: name, course: course, kind: kind, prerequisites: prerequisites)
        try await self.database.write { db in
            guard try Self.fetchCourse(db, id: course) != nil else {
                throw GranaryError(
                    .unknownCourse,
                    LocalizedText(zh: "课程“\(course)”不存在", en: "Course '\(course)' does not exist"),
                    errors: [FieldError(field: "course", message: LocalizedText(zh: "未知课程", en: "unknown course"))]
                )
            }
            if try Self.fetchPoint(db, id: point.id) != nil {
                throw GranaryError(.conflict, LocalizedText(zh: "知识点编号“\(point.id)”已存在", en: "Point id '\(point.id)' already exists"))
            }
            if try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM points WHERE course = ? AND name = ?", arguments: [course, name]) != 0 {
                throw GranaryError(.conflict, LocalizedText(zh: "该课程已有知识点“\(name)”", en: "The course already has a point '\(name)'"))
            }
            let unknown = try prerequisites.enumerated().filter { try Self.fetchPoint(db, id: $0.element) == nil }
            if !unknown.isEmpty {
                throw GranaryError(
                    .unknownKnowledgePoint,
                    LocalizedText(
                        zh: "先修知识点不存在：\(unknown.map(\.element).joined(separator: "、"))",
                        en: "Unknown prerequisites: \(unknown.map(\.element).joined(separator: ", "))"
                    ),
                    errors: unknown.map {
                        FieldError(field: "prerequisites[\($0.offset)]", message: LocalizedText(zh: "未知知识点", en: "unknown point"))
                    }
                )
            }
            try Self.insertPointRow(db, point, at: self.database.clock.now())
            try Self.insertPrerequisites(db, of: point)
            try EventLog.record(
                db,
                actor: actor,
                action: "point.created",
                itemType: "point",
                itemId: point.id,
                after: point,
                at: self.database.clock.now()
            )
        }
        return point
    }

    static func insertPointRow(_ db: any SQLConnection, _ point: KnowledgePoint, at now: Date) throws {
        try db.execute(
            sql: "INSERT INTO points (id, name, course, kind, createdAt) VALUES (?, ?, ?, ?, ?)",
            arguments: [point.id, point.name, point.course, point.kind.rawValue, now]
        )
    }

    static func insertPrerequisites(_ db: any SQLConnection, of point: KnowledgePoint) throws {
        for prerequisite in Set(point.prerequisites) {
            try db.execute(sql: "INSERT INTO pointPrerequisites (point, prerequisite) VALUES (?, ?)", arguments: [point.id, prerequisite])
        }
    }

    /// One point.
    public func point(id: String) async throws -> KnowledgePoint? {
        try await self.reads.answer("point \(id)") { try await self.database.read { db in try Self.fetchPoint(db, id: id) } }
    }

    /// Points, optionally of one course and one kind.
    public func points(course: String?, kind: PointKind?, _ page: PageRequest) async throws -> Page<KnowledgePoint> {
        let key = "points \(course ?? "-") \(kind?.rawValue ?? "-") \(page.page) \(page.pageSize)"
        return try await self.reads.answer(key) {
            try await self.database.read { db in
                let filter = "WHERE (CAST(?1 AS TEXT) IS NULL OR course = ?1) AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)"
                let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM points \(filter)", arguments: [course, kind?.rawValue]) ?? 0
                let rows = try db.fetchAll(
                    sql: "SELECT * FROM points \(filter) ORDER BY course, createdAt, id LIMIT ?3 OFFSET ?4",
                    arguments: [course, kind?.rawValue, page.pageSize, page.offset]
                )
                return Page(items: try Self.points(db, rows: rows), total: total, request: page)
            }
        }
    }

    package static func fetchPoint(_ db: any SQLConnection, id: String) throws -> KnowledgePoint? {
        try Self.points(db, rows: db.fetchAll(sql: "SELECT * FROM points WHERE id = ?", arguments: [id])).first
    }

    /// The points of these rows of `points`, in their order, with their prerequisites read in one statement.
    static func points(_ db: any SQLConnection, rows: [SQLRow]) throws -> [KnowledgePoint] {
        guard !rows.isEmpty else { return [] }
        let ids: [String] = rows.map { $0["id"] }
        var prerequisites: [String: [String]] = [:]
        let links = try db.fetchCursor(
            sql: """
                SELECT point, prerequisite FROM pointPrerequisites WHERE point IN (\(databaseQuestionMarks(count: ids.count)))
                ORDER BY point, prerequisite
                """,
            arguments: SQLArguments(ids)
        )
        while let link = try links.next() { prerequisites[link["point"], default: []].append(link["prerequisite"]) }
        return rows.map { row in
            KnowledgePoint(
                id: row["id"],
                name: row["name"],
                course: row["course"],
                kind: PointKind(rawValue: row["kind"])!,
                prerequisites: prerequisites[row["id"]] ?? []
            )
        }
    }

    // MARK: - Input checks

    static func checkIdentifier(_ id: String?) throws {
        guard let id else { return }
        let allowed = id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
        guard (1...64).contains(id.count), allowed else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "编号须为 1–64 个字母、数字或 . _ -", en: "id must be 1–64 letters, digits or . _ -"),
                errors: [FieldError(field: "id", message: LocalizedText(zh: "编号格式有误", en: "malformed id"))]
            )
        }
    }

    static func checkHours(_ hours: Int?) throws {
        guard let hours, hours < 0 || hours > 10_000 else { return }
        throw GranaryError(
            .validationFailed,
            LocalizedText(zh: "学时应为 0–10000", en: "hours must be 0 to 10000"),
            errors: [FieldError(field: "hours", message: LocalizedText(zh: "学时应为 0–10000", en: "must be 0 to 10000"))]
        )
    }

    static func checkName(_ name: String) throws {
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, name.count <= 200 else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "名称不能为空，且不超过 200 字", en: "name must be 1 to 200 characters"),
                errors: [FieldError(field: "name", message: LocalizedText(zh: "名称有误", en: "invalid name"))]
            )
        }
    }
}
