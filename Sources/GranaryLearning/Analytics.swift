import Foundation
import GRDB
import GranaryAssessment
import GranaryModel
import GranaryStore

/// Usage and teaching-behaviour figures (数据分析) from what the library already records: views and downloads,
/// completions in offerings, ratings, offerings, papers, attempts and grading.
public struct Analytics: Sendable {
    let database: LibraryDatabase
    /// Writes views and downloads, many to a transaction when they come together.
    private let uses: UseWriter
    /// Every use and rating by day, in memory, for the usage figures.
    private let usage: UsageIndex

    /// Creates the service over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
        self.uses = UseWriter(database: database)
        self.usage = UsageIndex(database: database)
    }

    /// What a use of a resource's bytes was.
    public enum Use: String, Sendable {
        /// Shown in place (a page played or showed it).
        case view
        /// Saved as a file.
        case download
    }

    /// Records one view or download, and returns once it is committed. Uses that arrive while another batch is being
    /// written share the next transaction, so a busy library commits a handful of times a second for them instead of
    /// once per page view, and uploads wait less for the writer.
    public func record(_ use: Use, resource: String, user: User) async throws {
        try await self.uses.record(UseWriter.Row(resource: resource, user: user.id, action: use.rawValue, at: self.database.clock.now()))
    }

    // MARK: - Resources

    /// Views, downloads, completions and ratings on the Asia/Shanghai days from `from`'s to the one before `to`
    /// (whole days: the API's periods are), grouped by resource, course or kind, with a time series in days or
    /// months. Added up from the usage index, so a period costs the same at any library size.
    public func resources(
        from: Date,
        to: Date,
        by grouping: ResourceAnalytics.Grouping,
        interval: ResourceAnalytics.Interval,
        _ page: PageRequest
    ) async throws -> ResourceAnalytics {
        let state = try await self.usage.current()
        let days = Self.days(from, to)
        let tally = self.usage.tally(state, days: days.first, days.end, monthly: interval == .month)
        // Groups are numbered as the index numbers resources, courses and kinds, so adding up takes no hashing.
        let (groupKeys, groupOf): ([String], (Int) -> Int) =
            switch grouping {
            case .resource: (state.resourceIds, { $0 })
            case .course: (state.courseIds, { Int(state.courses[$0]) })
            case .kind: (state.kindIds, { Int(state.kinds[$0]) })
            }
        var totals = UsageIndex.State.Counts()
        var groups = [UsageIndex.State.Counts](repeating: .init(), count: groupKeys.count)
        var used: [Int] = []
        for resource in tally.active {
            let counts = tally.counts(resource)
            let group = groupOf(resource)
            totals.add(counts)
            if groups[group].used + groups[group].ratings == 0 { used.append(group) }
            groups[group].add(counts)
        }
        // Most used first, then most rated, then by key: the first page's worth kept in order, the rest passed over.
        let shown = used.first(page.offset + page.pageSize) {
            (groups[$0].used, groups[$0].ratings, groupKeys[$1]) > (groups[$1].used, groups[$1].ratings, groupKeys[$0])
        }.dropFirst(page.offset).map { (key: groupKeys[$0], value: groups[$0]) }
        let keys = Set(shown.map(\.key))
        let names: [String: String] = try await self.database.read { db in
            switch grouping {
            case .resource: try ResourceStore.headings(db, ids: keys).mapValues(\.title)
            case .course: try CatalogueStore.courseNames(db, ids: keys)
            case .kind: Dictionary(uniqueKeysWithValues: keys.map { ($0, ResourceKind(rawValue: $0)?.chineseName ?? $0) })
            }
        }
        return ResourceAnalytics(
            from: from,
            to: to,
            by: grouping,
            interval: interval,
            totals: Self.figures(totals),
            users: tally.users,
            items: shown.map { ResourceAnalytics.Group(key: $0.key, name: names[$0.key] ?? $0.key, figures: Self.figures($0.value)) },
            total: used.count,
            series: tally.periods.sorted { $0.key < $1.key }.map { ResourceAnalytics.Period(period: $0.key, figures: Self.figures($0.value)) }
        )
    }

    /// The Asia/Shanghai days a period covers, as days since 1970-01-01: from `from`'s day to the day of the last
    /// instant before `to`.
    private static func days(_ from: Date, _ to: Date) -> (first: Int, end: Int) {
        (UsageIndex.State.day(of: from), UsageIndex.State.day(of: to.addingTimeInterval(-0.001)) + 1)
    }

    /// Accounts that viewed, downloaded or completed a resource, or completed a paper of an offering, in a period.
    public struct Learners: Sendable {
        let seen: [Bool]
        let numbers: [String: Int32]

        /// Whether the account with this id learned in the period.
        public func contains(_ account: String) -> Bool {
            guard let number = self.numbers[account] else { return false }
            return self.seen[Int(number)]
        }
    }

    /// The accounts that learned on the Asia/Shanghai days of the period.
    public func learners(from: Date, to: Date) async throws -> Learners {
        let days = Self.days(from, to)
        return try await self.usage.current().learners(days: days.first, days.end)
    }

    /// The ratings given in a period, as they stand, and the lowest of them.
    public struct Satisfaction: Sendable {
        /// How many ratings there are.
        public let ratings: Int
        /// How many have fewer stars than good.
        public let low: Int
        /// The first of those, fewest stars first, then by resource: the resource and its stars.
        public let lowest: [(resource: String, stars: Int)]
    }

    /// The ratings as they stand that were given on the Asia/Shanghai days of the period (a rating changed since
    /// counts on the day of the change), those with fewer than `good` stars, and the first `limit` of them.
    public func satisfaction(from: Date, to: Date, good: Int, limit: Int) async throws -> Satisfaction {
        let days = Self.days(from, to)
        return try await self.usage.current().satisfaction(days: days.first, days.end, good: good, limit: limit)
    }

    /// Builds the usage index, or brings it up to date (it does so on first use otherwise).
    @Sendable public func prepare() async throws {
        try await self.usage.prepare()
    }

    private static func figures(_ counts: UsageIndex.State.Counts) -> ResourceAnalytics.Figures {
        ResourceAnalytics.Figures(
            views: counts.views,
            downloads: counts.downloads,
            completions: counts.completions,
            ratings: counts.ratings,
            averageStars: counts.ratings == 0 ? nil : (Double(counts.stars) / Double(counts.ratings) * 100).rounded() / 100
        )
    }

    // MARK: - Teaching

    /// What each teacher did between `from` and `to`, summed per institution and for the library.
    public func teaching(from: Date, to: Date) async throws -> TeachingAnalytics {
        // Uploads, and each resource's course and author, come from the usage index: counting a year's uploads in
        // SQLite walked an index entry per resource, and finding the course of each offering item a row each.
        let state = try await self.usage.current()
        let days = Self.days(from, to)
        return try await self.database.read { db in
            var figures: [String: TeachingAnalytics.Figures] = [:]
            func count(_ sql: String, _ field: WritableKeyPath<TeachingAnalytics.Figures, Int>) throws {
                for row in try db.fetchAll(sql: sql, arguments: [from, to]) {
                    figures[row[0], default: .init()][keyPath: field] = row[1]
                }
            }
            for (author, uploaded) in state.uploads(days: days.first, days.end) {
                figures[author, default: .init()].resourcesUploaded = uploaded
            }
            try count("SELECT createdBy, COUNT(*) FROM questions WHERE createdAt >= ? AND createdAt < ? GROUP BY createdBy", \.questionsWritten)
            try count("SELECT createdBy, COUNT(*) FROM offerings WHERE createdAt >= ? AND createdAt < ? GROUP BY createdBy", \.offeringsBuilt)
            try count(
                """
                SELECT o.createdBy, COUNT(*) FROM offeringRevisions r JOIN offerings o ON o.id = r.offering
                WHERE r.revision = 1 AND r.publishedAt >= ? AND r.publishedAt < ? GROUP BY o.createdBy
                """,
                \.offeringsPublished
            )
            for (author, given) in try AttemptStore.givenPerAuthor(db, from: from, to: to) {
                figures[author, default: .init()].papersGiven = given.papers
                figures[author, default: .init()].attemptsSubmitted = given.attempts
            }
            let reuse = try Self.reuse(db, state)
            for (teacher, counts) in reuse.perTeacher {
                figures[teacher, default: .init()].resourcesReusedAcrossCourses = counts.across
                figures[teacher, default: .init()].othersResourcesUsed = counts.others
            }
            let gradingHours = try AttemptStore.gradingHours(db, from: from, to: to)
            for (user, hours) in gradingHours {
                figures[user, default: .init()].attemptsGraded = hours.count
                figures[user, default: .init()].medianGradingHours = Self.median(hours)
            }

            var teachers: [TeachingAnalytics.Teacher] = []
            var institutions: [String: (teachers: Int, figures: TeachingAnalytics.Figures, hours: [Double])] = [:]
            var totals = TeachingAnalytics.Figures()
            for person in try Accounts.accounts(db, roles: [.teacher, .admin]) {
                let line = figures[person.id] ?? .init()
                guard person.role == .teacher || line != .init() else { continue }
                teachers.append(.init(username: person.username, displayName: person.displayName, institution: person.institution, figures: line))
                let institution = person.institution ?? "（未注明单位）"
                var entry = institutions[institution] ?? (0, .init(), [])
                entry.teachers += 1
                entry.figures.add(line)
                entry.hours += gradingHours[person.id] ?? []
                institutions[institution] = entry
                totals.add(line)
            }
            totals.medianGradingHours = Self.median(gradingHours.values.flatMap { $0 })
            // Distinct across teachers: two teachers reusing the same resource count it once for the library.
            totals.resourcesReusedAcrossCourses = reuse.library.across
            totals.othersResourcesUsed = reuse.library.others
            return TeachingAnalytics(
                from: from,
                to: to,
                totals: totals,
                byTeacher: teachers,
                byInstitution: institutions.sorted { $0.key < $1.key }.map { name, entry in
                    var figures = entry.figures
                    figures.medianGradingHours = Self.median(entry.hours)
                    return .init(institution: name, teachers: entry.teachers, figures: figures)
                }
            )
        }
    }

    /// Reuse is a state, not an act: the distinct resources in each teacher's published offerings as they stand (and
    /// in anyone's, for the library) that belong to another course than the offering's, by the version that stands
    /// for them, and that another account uploaded.
    static func reuse(
        _ db: any SQLConnection,
        _ state: UsageIndex.State
    ) throws -> (perTeacher: [String: (across: Int, others: Int)], library: (across: Int, others: Int)) {
        // Each offering's teacher and course as the index numbers them (-1 where the index has none: then every
        // resource is another's, or of another course).
        var offerings: [Int64: (teacher: String, slot: Int, course: Int32, author: Int32, courseId: String)] = [:]
        var teachers: [String] = []
        var slots: [String: Int] = [:]
        for row in try db.fetchAll(sql: "SELECT rowid, createdBy, course FROM offerings WHERE status = 'published'") {
            let (teacher, course): (String, String) = (row[1], row[2])
            let slot = slots[teacher] ?? teachers.count
            if slot == teachers.count {
                teachers.append(teacher)
                slots[teacher] = slot
            }
            offerings[row[0]] = (teacher, slot, state.courseNumbers[course] ?? -1, state.userNumbers[teacher] ?? -1, course)
        }
        // SQLite's CROSS JOIN keeps it walking the published offerings' items by key, instead of every resource item and
        // a look-up of its offering.
        let items = try db.fetchAll(
            sql: """
                SELECT o.rowid, i.itemId FROM offerings o
                \(db.engine.joinInThisOrder) offeringItems i ON i.offering = o.id AND i.revision = o.revision AND i.itemType = 'resource'
                WHERE o.status = 'published'
                """
        )
        // A resource made after the index caught up (and already in a published offering) is read here, and numbered
        // after the index's.
        var unknown: [String: Int32] = [:]
        var unknownFacts: [(course: String, author: String)] = []
        let missing = Set(items.map { $0[1] as String }.filter { id in state.resourceNumbers[id].map { state.courses[Int($0)] < 0 } ?? true })
        try ResourceStore.standingFacts(db, ids: missing) {
            unknown[$0.id] = Int32(state.resourceIds.count + unknownFacts.count)
            unknownFacts.append(($0.course, $0.author))
        }
        var across = [Set<Int32>](repeating: [], count: teachers.count)
        var others = across
        var anyone: (across: Set<Int32>, others: Set<Int32>) = ([], [])
        for row in items {
            guard let offering = offerings[row[0]] else { continue }
            let id: String = row[1]
            let otherCourse: Bool
            let othersResource: Bool
            let number: Int32
            if let known = state.resourceNumbers[id], state.courses[Int(known)] >= 0 {
                (number, otherCourse, othersResource) = (
                    known, state.courses[Int(known)] != offering.course, state.authors[Int(known)] != offering.author
                )
            } else if let read = unknown[id] {
                let facts = unknownFacts[Int(read) - state.resourceIds.count]
                (number, otherCourse, othersResource) = (read, facts.course != offering.courseId, facts.author != offering.teacher)
            } else {
                continue
            }
            if otherCourse {
                across[offering.slot].insert(number)
                anyone.across.insert(number)
            }
            if othersResource {
                others[offering.slot].insert(number)
                anyone.others.insert(number)
            }
        }
        let perTeacher = Dictionary(uniqueKeysWithValues: teachers.indices.map { (teachers[$0], (across[$0].count, others[$0].count)) })
        return (perTeacher, (anyone.across.count, anyone.others.count))
    }

    private static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        let value = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return (value * 100).rounded() / 100
    }
}

extension TeachingAnalytics.Figures {
    /// Adds another line's counts (not its median, which does not add).
    fileprivate mutating func add(_ other: Self) {
        self.resourcesUploaded += other.resourcesUploaded
        self.questionsWritten += other.questionsWritten
        self.offeringsBuilt += other.offeringsBuilt
        self.offeringsPublished += other.offeringsPublished
        self.resourcesReusedAcrossCourses += other.resourcesReusedAcrossCourses
        self.othersResourcesUsed += other.othersResourcesUsed
        self.papersGiven += other.papersGiven
        self.attemptsSubmitted += other.attemptsSubmitted
        self.attemptsGraded += other.attemptsGraded
    }
}

/// Group commit for views and downloads: a use waits for the batch it joined to commit, never for a timer, so it is
/// as durable as before when it returns; while one batch is written, the uses that arrive form the next.
actor UseWriter {
    struct Row: Sendable {
        let resource: String
        let user: String
        let action: String
        let at: Date
    }

    private let database: LibraryDatabase
    private var pending: [Row] = []
    private var waiting: [CheckedContinuation<Void, any Error>] = []
    private var writing = false

    init(database: LibraryDatabase) {
        self.database = database
    }

    func record(_ row: Row) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.pending.append(row)
            self.waiting.append(continuation)
            if !self.writing {
                self.writing = true
                Task { await self.drain() }
            }
        }
    }

    /// Writes batches until none is left; the actor takes new uses while a batch commits.
    private func drain() async {
        while !self.pending.isEmpty {
            let rows = self.pending
            let waiting = self.waiting
            self.pending = []
            self.waiting = []
            do {
                let failures = try await self.write(rows)
                for (continuation, failure) in zip(waiting, failures) {
                    if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
                }
            } catch {
                for continuation in waiting { continuation.resume(throwing: error) }
            }
        }
        self.writing = false
    }

    /// Inserts the rows in one transaction: all in one statement, as they nearly always can be; when that fails (a
    /// resource that is no longer there), each in a savepoint of its own, so a bad row fails alone. Returns each row's
    /// error, or nil. One statement instead of a savepoint per row: on PostgreSQL each of those is a round trip.
    private func write(_ rows: [Row]) async throws -> [(any Error)?] {
        try await self.database.write { db in
            do {
                try db.inSavepoint {
                    // At most 4 × 500 arguments, well under SQLite's limit; the batch is what arrived during one commit.
                    for chunk in stride(from: 0, to: rows.count, by: 500).map({ rows[$0..<min($0 + 500, rows.count)] }) {
                        try db.execute(
                            sql: "INSERT INTO resourceUses (resource, user, action, at) VALUES "
                                + Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", "),
                            arguments: SQLArguments(chunk.flatMap { [$0.resource, $0.user, $0.action, $0.at] as [(any DatabaseValueConvertible)?] })
                        )
                    }
                }
                return rows.map { _ in nil }
            } catch {
                return rows.map { row in
                    do {
                        try db.inSavepoint {
                            try db.execute(
                                sql: "INSERT INTO resourceUses (resource, user, action, at) VALUES (?, ?, ?, ?)",
                                arguments: [row.resource, row.user, row.action, row.at]
                            )
                        }
                        return nil
                    } catch {
                        return error
                    }
                }
            }
        }
    }
}

extension Sequence {
    /// The first `count` elements in the order `areInIncreasingOrder` gives, without sorting the rest: each element
    /// is compared with the last kept one and, only when it goes before it, put in its place.
    func first(_ count: Int, by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element] {
        guard count > 0 else { return [] }
        var kept: [Element] = []
        kept.reserveCapacity(count + 1)
        for element in self {
            if kept.count == count, !areInIncreasingOrder(element, kept[kept.count - 1]) { continue }
            let position = kept.partitionPoint { areInIncreasingOrder(element, $0) }
            kept.insert(element, at: position)
            if kept.count > count { kept.removeLast() }
        }
        return kept
    }
}
