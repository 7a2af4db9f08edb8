import Foundation
import GRDB
import Logging

/// The library's database: one SQLite file (the embedded default), or a PostgreSQL server shared by a cluster's nodes
/// (`--database postgresql://…`). Stores run the same statements on both through `read` and `write`.
public struct LibraryDatabase: Sendable {
    private enum Storage: Sendable {
        case sqlite(any DatabaseWriter)
        case postgresql(PostgresEngine)
    }

    private let storage: Storage
    /// Every committed change in order, for the state derived from the database (search, graph, caches).
    public let feed: ChangeFeed
    /// The time every change is recorded at.
    public let clock: LibraryClock

    /// Opens (creating and migrating) the SQLite database at `path`: GranaryStore's tables, then those of `schemas`,
    /// each target's after the targets it depends on.
    public init(path: String, schemas: [TableSchema], clock: LibraryClock = .system) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Durable commits even in WAL mode: an acknowledged change survives power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Reads of large scans (the monitoring report) go through the OS page cache instead of copies. Every
            // connection maps the file anew and its touched pages count in the service's resident size once per
            // connection: 64 MiB each keeps six connections' worth under 400 MiB (256 MiB each gave 1.8 GiB at
            // 200,000 resources).
            try db.execute(sql: "PRAGMA mmap_size = 67108864")
        }
        try self.init(DatabasePool(path: path, configuration: configuration), schemas: schemas, clock: clock)
    }

    /// Migrates and serves `writer`: `DatabaseQueue()` gives a library in memory (foreign keys on, as GRDB sets them).
    public init(_ writer: any DatabaseWriter, schemas: [TableSchema], clock: LibraryClock = .system) throws {
        self.storage = .sqlite(writer)
        self.clock = clock
        try Self.migrator(schemas).migrate(writer)
        self.feed = try ChangeFeed(writer)
    }

    /// Connects to the PostgreSQL database at `location` and migrates it (one node at a time).
    public init(postgresql location: PostgresLocation, schemas: [TableSchema], clock: LibraryClock = .system, logger: Logger) async throws {
        let engine = try await PostgresEngine(location: location, logger: logger)
        try await PostgresMigrator(schemas: schemas).migrate(engine)
        self.storage = .postgresql(engine)
        self.clock = clock
        self.feed = try await ChangeFeed(engine)
    }

    /// The engine the statements run on.
    public var engine: DatabaseEngine {
        switch self.storage {
        case .sqlite: .sqlite
        case .postgresql: .postgresql
        }
    }

    /// The SQLite database, when the library is on SQLite: for what only SQLite has (file backup, the integrity
    /// check, the bench's bulk loaders, transaction observers in tests).
    public var sqlite: (any DatabaseWriter)? {
        if case .sqlite(let writer) = self.storage { return writer }
        return nil
    }

    /// The PostgreSQL engine, when the library is on PostgreSQL.
    public var postgresql: PostgresEngine? {
        if case .postgresql(let engine) = self.storage { return engine }
        return nil
    }

    /// Runs `body` in a read transaction: it sees one consistent state of the library, whatever commits meanwhile.
    public func read<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        switch self.storage {
        case .sqlite(let writer): try await writer.read { db in try body(SQLiteConnection(db)) }
        case .postgresql(let engine): try await engine.read(body)
        }
    }

    /// Runs `body` in a write transaction: all of it commits or none of it. Writes run one at a time, across every
    /// node on PostgreSQL; the change feed has seen the commit when this returns.
    public func write<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        switch self.storage {
        case .sqlite(let writer):
            return try await writer.write { db in try body(SQLiteConnection(db)) }
        case .postgresql(let engine):
            let result = try await engine.write(body)
            try await self.feed.poll()
            return result
        }
    }

    /// Problems `PRAGMA integrity_check` finds in a SQLite file; empty when it is sound (and on PostgreSQL, whose
    /// pages the server checks itself).
    public func integrityProblems() async throws -> [String] {
        guard let writer = self.sqlite else { return [] }
        let rows = try await writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        return rows == ["ok"] ? [] : rows
    }

    /// Schema history: GranaryStore's migrations, then each schema's, named `<target> <name>`.
    static func migrator(_ schemas: [TableSchema]) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // Until December 2026 one list here created every table. A library that applied some or all of it has those
        // migrations merged into this one, which adds only what the library lacks of GranaryStore's own tables; the
        // other targets' first migrations create theirs where they are missing.
        migrator.registerMigration(
            "store 1 accounts, catalogue, resources, questions, events",
            merging: Set(Self.singleList.map(\.name))
        ) { db, applied in
            for step in Self.singleList where !applied.contains(step.name) {
                try step.storeTables(db)
            }
        }
        migrator.registerMigration("store 2 indexes for related resources and the newest-first list") { db in
            // Related resources ask which accounts rated one resource well and what else they rated well.
            try db.execute(sql: "CREATE INDEX ratings_user ON ratings(user, stars)")
            // The resource list pages newest first without sorting the table.
            try db.execute(sql: "CREATE INDEX resources_updated ON resources(updatedAt DESC, id)")
        }
        migrator.registerMigration("store 3 indexes for the report and teaching analytics") { db in
            // Teaching analytics counts the resources each account created in a period from this index alone.
            try db.execute(sql: "CREATE INDEX resources_created ON resources(createdAt, createdBy)")
            // The report groups the live resources by these columns: one walk of a narrow index instead of the table.
            try db.execute(
                sql: """
                    CREATE INDEX resources_live_facts
                    ON resources(publishedMajor, publishedCourse, publishedKind, publishedOriginal, createdAt, publishedVersion, status)
                    WHERE publishedVersion IS NOT NULL AND status <> 'retired'
                    """
            )
            // Its list of cited (not original) resources, oldest first, stops after the first 200.
            try db.execute(
                sql: """
                    CREATE INDEX resources_live_original ON resources(publishedOriginal, createdAt, id)
                    WHERE publishedVersion IS NOT NULL AND status <> 'retired'
                    """
            )
            // Its yearly update ratio reads the versions after the first made in the year, not every version.
            try db.execute(sql: "CREATE INDEX resourceVersions_later ON resourceVersions(createdAt, resource) WHERE version > 1")
        }
        migrator.registerMigration("store 4 live resources counted for the report") { db in
            // Grouping 200,000 live resources for the report walked an index entry each (0.2 s); these counts, kept
            // by triggers in the transaction that changes a resource, are a few hundred rows.
            try db.execute(sql: LibraryFacts.liveCountsSQL)
            try db.execute(sql: "DROP INDEX resources_live_facts")
            // Its list of text and image resources, oldest first, walks each kind in order and stops after 200.
            try db.execute(
                sql: """
                    CREATE INDEX resources_live_kind ON resources(publishedKind, createdAt, id)
                    WHERE publishedVersion IS NOT NULL AND status <> 'retired'
                    """
            )
            // Teaching analytics counts uploads from the usage index now; questions by this index alone.
            try db.execute(sql: "DROP INDEX resources_created")
            try db.execute(sql: "CREATE INDEX questions_created ON questions(createdAt, createdBy)")
            // Its list of teachers and admins, without walking every learner.
            try db.execute(sql: "CREATE INDEX users_role ON users(role, username)")
            // The report's question bank rules (courses with questions, questions by type) walk only live ones.
            try db.execute(sql: "CREATE INDEX questions_live ON questions(course, type) WHERE publishedVersion IS NOT NULL AND status <> 'retired'")
        }
        migrator.registerMigration("store 5 failed log-ins shared by every node") { db in
            // They were counted in each process's memory; a cluster's nodes must count the same failures.
            try db.execute(sql: LoginThrottle.schemaSQL)
        }
        migrator.registerMigration("store 6 two-step log-in") { db in
            try db.execute(sql: Accounts.twoFactorSchemaSQL(dates: "DATETIME", integers: "INTEGER"))
        }
        migrator.registerMigration("store 7 separation of duties, audit trail, idle sessions, password policy") { db in
            try db.execute(sql: Self.separationOfDutiesSQL)
        }
        migrator.registerMigration("store 8 personal information sealed outside the database") { db in
            try db.execute(sql: Accounts.personalDataSQL)
        }
        migrator.registerMigration("store 9 scoring rules of questions") { db in
            // Adding a column fires no trigger, so versions stay immutable.
            try db.execute(sql: Self.scoringSQL)
        }
        migrator.registerMigration("store 10 files questions show") { db in
            try db.execute(sql: Self.questionFilesSQL)
        }
        migrator.registerMigration("store 11 personal access tokens") { db in
            try db.execute(sql: Accounts.personalTokensSQL)
        }
        for schema in schemas {
            for migration in schema.migrations {
                migrator.registerMigration("\(schema.target) \(migration.name)") { db in try migration.migrate(db) }
            }
        }
        return migrator
    }

    /// Partial credit, numbers with a tolerance, case rules: how a question version's answers earn points (JSON).
    static let scoringSQL = "ALTER TABLE questionVersions ADD COLUMN scoring TEXT"

    /// The files a question version's texts show in place: `[Question.Attachment]` as JSON, each naming a blob.
    static let questionFilesSQL = "ALTER TABLE questionVersions ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]'"

    /// The single migration list of before, each step reduced to what it did to GranaryStore's tables (v7 and v9
    /// created only other targets' tables; v2 also the review queue's).
    private static let singleList: [(name: String, storeTables: @Sendable (GRDB.Database) throws -> Void)] = [
        ("v1 accounts, catalogue, resources, events", { db in try db.execute(sql: Self.schemaV1) }),
        ("v2 review queue, reviews, ratings, question bank tables", { db in try db.execute(sql: Self.schemaV2) }),
        ("v3 published facts on resources for the report", { db in try db.execute(sql: Self.schemaV3) }),
        (
            "v4 text extracted from files for search",
            { db in
                try db.execute(
                    sql: """
                        CREATE TABLE blobTexts (
                            sha256 TEXT PRIMARY KEY NOT NULL REFERENCES blobs(sha256),
                            text TEXT NOT NULL
                        )
                        """
                )
            }
        ),
        (
            "v5 jobs, their skills, talent plans, and the catalogue's revision",
            { db in
                try db.execute(sql: Self.schemaV5)
                // Any change to the course system moves the revision on, whoever makes it. Nothing reads it since the
                // graph follows the change feed; it stays so that old and new libraries have one schema.
                try db.execute(sql: "CREATE TABLE catalogueRevision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL)")
                try db.execute(sql: "INSERT INTO catalogueRevision (id, revision) VALUES (1, 0)")
                for table in ["majors", "courses", "points", "pointPrerequisites", "jobs", "jobSkills", "majorPlans"] {
                    for operation in ["INSERT", "UPDATE", "DELETE"] {
                        try db.execute(
                            sql: """
                                CREATE TRIGGER \(table)_revision_\(operation.lowercased()) AFTER \(operation) ON \(table)
                                BEGIN UPDATE catalogueRevision SET revision = revision + 1; END
                                """
                        )
                    }
                }
            }
        ),
        ("v6 question versions", { db in try db.execute(sql: Self.schemaV6) }),
        ("v7 papers and attempts", { _ in }),
        (
            "v8 resources a question shows",
            { db in
                // Adding a column fires no trigger, so versions stay immutable.
                try db.execute(sql: "ALTER TABLE questionVersions ADD COLUMN media TEXT NOT NULL DEFAULT '[]'")
            }
        ),
        ("v9 offerings, enrolments, progress, discussions, resource use", { _ in }),
        (
            "v10 events form a hash chain",
            { db in
                // The trail is append-only by trigger; the trigger steps aside once, for this step to hash what exists.
                try db.execute(sql: "ALTER TABLE events ADD COLUMN hash TEXT")
                try db.execute(sql: "DROP TRIGGER events_no_update")
                try EventLog.chainUnhashedEvents(SQLiteConnection(db))
                try db.execute(
                    sql: "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
                )
            }
        ),
    ]

    /// GranaryStore's migration "store 7": the security and audit administrators' roles, the audit trail's
    /// address, outcome and indexes, each session's last use (idle sessions end), and the password policy's dates,
    /// flag and history. SQLite cannot change a CHECK constraint, so the users table is built again
    /// with the new roles (the migrator turns foreign keys off meanwhile and checks them all before it commits).
    static let separationOfDutiesSQL = """
        CREATE TABLE users_new (
            id TEXT PRIMARY KEY NOT NULL,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            displayName TEXT NOT NULL,
            passwordHash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN (\(Accounts.rolesSQL))),
            institution TEXT REFERENCES institutions(name),
            createdAt DATETIME NOT NULL,
            totpSecret TEXT,
            totpConfirmedAt DATETIME,
            totpLastCounter INTEGER,
            passwordChangedAt DATETIME,
            mustChangePassword INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO users_new (id, username, displayName, passwordHash, role, institution, createdAt, totpSecret, totpConfirmedAt, totpLastCounter)
            SELECT id, username, displayName, passwordHash, role, institution, createdAt, totpSecret, totpConfirmedAt, totpLastCounter
            FROM users;
        DROP TABLE users;
        ALTER TABLE users_new RENAME TO users;
        CREATE INDEX users_role ON users(role, username);
        \(EventLog.auditSchemaSQL)
        ALTER TABLE tokens ADD COLUMN lastSeenAt DATETIME;
        \(Accounts.passwordHistorySQL(dates: "DATETIME"))
        """

    private static let schemaV1 = """
        CREATE TABLE institutions (
            name TEXT PRIMARY KEY NOT NULL CHECK (length(name) > 0),
            role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('host', 'participant')),
            createdAt DATETIME NOT NULL
        );
        CREATE TABLE users (
            id TEXT PRIMARY KEY NOT NULL,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            displayName TEXT NOT NULL,
            passwordHash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('learner', 'teacher', 'reviewer', 'admin')),
            institution TEXT REFERENCES institutions(name),
            createdAt DATETIME NOT NULL
        );
        CREATE TABLE tokens (
            tokenHash TEXT PRIMARY KEY NOT NULL,
            userId TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            createdAt DATETIME NOT NULL,
            expiresAt DATETIME NOT NULL,
            revokedAt DATETIME
        );
        CREATE INDEX tokens_user ON tokens(userId);

        CREATE TABLE majors (
            code TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('中职', '高职专科', '职业本科')),
            role TEXT NOT NULL CHECK (role IN ('core', 'served')),
            createdAt DATETIME NOT NULL,
            updatedAt DATETIME NOT NULL
        );
        -- One library is built around exactly one core major.
        CREATE UNIQUE INDEX majors_single_core ON majors(role) WHERE role = 'core';
        CREATE TABLE courses (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            name TEXT NOT NULL CHECK (length(name) > 0),
            major TEXT NOT NULL REFERENCES majors(code),
            category TEXT NOT NULL CHECK (category IN ('core', 'foundation', 'extension')),
            hours INTEGER CHECK (hours >= 0),
            standard TEXT,
            createdAt DATETIME NOT NULL,
            updatedAt DATETIME NOT NULL,
            UNIQUE (major, name)
        );
        CREATE TABLE points (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            name TEXT NOT NULL CHECK (length(name) > 0),
            course TEXT NOT NULL REFERENCES courses(id),
            kind TEXT NOT NULL CHECK (kind IN ('knowledge', 'skill')),
            createdAt DATETIME NOT NULL,
            UNIQUE (course, name)
        );
        CREATE TABLE pointPrerequisites (
            point TEXT NOT NULL REFERENCES points(id),
            prerequisite TEXT NOT NULL REFERENCES points(id),
            PRIMARY KEY (point, prerequisite),
            CHECK (point <> prerequisite)
        );

        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
            size INTEGER NOT NULL CHECK (size >= 0),
            mime TEXT NOT NULL,
            createdAt DATETIME NOT NULL
        );
        CREATE TABLE resources (
            id TEXT PRIMARY KEY NOT NULL,
            currentVersion INTEGER NOT NULL CHECK (currentVersion >= 1),
            publishedVersion INTEGER CHECK (publishedVersion <= currentVersion),
            status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'rejected', 'changes_requested', 'retired')),
            createdBy TEXT NOT NULL REFERENCES users(id),
            createdAt DATETIME NOT NULL,
            updatedAt DATETIME NOT NULL
        );
        CREATE INDEX resources_status ON resources(status);
        CREATE TABLE resourceVersions (
            resource TEXT NOT NULL REFERENCES resources(id),
            version INTEGER NOT NULL CHECK (version >= 1),
            title TEXT NOT NULL CHECK (length(title) > 0),
            description TEXT,
            major TEXT NOT NULL REFERENCES majors(code),
            course TEXT NOT NULL REFERENCES courses(id),
            original BOOLEAN NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('text', 'image', 'audio', 'video', 'animation', 'simulation', 'document', 'courseware', 'other')),
            sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            canonicalName TEXT NOT NULL,
            license TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            source TEXT,
            createdBy TEXT NOT NULL REFERENCES users(id),
            createdAt DATETIME NOT NULL,
            PRIMARY KEY (resource, version)
        );
        CREATE INDEX resourceVersions_course ON resourceVersions(course);
        CREATE TABLE resourceVersionPoints (
            resource TEXT NOT NULL,
            version INTEGER NOT NULL,
            point TEXT NOT NULL REFERENCES points(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (resource, version, point),
            FOREIGN KEY (resource, version) REFERENCES resourceVersions(resource, version)
        );
        CREATE INDEX resourceVersionPoints_point ON resourceVersionPoints(point);

        -- The audit trail: who did what to which item, when. Append-only, enforced by the database itself.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at DATETIME NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,
            itemType TEXT NOT NULL,
            itemId TEXT NOT NULL,
            before TEXT,
            after TEXT
        );
        CREATE INDEX events_item ON events(itemType, itemId);
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        """

    private static let schemaV2 = """
        -- When an item last entered the review queue; the queue is served oldest first from this index.
        ALTER TABLE resources ADD COLUMN submittedAt DATETIME;
        UPDATE resources SET submittedAt = updatedAt WHERE status = 'pending';
        CREATE INDEX resources_queue ON resources(status, submittedAt);

        -- Open evaluation: one rating per account and resource; a new rating replaces the account's old one.
        CREATE TABLE ratings (
            resource TEXT NOT NULL REFERENCES resources(id),
            user TEXT NOT NULL REFERENCES users(id),
            stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
            comment TEXT,
            ratedAt DATETIME NOT NULL,
            PRIMARY KEY (resource, user)
        );
        CREATE INDEX ratings_time ON ratings(ratedAt);

        -- The question bank's core: what the monitoring report counts. The question bank adds the rest.
        CREATE TABLE questions (
            id TEXT PRIMARY KEY NOT NULL,
            course TEXT NOT NULL REFERENCES courses(id),
            type TEXT NOT NULL CHECK (type IN ('single', 'multiple', 'judge', 'fill', 'short', 'practical')),
            status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'rejected', 'changes_requested', 'retired')),
            createdBy TEXT NOT NULL REFERENCES users(id),
            createdAt DATETIME NOT NULL,
            updatedAt DATETIME NOT NULL
        );
        CREATE TABLE questionPoints (
            question TEXT NOT NULL REFERENCES questions(id),
            point TEXT NOT NULL REFERENCES points(id),
            PRIMARY KEY (question, point)
        );
        CREATE INDEX questionPoints_point ON questionPoints(point);
        CREATE INDEX events_actor_time ON events(actor, at);
        """

    /// What the monitoring report groups by, copied from the published version when it is published, so the report
    /// reads one table instead of joining every version.
    private static let schemaV3 = """
        ALTER TABLE resources ADD COLUMN publishedMajor TEXT;
        ALTER TABLE resources ADD COLUMN publishedCourse TEXT;
        ALTER TABLE resources ADD COLUMN publishedKind TEXT;
        ALTER TABLE resources ADD COLUMN publishedOriginal BOOLEAN;
        UPDATE resources SET
            publishedMajor = (SELECT major FROM resourceVersions v WHERE v.resource = resources.id AND v.version = resources.publishedVersion),
            publishedCourse = (SELECT course FROM resourceVersions v WHERE v.resource = resources.id AND v.version = resources.publishedVersion),
            publishedKind = (SELECT kind FROM resourceVersions v WHERE v.resource = resources.id AND v.version = resources.publishedVersion),
            publishedOriginal = (SELECT original FROM resourceVersions v WHERE v.resource = resources.id AND v.version = resources.publishedVersion)
        WHERE publishedVersion IS NOT NULL;
        CREATE INDEX resources_published ON resources(publishedCourse) WHERE publishedVersion IS NOT NULL;
        CREATE INDEX resourceVersions_createdAt ON resourceVersions(createdAt);
        """

    /// Jobs and the skill points they require; each major's talent plan as one validated JSON document.
    private static let schemaV5 = """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            name TEXT NOT NULL CHECK (length(name) > 0),
            occupationCode TEXT,
            createdAt DATETIME NOT NULL,
            updatedAt DATETIME NOT NULL
        );
        CREATE TABLE jobSkills (
            job TEXT NOT NULL REFERENCES jobs(id),
            point TEXT NOT NULL REFERENCES points(id),
            PRIMARY KEY (job, point)
        );
        CREATE INDEX jobSkills_point ON jobSkills(point);
        CREATE UNIQUE INDEX jobs_name ON jobs(name);
        CREATE INDEX pointPrerequisites_prerequisite ON pointPrerequisites(prerequisite);
        CREATE INDEX points_course ON points(course, createdAt);
        CREATE TABLE majorPlans (
            major TEXT PRIMARY KEY NOT NULL REFERENCES majors(code),
            plan TEXT NOT NULL,
            updatedBy TEXT,
            updatedAt DATETIME NOT NULL
        );
        """

    /// Questions get versions like resources. A version is immutable, so a paper that names one keeps exactly the
    /// question it was given. `questions.course`, `questions.type` and `questionPoints` describe the published
    /// version (the current one until a version is published): what the report and the graph count.
    private static let schemaV6 = """
        ALTER TABLE questions ADD COLUMN currentVersion INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE questions ADD COLUMN publishedVersion INTEGER;
        ALTER TABLE questions ADD COLUMN submittedAt DATETIME;
        UPDATE questions SET publishedVersion = 1 WHERE status = 'approved';
        UPDATE questions SET submittedAt = updatedAt WHERE status = 'pending';
        CREATE INDEX questions_queue ON questions(status, submittedAt);
        CREATE INDEX questions_course ON questions(course);
        CREATE TABLE questionVersions (
            question TEXT NOT NULL REFERENCES questions(id),
            version INTEGER NOT NULL CHECK (version >= 1),
            course TEXT NOT NULL REFERENCES courses(id),
            type TEXT NOT NULL CHECK (type IN ('single', 'multiple', 'judge', 'fill', 'short', 'practical')),
            difficulty INTEGER NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
            stem TEXT NOT NULL CHECK (length(stem) > 0),
            options TEXT NOT NULL DEFAULT '[]',
            answer TEXT NOT NULL,
            analysis TEXT,
            rubric TEXT NOT NULL DEFAULT '[]',
            score REAL NOT NULL CHECK (score > 0),
            createdBy TEXT NOT NULL REFERENCES users(id),
            createdAt DATETIME NOT NULL,
            PRIMARY KEY (question, version)
        );
        CREATE TABLE questionVersionPoints (
            question TEXT NOT NULL,
            version INTEGER NOT NULL,
            point TEXT NOT NULL REFERENCES points(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (question, version, point),
            FOREIGN KEY (question, version) REFERENCES questionVersions(question, version)
        );
        CREATE TRIGGER questionVersions_no_update BEFORE UPDATE ON questionVersions
            BEGIN SELECT RAISE(ABORT, 'question versions are immutable'); END;
        CREATE TRIGGER questionVersions_no_delete BEFORE DELETE ON questionVersions
            BEGIN SELECT RAISE(ABORT, 'question versions are immutable'); END;
        """

}
