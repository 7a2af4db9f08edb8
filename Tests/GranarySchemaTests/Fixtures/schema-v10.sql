-- The whole schema of a library at migration "v10 events form a hash chain", the last of the single migration list
-- in GranaryStore before each target created its own tables (sqlite3 .schema of a fresh library, 2026-12-02).
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
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
, submittedAt DATETIME, publishedMajor TEXT, publishedCourse TEXT, publishedKind TEXT, publishedOriginal BOOLEAN);
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
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at DATETIME NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    itemType TEXT NOT NULL,
    itemId TEXT NOT NULL,
    before TEXT,
    after TEXT
, hash TEXT);
CREATE INDEX events_item ON events(itemType, itemId);
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE INDEX resources_queue ON resources(status, submittedAt);
CREATE TABLE reviewClaims (
    itemType TEXT NOT NULL CHECK (itemType IN ('resource', 'question')),
    itemId TEXT NOT NULL,
    reviewer TEXT NOT NULL REFERENCES users(id),
    claimedAt DATETIME NOT NULL,
    expiresAt DATETIME NOT NULL,
    PRIMARY KEY (itemType, itemId)
);
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
CREATE TABLE ratings (
    resource TEXT NOT NULL REFERENCES resources(id),
    user TEXT NOT NULL REFERENCES users(id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment TEXT,
    ratedAt DATETIME NOT NULL,
    PRIMARY KEY (resource, user)
);
CREATE INDEX ratings_time ON ratings(ratedAt);
CREATE TABLE questions (
    id TEXT PRIMARY KEY NOT NULL,
    course TEXT NOT NULL REFERENCES courses(id),
    type TEXT NOT NULL CHECK (type IN ('single', 'multiple', 'judge', 'fill', 'short', 'practical')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'rejected', 'changes_requested', 'retired')),
    createdBy TEXT NOT NULL REFERENCES users(id),
    createdAt DATETIME NOT NULL,
    updatedAt DATETIME NOT NULL
, currentVersion INTEGER NOT NULL DEFAULT 1, publishedVersion INTEGER, submittedAt DATETIME);
CREATE TABLE questionPoints (
    question TEXT NOT NULL REFERENCES questions(id),
    point TEXT NOT NULL REFERENCES points(id),
    PRIMARY KEY (question, point)
);
CREATE INDEX questionPoints_point ON questionPoints(point);
CREATE INDEX events_actor_time ON events(actor, at);
CREATE INDEX resources_published ON resources(publishedCourse) WHERE publishedVersion IS NOT NULL;
CREATE INDEX resourceVersions_createdAt ON resourceVersions(createdAt);
CREATE TABLE blobTexts (
    sha256 TEXT PRIMARY KEY NOT NULL REFERENCES blobs(sha256),
    text TEXT NOT NULL
);
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
CREATE TABLE catalogueRevision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
CREATE TRIGGER majors_revision_insert AFTER INSERT ON majors
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER majors_revision_update AFTER UPDATE ON majors
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER majors_revision_delete AFTER DELETE ON majors
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER courses_revision_insert AFTER INSERT ON courses
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER courses_revision_update AFTER UPDATE ON courses
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER courses_revision_delete AFTER DELETE ON courses
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER points_revision_insert AFTER INSERT ON points
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER points_revision_update AFTER UPDATE ON points
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER points_revision_delete AFTER DELETE ON points
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER pointPrerequisites_revision_insert AFTER INSERT ON pointPrerequisites
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER pointPrerequisites_revision_update AFTER UPDATE ON pointPrerequisites
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER pointPrerequisites_revision_delete AFTER DELETE ON pointPrerequisites
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER jobs_revision_insert AFTER INSERT ON jobs
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER jobs_revision_update AFTER UPDATE ON jobs
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER jobs_revision_delete AFTER DELETE ON jobs
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER jobSkills_revision_insert AFTER INSERT ON jobSkills
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER jobSkills_revision_update AFTER UPDATE ON jobSkills
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER jobSkills_revision_delete AFTER DELETE ON jobSkills
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER majorPlans_revision_insert AFTER INSERT ON majorPlans
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER majorPlans_revision_update AFTER UPDATE ON majorPlans
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
CREATE TRIGGER majorPlans_revision_delete AFTER DELETE ON majorPlans
BEGIN UPDATE catalogueRevision SET revision = revision + 1; END;
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
    createdAt DATETIME NOT NULL, media TEXT NOT NULL DEFAULT '[]',
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
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
