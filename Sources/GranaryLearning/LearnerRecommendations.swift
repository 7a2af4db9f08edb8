import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// What a learner might study next (为你推荐), from what they studied and the course system's prerequisites:
/// first the next items of the offerings they chose, then resources on points that build on points they studied,
/// then more resources on the points they studied, and for a newcomer the library's most rated and newest resources.
public struct LearnerRecommendations: Sendable {
    let database: LibraryDatabase
    let finder: any PublishedResourceFinder

    /// Creates the service over the library's database; `finder` answers the questions over every published resource
    /// (the search index in the service), SQL over the tables when nil.
    public init(database: LibraryDatabase, finder: (any PublishedResourceFinder)? = nil) {
        self.database = database
        self.finder = finder ?? SQLPublishedResourceFinder(database: database)
    }

    /// One suggested resource and why.
    public struct Suggestion: Codable, Sendable, Equatable {
        public var resource: String
        public var title: String
        public var kind: ResourceKind
        public var course: String
        /// `enrolled_offering`, `next_point`, `same_point`, `popular` or `newest`.
        public var reason: String
        /// The point that led here (for `next_point` and `same_point`).
        public var point: String?
        public var pointName: String?
        /// The offering that holds it (for `enrolled_offering`).
        public var offering: String?
    }

    /// What a learner's own history says, read in one go: every row is the learner's, so the reads stay small
    /// however large the library.
    private struct History {
        var used: Set<String>
        /// The live resources of the offerings the learner chose.
        var offeringItems: [(resource: String, offering: String)]
        var studied: Set<String>
        /// Points whose prerequisite was studied and which were not.
        var next: Set<String>
    }

    /// Up to `limit` published resources `user` has not used yet, best first.
    public func suggestions(for user: User, limit: Int = 10) async throws -> [Suggestion] {
        let history = try await self.database.read { db in
            let used = Set(
                try db.fetchAll(
                    String.self,
                    sql: """
                        SELECT itemId FROM progress WHERE user = ?1 AND itemType = 'resource'
                        UNION SELECT resource FROM resourceUses WHERE user = ?1
                        """,
                    arguments: [user.id]
                )
            ).union(try ResourceStore.rated(db, by: user.id))
            // The items of chosen offerings, the latest chosen first, in course order.
            let items = try db.fetchAll(
                sql: """
                    SELECT i.itemId AS resource, i.offering FROM enrollments e
                    JOIN offerings o ON o.id = e.offering
                    JOIN offeringItems i ON i.offering = o.id AND i.revision = o.revision AND i.itemType = 'resource'
                    WHERE e.user = ?
                    ORDER BY e.enrolledAt DESC, i.offering, i.unitPosition, i.position
                    LIMIT 200
                    """,
                arguments: [user.id]
            ).map { (resource: $0["resource"] as String, offering: $0["offering"] as String) }
            let live = try ResourceStore.publishedFacts(db, ids: items.map(\.resource))
            let studied = try ResourceStore.publishedPoints(db, ids: used)
            let next = try CatalogueStore.pointsAfter(db, studied).subtracting(studied)
            return History(used: used, offeringItems: items.filter { live[$0.resource] != nil }, studied: studied, next: next)
        }
        var picked: [(resource: String, reason: String, point: String?, offering: String?)] = []
        var seen = history.used
        func take(_ ids: [String], reason: String, point: (String) -> String? = { _ in nil }, offering: (String) -> String? = { _ in nil }) {
            for id in ids where picked.count < limit && seen.insert(id).inserted {
                picked.append((id, reason, point(id), offering(id)))
            }
        }
        let offeringOf = Dictionary(history.offeringItems.map { ($0.resource, $0.offering) }, uniquingKeysWith: { first, _ in first })
        take(history.offeringItems.map(\.resource), reason: "enrolled_offering", offering: { offeringOf[$0] })
        // A resource retired between the index's answer and the read below is left out: ask for a few more.
        let wanted = limit + 5
        for (points, reason) in [(history.next, "next_point"), (history.studied, "same_point")] where picked.count < limit && !points.isEmpty {
            let hits = try await self.finder.newest(onPoints: points, excluding: seen, limit: wanted)
            let pointOf = Dictionary(hits.map { ($0.resource, $0.point) }, uniquingKeysWith: { first, _ in first })
            take(hits.map(\.resource), reason: reason, point: { pointOf[$0] })
        }
        if picked.count < limit { take(try await self.finder.mostRated(excluding: seen, limit: wanted), reason: "popular") }
        return try await self.database.read { [picked, seen] db in
            var shown = try ResourceStore.publishedFacts(db, ids: picked.map(\.resource))
            let names = try CatalogueStore.pointNames(db, ids: Set(picked.compactMap(\.point)))
            var chosen: [Suggestion] = []
            func add(_ id: String, reason: String, point: String?, offering: String?) {
                guard chosen.count < limit, let facts = shown[id] else { return }
                chosen.append(
                    Suggestion(
                        resource: id,
                        title: facts.title,
                        kind: facts.kind,
                        course: facts.course,
                        reason: reason,
                        point: point,
                        pointName: point.flatMap { names[$0] },
                        offering: offering
                    )
                )
            }
            for pick in picked { add(pick.resource, reason: pick.reason, point: pick.point, offering: pick.offering) }
            // A newcomer, or one who has seen nearly everything: the newest, as long as there are any.
            if chosen.count < limit {
                let newest = try ResourceStore.newestPublished(db, limit: limit + seen.count).filter { !seen.contains($0) }
                shown = try ResourceStore.publishedFacts(db, ids: newest)
                for id in newest { add(id, reason: "newest", point: nil, offering: nil) }
            }
            return chosen
        }
    }
}

/// What the learner recommendations ask of every published resource: the search index in the service
/// (`IndexedResourceFinder` in HTTP), which follows the change feed and reads no table.
public protocol PublishedResourceFinder: Sendable {
    /// Up to `limit` published resources on any of `points`, newest first, none of `excluding`; each with the first of
    /// `points` it is on.
    func newest(onPoints points: Set<String>, excluding: Set<String>, limit: Int) async throws -> [(resource: String, point: String)]
    /// Up to `limit` published resources with the most ratings, none of `excluding`; unrated ones are not popular.
    func mostRated(excluding: Set<String>, limit: Int) async throws -> [String]
}

/// The finder over the tables, for a library served without the index (tools, tests of this target).
struct SQLPublishedResourceFinder: PublishedResourceFinder {
    let database: LibraryDatabase

    func newest(onPoints points: Set<String>, excluding: Set<String>, limit: Int) async throws -> [(resource: String, point: String)] {
        try await self.database.read { db in
            try ResourceStore.newestPublished(db, onPoints: points, limit: limit + excluding.count).filter { !excluding.contains($0.resource) }
                .prefix(limit).map { $0 }
        }
    }

    func mostRated(excluding: Set<String>, limit: Int) async throws -> [String] {
        try await self.database.read { db in
            try ResourceStore.mostRated(db, limit: limit + excluding.count).filter { !excluding.contains($0) }.prefix(limit).map { $0 }
        }
    }
}
