import Foundation
import GRDB
import GranaryModel

/// `POST /catalogue/import`: a whole course system applied in one transaction.
extension CatalogueStore {
    /// Most items one document may hold.
    public static let maximumImportItems = 100_000

    /// Applies a document: majors, then courses, then points, then jobs, each created or brought up to date.
    ///
    /// The import is idempotent: the same document applied twice changes nothing the second time. An item that
    /// cannot be applied (unknown code, duplicate name, a prerequisite cycle, an item it depends on rejected) is left
    /// out with its reason; everything else commits together.
    public func importDocument(_ document: CatalogueDocument, actor: String, english: Bool) async throws -> CatalogueImportReport {
        guard document.count <= Self.maximumImportItems else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(
                    zh: "一次最多导入 \(Self.maximumImportItems) 项，本文件有 \(document.count) 项",
                    en: "A document may hold at most \(Self.maximumImportItems) items; this one has \(document.count)"
                )
            )
        }
        return try await self.database.write { db in
            var run = CatalogueImportRun(store: self, db: db, actor: actor, english: english)
            for (index, item) in (document.majors ?? []).enumerated() { run.apply(type: "major", id: item.code, index: index) { try $0.major(item) } }
            for (index, item) in (document.courses ?? []).enumerated() {
                run.apply(type: "course", id: item.id, index: index) { try $0.course(item) }
            }
            try run.points(document.knowledgePoints ?? [])
            for (index, item) in (document.jobs ?? []).enumerated() { run.apply(type: "job", id: item.id, index: index) { try $0.job(item) } }
            let summary = ["created": run.report.created.count, "updated": run.report.updated.count, "rejected": run.report.rejected.count]
            try EventLog.record(db, actor: actor, action: "catalogue.imported", itemType: "catalogue", itemId: "import", after: summary, at: run.now)
            return run.report
        }
    }
}

/// One import in progress, inside its write transaction.
struct CatalogueImportRun {
    enum Outcome { case created, updated, unchanged }

    let store: CatalogueStore
    let db: any SQLConnection
    let actor: String
    let english: Bool
    /// When the import happens: every row and event it writes has this time.
    let now: Date
    var report = CatalogueImportReport()
    private var seen: [String: Set<String>] = [:]

    init(store: CatalogueStore, db: any SQLConnection, actor: String, english: Bool) {
        self.store = store
        self.db = db
        self.actor = actor
        self.english = english
        self.now = store.database.clock.now()
    }

    /// Applies one item in a savepoint, so a refused item leaves nothing behind.
    mutating func apply(type: String, id: String?, index: Int, _ body: (CatalogueImportRun) throws -> Outcome) {
        let item = CatalogueImportReport.Item(type: type, id: id, index: index)
        do {
            if let id, !self.seen[type, default: []].insert(id).inserted {
                throw GranaryError(.conflict, LocalizedText(zh: "“\(id)”在文件中重复出现", en: "'\(id)' appears twice in the document"))
            }
            var outcome = Outcome.unchanged
            let run = self
            try self.db.inSavepoint {
                outcome = try body(run)
            }
            self.record(outcome, item)
        } catch let error as GranaryError {
            self.reject(item, error)
        } catch {
            self.reject(item, GranaryError(.validationFailed, LocalizedText(zh: "无法写入该项", en: "The item could not be written")))
        }
    }

    mutating func record(_ outcome: Outcome, _ item: CatalogueImportReport.Item) {
        switch outcome {
        case .created: self.report.created.append(item)
        case .updated: self.report.updated.append(item)
        case .unchanged: self.report.unchanged += 1
        }
    }

    mutating func reject(_ item: CatalogueImportReport.Item, _ error: GranaryError) {
        var reason = error.detail.text(english: self.english)
        if !error.errors.isEmpty, error.errors.count > 1 || !reason.contains(error.errors[0].message.text(english: self.english)) {
            reason += self.english ? " (" : "（"
            reason += error.errors.map { "\($0.field): \($0.message.text(english: self.english))" }.joined(separator: self.english ? "; " : "；")
            reason += self.english ? ")" : "）"
        }
        self.report.rejected.append(.init(item: item, code: error.code.rawValue, reason: reason))
    }

    // MARK: - Majors and courses

    func major(_ item: CatalogueDocument.MajorItem) throws -> Outcome {
        let code = try Self.required(item.code, "code")
        guard let entry = self.store.national.major(code: code) else {
            throw GranaryError(
                .unknownMajor,
                LocalizedText(zh: "专业代码“\(code)”不在 2021 年专业目录中", en: "Major code '\(code)' is not in the 2021 catalogue")
            )
        }
        if let level = item.level, MajorLevel(rawValue: level) != entry.level {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "专业“\(code)”属于\(entry.level.rawValue)层次", en: "Major '\(code)' belongs to level \(entry.level.rawValue)")
            )
        }
        let role = try item.role.map { try Self.parse($0, as: MajorRole.self, "role") }
        let name = item.name?.isEmpty == false ? item.name! : nil
        guard let before = try CatalogueStore.fetchMajor(self.db, code: code) else {
            let major = Major(code: code, name: name ?? entry.name, level: entry.level, role: try Self.required(role, "role"))
            try CatalogueStore.insertMajor(self.db, major, actor: self.actor, at: self.now)
            return .created
        }
        var after = before
        after.name = name ?? before.name
        after.role = role ?? before.role
        guard after != before else { return .unchanged }
        try CatalogueStore.updateMajor(self.db, before: before, after: after, actor: self.actor, at: self.now)
        return .updated
    }

    func course(_ item: CatalogueDocument.CourseItem) throws -> Outcome {
        let id = try Self.required(item.id, "id")
        let name = try Self.required(item.name, "name")
        let major = try Self.required(item.major, "major")
        let category = try Self.parse(try Self.required(item.category, "category"), as: CourseCategory.self, "category")
        try CatalogueStore.checkIdentifier(id)
        try CatalogueStore.checkName(name)
        try CatalogueStore.checkHours(item.hours)
        let before = try CatalogueStore.fetchCourse(self.db, id: id)
        let course = Course(
            id: id,
            name: name,
            major: major,
            category: category,
            hours: item.hours ?? before?.hours,
            standard: item.standard ?? before?.standard
        )
        guard let before else {
            try CatalogueStore.insertCourse(self.db, course, actor: self.actor, at: self.now)
            return .created
        }
        if before.major != major {
            throw GranaryError(
                .conflict,
                LocalizedText(zh: "课程“\(id)”属于专业 \(before.major)，不能改到其他专业", en: "Course '\(id)' belongs to major \(before.major) and cannot move")
            )
        }
        guard course != before else { return .unchanged }
        try CatalogueStore.updateCourse(self.db, before: before, after: course, actor: self.actor, at: self.now)
        return .updated
    }

    func job(_ item: CatalogueDocument.JobItem) throws -> Outcome {
        let id = try Self.required(item.id, "id")
        let before = try CatalogueStore.fetchJob(self.db, id: id)
        let job = try self.store.checkedJob(
            self.db,
            id: id,
            name: try Self.required(item.name, "name"),
            occupationCode: item.occupationCode ?? before?.occupationCode,
            skills: item.skills ?? before?.skills ?? []
        )
        guard job != before else { return .unchanged }
        try CatalogueStore.saveJob(self.db, job, isNew: before == nil, at: self.now)
        try EventLog.record(
            self.db,
            actor: self.actor,
            action: before == nil ? "job.created" : "job.updated",
            itemType: "job",
            itemId: id,
            before: before,
            after: job,
            at: self.now
        )
        return before == nil ? .created : .updated
    }

    // MARK: - Points

    /// Points are checked together: prerequisites may name points later in the document, and the prerequisite graph
    /// that results must stay free of cycles. Refusing one point can orphan another that needs it, so the checks
    /// repeat until nothing more is refused.
    mutating func points(_ items: [CatalogueDocument.PointItem]) throws {
        var candidates: [(index: Int, point: KnowledgePoint, before: KnowledgePoint?)] = []
        for (index, item) in items.enumerated() {
            let reference = CatalogueImportReport.Item(type: "knowledgePoint", id: item.id, index: index)
            do {
                if let id = item.id, !self.seen["knowledgePoint", default: []].insert(id).inserted {
                    throw GranaryError(.conflict, LocalizedText(zh: "“\(id)”在文件中重复出现", en: "'\(id)' appears twice in the document"))
                }
                let (point, before) = try self.checkedPoint(item, alongside: candidates.map(\.point))
                candidates.append((index, point, before))
            } catch let error as GranaryError {
                self.reject(reference, error)
            }
        }

        let stored = Set(try self.db.fetchAll(String.self, sql: "SELECT id FROM points"))
        var prerequisites: [String: [String]] = [:]
        for row in try self.db.fetchAll(sql: "SELECT point, prerequisite FROM pointPrerequisites") {
            prerequisites[row["point"], default: []].append(row["prerequisite"])
        }
        var alive = Dictionary(uniqueKeysWithValues: candidates.map { ($0.point.id, $0) })
        func refuse(_ id: String, _ error: GranaryError) {
            guard let candidate = alive.removeValue(forKey: id) else { return }
            self.reject(.init(type: "knowledgePoint", id: id, index: candidate.index), error)
        }
        while true {
            let missing = alive.values.compactMap { candidate -> (String, [String])? in
                let unknown = candidate.point.prerequisites.filter { $0 == candidate.point.id || (!stored.contains($0) && alive[$0] == nil) }
                return unknown.isEmpty ? nil : (candidate.point.id, unknown)
            }
            for (id, unknown) in missing {
                refuse(
                    id,
                    GranaryError(
                        .unknownKnowledgePoint,
                        LocalizedText(
                            zh: "先修知识点不存在或未导入：\(unknown.joined(separator: "、"))",
                            en: "Prerequisites missing or not imported: \(unknown.joined(separator: ", "))"
                        )
                    )
                )
            }
            if !missing.isEmpty { continue }
            var proposed = prerequisites
            for candidate in alive.values { proposed[candidate.point.id] = candidate.point.prerequisites }
            guard let cycle = Self.cycle(in: proposed) else { break }
            let members = cycle.filter { alive[$0] != nil }
            guard !members.isEmpty else { break }
            let path = (cycle + [cycle[0]]).joined(separator: " → ")
            for id in members {
                refuse(
                    id,
                    GranaryError(
                        .prerequisiteCycle,
                        LocalizedText(zh: "先修关系构成循环：\(path)", en: "Prerequisites form a cycle: \(path)")
                    )
                )
            }
        }

        // Rows first, then links, since a prerequisite may be a point created further down the document.
        let accepted = candidates.filter { alive[$0.point.id] != nil }
        for candidate in accepted where candidate.before == nil {
            try CatalogueStore.insertPointRow(self.db, candidate.point, at: self.now)
        }
        for candidate in accepted {
            let item = CatalogueImportReport.Item(type: "knowledgePoint", id: candidate.point.id, index: candidate.index)
            guard let before = candidate.before else {
                try CatalogueStore.insertPrerequisites(self.db, of: candidate.point)
                try EventLog.record(
                    self.db,
                    actor: self.actor,
                    action: "point.created",
                    itemType: "point",
                    itemId: item.id!,
                    after: candidate.point,
                    at: self.now
                )
                self.record(.created, item)
                continue
            }
            guard before != candidate.point else {
                self.record(.unchanged, item)
                continue
            }
            try self.db.execute(
                sql: "UPDATE points SET name = ?, kind = ? WHERE id = ?",
                arguments: [candidate.point.name, candidate.point.kind.rawValue, candidate.point.id]
            )
            try self.db.execute(sql: "DELETE FROM pointPrerequisites WHERE point = ?", arguments: [candidate.point.id])
            try CatalogueStore.insertPrerequisites(self.db, of: candidate.point)
            try EventLog.record(
                self.db,
                actor: self.actor,
                action: "point.updated",
                itemType: "point",
                itemId: item.id!,
                before: before,
                after: candidate.point,
                at: self.now
            )
            self.record(.updated, item)
        }
    }

    /// A point's own checks, against the database and the points accepted earlier in the document.
    private func checkedPoint(_ item: CatalogueDocument.PointItem, alongside earlier: [KnowledgePoint]) throws -> (KnowledgePoint, KnowledgePoint?) {
        let id = try Self.required(item.id, "id")
        let name = try Self.required(item.name, "name")
        let course = try Self.required(item.course, "course")
        let kind = try Self.parse(try Self.required(item.kind, "kind"), as: PointKind.self, "kind")
        try CatalogueStore.checkIdentifier(id)
        try CatalogueStore.checkName(name)
        guard try CatalogueStore.fetchCourse(self.db, id: course) != nil else {
            throw GranaryError(.unknownCourse, LocalizedText(zh: "课程“\(course)”不存在", en: "Course '\(course)' does not exist"))
        }
        let before = try CatalogueStore.fetchPoint(self.db, id: id)
        if let before, before.course != course {
            throw GranaryError(
                .conflict,
                LocalizedText(zh: "知识点“\(id)”属于课程 \(before.course)，不能改到其他课程", en: "Point '\(id)' belongs to course \(before.course) and cannot move")
            )
        }
        let takenInDatabase =
            try self.db.fetchOne(String.self, sql: "SELECT id FROM points WHERE course = ? AND name = ? AND id <> ?", arguments: [course, name, id])
            != nil
        if takenInDatabase || earlier.contains(where: { $0.course == course && $0.name == name }) {
            throw GranaryError(.conflict, LocalizedText(zh: "课程“\(course)”已有知识点“\(name)”", en: "Course '\(course)' already has a point '\(name)'"))
        }
        if before?.kind == .skill, kind == .knowledge,
            try self.db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM jobSkills WHERE point = ?", arguments: [id]) != 0
        {
            throw GranaryError(
                .conflict,
                LocalizedText(zh: "“\(name)”是岗位所需技能，不能改为知识点", en: "'\(name)' is a skill some job requires; it cannot become a knowledge point")
            )
        }
        let prerequisites = Array(Set(item.prerequisites ?? before?.prerequisites ?? [])).sorted()
        return (KnowledgePoint(id: id, name: name, course: course, kind: kind, prerequisites: prerequisites), before)
    }

    /// One cycle of the graph `point → its prerequisites`, or nil. Iterative, so a long chain cannot overflow the stack.
    static func cycle(in graph: [String: [String]]) -> [String]? {
        var state: [String: UInt8] = [:]  // 1 on the current path, 2 finished
        for start in graph.keys where state[start] == nil {
            var path: [(node: String, next: Int)] = [(start, 0)]
            state[start] = 1
            while let (node, next) = path.last {
                let edges = graph[node] ?? []
                guard next < edges.count else {
                    state[node] = 2
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                let target = edges[next]
                switch state[target] {
                case 1: return Array(path.map(\.node).drop { $0 != target })
                case nil:
                    state[target] = 1
                    path.append((target, 0))
                default: break
                }
            }
        }
        return nil
    }

    // MARK: - Field checks

    static func required<T>(_ value: T?, _ field: String) throws -> T {
        if let value, (value as? String)?.isEmpty != true { return value }
        throw GranaryError(
            .validationFailed,
            LocalizedText(zh: "缺少字段 \(field)", en: "Field \(field) is required"),
            errors: [FieldError(field: field, message: LocalizedText(zh: "必填", en: "required"))]
        )
    }

    static func parse<T: RawRepresentable>(_ raw: String, as type: T.Type, _ field: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: raw) else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "字段 \(field) 的值“\(raw)”无效", en: "Field \(field) has an invalid value '\(raw)'"),
                errors: [FieldError(field: field, message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        return value
    }
}
