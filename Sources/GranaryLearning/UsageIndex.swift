import Foundation
import GRDB
import GranaryModel
import GranaryStore
import Synchronization

/// Every view, download, completion and rating of a resource, in memory and bucketed by Asia/Shanghai day: what
/// usage analytics and the report's usage and satisfaction rules add up. With them, each resource's standing course
/// and kind, who uploaded it and on which day: what teaching analytics counts uploads and reuse by.
///
/// A period of analytics touches every use in it: at 200,000 resources and 2,000,000 uses a year, SQLite needed
/// 30 s for the totals alone (a random read per use to find its resource's course), where adding up these columns
/// takes milliseconds. Each use is 9 bytes here (resource and account as numbers, and what it was).
///
/// The index keeps itself current before every read, in one read transaction: uses and completions are append-only
/// (their row ids only grow, so it reads the rows after the last it saw), and ratings and resources' course and kind
/// change with an event in the change feed (`resource.rated`, `resource.versioned`, …), so it re-reads the resources
/// those events name. Built on first use (a few seconds at full size); `prepare()` does that ahead.
final class UsageIndex: Sendable {
    /// What a use in a day's bucket was.
    enum Kind: UInt8 {
        case view
        case download
        case completion
        /// A paper of an offering completed: it counts the account as learning, not any resource's use.
        case paperCompletion
    }

    /// The uses of one day, as parallel columns.
    struct Day: Sendable {
        var resources: [Int32] = []
        var users: [Int32] = []
        var kinds: [UInt8] = []
    }

    /// A rating as it stands: the day it was given and its stars.
    struct Rating: Sendable {
        var day: Int32
        var stars: UInt8
    }

    struct State: Sendable {
        var resourceIds: [String] = []
        var resourceNumbers: [String: Int32] = [:]
        var userIds: [String] = []
        var userNumbers: [String: Int32] = [:]
        /// Per resource number: its course (a number in `courseIds`) and kind, of the version that stands for it, who
        /// uploaded it (an account number) and on which day.
        var courses: [Int32] = []
        var kinds: [Int32] = []
        var authors: [Int32] = []
        var createdDays: [Int32] = []
        var courseIds: [String] = []
        var courseNumbers: [String: Int32] = [:]
        var kindIds: [String] = []
        var kindNumbers: [String: Int32] = [:]
        /// Days with uses, ascending (days since 1970-01-01 in Asia/Shanghai), and their buckets.
        var dayNumbers: [Int32] = []
        var days: [Day] = []
        /// Ratings by resource number << 32 | account number.
        var ratings: [UInt64: Rating] = [:]
        /// The last use id, progress row id and change-feed sequence read.
        var lastUse: Int64 = 0
        var lastProgress: Int64 = 0
        var feed: Int64 = 0
        var loaded = false

        mutating func resource(_ id: String) -> Int32 {
            if let number = self.resourceNumbers[id] { return number }
            let number = Int32(self.resourceIds.count)
            self.resourceIds.append(id)
            self.resourceNumbers[id] = number
            self.courses.append(-1)
            self.kinds.append(-1)
            self.authors.append(-1)
            self.createdDays.append(-1)
            return number
        }

        mutating func user(_ id: String) -> Int32 {
            if let number = self.userNumbers[id] { return number }
            let number = Int32(self.userIds.count)
            self.userIds.append(id)
            self.userNumbers[id] = number
            return number
        }

        mutating func setFacts(_ facts: ResourceStore.StandingFacts) {
            let number = Int(self.resource(facts.id))
            func intern(_ name: String, _ ids: inout [String], _ numbers: inout [String: Int32]) -> Int32 {
                if let known = numbers[name] { return known }
                ids.append(name)
                numbers[name] = Int32(ids.count - 1)
                return Int32(ids.count - 1)
            }
            self.courses[number] = intern(facts.course, &self.courseIds, &self.courseNumbers)
            self.kinds[number] = intern(facts.kind, &self.kindIds, &self.kindNumbers)
            self.authors[number] = self.user(facts.author)
            self.createdDays[number] = Int32(facts.createdDay)
        }

        mutating func add(_ kind: Kind, resource: String?, user: String, day: Int) {
            let resource = resource.map { self.resource($0) } ?? -1
            let user = self.user(user)
            let day = Int32(day)
            let position: Int
            if let last = self.dayNumbers.last, last == day {
                position = self.dayNumbers.count - 1
            } else {
                position = self.dayNumbers.partitionPoint { $0 >= day }
                if position == self.dayNumbers.count || self.dayNumbers[position] != day {
                    self.dayNumbers.insert(day, at: position)
                    self.days.insert(Day(), at: position)
                }
            }
            self.days[position].resources.append(resource)
            self.days[position].users.append(user)
            self.days[position].kinds.append(kind.rawValue)
        }

        mutating func rate(resource: String, user: String, stars: Int, day: Int) {
            let key = UInt64(UInt32(self.resource(resource))) << 32 | UInt64(UInt32(self.user(user)))
            self.ratings[key] = Rating(day: Int32(day), stars: UInt8(stars))
        }
    }

    private let database: LibraryDatabase
    private let state = Mutex(State())
    /// One catch-up at a time; readers that come meanwhile wait for it and then read.
    private let updating = UpdateGate()

    init(database: LibraryDatabase) {
        self.database = database
    }

    /// The last period added up, with what it was asked of: the next page, grouping or visitor of the same period
    /// reads it instead of adding up again, until a use, completion or change comes in.
    private let lastTally = Mutex<(key: [Int64], tally: State.Tally)?>(nil)

    /// What `state` adds up to over the days `first..<end`, by day or by month.
    func tally(_ state: State, days first: Int, _ end: Int, monthly: Bool) -> State.Tally {
        let key = [Int64(first), Int64(end), monthly ? 1 : 0, state.lastUse, state.lastProgress, state.feed]
        if let last = self.lastTally.withLock({ $0 }), last.key == key { return last.tally }
        let tally = state.tally(days: first, end, monthly: monthly)
        self.lastTally.withLock { $0 = (key, tally) }
        return tally
    }

    /// Builds the index now instead of on the first read.
    func prepare() async throws {
        _ = try await self.current()
    }

    /// The state brought up to date with everything committed when it was called. Arrays are copied on write, so
    /// the snapshot stays as it was while later uses are added.
    func current() async throws -> State {
        try await self.updating.run {
            let snapshot = self.state.withLock { $0 }
            let feedHead = self.database.feed.head
            var changed: Set<String> = []
            var rated: Set<String> = []
            var after = snapshot.feed
            if snapshot.loaded {
                while after < feedHead {
                    let changes = try await self.database.feed.changes(after: after)
                    guard let last = changes.last else { break }
                    for change in changes where change.itemType == "resource" {
                        changed.insert(change.itemId)
                        if change.action == "resource.rated" { rated.insert(change.itemId) }
                    }
                    after = last.sequence
                }
            }
            let (reached, changedFacts, changedRatings) = (after, changed, rated)
            let updated = try await self.database.read { db in
                var state = snapshot
                if !state.loaded {
                    state.feed = try ChangeFeed.newest(db)
                    try ResourceStore.standingFacts(db) { state.setFacts($0) }
                    try ResourceStore.ratingDays(db) { state.rate(resource: $0, user: $1, stars: $2, day: $3) }
                } else {
                    state.feed = max(state.feed, reached)
                    // Past a few thousand resources (an import), reading them all is quicker than naming each.
                    let many = 5_000
                    try ResourceStore.standingFacts(db, ids: changedFacts.count > many ? nil : changedFacts) { state.setFacts($0) }
                    try ResourceStore.ratingDays(db, resources: changedRatings.count > many ? nil : changedRatings) {
                        state.rate(resource: $0, user: $1, stars: $2, day: $3)
                    }
                }
                let known = state.resourceIds.count
                let day = db.engine.chinaDayNumber("at")
                let uses = try db.fetchCursor(
                    sql: "SELECT id, resource, user, action = 'download', \(day) FROM resourceUses WHERE id > ? ORDER BY id",
                    arguments: [state.lastUse]
                )
                while let row = try uses.next() {
                    state.add(row[3] ? .download : .view, resource: row[1], user: row[2], day: row[4])
                    state.lastUse = row[0]
                }
                // Completions are only ever inserted (INSERT … ON CONFLICT DO NOTHING, never replaced or deleted), so row ids grow.
                let completions = try db.fetchCursor(
                    sql: """
                        SELECT rowid, itemId, user, \(db.engine.chinaDayNumber("completedAt")), itemType = 'paper'
                        FROM progress WHERE rowid > ? ORDER BY rowid
                        """,
                    arguments: [state.lastProgress]
                )
                while let row = try completions.next() {
                    let paper: Bool = row[4]
                    state.add(paper ? .paperCompletion : .completion, resource: paper ? nil : row[1] as String, user: row[2], day: row[3])
                    state.lastProgress = row[0]
                }
                // A resource made and used after the feed was read: its facts come with its first uses.
                let unknown = Set((known..<state.resourceIds.count).filter { state.courses[$0] < 0 }.map { state.resourceIds[$0] })
                try ResourceStore.standingFacts(db, ids: unknown) { state.setFacts($0) }
                state.loaded = true
                return state
            }
            self.state.withLock { $0 = updated }
            return updated
        }
    }
}

/// Runs one operation at a time; callers that arrive while one runs wait for it to end and then run their own.
actor UpdateGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        while self.busy { await withCheckedContinuation { self.waiting.append($0) } }
        self.busy = true
        defer {
            self.busy = false
            let waiting = self.waiting
            self.waiting = []
            for continuation in waiting { continuation.resume() }
        }
        return try await operation()
    }
}

extension UsageIndex.State {
    /// The Asia/Shanghai day of `date`, as days since 1970-01-01.
    static func day(of date: Date) -> Int {
        ChinaDate.dayNumber(of: date)
    }
}

extension UsageIndex.State {
    /// Counts of one group or period while they are added up.
    struct Counts: Sendable {
        var views = 0
        var downloads = 0
        var completions = 0
        var ratings = 0
        var stars = 0

        var used: Int { self.views + self.downloads + self.completions }

        mutating func add(_ other: Counts) {
            self.views += other.views
            self.downloads += other.downloads
            self.completions += other.completions
            self.ratings += other.ratings
            self.stars += other.stars
        }
    }

    /// What the uses and ratings of the days `first..<end` add up to: per resource number (the resources with any,
    /// in `active`), per period (a day or a month, as `2026-11-29` or `2026-11`) and how many accounts took part.
    /// Uses of a resource whose course and kind are not known (none should be) are left out, as a join would.
    func tally(days first: Int, _ end: Int, monthly: Bool) -> Tally {
        var tally = Tally(resources: self.resourceIds.count)
        var seen = [UInt64](repeating: 0, count: (self.userIds.count + 63) / 64)
        var perDay: [Int: Counts] = [:]
        let start = self.dayNumbers.partitionPoint { $0 >= first }
        for position in start..<self.dayNumbers.count {
            let day = Int(self.dayNumbers[position])
            guard day < end else { break }
            let bucket = self.days[position]
            var counts = Counts()
            for index in bucket.resources.indices {
                let resource = Int(bucket.resources[index])
                guard resource >= 0, self.courses[resource] >= 0 else { continue }
                switch UsageIndex.Kind(rawValue: bucket.kinds[index]) {
                case .view:
                    tally.views[resource] += 1
                    counts.views += 1
                case .download:
                    tally.downloads[resource] += 1
                    counts.downloads += 1
                case .completion:
                    tally.completions[resource] += 1
                    counts.completions += 1
                case .paperCompletion, nil: continue
                }
                let user = Int(bucket.users[index])
                seen[user >> 6] |= 1 << UInt64(user & 63)
            }
            perDay[day] = counts
        }
        for (key, rating) in self.ratings where Int(rating.day) >= first && Int(rating.day) < end {
            let resource = Int(key >> 32)
            let user = Int(key & 0xFFFF_FFFF)
            guard self.courses[resource] >= 0 else { continue }
            tally.ratings[resource] += 1
            tally.stars[resource] += Int32(rating.stars)
            perDay[Int(rating.day), default: Counts()].add(Counts(ratings: 1, stars: Int(rating.stars)))
            seen[user >> 6] |= 1 << UInt64(user & 63)
        }
        for (day, counts) in perDay {
            tally.periods[Self.period(day: day, monthly: monthly), default: Counts()].add(counts)
        }
        tally.active = tally.views.indices.filter {
            tally.views[$0] + tally.downloads[$0] + tally.completions[$0] + tally.ratings[$0] > 0
        }
        tally.users = seen.reduce(0) { $0 + $1.nonzeroBitCount }
        return tally
    }

    /// Per-resource columns of a period's counts.
    struct Tally: Sendable {
        var views: [Int32]
        var downloads: [Int32]
        var completions: [Int32]
        var ratings: [Int32]
        var stars: [Int32]
        var active: [Int] = []
        var periods: [String: Counts] = [:]
        var users = 0

        init(resources: Int) {
            self.views = [Int32](repeating: 0, count: resources)
            (self.downloads, self.completions, self.ratings, self.stars) = (self.views, self.views, self.views, self.views)
        }

        func counts(_ resource: Int) -> Counts {
            Counts(
                views: Int(self.views[resource]),
                downloads: Int(self.downloads[resource]),
                completions: Int(self.completions[resource]),
                ratings: Int(self.ratings[resource]),
                stars: Int(self.stars[resource])
            )
        }
    }

    /// Which accounts viewed, downloaded or completed a resource or a paper in the days `first..<end`.
    func learners(days first: Int, _ end: Int) -> Analytics.Learners {
        var seen = [Bool](repeating: false, count: self.userIds.count)
        let start = self.dayNumbers.partitionPoint { $0 >= first }
        for position in start..<self.dayNumbers.count where self.dayNumbers[position] < end {
            for user in self.days[position].users { seen[Int(user)] = true }
        }
        return Analytics.Learners(seen: seen, numbers: self.userNumbers)
    }

    /// The ratings as they stand that were given in the days `first..<end`: how many, how many have fewer than
    /// `good` stars, and the first `limit` of those, fewest stars first, then by resource.
    func satisfaction(days first: Int, _ end: Int, good: Int, limit: Int) -> Analytics.Satisfaction {
        var ratings = 0
        var low: [(resource: Int32, stars: UInt8)] = []
        for (key, rating) in self.ratings where Int(rating.day) >= first && Int(rating.day) < end {
            ratings += 1
            if Int(rating.stars) < good { low.append((Int32(key >> 32), rating.stars)) }
        }
        let lowest = low.first(limit) {
            ($0.stars, self.resourceIds[Int($0.resource)]) < ($1.stars, self.resourceIds[Int($1.resource)])
        }
        return Analytics.Satisfaction(
            ratings: ratings,
            low: low.count,
            lowest: lowest.map { (self.resourceIds[Int($0.resource)], Int($0.stars)) }
        )
    }

    /// How many resources each account (by id) uploaded in the days `first..<end`.
    func uploads(days first: Int, _ end: Int) -> [String: Int] {
        var perAuthor: [Int32: Int] = [:]
        for (author, day) in zip(self.authors, self.createdDays) where author >= 0 && Int(day) >= first && Int(day) < end {
            perAuthor[author, default: 0] += 1
        }
        return Dictionary(uniqueKeysWithValues: perAuthor.map { (self.userIds[Int($0.key)], $0.value) })
    }

    /// `2026-11-29` or `2026-11` for a day counted from 1970-01-01.
    static func period(day: Int, monthly: Bool) -> String {
        let (year, month, dayOfMonth) = ChinaDate.civil(day)
        return monthly ? String(format: "%04d-%02d", year, month) : String(format: "%04d-%02d-%02d", year, month, dayOfMonth)
    }
}

extension RandomAccessCollection {
    /// The index of the first element for which `belongs` holds, where it holds for a suffix of the collection
    /// (every element after one that holds holds too); `endIndex` when none does. Binary search.
    func partitionPoint(where belongs: (Element) -> Bool) -> Index {
        var low = self.startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = self.index(low, offsetBy: half)
            if belongs(self[middle]) {
                count = half
            } else {
                low = self.index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
