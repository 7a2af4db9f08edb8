import GRDB
import GranaryStore

extension TableSchema {
    /// The review queue's claims and the reviewers' decisions.
    public static let review = TableSchema(
        target: "review",
        migrations: [
            .init("1 claims and decisions") { db in
                // A library from before each target had its schema got these tables from GranaryStore's v2.
                guard try !db.tableExists("reviews") else { return }
                try db.execute(sql: ReviewService.schemaV1)
            }
        ]
    )
}

extension ReviewService {
    static let schemaV1 = """
        -- An exclusive, expiring claim of a queued item by one reviewer.
        CREATE TABLE reviewClaims (
            itemType TEXT NOT NULL CHECK (itemType IN ('resource', 'question')),
            itemId TEXT NOT NULL,
            reviewer TEXT NOT NULL REFERENCES users(id),
            claimedAt DATETIME NOT NULL,
            expiresAt DATETIME NOT NULL,
            PRIMARY KEY (itemType, itemId)
        );

        -- One reviewer's decision on one version, with the four checks. Immutable.
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            itemType TEXT NOT NULL CHECK (itemType IN ('resource', 'question')),
            itemId TEXT NOT NULL,
            version INTEGER NOT NULL,
            reviewer TEXT NOT NULL REFERENCES users(id),
            decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'request_changes')),
            political BOOLEAN NOT NULL,
            scientific BOOLEAN NOT NULL,
            applicability BOOLEAN NOT NULL,
            normativity BOOLEAN NOT NULL,
            comment TEXT,
            decidedAt DATETIME NOT NULL,
            CHECK (decision <> 'approve' OR (political AND scientific AND applicability AND normativity))
        );
        CREATE INDEX reviews_item ON reviews(itemType, itemId);
        CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT, 'reviews are immutable'); END;
        CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews BEGIN SELECT RAISE(ABORT, 'reviews are immutable'); END;
        """
}
