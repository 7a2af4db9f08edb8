import Foundation
import GRDB
import GranaryModel

/// Talent training plans (专业人才培养方案), one per major, checked against the course system.
extension CatalogueStore {
    /// Replaces a major's plan. Every course must be a course of that major and every job must exist.
    public func savePlan(_ plan: MajorPlan, actor: String) async throws -> MajorPlan {
        try await self.database.write { db in
            guard let major = try Self.fetchMajor(db, code: plan.major) else {
                throw GranaryError.notFound(LocalizedText(zh: "专业", en: "Major"), plan.major)
            }
            try Self.check(plan, of: major, db)
            let before = try Self.fetchPlan(db, major: plan.major)
            var saved = MajorPlan(
                major: plan.major,
                goals: plan.goals,
                jobs: plan.jobs,
                courses: plan.courses,
                practice: plan.practice,
                graduation: plan.graduation,
                updatedBy: actor,
                updatedAt: self.database.clock.now()
            )
            saved.updatedAt = Date(timeIntervalSince1970: saved.updatedAt!.timeIntervalSince1970.rounded(.down))
            try db.execute(
                sql: """
                    INSERT INTO majorPlans (major, plan, updatedBy, updatedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT (major) DO UPDATE SET plan = excluded.plan, updatedBy = excluded.updatedBy, updatedAt = excluded.updatedAt
                    """,
                arguments: [plan.major, try Self.planJSON(saved), actor, saved.updatedAt]
            )
            try EventLog.record(
                db,
                actor: actor,
                action: "plan.saved",
                itemType: "major",
                itemId: plan.major,
                before: before,
                after: saved,
                at: self.database.clock.now()
            )
            return saved
        }
    }

    /// A major's plan, or nil when it has none yet.
    public func plan(major: String) async throws -> MajorPlan? {
        try await self.reads.answer("plan \(major)") { try await self.database.read { db in try Self.fetchPlan(db, major: major) } }
    }

    static func fetchPlan(_ db: any SQLConnection, major: String) throws -> MajorPlan? {
        guard let text = try db.fetchOne(String.self, sql: "SELECT plan FROM majorPlans WHERE major = ?", arguments: [major]) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(MajorPlan.self, from: Data(text.utf8))
    }

    private static func planJSON(_ plan: MajorPlan) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(plan), as: UTF8.self)
    }

    /// Collects every problem of the plan before refusing it, so a person can fix them in one go.
    private static func check(_ plan: MajorPlan, of major: Major, _ db: any SQLConnection) throws {
        // 中职 and 高职专科 run three years, 职业本科 four.
        let semesters = major.level == .bachelor ? 8 : 6
        var problems: [FieldError] = []
        var code = GranaryError.Code.validationFailed
        func problem(_ field: String, _ zh: String, _ en: String) {
            problems.append(FieldError(field: field, message: LocalizedText(zh: zh, en: en)))
        }
        if plan.goals.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || plan.goals.count > 20_000 {
            problem("goals", "培养目标不能为空，且不超过 20000 字", "goals must be 1 to 20000 characters")
        }
        var seen = Set<String>()
        for (index, entry) in plan.courses.enumerated() {
            let field = "courses[\(index)]"
            if let course = try Self.fetchCourse(db, id: entry.course) {
                if course.major != major.code {
                    code = .unknownCourse
                    problem(
                        "\(field).course",
                        "课程“\(course.name)”属于专业 \(course.major)，不是本专业的课程",
                        "course '\(entry.course)' belongs to major \(course.major)"
                    )
                }
            } else {
                code = .unknownCourse
                problem("\(field).course", "本专业没有课程“\(entry.course)”", "the major has no course '\(entry.course)'")
            }
            if !seen.insert(entry.course).inserted { problem("\(field).course", "课程重复列出", "course listed twice") }
            if !(0...10_000).contains(entry.hours) { problem("\(field).hours", "学时应为 0–10000", "hours must be 0 to 10000") }
            if !(1...semesters).contains(entry.semester) {
                problem("\(field).semester", "学期应为 1–\(semesters)", "semester must be 1 to \(semesters)")
            }
            if let credits = entry.credits, !(0...100).contains(credits) {
                problem("\(field).credits", "学分应为 0–100", "credits must be 0 to 100")
            }
        }
        for (index, practice) in plan.practice.enumerated() {
            let field = "practice[\(index)]"
            if practice.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || practice.name.count > 200 {
                problem("\(field).name", "实践环节名称不能为空，且不超过 200 字", "name must be 1 to 200 characters")
            }
            if let semester = practice.semester, !(1...semesters).contains(semester) {
                problem("\(field).semester", "学期应为 1–\(semesters)", "semester must be 1 to \(semesters)")
            }
            if let weeks = practice.weeks, !(0...60).contains(weeks) { problem("\(field).weeks", "周数应为 0–60", "weeks must be 0 to 60") }
            if let hours = practice.hours, !(0...10_000).contains(hours) {
                problem("\(field).hours", "学时应为 0–10000", "hours must be 0 to 10000")
            }
        }
        for (index, requirement) in plan.graduation.enumerated()
        where requirement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || requirement.count > 2_000 {
            problem("graduation[\(index)]", "毕业要求不能为空，且不超过 2000 字", "a requirement must be 1 to 2000 characters")
        }
        for (index, job) in plan.jobs.enumerated() where try Self.fetchJob(db, id: job) == nil {
            if code == .validationFailed { code = .unknownJob }
            problem("jobs[\(index)]", "岗位“\(job)”不存在", "no job '\(job)'")
        }
        guard problems.isEmpty else {
            throw GranaryError(
                code,
                LocalizedText(
                    zh: "人才培养方案有误：\(problems.map(\.message.zh).joined(separator: "；"))",
                    en: "Invalid plan: \(problems.map(\.message.en).joined(separator: "; "))"
                ),
                errors: problems
            )
        }
    }
}
