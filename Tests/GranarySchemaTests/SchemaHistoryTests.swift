import Foundation
import GRDB
import GranaryAssessment
import GranaryEmbeddings
import GranaryLearning
import GranaryModel
import GranarySchema
import GranaryTestSupport
import Testing

@testable import GranaryStore

/// Each target creates its own tables; together they make exactly the schema the single migration list of before
/// made, and a library from before opens with its rows.
@Suite struct SchemaHistoryTests {
    /// `sqlite3 .schema` of a library at "v10 events form a hash chain", the single list's last migration.
    static let singleListSchema = try! String(
        contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/schema-v10.sql",
        encoding: .utf8
    )
    static let singleList = [
        "v1 accounts, catalogue, resources, events",
        "v2 review queue, reviews, ratings, question bank tables",
        "v3 published facts on resources for the report",
        "v4 text extracted from files for search",
        "v5 jobs, their skills, talent plans, and the catalogue's revision",
        "v6 question versions",
        "v7 papers and attempts",
        "v8 resources a question shows",
        "v9 offerings, enrolments, progress, discussions, resource use",
        "v10 events form a hash chain",
    ]
    static let perTarget = [
        "store 1 accounts, catalogue, resources, questions, events",
        "store 2 indexes for related resources and the newest-first list",
        "store 3 indexes for the report and teaching analytics",
        "store 4 live resources counted for the report",
        "store 5 failed log-ins shared by every node",
        "store 6 two-step log-in",
        "store 7 separation of duties, audit trail, idle sessions, password policy",
        "store 8 personal information sealed outside the database",
        "store 9 scoring rules of questions",
        "store 10 files questions show",
        "store 11 personal access tokens",
        "assessment 1 papers and attempts",
        "assessment 2 indexes for teaching analytics",
        "assessment 3 practice sets",
        "learning 1 offerings, enrolments, progress, discussions, resource use",
        "learning 2 answers and suggested passages",
        "review 1 claims and decisions",
        "embeddings 1 passages and their vectors",
    ]

    /// Every table, index and trigger with its SQL, white space folded; GRDB's own table left out.
    static func schema(_ db: any SQLConnection) throws -> [String: String] {
        var schema: [String: String] = [:]
        for row in try db.fetchAll(
            sql: "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations' AND sql IS NOT NULL"
        ) {
            let sql: String = row["sql"]
            schema["\(row["type"] as String) \(row["name"] as String)"] = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        return schema
    }

    /// `schema` of a database made by the single list's schema.
    static func singleListTables() throws -> [String: String] {
        try DatabaseQueue().write { db in
            try db.execute(sql: Self.singleListSchema)
            return try Self.schema(SQLiteConnection(db))
        }
    }

    /// What the migrations after the single list add, as `schema` names them.
    static let addedSince = [
        "index ratings_user": "CREATE INDEX ratings_user ON ratings(user, stars)",
        "index resources_updated": "CREATE INDEX resources_updated ON resources(updatedAt DESC, id)",
        "index users_role": "CREATE INDEX users_role ON users(role, username)",
        "index questions_created": "CREATE INDEX questions_created ON questions(createdAt, createdBy)",
        "index questions_live": "CREATE INDEX questions_live ON questions(course, type) WHERE publishedVersion IS NOT NULL AND status <> 'retired'",
        "index attempts_submitted": "CREATE INDEX attempts_submitted ON attempts(submittedAt, paper) WHERE submittedAt IS NOT NULL",
        "index attemptResults_grader":
            "CREATE INDEX attemptResults_grader ON attemptResults(gradedBy, attempt, gradedAt) WHERE gradedBy IS NOT NULL",
        "index resources_live_kind":
            "CREATE INDEX resources_live_kind ON resources(publishedKind, createdAt, id) WHERE publishedVersion IS NOT NULL AND status <> 'retired'",
        "index resources_live_original":
            "CREATE INDEX resources_live_original ON resources(publishedOriginal, createdAt, id) WHERE publishedVersion IS NOT NULL AND status <> 'retired'",
        "index resourceVersions_later": "CREATE INDEX resourceVersions_later ON resourceVersions(createdAt, resource) WHERE version > 1",
        "table loginFailures": "CREATE TABLE loginFailures (key TEXT NOT NULL, at DATETIME NOT NULL)",
        "index loginFailures_key": "CREATE INDEX loginFailures_key ON loginFailures(key, at)",
        "index loginFailures_at": "CREATE INDEX loginFailures_at ON loginFailures(at)",
    ]

    /// The single list's schema and what came after it: what every library has now.
    static func currentTables() throws -> [String: String] {
        // The live resource counts and the triggers that keep them, as store 4 makes them, and two-step log-in's
        // columns and recovery codes, as store 6 adds them, the new roles and the audit trail's columns, as store 7
        // adds them, the sealed personal information, as store 8 adds it, and the questions' scoring rules (store 9), files (store 10) and personal access tokens (store 11), and practice sets (assessment 3),
        // on top of the single list.
        let withCounts = try DatabaseQueue().write { db in
            try db.execute(sql: Self.singleListSchema)
            try db.execute(sql: LibraryFacts.liveCountsSQL)
            try db.execute(sql: Accounts.twoFactorSchemaSQL(dates: "DATETIME", integers: "INTEGER"))
            try db.execute(sql: LibraryDatabase.separationOfDutiesSQL)
            try db.execute(sql: Accounts.personalDataSQL)
            try db.execute(sql: LibraryDatabase.scoringSQL)
            try db.execute(sql: LibraryDatabase.questionFilesSQL)
            try db.execute(sql: Accounts.personalTokensSQL)
            try db.execute(sql: PaperStore.practiceSQL(dates: "DATETIME"))
            try db.execute(sql: DiscussionStore.answersSQL(dates: "DATETIME"))
            try db.execute(sql: PassageVectors.schemaSQL)
            return try Self.schema(SQLiteConnection(db))
        }
        return withCounts.merging(Self.addedSince) { _, added in added }
    }

    static func migrations(_ db: any SQLConnection) throws -> [String] {
        try db.fetchAll(String.self, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }

    /// A database made by the single list: its schema, its migrations recorded as applied, and `rows`.
    static func singleListLibrary(at path: String, rows: String) throws {
        let queue = try DatabaseQueue(path: path + "/granary.sqlite")
        try queue.write { db in
            try db.execute(sql: Self.singleListSchema)
            for name in Self.singleList {
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [name])
            }
            try db.execute(sql: rows)
        }
    }

    @Test func aNewLibraryHasExactlyTheSchemaTheSingleListMadeAndWhatCameAfter() async throws {
        let expected = try Self.currentTables()
        #expect(expected["table papers"] != nil && expected["trigger events_no_update"] != nil && expected["index resourceUses_user"] != nil)
        // SQLite's history, whichever engine the other tests run on (PostgresSchemaTests compares the two).
        try await TemporaryDirectory.with("schema") { path in
            let library = try Library(dataDirectory: path, metadataDirectory: TemporaryLibrary.metadataDirectory, schemas: .all)
            let (schema, migrations) = try await library.database.read { db in (try Self.schema(db), try Self.migrations(db)) }
            #expect(migrations == Self.perTarget)
            for key in Set(expected.keys).union(schema.keys).sorted() where expected[key] != schema[key] {
                Issue.record("\(key): the single list made \(expected[key] ?? "nothing"), the targets make \(schema[key] ?? "nothing")")
            }
        }
    }

    @Test func aLibraryOfTheSingleListOpensWithItsRowsUnderTheNewNames() async throws {
        try await TemporaryDirectory.with("schema") { path in
            let at = "2026-01-05 08:00:00.000"
            try Self.singleListLibrary(
                at: path,
                rows: """
                    INSERT INTO institutions (name, role, createdAt) VALUES ('测试学院', 'host', '\(at)');
                    INSERT INTO users (id, username, displayName, passwordHash, role, institution, createdAt)
                        VALUES ('u1', 'zhang', '张老师', 'x', 'teacher', '测试学院', '\(at)');
                    INSERT INTO majors (code, name, level, role, createdAt, updatedAt) VALUES ('460110', '智能焊接技术', '高职专科', 'core', '\(at)', '\(at)');
                    INSERT INTO courses (id, name, major, category, hours, createdAt, updatedAt)
                        VALUES ('weld', '焊接方法与设备', '460110', 'core', 96, '\(at)', '\(at)');
                    INSERT INTO papers (id, course, title, figures, totalScore, createdBy, createdAt)
                        VALUES ('p1', 'weld', '期末试卷', '{}', 100, 'u1', '\(at)');
                    INSERT INTO offerings (id, course, title, status, createdBy, createdAt, updatedAt)
                        VALUES ('o1', 'weld', '焊接（2026 春）', 'draft', 'u1', '\(at)', '\(at)');
                    INSERT INTO reviewClaims (itemType, itemId, reviewer, claimedAt, expiresAt) VALUES ('resource', 'r1', 'u1', '\(at)', '\(at)');
                    """
            )
            let library = try Library(dataDirectory: path, metadataDirectory: TemporaryLibrary.metadataDirectory, schemas: .all)
            let (migrations, schema, titles, claims) = try await library.database.read { db in
                (
                    try Self.migrations(db), try Self.schema(db),
                    try db.fetchAll(String.self, sql: "SELECT title FROM papers UNION ALL SELECT title FROM offerings"),
                    try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM reviewClaims")
                )
            }
            #expect(migrations == Self.perTarget)
            #expect(schema == (try Self.currentTables()))
            #expect(titles == ["期末试卷", "焊接（2026 春）"])
            #expect(claims == 1)
            // And it goes on working: a change appends to the hash chain the single list's v10 began.
            _ = try await library.catalogue.createPoint(
                id: "arc",
                name: "电弧",
                course: "weld",
                kind: .knowledge,
                prerequisites: [],
                actor: "zhang"
            )
            let hash = try await library.database.read { db in try db.fetchOne(String.self, sql: "SELECT hash FROM events ORDER BY id DESC") }
            #expect(hash != nil)
        }
    }

    @Test func aLibraryThatStoppedPartWayThroughTheSingleListGetsWhatItLacks() async throws {
        try await TemporaryDirectory.with("schema") { path in
            // As if v9 (Learning's tables) had never been applied: the merge replays what it did to GranaryStore
            // (nothing) and Learning's first migration, finding no offerings table, creates them all.
            let queue = try DatabaseQueue(path: path + "/granary.sqlite")
            try await queue.write { db in
                try db.execute(sql: Self.singleListSchema)
                for name in Self.singleList where !name.hasPrefix("v9 ") {
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [name])
                }
                for table in ["resourceUses", "posts", "progress", "enrollments", "offeringItems", "offeringRevisions", "offerings"] {
                    try db.execute(sql: "DROP TABLE \(table)")
                }
            }
            try queue.close()
            let library = try Library(dataDirectory: path, metadataDirectory: TemporaryLibrary.metadataDirectory, schemas: .all)
            let (migrations, schema) = try await library.database.read { db in (try Self.migrations(db), try Self.schema(db)) }
            #expect(migrations == Self.perTarget)
            #expect(schema == (try Self.currentTables()))
        }
    }

    @Test func aTargetsTablesAreAddedWhenALibraryIsFirstOpenedWithIt() async throws {
        try await TemporaryDirectory.with("schema") { path in
            let storeOnly = try Library(dataDirectory: path, metadataDirectory: TemporaryLibrary.metadataDirectory, schemas: [])
            let papers = try await storeOnly.database.read { db in try db.tableExists("papers") }
            #expect(!papers)
            let whole = try Library(dataDirectory: path, metadataDirectory: TemporaryLibrary.metadataDirectory, schemas: .all)
            let (tables, migrations) = try await whole.database.read { db in
                (try db.tableExists("papers") && db.tableExists("offerings") && db.tableExists("reviews"), try Self.migrations(db))
            }
            #expect(tables)
            #expect(migrations == Self.perTarget)
        }
    }
}
