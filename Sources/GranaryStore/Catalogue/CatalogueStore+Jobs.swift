import Foundation
import GRDB
import GranaryModel

/// Jobs (职业岗位) and the skill points they require.
extension CatalogueStore {
    /// Adds a job. Its occupation code must be in the 2022 classification and its skills must be skill points.
    public func createJob(id: String?, name: String, occupationCode: String?, skills: [String], actor: String) async throws -> Job {
        try Self.checkIdentifier(id)
        let id = id ?? UUID().uuidString.lowercased()
        return try await self.database.write { db in
            if try Self.fetchJob(db, id: id) != nil {
                throw GranaryError(.conflict, LocalizedText(zh: "岗位编号“\(id)”已存在", en: "Job id '\(id)' already exists"))
            }
            let job = try self.checkedJob(db, id: id, name: name, occupationCode: occupationCode, skills: skills)
            try Self.saveJob(db, job, isNew: true, at: self.database.clock.now())
            try EventLog.record(db, actor: actor, action: "job.created", itemType: "job", itemId: id, after: job, at: self.database.clock.now())
            return job
        }
    }

    /// Changes a job's name, occupation code or skills; `skills` replaces the whole list.
    public func updateJob(id: String, name: String?, occupationCode: String?, skills: [String]?, actor: String) async throws -> Job {
        try await self.database.write { db in
            guard let before = try Self.fetchJob(db, id: id) else { throw GranaryError.notFound(LocalizedText(zh: "岗位", en: "Job"), id) }
            let after = try self.checkedJob(
                db,
                id: id,
                name: name ?? before.name,
                occupationCode: occupationCode ?? before.occupationCode,
                skills: skills ?? before.skills
            )
            guard after != before else { return before }
            try Self.saveJob(db, after, isNew: false, at: self.database.clock.now())
            try EventLog.record(
                db,
                actor: actor,
                action: "job.updated",
                itemType: "job",
                itemId: id,
                before: before,
                after: after,
                at: self.database.clock.now()
            )
            return after
        }
    }

    /// One job.
    public func job(id: String) async throws -> Job? {
        try await self.reads.answer("job \(id)") { try await self.database.read { db in try Self.fetchJob(db, id: id) } }
    }

    /// Jobs, optionally those whose name contains `query` or that require one skill point.
    public func jobs(query: String?, skill: String?, _ page: PageRequest) async throws -> Page<Job> {
        // The query is part of the key by its length and text, so no query can pose as another key's parts.
        let key = "jobs \(query.map { "\($0.count):\($0)" } ?? "-") \(skill ?? "-") \(page.page) \(page.pageSize)"
        return try await self.reads.answer(key) {
            try await self.database.read { db in
                let filter = """
                    WHERE (CAST(?1 AS TEXT) IS NULL OR \(db.engine.contains("name", "?1")) OR occupationCode = ?1)
                    AND (CAST(?2 AS TEXT) IS NULL OR id IN (SELECT job FROM jobSkills WHERE point = ?2))
                    """
                let query = query?.isEmpty == true ? nil : query
                let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM jobs \(filter)", arguments: [query, skill]) ?? 0
                let rows = try db.fetchAll(
                    sql: "SELECT * FROM jobs \(filter) ORDER BY name, id LIMIT ?3 OFFSET ?4",
                    arguments: [query, skill, page.pageSize, page.offset]
                )
                return Page(items: try Self.jobs(db, rows: rows), total: total, request: page)
            }
        }
    }

    // MARK: - Shared with the import

    /// The job as it would be stored, after every check against the database; throws the first problem found.
    func checkedJob(_ db: any SQLConnection, id: String, name: String, occupationCode: String?, skills: [String]) throws -> Job {
        try Self.checkIdentifier(id)
        try Self.checkName(name)
        if try db.fetchOne(String.self, sql: "SELECT id FROM jobs WHERE name = ? AND id <> ?", arguments: [name, id]) != nil {
            throw GranaryError(.conflict, LocalizedText(zh: "已有名为“\(name)”的岗位", en: "Another job is named '\(name)'"))
        }
        var code: String?
        if let occupationCode, !occupationCode.isEmpty {
            guard let occupation = self.occupations.occupation(code: occupationCode) else {
                throw GranaryError(
                    .unknownOccupation,
                    LocalizedText(
                        zh: "职业代码“\(occupationCode)”不在 2022 年版职业分类大典中",
                        en: "Occupation code '\(occupationCode)' is not in the 2022 classification"
                    ),
                    errors: [FieldError(field: "occupationCode", message: LocalizedText(zh: "未知职业代码", en: "unknown occupation code"))]
                )
            }
            code = occupation.code
        }
        var unique: [String] = []
        var problems: [FieldError] = []
        var unknown = false
        for (index, skill) in skills.enumerated() where !unique.contains(skill) {
            let kind = try db.fetchOne(String.self, sql: "SELECT kind FROM points WHERE id = ?", arguments: [skill])
            if kind == nil {
                unknown = true
                problems.append(FieldError(field: "skills[\(index)]", message: LocalizedText(zh: "技能点“\(skill)”不存在", en: "no point '\(skill)'")))
            } else if kind != PointKind.skill.rawValue {
                problems.append(
                    FieldError(
                        field: "skills[\(index)]",
                        message: LocalizedText(zh: "“\(skill)”是知识点，不是技能点", en: "'\(skill)' is a knowledge point, not a skill")
                    )
                )
            }
            unique.append(skill)
        }
        if !problems.isEmpty {
            throw GranaryError(
                unknown ? .unknownKnowledgePoint : .validationFailed,
                LocalizedText(
                    zh: "岗位所需技能有误：\(problems.map(\.message.zh).joined(separator: "；"))",
                    en: "Invalid job skills: \(problems.map(\.message.en).joined(separator: "; "))"
                ),
                errors: problems
            )
        }
        return Job(id: id, name: name, occupationCode: code, skills: unique.sorted())
    }

    static func saveJob(_ db: any SQLConnection, _ job: Job, isNew: Bool, at now: Date) throws {
        if isNew {
            try db.execute(
                sql: "INSERT INTO jobs (id, name, occupationCode, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [job.id, job.name, job.occupationCode, now, now]
            )
        } else {
            try db.execute(
                sql: "UPDATE jobs SET name = ?, occupationCode = ?, updatedAt = ? WHERE id = ?",
                arguments: [job.name, job.occupationCode, now, job.id]
            )
            try db.execute(sql: "DELETE FROM jobSkills WHERE job = ?", arguments: [job.id])
        }
        for skill in job.skills {
            try db.execute(sql: "INSERT INTO jobSkills (job, point) VALUES (?, ?)", arguments: [job.id, skill])
        }
    }

    /// One job, inside the caller's transaction.
    public static func fetchJob(_ db: any SQLConnection, id: String) throws -> Job? {
        try Self.jobs(db, rows: db.fetchAll(sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id])).first
    }

    /// The jobs of these rows of `jobs`, in their order, with their skills read in one statement.
    static func jobs(_ db: any SQLConnection, rows: [SQLRow]) throws -> [Job] {
        guard !rows.isEmpty else { return [] }
        let ids: [String] = rows.map { $0["id"] }
        var skills: [String: [String]] = [:]
        let links = try db.fetchCursor(
            sql: "SELECT job, point FROM jobSkills WHERE job IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY job, point",
            arguments: SQLArguments(ids)
        )
        while let link = try links.next() { skills[link["job"], default: []].append(link["point"]) }
        return rows.map { row in
            Job(id: row["id"], name: row["name"], occupationCode: row["occupationCode"], skills: skills[row["id"]] ?? [])
        }
    }
}
