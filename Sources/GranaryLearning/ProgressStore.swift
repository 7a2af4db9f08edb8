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
        try await self.database.read { db in
            let ids = try db.fetchAll(
                String.self,
                sql: "SELECT offering FROM enrollments WHERE user = ? ORDER BY enrolledAt DESC, offering",
                arguments: [user.id]
            )
            return try ids.compactMap { try Self.progress(db, user: user, offering: $0) }
        }
    }

    /// One learner's progress in one offering, or nil when they are not enrolled.
    static func progress(_ db: any SQLConnection, user: User, offering id: String) throws -> OfferingProgress? {
        guard
            let row = try db.fetchOne(
                sql: """
                    SELECT o.title, o.course, e.enrolledAt FROM enrollments e JOIN offerings o ON o.id = e.offering
                    WHERE e.offering = ? AND e.user = ?
                    """,
                arguments: [id, user.id]
            )
        else { return nil }
        var units = try OfferingStore.publishedUnits(db, offering: id) ?? []
        try OfferingStore.describe(db, &units)
        var done: [String: Date] = [:]
        for row in try db.fetchAll(
            sql: "SELECT itemType, itemId, completedAt FROM progress WHERE user = ? AND offering = ?",
            arguments: [user.id, id]
        ) {
            done[(row["itemType"] as String) + ":" + (row["itemId"] as String)] = row["completedAt"]
        }
        // A submitted attempt completes a paper even when nobody reported it.
        let papers = try db.fetchAll(
            String.self,
            sql: """
                SELECT i.itemId FROM offeringItems i JOIN offerings o ON o.id = i.offering AND o.revision = i.revision
                WHERE i.offering = ? AND i.itemType = 'paper'
                """,
            arguments: [id]
        )
        for (paper, at) in try AttemptStore.firstSubmissions(db, learner: user.id, papers: papers) where done["paper:" + paper] == nil {
            done["paper:" + paper] = at
        }
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
            offering: id,
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
