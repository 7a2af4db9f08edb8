import Foundation
import GRDB
import GranaryModel

/// Resources written straight into the tables by the benchmarks' bulk loaders, one version each on one shared blob:
/// published (approved) or pending review.
struct BenchResourceRows {
    struct Row {
        var id: String
        var pending: Bool
        var author: String
        var created: Date
        var major: String
        var course: String
        var kind: ResourceKind
        var original: Bool
        var title: String
        var description: String
        var canonicalName: String
        var points: [String]
    }

    private let resource: Statement
    private let version: Statement
    private let point: Statement
    private let sha256: String

    /// Prepares the statements in `db` and records `blob` (a small text every resource shares).
    init(_ db: GRDB.Database, blob: (sha256: String, size: Int64)) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO blobs (sha256, size, mime, createdAt) VALUES (?, ?, 'text/plain', ?)",
            arguments: [blob.sha256, blob.size, Date()]
        )
        self.sha256 = blob.sha256
        self.resource = try db.makeStatement(
            sql: """
                INSERT INTO resources (id, currentVersion, publishedVersion, status, createdBy, createdAt, updatedAt, submittedAt,
                    publishedMajor, publishedCourse, publishedKind, publishedOriginal)
                VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        self.version = try db.makeStatement(
            sql: """
                INSERT INTO resourceVersions (resource, version, title, description, major, course, original, kind, sha256, canonicalName,
                    createdBy, createdAt)
                VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        self.point = try db.makeStatement(sql: "INSERT INTO resourceVersionPoints (resource, version, point, position) VALUES (?, 1, ?, ?)")
    }

    func insert(_ row: Row) throws {
        let published = !row.pending
        try self.resource.execute(arguments: [
            row.id, published ? 1 : nil, published ? "approved" : "pending", row.author, row.created, row.created,
            published ? nil : row.created, published ? row.major : nil, published ? row.course : nil, published ? row.kind.rawValue : nil,
            published ? row.original : nil,
        ])
        try self.version.execute(arguments: [
            row.id, row.title, row.description, row.major, row.course, row.original, row.kind.rawValue, self.sha256, row.canonicalName,
            row.author, row.created,
        ])
        for (position, id) in row.points.enumerated() { try self.point.execute(arguments: [row.id, id, position]) }
    }
}
