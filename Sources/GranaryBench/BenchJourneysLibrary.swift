import Foundation
import GRDB
import GranaryAssessment
import GranaryLearning
import GranaryModel
import GranaryStore

/// The library `granary bench journeys` times: one resource library at full size. Its course system goes through
/// the stores as a person would build it (majors from the national catalogue, courses, points with prerequisites,
/// jobs, a question of each type, papers, offerings); what only grows with use (resources, learners, enrolments,
/// progress, views and downloads, ratings, attempts, posts) is written in bulk, in transactions of the tables the
/// service reads, with formats copied from rows the stores wrote.
struct JourneyLibrary {
    struct Size: Codable, Equatable {
        var resources = 200_000
        var learners = 50_000
        /// Progress rows and resource uses together, half each.
        var events = 2_000_000
        var questions = 20_000
        var offerings = 500
    }

    /// What the routes are sampled from, and the accounts the routes are called as.
    struct Samples: Codable {
        var resources: [String] = []
        var courses: [String] = []
        var points: [String] = []
        var majors: [String] = []
        var jobs: [String] = []
        var questions: [String] = []
        var papers: [String] = []
        var offerings: [String] = []
        var units: [String: [String]] = [:]
        var attempts: [String] = []
        var pendingResources: [String] = []
        /// Offerings the bench learner is enrolled in, and those the bench teacher wrote.
        var learnerOfferings: [String] = []
        var teacherOfferings: [String] = []
        var learnerAttempts: [String] = []
    }

    static let password = "bench-password"
    static let core = "460110"

    let library: Library
    let size: Size
    var random = SeededGenerator(seed: 16)
    var samples = Samples()

    /// Fills an empty library. Prints what it did, phase by phase.
    static func build(_ library: Library, size: Size, texts: [(title: String, description: String)]) async throws -> Samples {
        var builder = JourneyLibrary(library: library, size: size)
        try await builder.fill(texts: texts)
        return builder.samples
    }

    private mutating func fill(texts: [(title: String, description: String)]) async throws {
        let started = ContinuousClock.now
        func done(_ what: String) { print(String(format: "  %@ (%.0f s)", what, Bench.Review.seconds(ContinuousClock.now - started))) }
        let accounts = try await self.accounts()
        done("accounts: admin, reviewer, teacher and learner to call the routes as, 50 teachers")
        let courses = try await self.courseSystem()
        done(
            "course system: \(self.samples.majors.count) majors, \(courses.count) courses, \(self.samples.points.count) points, \(self.samples.jobs.count) jobs"
        )
        let teachers = try await self.teachers(accounts.teacher)
        let learners = try await self.learners()
        done("\(learners.count) learners")
        let published = try await self.resources(courses: courses, teachers: teachers, texts: texts)
        done("\(self.size.resources) published and \(self.samples.pendingResources.count) pending resources")
        let questionsByCourse = try await self.questions(courses: courses, author: accounts.teacher)
        done("\(self.size.questions) questions")
        let papers = try await self.papers(questionsByCourse, author: accounts.teacher)
        done("\(papers.values.map(\.count).reduce(0, +)) papers")
        let offerings = try await self.offerings(courses: courses, published: published, papers: papers, teachers: teachers)
        done("\(offerings.count) published offerings")
        // The bench learner last: it is enrolled and has attempts like the others.
        try await self.use(offerings: offerings, learners: learners + [accounts.learner], published: published, papers: papers)
        done("enrolments, progress, views and downloads, ratings, attempts and posts")
    }

    // MARK: - People

    private struct Accounts {
        var teacher: User
        var learner: User
    }

    private func accounts() async throws -> Accounts {
        var made: [Role: User] = [:]
        for role in [Role.admin, .reviewer, .teacher, .learner] {
            made[role] = try await self.library.accounts.createUser(
                username: "bench-\(role.rawValue)",
                password: Self.password,
                displayName: "基准\(role.rawValue)",
                role: role,
                institution: nil,
                actor: "bench",
                checkingPolicy: false
            )
        }
        return Accounts(teacher: made[.teacher]!, learner: made[.learner]!)
    }

    /// 50 teachers beside the bench teacher, who author resources and offerings.
    private func teachers(_ bench: User) async throws -> [User] {
        try await self.bulkUsers(prefix: "teacher", count: 50, role: .teacher, name: "教师") + [bench]
    }

    private func learners() async throws -> [User] {
        try await self.bulkUsers(prefix: "learner", count: self.size.learners, role: .learner, name: "学习者")
    }

    /// Accounts written in one transaction, all with the bench accounts' password hash (bcrypt once, not 50,000 times).
    private func bulkUsers(prefix: String, count: Int, role: Role, name: String) async throws -> [User] {
        let now = Date()
        let users = (0..<count).map { index in
            User(
                id: UUID().uuidString.lowercased(),
                username: String(format: "%@%05d", prefix, index),
                displayName: String(format: "%@%05d", name, index),
                role: role,
                institution: nil,
                createdAt: now
            )
        }
        try await self.library.database.sqlite!.write { db in
            let hash = try String.fetchOne(db, sql: "SELECT passwordHash FROM users WHERE username = 'bench-learner'")!
            let insert = try db.makeStatement(
                sql: "INSERT INTO users (id, username, displayName, passwordHash, role, createdAt) VALUES (?, ?, ?, ?, ?, ?)"
            )
            for user in users { try insert.execute(arguments: [user.id, user.username, user.displayName, hash, role.rawValue, now]) }
        }
        return users
    }

    // MARK: - Course system

    private static let coreCourses = [
        "焊接方法与设备", "焊接冶金与焊接性", "焊接结构生产", "焊接检验与质量控制", "机械制图", "机械基础", "电工电子技术", "金属材料与热处理",
        "焊接机器人编程与操作", "弧焊电源", "熔化焊接与热切割", "焊接工艺评定", "无损检测技术", "焊接自动化技术", "焊接生产管理",
        "压力容器焊接", "管道焊接技术", "钢结构焊接", "焊接安全与环保", "智能制造概论", "可编程控制器应用", "传感器与检测技术",
        "计算机辅助设计", "焊接工装夹具设计", "特种焊接技术", "焊接数值模拟", "焊接专业英语", "焊工职业技能实训", "焊接结构检测综合实训",
        "毕业设计",
    ]

    /// The core major and four it serves, from the catalogue; 30 courses of the core major and 4 of each served one,
    /// 24 points each (a chain of prerequisites within a course, every third a skill), and 30 jobs over the skills.
    private mutating func courseSystem() async throws -> [String] {
        let catalogue = self.library.catalogue
        _ = try await catalogue.createMajor(code: Self.core, name: nil, level: nil, role: .core, actor: "bench")
        self.samples.majors.append(Self.core)
        // A library serves at most five majors: its own and four near it.
        for code in ["460107", "460104", "460101", "460103"] {
            _ = try await catalogue.createMajor(code: code, name: nil, level: nil, role: .served, actor: "bench")
            self.samples.majors.append(code)
        }
        var courses: [(id: String, name: String, major: String)] = Self.coreCourses.enumerated().map { ("c\($0.offset + 1)", $0.element, Self.core) }
        for (index, major) in self.samples.majors.dropFirst().enumerated() {
            for number in 1...4 { courses.append(("s\(index + 1)-\(number)", "服务课程\(index + 1)-\(number)", major)) }
        }
        var skills: [String] = []
        for course in courses {
            _ = try await catalogue.createCourse(
                id: course.id,
                name: course.name,
                major: course.major,
                category: course.major == Self.core ? .core : .foundation,
                hours: 64,
                standard: nil,
                actor: "bench"
            )
            var previous: String?
            for number in 1...24 {
                let id = "\(course.id)-p\(number)"
                let kind: PointKind = number % 3 == 0 ? .skill : .knowledge
                _ = try await catalogue.createPoint(
                    id: id,
                    name: "\(course.name)知识点\(number)",
                    course: course.id,
                    kind: kind,
                    prerequisites: previous.map { [$0] } ?? [],
                    actor: "bench"
                )
                previous = id
                self.samples.points.append(id)
                if kind == .skill { skills.append(id) }
            }
        }
        for number in 1...30 {
            let chosen = (0..<8).map { _ in skills[self.random.below(skills.count)] }
            let job = try await catalogue.createJob(
                id: "job\(number)",
                name: "焊接岗位\(number)",
                occupationCode: nil,
                skills: Array(Set(chosen)).sorted(),
                actor: "bench"
            )
            self.samples.jobs.append(job.id)
        }
        let coreCourses = courses.filter { $0.major == Self.core }
        _ = try await catalogue.savePlan(
            MajorPlan(
                major: Self.core,
                goals: "培养掌握焊接工艺、焊接质量检验与焊接机器人操作的高素质技术技能人才。",
                jobs: Array(self.samples.jobs.prefix(6)),
                courses: coreCourses.enumerated().map { .init(course: $0.element.id, hours: 64, semester: 1 + $0.offset % 6, credits: 4) },
                practice: [.init(name: "岗位实习", semester: 6, weeks: 24, hours: 576)],
                graduation: ["取得焊工职业技能等级证书（中级）"]
            ),
            actor: "bench"
        )
        self.samples.courses = courses.map(\.id)
        return self.samples.courses
    }

    // MARK: - Resources

    /// Published resources over the courses (two thirds on the core major's), one to three points each, spread over
    /// three years; and 2,000 pending ones for the review queue.
    private mutating func resources(
        courses: [String],
        teachers: [User],
        texts: [(title: String, description: String)]
    ) async throws -> [String:
        [String]]
    {
        let upload = try await self.library.blobs.beginUpload(containing: Array("基准资源".utf8))
        let blob = try await upload.finish()
        let kinds = ResourceKind.allCases
        let origin = ISO8601DateFormatter().date(from: "2024-01-01T00:00:00Z")!
        let total = self.size.resources
        let pending = 2_000
        let coreCourses = courses.filter { $0.hasPrefix("c") }
        var plans: [(id: String, course: String, points: [String], kind: ResourceKind, author: String, created: Date, pending: Bool)] = []
        var published: [String: [String]] = [:]
        for index in 0..<(total + pending) {
            let course = self.random.below(3) < 2 ? coreCourses[self.random.below(coreCourses.count)] : courses[self.random.below(courses.count)]
            let first = 1 + self.random.below(24)
            let points = Array(Set((0...self.random.below(3)).map { "\(course)-p\(min(24, first + $0))" })).sorted()
            let id = UUID().uuidString.lowercased()
            let isPending = index >= total
            plans.append(
                (
                    id, course, points, kinds[self.random.below(kinds.count)], teachers[self.random.below(teachers.count)].id,
                    origin.addingTimeInterval(Double(index) * 94_608_000 / Double(total + pending)), isPending
                )
            )
            if isPending { self.samples.pendingResources.append(id) } else { published[course, default: []].append(id) }
        }
        let majorOf = try await self.library.database.sqlite!.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, major FROM courses").map { ($0["id"] as String, $0["major"] as String) }
            )
        }
        let shared = (sha256: blob.sha256, size: blob.size)
        try await self.library.database.sqlite!.write { [plans] db in
            let rows = try BenchResourceRows(db, blob: shared)
            for (index, plan) in plans.enumerated() {
                let text = texts.isEmpty ? (title: "基准资源 \(index)", description: "") : texts[index % texts.count]
                try rows.insert(
                    .init(
                        id: plan.id,
                        pending: plan.pending,
                        author: plan.author,
                        created: plan.created,
                        major: majorOf[plan.course]!,
                        course: plan.course,
                        kind: plan.kind,
                        original: index % 10 < 8,
                        title: text.title,
                        description: text.description,
                        canonicalName: "基准_\(index).txt",
                        points: plan.points
                    )
                )
            }
        }
        self.samples.resources = (0..<1000).map { _ in plans[self.random.below(total)].id }
        return published
    }

    // MARK: - Questions and papers

    /// A single-choice and a true-or-false question through the store, approved; the rest are copies of them with
    /// their own stem, course, point and difficulty.
    private mutating func questions(courses: [String], author: User) async throws -> [String: [String]] {
        let store = QuestionStore(database: self.library.database)
        let single = try await store.create(
            QuestionStore.Input(
                course: courses[0],
                knowledgePoints: ["\(courses[0])-p1"],
                type: .single,
                difficulty: 3,
                stem: "焊接电弧中温度最高的区域是哪一个？",
                options: [
                    Question.Option(id: "A", text: "阴极区"), Question.Option(id: "B", text: "阳极区"), Question.Option(id: "C", text: "弧柱区"),
                    Question.Option(id: "D", text: "熔池"),
                ],
                answer: .string("C"),
                score: 2
            ),
            author: author
        )
        let judge = try await store.create(
            QuestionStore.Input(
                course: courses[0],
                knowledgePoints: ["\(courses[0])-p2"],
                type: .judge,
                difficulty: 2,
                stem: "焊接前必须清理坡口两侧的油污和铁锈。",
                answer: .bool(true),
                score: 1
            ),
            author: author
        )
        var plans: [(id: String, template: String, course: String, point: String, difficulty: Int)] = []
        var byCourse: [String: [String]] = [:]
        for index in 0..<(self.size.questions - 2) {
            let course = courses[self.random.below(courses.count)]
            let id = UUID().uuidString.lowercased()
            plans.append((id, index % 3 == 0 ? judge.id : single.id, course, "\(course)-p\(1 + self.random.below(24))", 1 + self.random.below(5)))
            byCourse[course, default: []].append(id)
        }
        try await self.library.database.sqlite!.write { [plans] db in
            try db.execute(
                sql: "UPDATE questions SET status = 'approved', publishedVersion = 1 WHERE id IN (?, ?)",
                arguments: [single.id, judge.id]
            )
            let question = try db.makeStatement(
                sql: """
                    INSERT INTO questions (id, course, type, status, createdBy, createdAt, updatedAt, currentVersion, publishedVersion)
                    SELECT ?, ?, type, 'approved', createdBy, createdAt, updatedAt, 1, 1 FROM questions WHERE id = ?
                    """
            )
            let version = try db.makeStatement(
                sql: """
                    INSERT INTO questionVersions (question, version, course, type, difficulty, stem, options, answer, analysis, rubric, score,
                        createdBy, createdAt, media)
                    SELECT ?, 1, ?, type, ?, stem || '（第' || ? || '题）', options, answer, analysis, rubric, score, createdBy, createdAt, media
                    FROM questionVersions WHERE question = ? AND version = 1
                    """
            )
            let versionPoint = try db.makeStatement(sql: "INSERT INTO questionVersionPoints (question, version, point, position) VALUES (?, 1, ?, 0)")
            let point = try db.makeStatement(sql: "INSERT INTO questionPoints (question, point) VALUES (?, ?)")
            for (index, plan) in plans.enumerated() {
                try question.execute(arguments: [plan.id, plan.course, plan.template])
                try version.execute(arguments: [plan.id, plan.course, plan.difficulty, index + 1, plan.template])
                try versionPoint.execute(arguments: [plan.id, plan.point])
                try point.execute(arguments: [plan.id, plan.point])
            }
        }
        self.samples.questions = (0..<200).map { _ in plans[self.random.below(plans.count)].id }
        return byCourse
    }

    /// Three papers of 20 questions for each of the first 40 courses, through the store.
    private mutating func papers(_ questions: [String: [String]], author: User) async throws -> [String: [String]] {
        let store = PaperStore(database: self.library.database)
        var papers: [String: [String]] = [:]
        for course in self.samples.courses.prefix(40) {
            guard let bank = questions[course], bank.count >= 20 else { continue }
            for number in 1...3 {
                let chosen = (0..<20).map { bank[($0 * 7 + number * 13) % bank.count] }
                guard Set(chosen).count == 20 else { continue }
                let paper = try await store.create(course: course, title: "单元测验\(number)", questions: chosen, author: author)
                papers[course, default: []].append(paper.id)
                self.samples.papers.append(paper.id)
            }
        }
        return papers
    }

    // MARK: - Offerings and their use

    private struct PublishedOffering {
        var id: String
        var items: [Offering.Item]
        var units: [String]
        var papers: [String]
    }

    /// Offerings of six units of five items (resources of the course, a paper in the last unit where the course has
    /// one), created and published through the store by a teacher.
    private mutating func offerings(
        courses: [String],
        published: [String: [String]],
        papers: [String: [String]],
        teachers: [User]
    ) async throws -> [PublishedOffering] {
        let store = OfferingStore(database: self.library.database)
        var made: [PublishedOffering] = []
        for index in 0..<self.size.offerings {
            let course = courses[index % courses.count]
            guard let pool = published[course], pool.count >= 30 else { continue }
            let coursePapers = papers[course] ?? []
            var units: [OfferingInput.Unit] = []
            // An item appears once in an offering.
            var seen = Set<String>()
            for unit in 1...6 {
                var items = (0..<5).map { _ in Offering.Item(resource: pool[self.random.below(pool.count)]) }
                if unit == 6, let paper = coursePapers.first { items[4] = Offering.Item(paper: paper) }
                units.append(.init(id: "u\(unit)", title: "项目\(unit)", items: items.filter { seen.insert($0.resource ?? $0.paper ?? "").inserted }))
            }
            let teacher = teachers[index % teachers.count]
            let offering = try await store.create(
                OfferingInput(course: course, title: "\(course)开课\(index + 1)", description: "第\(index + 1)个基准开课。", units: units),
                author: teacher
            )
            _ = try await store.publish(id: offering.id, user: teacher)
            if teacher.username == "bench-teacher" { self.samples.teacherOfferings.append(offering.id) }
            made.append(
                PublishedOffering(
                    id: offering.id,
                    items: units.flatMap(\.items),
                    units: units.compactMap(\.id),
                    papers: units.flatMap(\.items).compactMap(\.paper)
                )
            )
        }
        self.samples.offerings = made.map(\.id)
        self.samples.units = Dictionary(uniqueKeysWithValues: made.prefix(200).map { ($0.id, $0.units) })
        return made
    }

    /// Every learner enrolled in two offerings; half the events are items completed in them, half views and
    /// downloads over the last year (mostly of what the offerings hold); 100,000 ratings; an attempt at a paper of
    /// every tenth enrolment that has one; ten posts per offering.
    private mutating func use(
        offerings: [PublishedOffering],
        learners: [User],
        published: [String: [String]],
        papers: [String: [String]]
    )
        async throws
    {
        let now = Date()
        let year = 365.0 * 86_400
        let everyResource = published.values.flatMap { $0 }
        var pairs: [(offering: Int, learner: Int)] = []
        for learner in learners.indices {
            let first = self.random.below(offerings.count)
            pairs.append((first, learner))
            pairs.append(((first + 1 + self.random.below(offerings.count - 1)) % offerings.count, learner))
        }
        let perEnrolment = max(1, self.size.events / 2 / pairs.count)
        let uses = self.size.events / 2
        let enrolments = pairs
        try await self.library.database.sqlite!.write { db in
            var seed = SeededGenerator(seed: 1)
            let enrol = try db.makeStatement(sql: "INSERT INTO enrollments (offering, user, enrolledAt) VALUES (?, ?, ?)")
            let progress = try db.makeStatement(
                sql: "INSERT OR IGNORE INTO progress (user, offering, itemType, itemId, completedAt) VALUES (?, ?, ?, ?, ?)"
            )
            for (offeringIndex, learnerIndex) in enrolments {
                let offering = offerings[offeringIndex]
                let user = learners[learnerIndex].id
                let enrolled = now.addingTimeInterval(-Double(seed.below(Int(year))))
                try enrol.execute(arguments: [offering.id, user, enrolled])
                for step in 0..<min(perEnrolment, offering.items.count) {
                    let item = offering.items[step]
                    try progress.execute(arguments: [
                        user, offering.id, item.paper == nil ? "resource" : "paper", item.resource ?? item.paper!,
                        enrolled.addingTimeInterval(Double(step) * 3_600),
                    ])
                }
            }
        }
        try await self.library.database.sqlite!.write { db in
            var seed = SeededGenerator(seed: 2)
            let use = try db.makeStatement(sql: "INSERT INTO resourceUses (resource, user, action, at) VALUES (?, ?, ?, ?)")
            for _ in 0..<uses {
                let enrolment = enrolments[seed.below(enrolments.count)]
                let items = offerings[enrolment.offering].items.compactMap(\.resource)
                let resource = seed.below(4) < 3 && !items.isEmpty ? items[seed.below(items.count)] : everyResource[seed.below(everyResource.count)]
                try use.execute(arguments: [
                    resource, learners[enrolment.learner].id, seed.below(5) == 0 ? "download" : "view",
                    now.addingTimeInterval(-Double(seed.below(Int(year)))),
                ])
            }
            let rating = try db.makeStatement(sql: "INSERT OR IGNORE INTO ratings (resource, user, stars, comment, ratedAt) VALUES (?, ?, ?, ?, ?)")
            for index in 0..<100_000 {
                let enrolment = enrolments[seed.below(enrolments.count)]
                let items = offerings[enrolment.offering].items.compactMap(\.resource)
                guard !items.isEmpty else { continue }
                try rating.execute(arguments: [
                    items[seed.below(items.count)], learners[enrolment.learner].id, 1 + seed.below(5), index % 5 == 0 ? "讲得清楚，案例实用。" : nil,
                    now.addingTimeInterval(-Double(seed.below(Int(year)))),
                ])
            }
        }
        let attempts = try await self.library.database.sqlite!.write { db in
            var seed = SeededGenerator(seed: 3)
            var attempts: [String] = []
            let attempt = try db.makeStatement(
                sql: """
                    INSERT INTO attempts (id, paper, learner, status, answers, score, startedAt, submittedAt, gradedAt)
                    VALUES (?, ?, ?, 'graded', '{}', ?, ?, ?, ?)
                    """
            )
            let result = try db.makeStatement(
                sql: """
                    INSERT INTO attemptResults (attempt, question, correct, score, gradedAt)
                    SELECT ?, question, ?, ?, ? FROM paperQuestions WHERE paper = ? AND position = ?
                    """
            )
            // Every tenth enrolment, and the bench learner's, so that it has attempts to open.
            for (index, enrolment) in enrolments.enumerated() where index % 10 == 0 || enrolment.learner == learners.count - 1 {
                guard let paper = offerings[enrolment.offering].papers.first else { continue }
                let id = UUID().uuidString.lowercased()
                let started = now.addingTimeInterval(-Double(seed.below(Int(year))))
                let submitted = started.addingTimeInterval(1_800)
                var score = 0.0
                var results: [(correct: Bool, score: Double)] = []
                for _ in 1...20 {
                    let correct = seed.below(10) < 7
                    results.append((correct, correct ? 2 : 0))
                    score += correct ? 2 : 0
                }
                try attempt.execute(arguments: [id, paper, learners[enrolment.learner].id, score, started, submitted, submitted])
                for (position, outcome) in results.enumerated() {
                    try result.execute(arguments: [id, outcome.correct, outcome.score, submitted, paper, position + 1])
                }
                attempts.append(id)
            }
            let post = try db.makeStatement(
                sql: "INSERT INTO posts (id, offering, unit, parent, author, body, createdAt) VALUES (?, ?, ?, NULL, ?, ?, ?)"
            )
            for offering in offerings {
                for number in 1...10 {
                    try post.execute(arguments: [
                        UUID().uuidString.lowercased(), offering.id, offering.units[number % offering.units.count],
                        learners[seed.below(learners.count)].id, "第\(number)个问题：这个知识点怎么理解？", now.addingTimeInterval(-Double(number) * 3_600),
                    ])
                }
            }
            return attempts
        }
        self.samples.attempts = Array(attempts.prefix(200))
        self.samples.learnerOfferings = enrolments.filter { $0.learner == learners.count - 1 }.map { offerings[$0.offering].id }
        self.samples.learnerAttempts = try await self.library.database.sqlite!.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM attempts WHERE learner = (SELECT id FROM users WHERE username = 'bench-learner')")
        }
    }
}
