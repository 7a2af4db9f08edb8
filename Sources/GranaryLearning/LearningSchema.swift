import GRDB
import GranaryStore

extension TableSchema {
    /// Offerings keep a working copy (JSON) and immutable published revisions, whose items are rows so that
    /// analytics can ask which resources are reused. Progress is per item, not per revision, so a learner keeps
    /// it when the teacher publishes again. Views and downloads are one row each: the analytics' raw facts.
    public static let learning = TableSchema(
        target: "learning",
        migrations: [
            .init("1 offerings, enrolments, progress, discussions, resource use") { db in
                // A library from before each target had its schema got these tables from GranaryStore's v9.
                guard try !db.tableExists("offerings") else { return }
                try db.execute(sql: OfferingStore.schemaV1)
            }
        ]
    )
}

extension OfferingStore {
    static let schemaV1 = """
        CREATE TABLE offerings (
            id TEXT PRIMARY KEY NOT NULL,
            course TEXT NOT NULL REFERENCES courses(id),
            title TEXT NOT NULL CHECK (length(title) > 0),
            description TEXT,
            units TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
            revision INTEGER,
            createdBy TEXT NOT NULL REFERENCES users(id),
            createdAt DATETIME NOT NULL,
            updatedAt DATETIME NOT NULL,
            publishedAt DATETIME
        );
        CREATE INDEX offerings_status ON offerings(status, publishedAt);
        CREATE INDEX offerings_author ON offerings(createdBy);
        CREATE TABLE offeringRevisions (
            offering TEXT NOT NULL REFERENCES offerings(id),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            title TEXT NOT NULL,
            description TEXT,
            units TEXT NOT NULL,
            publishedBy TEXT NOT NULL REFERENCES users(id),
            publishedAt DATETIME NOT NULL,
            PRIMARY KEY (offering, revision)
        );
        CREATE TRIGGER offeringRevisions_no_update BEFORE UPDATE ON offeringRevisions
            BEGIN SELECT RAISE(ABORT, 'published revisions are immutable'); END;
        CREATE TABLE offeringItems (
            offering TEXT NOT NULL,
            revision INTEGER NOT NULL,
            unit TEXT NOT NULL,
            unitPosition INTEGER NOT NULL,
            position INTEGER NOT NULL,
            itemType TEXT NOT NULL CHECK (itemType IN ('resource', 'paper')),
            itemId TEXT NOT NULL,
            PRIMARY KEY (offering, revision, unit, position),
            FOREIGN KEY (offering, revision) REFERENCES offeringRevisions(offering, revision)
        );
        CREATE INDEX offeringItems_item ON offeringItems(itemType, itemId);
        CREATE TABLE enrollments (
            offering TEXT NOT NULL REFERENCES offerings(id),
            user TEXT NOT NULL REFERENCES users(id),
            enrolledAt DATETIME NOT NULL,
            PRIMARY KEY (offering, user)
        );
        CREATE INDEX enrollments_user ON enrollments(user, enrolledAt);
        CREATE TABLE progress (
            user TEXT NOT NULL REFERENCES users(id),
            offering TEXT NOT NULL REFERENCES offerings(id),
            itemType TEXT NOT NULL CHECK (itemType IN ('resource', 'paper')),
            itemId TEXT NOT NULL,
            completedAt DATETIME NOT NULL,
            PRIMARY KEY (user, offering, itemType, itemId)
        );
        CREATE INDEX progress_item ON progress(itemType, itemId, completedAt);
        CREATE INDEX progress_time ON progress(completedAt);
        CREATE TABLE posts (
            id TEXT PRIMARY KEY NOT NULL,
            offering TEXT NOT NULL REFERENCES offerings(id),
            unit TEXT NOT NULL,
            parent TEXT REFERENCES posts(id),
            author TEXT NOT NULL REFERENCES users(id),
            body TEXT NOT NULL CHECK (length(body) > 0),
            createdAt DATETIME NOT NULL,
            hiddenAt DATETIME,
            hiddenBy TEXT REFERENCES users(id)
        );
        CREATE INDEX posts_unit ON posts(offering, unit, createdAt);
        CREATE TABLE resourceUses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            resource TEXT NOT NULL REFERENCES resources(id),
            user TEXT NOT NULL REFERENCES users(id),
            action TEXT NOT NULL CHECK (action IN ('view', 'download')),
            at DATETIME NOT NULL
        );
        CREATE INDEX resourceUses_resource ON resourceUses(resource, at);
        CREATE INDEX resourceUses_time ON resourceUses(at);
        CREATE INDEX resourceUses_user ON resourceUses(user, at);
        """
}
