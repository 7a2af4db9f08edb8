import GRDB

/// Brings a PostgreSQL library's tables up to date: GranaryStore's steps, then each schema's, each applied once and
/// recorded in `granaryMigrations`.
///
/// Every step runs in one write transaction, under the lock every write takes, so two nodes starting together
/// migrate one after the other and the second finds nothing left to do.
struct PostgresMigrator {
    let schemas: [TableSchema]

    /// Every step in order, named `<target> <name>` (GranaryStore's carry their own `store` prefix).
    var steps: [(identifier: String, sql: String)] {
        LibraryDatabase.postgresqlMigrations.map { ($0.name, $0.sql) }
            + self.schemas.flatMap { schema in schema.postgresql.map { ("\(schema.target) \($0.name)", $0.sql) } }
    }

    func migrate(_ engine: PostgresEngine) async throws {
        let steps = self.steps
        try await engine.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS granaryMigrations (identifier TEXT PRIMARY KEY NOT NULL)")
            let applied = Set(try db.fetchAll(String.self, sql: "SELECT identifier FROM granaryMigrations"))
            for step in steps where !applied.contains(step.identifier) {
                try db.execute(sql: step.sql)
                try db.execute(sql: "INSERT INTO granaryMigrations (identifier) VALUES (?)", arguments: [step.identifier])
            }
        }
    }
}
