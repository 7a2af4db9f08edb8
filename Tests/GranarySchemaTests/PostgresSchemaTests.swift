import Foundation
import GranarySchema
import GranaryStore
import GranaryTestSupport
import Testing

/// PostgreSQL libraries have the tables and columns SQLite's history makes, so the same statements run on both.
@Suite struct PostgresSchemaTests {
    /// Table -> its columns, lower-cased (PostgreSQL folds unquoted names).
    static func columns(_ db: any SQLConnection) throws -> [String: Set<String>] {
        let sql =
            switch db.engine {
            case .sqlite:
                """
                SELECT m.name AS tableName, p.name AS columnName FROM sqlite_master m, pragma_table_info(m.name) p
                WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'grdb_migrations'
                """
            case .postgresql:
                """
                SELECT table_name AS tableName, column_name AS columnName FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name NOT IN ('granarymigrations', 'eventshead') AND column_name <> 'rowid'
                """
            }
        var tables: [String: Set<String>] = [:]
        for row in try db.fetchAll(sql: sql) {
            tables[(row["tableName"] as String).lowercased(), default: []].insert((row["columnName"] as String).lowercased())
        }
        return tables
    }

    @Test func aPostgreSQLLibraryHasSQLitesTablesAndColumns() async throws {
        try await TemporaryDirectory.with("engines") { path in
            let sqlite = try Library(dataDirectory: path, metadataDirectory: TemporaryLibrary.metadataDirectory, schemas: .all)
            let expected = try await sqlite.database.read(Self.columns)
            let postgresql = try await TestDatabase.database(named: TestDatabase.name(forLibraryIn: path + "-pg"), schemas: .all)
            #expect(postgresql.engine == .postgresql)
            let actual = try await postgresql.read(Self.columns)
            #expect(expected.count >= 37)
            for table in Set(expected.keys).union(actual.keys).sorted() where expected[table] != actual[table] {
                Issue.record("\(table): SQLite has \(expected[table]?.sorted() ?? []), PostgreSQL \(actual[table]?.sorted() ?? [])")
            }
        }
    }

    @Test func aSecondNodeOpeningTheSameDatabaseFindsNothingToMigrate() async throws {
        let name = TestDatabase.name(forLibraryIn: "twice-\(UUID().uuidString)")
        let first = try await TestDatabase.database(named: name, schemas: .all)
        let second = try await TestDatabase.database(named: name, schemas: .all)
        let applied = try await second.read { db in try db.fetchAll(String.self, sql: "SELECT identifier FROM granaryMigrations ORDER BY identifier")
        }
        #expect(
            applied == [
                "assessment 1 papers and attempts", "assessment 2 practice sets", "embeddings 1 passages and their vectors",
                "learning 1 offerings, progress, discussions and resource use", "learning 2 answers and suggested passages",
                "review 1 claims and reviews",
                "store 1 every table as of store 5", "store 2 wake the change feed's followers", "store 3 two-step log-in",
                "store 4 separation of duties, audit trail, idle sessions, password policy",
                "store 5 personal information sealed outside the database",
                "store 6 scoring rules of questions", "store 7 files questions show", "store 8 personal access tokens",
            ]
        )
        #expect(try await first.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events") } == 0)
    }
}
