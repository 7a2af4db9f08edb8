import Foundation
import GranaryDemo
import GranaryModel
import GranaryReview
import GranarySchema
import GranaryStore
import GranaryTestSupport
import Testing

/// `granary copy --to-database` and `--to-data`: the demo library moved from SQLite into PostgreSQL and back, whole
/// and verifiable.
@Suite struct DatabaseCopyTests {
    /// The demo, loaded into a SQLite library in a new folder.
    static func demo() async throws -> Library {
        let directory = TestFolders.make("copy")
        let library = try Library(
            dataDirectory: directory,
            metadataDirectory: MonitoringReportTests.root + "/Metadata",
            options: .init(bcryptCost: 4),
            schemas: .all
        )
        let reviews = ReviewService(database: library.database)
        let loaded = try await DemoLibrary.load(into: library) { type, id, reviewer in
            _ = try await reviews.decide(
                type,
                id: id,
                decision: .approve,
                checks: ReviewChecks(political: true, scientific: true, applicability: true, normativity: true),
                comment: nil,
                version: nil,
                reviewer: reviewer
            )
        }
        try #require(loaded)
        return library
    }

    /// Every row of `table`, in a fixed order, as text.
    static func rows(_ database: LibraryDatabase, _ table: String) async throws -> [String] {
        try await database.read { db in
            try db.fetchAll(sql: "SELECT * FROM \(table)").map { row in
                zip(row.columns.names, row.values).filter { $0.0.lowercased() != "rowid" }.map { "\($0.0.lowercased())=\($0.1)" }.sorted()
                    .joined(separator: "|")
            }.sorted()
        }
    }

    @Test func theDemoMovesIntoPostgreSQLRowForRowAndVerifiesThere() async throws {
        let source = try await Self.demo()
        let target = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: source.dataDirectory + "-target"), schemas: .all)
        let report = try await DatabaseCopy.copy(from: source.database, to: target)
        let copied = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.name, $0.rows) })
        // Parents first: an account before the resources it made, a resource before its versions.
        let order = report.tables.map(\.name)
        #expect(try #require(order.firstIndex(of: "users")) < #require(order.firstIndex(of: "resources")))
        #expect(try #require(order.firstIndex(of: "resources")) < #require(order.firstIndex(of: "resourceversions")))
        #expect((copied["events"] ?? 0) > 50)
        #expect((copied["resources"] ?? 0) >= 12)

        // Every table holds the same rows, values as stored; the counts the triggers keep come out the same.
        for table in ["users", "events", "resources", "resourceVersions", "questionVersions", "papers", "reviews", "liveResourceCounts", "points"] {
            #expect(try await Self.rows(source.database, table) == Self.rows(target, table), "\(table)")
        }
        // The trail's chain verifies on the target, and goes on from where it was.
        #expect(try await target.read { db in try EventLog.verifyChain(db) } == [])
        let last = try await source.database.read { db in try db.fetchOne(Int64.self, sql: "SELECT MAX(id) FROM events") }
        try await target.write { db in
            try EventLog.record(db, actor: "admin", action: "test.after_copy", itemType: "test", itemId: "1", at: Date())
        }
        #expect(try await target.read { db in try db.fetchOne(Int64.self, sql: "SELECT MAX(id) FROM events") } == last.map { $0 + 1 })
        #expect(try await target.read { db in try EventLog.verifyChain(db) } == [])

        // The report reads the same from both engines.
        let year = ChinaDate.civil(ChinaDate.dayNumber(of: Date())).year
        let before = try await ReportService(database: source.database).report(year: year)
        let after = try await ReportService(database: target).report(year: year)
        #expect(before.totals == after.totals)
        #expect(before.rules == after.rules)

        // A database that holds a library already is refused, and left as it was.
        let again = await #expect(throws: DatabaseCopy.Failure.self) { try await DatabaseCopy.copy(from: source.database, to: target) }
        #expect(again?.description.contains("not empty") == true)
        #expect(try await target.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events") } == (copied["events"] ?? 0) + 1)
        // `granary backup` copies SQLite libraries only, and says what to use instead.
        let cluster = try Library(
            dataDirectory: source.dataDirectory + "-node",
            metadataDirectory: MonitoringReportTests.root + "/Metadata",
            options: .init(bcryptCost: 4, database: target),
            schemas: .all
        )
        let backup = await #expect(throws: LibraryBackup.Failure.self) {
            try await LibraryBackup.backup(cluster, to: TestFolders.make("backup"))
        }
        #expect(backup?.description.contains("pg_basebackup") == true)
        // Nothing copies from PostgreSQL this way, nor into SQLite.
        await #expect(throws: DatabaseCopy.Failure.self) { try await DatabaseCopy.copy(from: target, to: target) }
        await #expect(throws: DatabaseCopy.Failure.self) { try await DatabaseCopy.copy(from: source.database, to: source.database) }
    }

    @Test func aClusterLibraryComesBackIntoAFolderRowForRowAndVerifiesThere() async throws {
        let source = try await Self.demo()
        let cluster = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: source.dataDirectory + "-cluster"), schemas: .all)
        _ = try await DatabaseCopy.copy(from: source.database, to: cluster)
        // The cluster goes on after the move: its counter is past the copied events.
        try await cluster.write { db in
            try EventLog.record(db, actor: "admin", action: "test.in_cluster", itemType: "test", itemId: "1", at: Date())
        }
        let folder = TestFolders.make("back")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let back = try LibraryDatabase(path: folder + "/granary.sqlite", schemas: .all)
        let report = try await DatabaseCopy.copyBack(from: cluster, to: back)
        let copied = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.name, $0.rows) })
        #expect((copied["events"] ?? 0) > 50)
        for table in ["users", "events", "resources", "resourceVersions", "questionVersions", "papers", "reviews", "liveResourceCounts", "points"] {
            #expect(try await Self.rows(cluster, table) == Self.rows(back, table), "\(table)")
        }
        // SQLite's `rowid` order is PostgreSQL's `rowid` column: the resources list the same way on both.
        let order = "SELECT id FROM resources ORDER BY rowid"
        #expect(
            try await cluster.read { db in try db.fetchAll(String.self, sql: order) } == back.read { db in try db.fetchAll(String.self, sql: order) }
        )
        #expect(try await back.read { db in try EventLog.verifyChain(db) } == [])
        let last = try await cluster.read { db in try db.fetchValue(Int64.self, sql: "SELECT lastEvent FROM eventsHead") }
        try await back.write { db in
            try EventLog.record(db, actor: "admin", action: "test.after_copy_back", itemType: "test", itemId: "1", at: Date())
        }
        #expect(try await back.read { db in try db.fetchOne(Int64.self, sql: "SELECT MAX(id) FROM events") } == last + 1)
        #expect(try await back.read { db in try EventLog.verifyChain(db) } == [])

        // A folder that holds a library already is refused and left as it was; so is a copy the wrong way.
        let again = await #expect(throws: DatabaseCopy.Failure.self) { try await DatabaseCopy.copyBack(from: cluster, to: back) }
        #expect(again?.description.contains("not empty") == true)
        #expect(try await back.read { db in try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM events") } == (copied["events"] ?? 0) + 1)
        await #expect(throws: DatabaseCopy.Failure.self) { try await DatabaseCopy.copyBack(from: source.database, to: back) }
        await #expect(throws: DatabaseCopy.Failure.self) { try await DatabaseCopy.copyBack(from: cluster, to: cluster) }
    }
}
