import Foundation
import GRDB
import GranaryModel

/// What the search index reads: one document per live resource, the published version where there is one, else the
/// current. The store owns the tables, so the index asks it rather than naming them.
extension ResourceStore {
    /// Every live resource's document, read in one transaction and handed to `body` in batches of `size`, on the
    /// database's thread (a slow `body` holds the read open); returns the change feed's sequence number they are
    /// current to. Each table is read whole, once, and joined here: at 200,000 resources that is seconds where pages
    /// by id cost PostgreSQL a hash of the whole versions table each.
    public func readAllSearchDocuments(
        batch size: Int = 10_000,
        _ body: @Sendable ([SearchDocument]) throws -> Void
    ) async throws -> Int64 {
        try await self.database.read { db in
            let sequence = try ChangeFeed.newest(db)
            var names: [String: String] = [:]
            let named = try db.fetchCursor(sql: "SELECT id, name FROM points")
            while let row = try named.next() { names[row["id"]] = row["name"] }
            var points: [String: [(position: Int, id: String)]] = [:]
            let links = try db.fetchStream(
                sql: """
                    SELECT p.resource, p.point, p.position FROM resources r
                    JOIN resourceVersionPoints p ON p.resource = r.id AND p.version = \(ReviewedItems.standingVersionSQL("r"))
                    WHERE r.status <> 'retired'
                    """
            )
            while let row = try links.next() {
                points[row["resource"], default: []].append((row["position"], row["point"]))
            }
            var documents: [SearchDocument] = []
            documents.reserveCapacity(size)
            let rows = try db.fetchStream(
                sql: """
                    SELECT \(Self.documentColumns), COALESCE(g.ratings, 0) AS ratings, COALESCE(g.stars, 0) AS stars
                    FROM resources r JOIN resourceVersions v ON \(Self.shownVersion)
                    LEFT JOIN blobTexts t ON t.sha256 = v.sha256
                    LEFT JOIN (SELECT resource, COUNT(*) AS ratings, AVG(stars) AS stars FROM ratings GROUP BY resource) g
                        ON g.resource = r.id
                    WHERE r.status <> 'retired'
                    """
            )
            while let row = try rows.next() {
                let id: String = row["id"]
                let shown = (points.removeValue(forKey: id) ?? []).sorted { $0.position < $1.position }
                documents.append(DocumentRow(id: id, row: row).document(points: shown.map { ($0.id, names[$0.id] ?? "") }))
                if documents.count == size {
                    try body(documents)
                    documents.removeAll(keepingCapacity: true)
                }
            }
            if !documents.isEmpty { try body(documents) }
            return sequence
        }
    }

    /// The documents of these resources; an id that is missing, or retired, has none.
    public func searchDocuments(ids: Set<String>) async throws -> [SearchDocument] {
        guard !ids.isEmpty else { return [] }
        return try await self.database.read { db in
            var documents: [SearchDocument] = []
            // SQLite binds at most 32,766 values a statement; batches stay far below it.
            let sorted = ids.map { $0.lowercased() }.sorted()
            for start in stride(from: 0, to: sorted.count, by: 500) {
                let batch = Array(sorted[start..<min(start + 500, sorted.count)])
                let marks = databaseQuestionMarks(count: batch.count)
                let arguments = SQLArguments(batch)
                let points = try Self.documentPoints(db, where: "r.id IN (\(marks))", arguments: arguments)
                let rows = try Self.documentRows(db, where: "r.id IN (\(marks))", arguments: arguments, limit: batch.count)
                documents += rows.map { $0.document(points: points[$0.id] ?? []) }
            }
            return documents
        }
    }

    /// Resources whose searchable version names one of these knowledge or skill points (a renamed point changes
    /// their text).
    public func resources(showingPoints points: Set<String>) async throws -> Set<String> {
        guard !points.isEmpty else { return [] }
        return try await self.database.read { db in
            let marks = databaseQuestionMarks(count: points.count)
            return Set(
                try db.fetchAll(
                    String.self,
                    sql: """
                        SELECT DISTINCT p.resource FROM resourceVersionPoints p
                        JOIN resources r ON r.id = p.resource AND p.version = \(ReviewedItems.standingVersionSQL("r"))
                        WHERE p.point IN (\(marks))
                        """,
                    arguments: SQLArguments(Array(points))
                )
            )
        }
    }

    // MARK: - Rows

    /// The version search shows of each resource.
    private static let shownVersion = "v.resource = r.id AND v.version = \(ReviewedItems.standingVersionSQL("r"))"

    private struct DocumentRow {
        let id: String
        let row: SQLRow

        func document(points: [(id: String, name: String)]) -> SearchDocument {
            SearchDocument(
                id: self.id,
                title: self.row["title"],
                description: self.row["description"],
                pointNames: points.map(\.name),
                knowledgePoints: points.map(\.id),
                tags: ResourceStore.tags(self.row["tags"]),
                fileText: self.row["fileText"],
                kind: ResourceKind(rawValue: self.row["kind"]) ?? .other,
                course: self.row["course"],
                major: self.row["major"],
                original: self.row["original"],
                status: ReviewStatus(rawValue: self.row["status"]) ?? .draft,
                published: (self.row["publishedVersion"] as Int?) != nil,
                author: self.row["createdBy"],
                createdAt: self.row["createdAt"],
                ratings: self.row["ratings"],
                averageStars: self.row["stars"]
            )
        }
    }

    /// What a document shows of its resource (`r`), version (`v`) and extracted text (`t`).
    private static let documentColumns = """
        r.id, r.status, r.publishedVersion, r.createdBy, r.createdAt, v.title, v.description, v.course, v.major,
        v.kind, v.original, v.tags, t.text AS fileText
        """

    /// A few documents: ratings are counted per row by the primary key rather than joined and grouped (a GROUP BY
    /// would aggregate every resource's ratings for a handful of rows).
    private static func documentRows(
        _ db: any SQLConnection,
        where condition: String,
        arguments: SQLArguments,
        limit: Int
    ) throws -> [DocumentRow] {
        try db.fetchAll(
            sql: """
                SELECT \(Self.documentColumns),
                       (SELECT COUNT(*) FROM ratings WHERE ratings.resource = r.id) AS ratings,
                       (SELECT COALESCE(AVG(stars), 0) FROM ratings WHERE ratings.resource = r.id) AS stars
                FROM resources r JOIN resourceVersions v ON \(Self.shownVersion)
                LEFT JOIN blobTexts t ON t.sha256 = v.sha256
                WHERE r.status <> 'retired' AND \(condition)
                ORDER BY r.id LIMIT ?
                """,
            arguments: arguments + [limit]
        ).map { DocumentRow(id: $0["id"], row: $0) }
    }

    private static func documentPoints(
        _ db: any SQLConnection,
        where condition: String,
        arguments: SQLArguments
    ) throws -> [String: [(id: String, name: String)]] {
        var points: [String: [(id: String, name: String)]] = [:]
        let rows = try db.fetchCursor(
            sql: """
                SELECT p.resource, p.point, points.name FROM resources r
                JOIN resourceVersions v ON \(Self.shownVersion)
                JOIN resourceVersionPoints p ON p.resource = v.resource AND p.version = v.version
                JOIN points ON points.id = p.point
                WHERE r.status <> 'retired' AND \(condition) ORDER BY p.resource, p.position
                """,
            arguments: arguments
        )
        while let row = try rows.next() {
            points[row["resource"], default: []].append((row["point"], row["name"]))
        }
        return points
    }

    /// A version's tags from their JSON array; most have none, and decoding `[]` 200,000 times cost a second at start.
    static func tags(_ json: String) -> [String] {
        json == "[]" ? [] : (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}
