import GRDB

/// The tables one target owns and how they came to be: that target's migrations, in order.
///
/// Each target creates its own tables and only its code names them in SQL (`Tests/Architecture/table_owners.py`
/// checks it); the others go through its Swift API. GranaryStore's own tables are always there; a library is
/// opened with the schemas of the targets it serves, a target after those it depends on. Migrations are never
/// edited once landed: add a new one.
public struct TableSchema: Sendable {
    /// One named step of a target's schema history.
    public struct Migration: Sendable {
        /// Recorded as `<target> <name>` once applied, e.g. `assessment 1 papers and attempts`.
        public let name: String
        /// What it does, in the migrating transaction (foreign keys checked at its end).
        public let migrate: @Sendable (GRDB.Database) throws -> Void

        /// A migration.
        public init(_ name: String, _ migrate: @escaping @Sendable (GRDB.Database) throws -> Void) {
            self.name = name
            self.migrate = migrate
        }
    }

    /// One named step of a target's schema on PostgreSQL: statements run in the migrating transaction.
    ///
    /// PostgreSQL libraries began in December 2026 with each target's tables as SQLite's history had made them; a
    /// later change to a target's tables adds a step to both lists.
    public struct PostgresMigration: Sendable {
        /// Recorded as `<target> <name>` once applied.
        public let name: String
        /// The DDL.
        public let sql: String

        /// A migration.
        public init(_ name: String, sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    /// The owning target, lower case without the `Granary` prefix (`assessment`).
    public let target: String
    /// Its migrations on SQLite, oldest first.
    public let migrations: [Migration]
    /// Its migrations on PostgreSQL, oldest first.
    public let postgresql: [PostgresMigration]

    /// A target's schema.
    public init(target: String, migrations: [Migration], postgresql: [PostgresMigration]) {
        self.target = target
        self.migrations = migrations
        self.postgresql = postgresql
    }
}
