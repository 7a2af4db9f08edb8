import GRDB
import GranaryStore

extension TableSchema {
    /// Papers pin question versions; attempts keep the learner's answers and each question's result.
    public static let assessment = TableSchema(
        target: "assessment",
        migrations: [
            .init("1 papers and attempts") { db in
                // A library from before each target had its schema got these tables from GranaryStore's v7.
                guard try !db.tableExists("papers") else { return }
                try db.execute(sql: PaperStore.schemaV1)
            },
            .init("2 indexes for teaching analytics") { db in
                // Papers given and attempts submitted in a period, from the period's attempts alone.
                try db.execute(sql: "CREATE INDEX attempts_submitted ON attempts(submittedAt, paper) WHERE submittedAt IS NOT NULL")
                // Grading hours read only the results a teacher graded, not every automatic one.
                try db.execute(sql: "CREATE INDEX attemptResults_grader ON attemptResults(gradedBy, attempt, gradedAt) WHERE gradedBy IS NOT NULL")
            },
            .init("3 practice sets") { db in
                try db.execute(sql: PaperStore.practiceSQL(dates: "DATETIME"))
            },
        ],
        postgresql: [
            .init(
                "1 papers and attempts",
                sql: """
                    CREATE TABLE papers (
                        id TEXT PRIMARY KEY NOT NULL,
                        course TEXT NOT NULL REFERENCES courses(id),
                        title TEXT NOT NULL CHECK (length(title) > 0),
                        blueprint TEXT,
                        figures TEXT NOT NULL,
                        totalScore DOUBLE PRECISION NOT NULL,
                        createdBy TEXT NOT NULL REFERENCES users(id),
                        createdAt TEXT NOT NULL
                    );
                    CREATE INDEX papers_course ON papers(course, createdAt);
                    CREATE TABLE paperQuestions (
                        paper TEXT NOT NULL REFERENCES papers(id),
                        position BIGINT NOT NULL CHECK (position >= 1),
                        question TEXT NOT NULL,
                        version BIGINT NOT NULL,
                        PRIMARY KEY (paper, position),
                        UNIQUE (paper, question),
                        FOREIGN KEY (question, version) REFERENCES questionVersions(question, version)
                    );
                    CREATE INDEX paperQuestions_question ON paperQuestions(question);
                    CREATE TABLE attempts (
                        id TEXT PRIMARY KEY NOT NULL,
                        paper TEXT NOT NULL REFERENCES papers(id),
                        learner TEXT NOT NULL REFERENCES users(id),
                        status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'graded')),
                        answers TEXT NOT NULL DEFAULT '{}',
                        score DOUBLE PRECISION,
                        startedAt TEXT NOT NULL,
                        submittedAt TEXT,
                        gradedAt TEXT
                    );
                    CREATE INDEX attempts_paper ON attempts(paper, status);
                    CREATE INDEX attempts_learner ON attempts(learner);
                    CREATE TABLE attemptResults (
                        attempt TEXT NOT NULL REFERENCES attempts(id),
                        question TEXT NOT NULL,
                        correct BIGINT,
                        score DOUBLE PRECISION,
                        rubricScores TEXT,
                        gradedBy TEXT REFERENCES users(id),
                        gradedAt TEXT,
                        PRIMARY KEY (attempt, question)
                    );
                    CREATE INDEX attempts_submitted ON attempts(submittedAt, paper) WHERE submittedAt IS NOT NULL;
                    CREATE INDEX attemptResults_grader ON attemptResults(gradedBy, attempt, gradedAt) WHERE gradedBy IS NOT NULL;
                    CREATE TRIGGER paperQuestions_immutable BEFORE UPDATE ON paperQuestions
                        FOR EACH ROW EXECUTE FUNCTION granary_refuse('a paper keeps the versions it was given');
                    """
            ),
            .init("2 practice sets", sql: PaperStore.practiceSQL(dates: "TEXT")),
        ]
    )
}

extension PaperStore {
    /// 练一练: a paper is an exam (made by a teacher, given in offerings) or a learner's own practice set, which no
    /// teacher's list, assembly or analytics counts; an answer checked in an open practice attempt keeps when.
    public static func practiceSQL(dates: String) -> String {
        """
        ALTER TABLE papers ADD COLUMN kind TEXT NOT NULL DEFAULT 'exam' CHECK (kind IN ('exam', 'practice'));
        ALTER TABLE attemptResults ADD COLUMN checkedAt \(dates);
        """
    }

    static let schemaV1 = """
        CREATE TABLE papers (
            id TEXT PRIMARY KEY NOT NULL,
            course TEXT NOT NULL REFERENCES courses(id),
            title TEXT NOT NULL CHECK (length(title) > 0),
            blueprint TEXT,
            figures TEXT NOT NULL,
            totalScore REAL NOT NULL,
            createdBy TEXT NOT NULL REFERENCES users(id),
            createdAt DATETIME NOT NULL
        );
        CREATE INDEX papers_course ON papers(course, createdAt);
        CREATE TABLE paperQuestions (
            paper TEXT NOT NULL REFERENCES papers(id),
            position INTEGER NOT NULL CHECK (position >= 1),
            question TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (paper, position),
            UNIQUE (paper, question),
            FOREIGN KEY (question, version) REFERENCES questionVersions(question, version)
        );
        CREATE INDEX paperQuestions_question ON paperQuestions(question);
        CREATE TRIGGER paperQuestions_no_update BEFORE UPDATE ON paperQuestions
            BEGIN SELECT RAISE(ABORT, 'a paper keeps the versions it was given'); END;
        CREATE TABLE attempts (
            id TEXT PRIMARY KEY NOT NULL,
            paper TEXT NOT NULL REFERENCES papers(id),
            learner TEXT NOT NULL REFERENCES users(id),
            status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'graded')),
            answers TEXT NOT NULL DEFAULT '{}',
            score REAL,
            startedAt DATETIME NOT NULL,
            submittedAt DATETIME,
            gradedAt DATETIME
        );
        CREATE INDEX attempts_paper ON attempts(paper, status);
        CREATE INDEX attempts_learner ON attempts(learner);
        CREATE TABLE attemptResults (
            attempt TEXT NOT NULL REFERENCES attempts(id),
            question TEXT NOT NULL,
            correct BOOLEAN,
            score REAL,
            rubricScores TEXT,
            gradedBy TEXT REFERENCES users(id),
            gradedAt DATETIME,
            PRIMARY KEY (attempt, question)
        );
        """
}
