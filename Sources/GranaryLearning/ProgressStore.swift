import Foundation
import GRDB
import GranaryAssessment
import GranaryModel
import GranaryStore

/// Enrolments (自由选课) and learners' progress through the offerings they chose.
///
/// A resource item is complete when the learner reports it (`POST /progress`); a paper item when the learner has
/// submitted an attempt of that paper. Progress is kept per item, so it survives the teacher's next publication.
public struct ProgressStore: Sendable {
    let database: LibraryDatabase

    /// Creates the store over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
    }

    /// Enrols `user` in a published offering; enrolling again changes nothing.
    public func enrol(offering id: String, user: User) async throws -> OfferingProgress {
        try await self.database.write { db in
            guard let status = try db.fetchOne(String.self, sql: "SELECT status FROM offerings WHERE id = ?", arguments: [id]) else {
                throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id)
            }
            let enrolled =
                try db.fetchOne(Bool.self, sql: "SELECT 1 FROM enrollments WHERE offering = ? AND user = ?", arguments: [id, user.id]) == true
            if !enrolled {
                // A draft does not exist for learners; a withdrawn offering does, but takes nobody new.
                guard status != "draft" else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id) }
                guard status == "published" else { throw GranaryError.invalidTransition(from: status, action: "offering.enrolled") }
                try db.execute(
                    sql: "INSERT INTO enrollments (offering, user, enrolledAt) VALUES (?, ?, ?)",
                    arguments: [id, user.id, self.database.clock.now()]
                )
                try EventLog.record(
                    db,
                    actor: user.username,
                    action: "offering.enrolled",
                    itemType: "offering",
                    itemId: id,
                    at: self.database.clock.now()
                )
            }
            guard let progress = try Self.progress(db, user: user, offering: id) else {
                throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id)
            }
            return progress
        }
    }

    /// Records that `user` completed an item of an offering they are enrolled in.
    public func complete(offering id: String, item: Offering.Item, user: User) async throws -> OfferingProgress {
        try await self.database.write { db in
            guard try db.fetchOne(Bool.self, sql: "SELECT 1 FROM enrollments WHERE offering = ? AND user = ?", arguments: [id, user.id]) == true
            else {
                if try db.fetchOne(Bool.self, sql: "SELECT 1 FROM offerings WHERE id = ?", arguments: [id]) != true {
                    throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id)
                }
                throw GranaryError.forbidden(LocalizedText(zh: "请先选修这门课程", en: "Enrol in the offering first"))
            }
            let units = try OfferingStore.publishedUnits(db, offering: id) ?? []
            guard units.contains(where: { $0.items.contains { $0.itemType == item.itemType && $0.itemId == item.itemId } }) else {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(zh: "这一项不在该课程中", en: "The item is not part of this offering"),
                    errors: [FieldError(field: item.itemType, message: LocalizedText(zh: "不在课程中", en: "not in the offering"))]
                )
            }
            if let paper = item.paper {
                let submitted = try AttemptStore.hasSubmitted(db, paper: paper, learner: user.id)
                guard submitted else {
                    throw GranaryError(
                        .invalidTransition,
                        LocalizedText(zh: "试卷要先作答并提交才算完成", en: "A paper is complete once an attempt of it is submitted")
                    )
                }
            }
            try db.execute(
                sql: "INSERT INTO progress (user, offering, itemType, itemId, completedAt) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [user.id, id, item.itemType, item.itemId, self.database.clock.now()]
            )
            guard let progress = try Self.progress(db, user: user, offering: id) else {
                throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Offering"), id)
            }
            return progress
        }
    }

    /// Every offering `user` is enrolled in, most recent enrolment first, with progress.
    public func progress(user: User) async throws -> [OfferingProgress] {
        try await self.database.read { db in try Self.enrolments(db, user: user) }
    }

    /// One learner's progress in one offering, or nil when they are not enrolled.
    static func progress(_ db: any SQLConnection, user: User, offering id: String) throws -> OfferingProgress? {
        try Self.enrolments(db, user: user, only: id).first
    }

    /// One learner's progress in every offering they are enrolled in (or only in `offering`), most recent enrolment
    /// first: four statements however many enrolments there are.
    static func enrolments(_ db: any SQLConnection, user: User, only offering: String? = nil) throws -> [OfferingProgress] {
        let only = offering.map { _ in "AND e.offering = ?2" } ?? ""
        let enrolments = try db.fetchAll(
            sql: """
                SELECT e.offering, o.title, o.course, e.enrolledAt, r.units FROM enrollments e JOIN offerings o ON o.id = e.offering
                LEFT JOIN offeringRevisions r ON r.offering = o.id AND r.revision = o.revision
                WHERE e.user = ?1 \(only) ORDER BY e.enrolledAt DESC, e.offering
                """,
            arguments: offering.map { [user.id, $0] } ?? [user.id]
        )
        guard !enrolments.isEmpty else { return [] }
        // Every enrolment's units, described together, then dealt back in order.
        let unitsPerOffering = try enrolments.map { row in try (row["units"] as String?).map(OfferingStore.decodeUnits) ?? [] }
        var allUnits = unitsPerOffering.flatMap { $0 }
        try OfferingStore.describe(db, &allUnits)
        var done: [String: [String: Date]] = [:]
        for row in try db.fetchAll(
            sql: "SELECT offering, itemType, itemId, completedAt FROM progress WHERE user = ?1 \(offering == nil ? "" : "AND offering = ?2")",
            arguments: offering.map { [user.id, $0] } ?? [user.id]
        ) {
            done[row["offering"], default: [:]][(row["itemType"] as String) + ":" + (row["itemId"] as String)] = row["completedAt"]
        }
        // A submitted attempt completes a paper even when nobody reported it.
        let papers = Set(allUnits.flatMap { $0.items.compactMap(\.paper) })
        let submitted = try AttemptStore.firstSubmissions(db, learner: user.id, papers: papers.sorted())
        var start = 0
        return zip(enrolments, unitsPerOffering).map { row, described in
            let units = Array(allUnits[start..<start + described.count])
            start += described.count
            var finished = done[row["offering"]] ?? [:]
            for item in units.flatMap(\.items) {
                if let paper = item.paper, finished["paper:" + paper] == nil, let at = submitted[paper] { finished["paper:" + paper] = at }
            }
            return Self.progress(row, units: units, done: finished)
        }
    }

    /// An enrolment's progress from its row, its published units and when each of its items was done.
    private static func progress(_ row: SQLRow, units: [Offering.Unit], done: [String: Date]) -> OfferingProgress {
        var total = 0
        var completed = 0
        var last: Date?
        var next: Offering.Item?
        var unitProgress: [OfferingProgress.UnitProgress] = []
        for unit in units {
            var finished: [String] = []
            for item in unit.items {
                let key = item.itemType + ":" + item.itemId
                if let at = done[key] {
                    finished.append(key)
                    last = max(last ?? at, at)
                } else if next == nil {
                    next = item
                }
            }
            total += unit.items.count
            completed += finished.count
            unitProgress.append(.init(id: unit.id, title: unit.title, completed: finished.count, total: unit.items.count, done: finished))
        }
        return OfferingProgress(
            offering: row["offering"],
            title: row["title"],
            course: row["course"],
            enrolledAt: row["enrolledAt"],
            completed: completed,
            total: total,
            ratio: total == 0 ? 0 : Double(completed) / Double(total),
            completedAt: total > 0 && completed == total ? last : nil,
            next: next,
            units: unitProgress
        )
    }
}
