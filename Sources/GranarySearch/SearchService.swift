import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// Keeps the search index in step with SQLite: built from it at start, refreshed after every change.
public struct SearchService: Sendable {
    /// The index searches run against.
    public let index: SearchIndex
    private let database: LibraryDatabase

    /// Creates the service with an empty index; call `rebuild()` before serving.
    public init(database: LibraryDatabase, index: SearchIndex = SearchIndex()) {
        self.database = database
        self.index = index
    }

    /// Reads every resource that is not retired into a fresh index; returns how many.
    @discardableResult
    public func rebuild() async throws -> Int {
        let index = self.index
        return try await self.database.pool.read { db in
            try index.replaceAll { add in
                var batch: [SearchDocument] = []
                try Self.forEachDocument(db, id: nil) { document in
                    batch.append(document)
                    if batch.count == 10_000 {
                        add(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                add(batch)
            }
        }
    }

    /// Re-reads one resource after it changed (new version, review decision, retirement, rating).
    public func refresh(_ id: String) async throws {
        let found = try await self.database.pool.read { db in
            var found: SearchDocument?
            try Self.forEachDocument(db, id: id.lowercased()) { found = $0 }
            return found
        }
        if let document = found {
            self.index.upsert(document)
        } else {
            self.index.remove(id: id.lowercased())
        }
    }

    /// Runs a query.
    public func search(_ query: SearchQuery) -> SearchResults {
        self.index.search(query)
    }

    /// A version's tags from their JSON array; most have none, and decoding `[]` 200,000 times cost a second at start.
    static func tags(_ json: String, decoder: JSONDecoder) -> [String] {
        json == "[]" ? [] : (try? decoder.decode([String].self, from: Data(json.utf8))) ?? []
    }

    /// Calls `body` with the document of every live resource (or of one), one at a time: the published version where
    /// there is one, else the current.
    static func forEachDocument(_ db: GRDB.Database, id: String?, _ body: (SearchDocument) throws -> Void) throws {
        let only = id == nil ? "" : "AND r.id = ?"
        let shown = "v.resource = r.id AND v.version = COALESCE(r.publishedVersion, r.currentVersion)"
        var points: [String: [(id: String, name: String)]] = [:]
        let pointRows = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.resource, p.point, points.name FROM resources r
                JOIN resourceVersions v ON \(shown)
                JOIN resourceVersionPoints p ON p.resource = v.resource AND p.version = v.version
                JOIN points ON points.id = p.point
                WHERE r.status <> 'retired' \(only) ORDER BY p.resource, p.position
                """,
            arguments: id.map { [$0] } ?? []
        )
        while let row = try pointRows.next() {
            points[row["resource"], default: []].append((row["point"], row["name"]))
        }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.id, r.status, r.publishedVersion, r.createdBy, r.createdAt, v.title, v.description, v.course, v.major,
                       v.kind, v.original, v.tags, t.text AS fileText, COUNT(ratings.stars) AS ratings, COALESCE(AVG(ratings.stars), 0) AS stars
                FROM resources r JOIN resourceVersions v ON \(shown)
                LEFT JOIN blobTexts t ON t.sha256 = v.sha256
                LEFT JOIN ratings ON ratings.resource = r.id
                WHERE r.status <> 'retired' \(only)
                GROUP BY r.id
                """,
            arguments: id.map { [$0] } ?? []
        )
        let decoder = JSONDecoder()
        while let row = try rows.next() {
            let resource: String = row["id"]
            let resourcePoints = points[resource] ?? []
            try body(
                SearchDocument(
                    id: resource,
                    title: row["title"],
                    description: row["description"],
                    pointNames: resourcePoints.map(\.name),
                    knowledgePoints: resourcePoints.map(\.id),
                    tags: Self.tags(row["tags"], decoder: decoder),
                    fileText: row["fileText"],
                    kind: ResourceKind(rawValue: row["kind"]) ?? .other,
                    course: row["course"],
                    major: row["major"],
                    original: row["original"],
                    status: ResourceStatus(rawValue: row["status"]) ?? .draft,
                    published: (row["publishedVersion"] as Int?) != nil,
                    author: row["createdBy"],
                    createdAt: row["createdAt"],
                    ratings: row["ratings"],
                    averageStars: row["stars"]
                )
            )
        }
    }
}
