import Foundation
import GRDB
import GranaryModel
import GranaryStore
import Testing

@testable import GranaryLearning

/// Usage analytics add up the usage index; a scan of the tables (the query analytics ran before the index) must give
/// the same figures for every grouping and period, before and after uses, completions, re-ratings and new versions
/// come in.
@Suite struct UsageIndexTests {
    let database: LibraryDatabase
    let analytics: Analytics
    let users: [User]
    let start = Date(timeIntervalSince1970: 1_767_196_800)  // 2026-01-01 00:00 Asia/Shanghai
    let courses = ["c-weld", "c-cnc", "c-nurse"]
    let kinds: [ResourceKind] = [.video, .document, .image]

    init() async throws {
        self.database = try LibraryDatabase(DatabaseQueue(), schemas: [.learning])
        let accounts = Accounts(database: self.database, bcryptCost: 4, tokenLifetime: 3600)
        var users: [User] = []
        for index in 0..<12 {
            users.append(
                try await accounts.createUser(
                    username: "u\(index)",
                    password: "Passw0rd-123",
                    displayName: nil,
                    role: index == 0 ? .teacher : .learner,
                    institution: nil,
                    actor: "test"
                )
            )
        }
        self.users = users
        self.analytics = Analytics(database: self.database)
    }

    /// Writes rows as the stores would, without the catalogue and blobs the foreign keys ask for.
    func write(_ body: @escaping @Sendable (any SQLConnection) throws -> Void) async throws {
        try await self.database.sqlite!.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.inTransaction {
                try body(SQLiteConnection(db))
                return .commit
            }
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
    }

    func addResource(_ id: String, course: String, kind: ResourceKind, version: Int = 1, at: Date, by author: User? = nil) async throws {
        let author = author ?? self.users[0]
        try await self.write { db in
            if version == 1 {
                try ReviewedItems.resources.insertDraft(db, id: id, author: author, at: at)
            } else {
                try db.execute(sql: "UPDATE resources SET currentVersion = ? WHERE id = ?", arguments: [version, id])
            }
            try db.execute(
                sql: """
                    INSERT INTO resourceVersions (resource, version, title, major, course, original, kind, sha256, canonicalName,
                        createdBy, createdAt) VALUES (?, ?, ?, '460110', ?, 1, ?, 'x', 'x', ?, ?)
                    """,
                arguments: [id, version, "资源 \(id) 第 \(version) 版", course, kind.rawValue, author.id, at]
            )
            try EventLog.record(db, actor: "u0", action: "resource.versioned", itemType: "resource", itemId: id, at: at)
        }
    }

    /// Random uses, completions and ratings over `days` days from `from`.
    func addUses(_ count: Int, resources: [String], from: Date, days: Int, seed: UInt64) async throws {
        let users = self.users
        try await self.write { db in
            var random = SeededGenerator(seed: seed)
            for index in 0..<count {
                let resource = resources[random.below(resources.count)]
                let user = users[random.below(users.count)].id
                let at = from.addingTimeInterval(Double(random.below(days * 86_400)))
                switch random.below(6) {
                case 0:
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO progress (user, offering, itemType, itemId, completedAt) VALUES (?, ?, ?, ?, ?)",
                        arguments: [user, "o\(random.below(3))", index % 7 == 0 ? "paper" : "resource", resource, at]
                    )
                case 1:
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO ratings (resource, user, stars, ratedAt) VALUES (?, ?, ?, ?)",
                        arguments: [resource, user, 1 + random.below(5), at]
                    )
                    try EventLog.record(db, actor: "u", action: "resource.rated", itemType: "resource", itemId: resource, at: at)
                default:
                    try db.execute(
                        sql: "INSERT INTO resourceUses (resource, user, action, at) VALUES (?, ?, ?, ?)",
                        arguments: [resource, user, random.below(3) == 0 ? "download" : "view", at]
                    )
                }
            }
        }
    }

    /// The figures by a scan of the tables: the query analytics ran before the usage index.
    func scanned(
        from: Date,
        to: Date,
        by grouping: ResourceAnalytics.Grouping,
        interval: ResourceAnalytics.Interval
    ) async throws -> ResourceAnalytics {
        try await self.database.read { db in
            let (key, name) =
                switch grouping {
                case .resource: ("f.resource", "f.title")
                case .course: ("f.course", "f.course")
                case .kind: ("f.kind", "f.kind")
                }
            let uses = """
                WITH facts AS (
                    SELECT r.id AS resource, v.title, v.course, v.kind FROM resources r
                    JOIN resourceVersions v ON v.resource = r.id AND v.version = COALESCE(r.publishedVersion, r.currentVersion)
                ), uses AS (
                    SELECT resource, user, action = 'view' AS views, action = 'download' AS downloads, 0 AS completions,
                           NULL AS stars, at FROM resourceUses WHERE at >= ?1 AND at < ?2
                    UNION ALL
                    SELECT itemId, user, 0, 0, 1, NULL, completedAt FROM progress
                    WHERE itemType = 'resource' AND completedAt >= ?1 AND completedAt < ?2
                    UNION ALL
                    SELECT resource, user, 0, 0, 0, stars, ratedAt FROM ratings WHERE ratedAt >= ?1 AND ratedAt < ?2
                )
                """
            let figures =
                "SUM(u.views) AS views, SUM(u.downloads) AS downloads, SUM(u.completions) AS completions, COUNT(u.stars) AS ratings, AVG(u.stars) AS stars"
            let joined = "FROM uses u JOIN facts f ON f.resource = u.resource"
            func read(_ row: SQLRow) -> ResourceAnalytics.Figures {
                ResourceAnalytics.Figures(
                    views: row["views"] ?? 0,
                    downloads: row["downloads"] ?? 0,
                    completions: row["completions"] ?? 0,
                    ratings: row["ratings"] ?? 0,
                    averageStars: (row["stars"] as Double?).map { ($0 * 100).rounded() / 100 }
                )
            }
            let totals = try db.fetchOne(sql: uses + " SELECT \(figures), COUNT(DISTINCT u.user) AS users " + joined, arguments: [from, to])!
            let groups = try db.fetchAll(
                sql: uses + """
                     SELECT \(key) AS key, MAX(\(name)) AS name, \(figures) \(joined)
                    GROUP BY \(key) ORDER BY SUM(u.views) + SUM(u.downloads) + SUM(u.completions) DESC, COUNT(u.stars) DESC, \(key)
                    """,
                arguments: [from, to]
            ).map { ResourceAnalytics.Group(key: $0["key"], name: $0["name"], figures: read($0)) }
            let format = interval == .day ? "%Y-%m-%d" : "%Y-%m"
            let series = try db.fetchAll(
                sql: uses + " SELECT strftime('\(format)', u.at, '+8 hours') AS period, \(figures) \(joined) GROUP BY period ORDER BY period",
                arguments: [from, to]
            ).map { ResourceAnalytics.Period(period: $0["period"], figures: read($0)) }
            return ResourceAnalytics(
                from: from,
                to: to,
                by: grouping,
                interval: interval,
                totals: totals["views"] == nil ? .zero : read(totals),
                users: totals["users"] ?? 0,
                items: groups,
                total: groups.count,
                series: series
            )
        }
    }

    /// Compares every grouping and interval over a few periods, on every page of 7.
    func expectSameAsScan(_ note: String) async throws {
        let day = 86_400.0
        let periods = [(0.0, 400.0), (0, 31), (31, 59), (100, 101), (200, 230), (390, 400), (500, 510)]
        for (first, last) in periods {
            let from = self.start.addingTimeInterval(first * day)
            let to = self.start.addingTimeInterval(last * day)
            for grouping in ResourceAnalytics.Grouping.allCases {
                for interval in ResourceAnalytics.Interval.allCases {
                    let scan = try await self.scanned(from: from, to: to, by: grouping, interval: interval)
                    var items: [ResourceAnalytics.Group] = []
                    var page = 1
                    while true {
                        let indexed = try await self.analytics.resources(
                            from: from,
                            to: to,
                            by: grouping,
                            interval: interval,
                            PageRequest(page: page, pageSize: 7)
                        )
                        #expect(indexed.totals == scan.totals, "\(note) \(first)…\(last) \(grouping)")
                        #expect(indexed.users == scan.users, "\(note) \(first)…\(last) \(grouping)")
                        #expect(indexed.total == scan.total, "\(note) \(first)…\(last) \(grouping)")
                        // The first period that differs, not two series of hundreds of days.
                        #expect(indexed.series.count == scan.series.count, "\(note) \(first)…\(last) \(interval)")
                        let differing = zip(indexed.series, scan.series).first { $0 != $1 }
                        #expect(differing == nil, "\(note) \(first)…\(last) \(grouping) \(interval)")
                        items += indexed.items
                        if indexed.items.count < 7 { break }
                        page += 1
                    }
                    // Kinds are named in Chinese and courses by the catalogue (none here): compare keys and figures.
                    #expect(items.map(\.key) == scan.items.map(\.key), "\(note) \(first)…\(last) \(grouping)")
                    #expect(items.map(\.figures) == scan.items.map(\.figures), "\(note) \(first)…\(last) \(grouping)")
                    if grouping == .resource {
                        #expect(items.map(\.name) == scan.items.map(\.name), "\(note) \(first)…\(last)")
                    }
                }
            }
        }
    }

    @Test func theIndexAddsUpWhatAScanOfTheTablesFinds() async throws {
        var resources: [String] = []
        for index in 0..<40 {
            let id = "r\(index)"
            resources.append(id)
            try await self.addResource(id, course: self.courses[index % 3], kind: self.kinds[index % 2 == 0 ? 0 : index % 3], at: self.start)
        }
        try await self.addUses(3_000, resources: resources, from: self.start.addingTimeInterval(-20 * 86_400), days: 420, seed: 7)
        try await self.expectSameAsScan("built")

        // After it is built: more uses (some of resources it has not seen), re-ratings and a new version in another
        // course, each caught up before the next read.
        for index in 40..<46 {
            resources.append("r\(index)")
            try await self.addResource("r\(index)", course: "c-new", kind: .audio, at: self.start)
        }
        try await self.addUses(1_500, resources: resources, from: self.start, days: 400, seed: 8)
        try await self.addResource("r3", course: "c-new", kind: .courseware, version: 2, at: self.start)
        try await self.expectSameAsScan("caught up")
    }

    @Test func uploadsPerAuthorAreWhatACountOfTheTableFinds() async throws {
        let index = UsageIndex(database: self.database)
        let day = 86_400.0
        func expectSameAsCount(_ note: String) async throws {
            let state = try await index.current()
            for (first, last) in [(0, 1), (-1, 0), (0, 30), (-40, 400), (29, 31), (364, 365)] {
                let (from, to) = (self.start.addingTimeInterval(Double(first) * day), self.start.addingTimeInterval(Double(last) * day))
                let counted = try await self.database.read { db in
                    try Dictionary(
                        uniqueKeysWithValues: db.fetchAll(
                            sql: "SELECT createdBy, COUNT(*) FROM resources WHERE createdAt >= ? AND createdAt < ? GROUP BY createdBy",
                            arguments: [from, to]
                        ).map { ($0[0] as String, $0[1] as Int) }
                    )
                }
                let days = (UsageIndex.State.day(of: from), UsageIndex.State.day(of: to))
                #expect(state.uploads(days: days.0, days.1) == counted, "\(note) \(first)…\(last)")
            }
        }
        // Two authors, a year of days, and uploads at 23:30 and 00:30 in Shanghai around the first of January.
        for index in 0..<60 {
            let at = self.start.addingTimeInterval(Double(index * 7 % 400 - 20) * day + Double(index % 5) * 3_600)
            try await self.addResource("r\(index)", course: "c-weld", kind: .video, at: at, by: self.users[index % 3 == 0 ? 0 : 1])
        }
        try await self.addResource("eve", course: "c-weld", kind: .video, at: self.start.addingTimeInterval(-1_800))
        try await self.addResource("dawn", course: "c-weld", kind: .video, at: self.start.addingTimeInterval(1_800), by: self.users[1])
        try await expectSameAsCount("built")
        // Uploaded after the index was built: caught up before the next read.
        for index in 60..<75 {
            try await self.addResource(
                "r\(index)",
                course: "c-cnc",
                kind: .image,
                at: self.start.addingTimeInterval(Double(index) * day),
                by: self.users[2]
            )
        }
        try await expectSameAsCount("caught up")
    }

    @Test func reuseCountsAResourceTheIndexHasNotSeenFromTheTables() async throws {
        let (teacher, other) = (self.users[0], self.users[1])
        try await self.addResource("mine", course: "c-weld", kind: .video, at: self.start)
        try await self.addResource("theirs-here", course: "c-weld", kind: .video, at: self.start, by: other)
        let stale = try await UsageIndex(database: self.database).current()
        // Made after the index caught up, and already in a published offering.
        try await self.addResource("theirs-elsewhere", course: "c-cnc", kind: .video, at: self.start, by: other)
        try await self.write { db in
            try db.execute(
                sql: """
                    INSERT INTO offerings (id, course, title, status, revision, createdBy, createdAt, updatedAt)
                        VALUES ('o1', 'c-weld', '焊接', 'published', 1, ?1, ?2, ?2), ('o2', 'c-weld', '草稿', 'draft', NULL, ?1, ?2, ?2);
                    INSERT INTO offeringItems (offering, revision, unit, unitPosition, position, itemType, itemId) VALUES
                        ('o1', 1, 'u1', 1, 1, 'resource', 'mine'), ('o1', 1, 'u1', 1, 2, 'resource', 'theirs-here'),
                        ('o1', 1, 'u1', 1, 3, 'resource', 'theirs-elsewhere'), ('o1', 1, 'u1', 1, 4, 'paper', 'p1'),
                        ('o2', 1, 'u1', 1, 1, 'resource', 'theirs-elsewhere');
                    """,
                arguments: [teacher.id, self.start]
            )
        }
        let reuse = try await self.database.read { db in try Analytics.reuse(db, stale) }
        // Of another course: only the one the index has not seen; another's: both of the other account's.
        let expected: [String: [Int]] = [teacher.id: [1, 2]]
        #expect(reuse.perTeacher.mapValues { [$0.across, $0.others] } == expected)
        #expect(reuse.library.across == 1 && reuse.library.others == 2)
    }

    @Test func aPeriodWithNothingInItIsZero() async throws {
        try await self.addResource("r1", course: "c-weld", kind: .video, at: self.start)
        let empty = try await self.analytics.resources(
            from: self.start,
            to: self.start.addingTimeInterval(86_400),
            by: .course,
            interval: .day,
            PageRequest(page: 1, pageSize: 20)
        )
        #expect(empty.totals == .zero)
        #expect(empty.users == 0 && empty.total == 0 && empty.items.isEmpty && empty.series.isEmpty)
    }

    @Test func periodsAreAsiaShanghaiDates() {
        #expect(UsageIndex.State.period(day: 0, monthly: false) == "1970-01-01")
        #expect(UsageIndex.State.period(day: 20_513, monthly: false) == "2026-03-01")
        #expect(UsageIndex.State.period(day: 20_512, monthly: true) == "2026-02")
        #expect(UsageIndex.State.period(day: 11_016, monthly: false) == "2000-02-29")
        // 2025-11-30 16:00 UTC is 1 December in Shanghai.
        #expect(UsageIndex.State.day(of: Date(timeIntervalSince1970: 1_764_518_400)) == 20_423)
        #expect(UsageIndex.State.period(day: 20_423, monthly: false) == "2025-12-01")
    }
}
