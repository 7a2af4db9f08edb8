import Foundation
import GRDB
import GranaryModel
import GranaryReview
import GranarySchema
import GranaryStore
import GranaryTestSupport
import NIOCore
import Testing

/// Small libraries where each rule sits just above and just below its threshold.
@Suite struct MonitoringReportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A library with a core major, two core courses and a foundation course, and a teacher.
    struct Fixture {
        let library: Library
        let teacher: User
        let reports: ReportService

        init() async throws {
            let directory = TestFolders.make("report")
            self.library = try Library(
                dataDirectory: directory,
                metadataDirectory: MonitoringReportTests.root + "/Metadata",
                options: .init(bcryptCost: 4, database: try await TestDatabase.defaultDatabase(forLibraryIn: directory, schemas: .all)),
                schemas: .all
            )
            self.teacher = try await self.library.accounts.createUser(
                username: "zhang",
                password: "Passw0rd-123",
                displayName: nil,
                role: .teacher,
                institution: "主持学院",
                actor: "test"
            )
            self.reports = ReportService(database: self.library.database)
            let catalogue = self.library.catalogue
            _ = try await catalogue.createMajor(code: "460110", name: nil, level: nil, role: .core, actor: "test")
            _ = try await catalogue.createCourse(
                id: "weld",
                name: "焊接方法与设备",
                major: "460110",
                category: .core,
                hours: nil,
                standard: nil,
                actor: "test"
            )
            _ = try await catalogue.createCourse(
                id: "check",
                name: "焊接质量检验",
                major: "460110",
                category: .core,
                hours: nil,
                standard: nil,
                actor: "test"
            )
            _ = try await catalogue.createCourse(
                id: "draw",
                name: "机械制图",
                major: "460110",
                category: .foundation,
                hours: nil,
                standard: nil,
                actor: "test"
            )
            _ = try await catalogue.createPoint(id: "arc", name: "焊接电弧", course: "weld", kind: .knowledge, prerequisites: [], actor: "test")
            _ = try await catalogue.createPoint(id: "ut", name: "超声检测", course: "check", kind: .skill, prerequisites: [], actor: "test")
            _ = try await catalogue.createPoint(id: "views", name: "三视图", course: "draw", kind: .knowledge, prerequisites: [], actor: "test")
        }

        /// Adds a resource (text bytes for `text`, a PDF otherwise) created at `createdAt`; publishes it unless told not to.
        @discardableResult
        func add(
            text: Bool,
            original: Bool = true,
            course: String = "weld",
            point: String = "arc",
            createdAt: Date = Date(),
            publish: Bool = true
        ) async throws -> String {
            let bytes: [UInt8] =
                text
                ? Array("焊接讲义 \(UUID())".utf8)
                : Array(try Data(contentsOf: URL(fileURLWithPath: MonitoringReportTests.root + "/Tests/Fixtures/wps.pdf")))
            let upload = try await self.library.blobs.beginUpload(containing: bytes)
            let metadata = ResourceMetadata(title: "资源", major: "460110", course: course, knowledgePoints: [point], original: original)
            let resource = try await self.library.resources.create(metadata: metadata, file: upload, author: self.teacher)
            try await self.library.database.write { db in
                try db.execute(sql: "UPDATE resources SET createdAt = ? WHERE id = ?", arguments: [createdAt, resource.id])
                try db.execute(sql: "UPDATE resourceVersions SET createdAt = ? WHERE resource = ?", arguments: [createdAt, resource.id])
                if publish { try ReviewedItems.resources.publishCurrentVersion(db, id: resource.id) }
            }
            return resource.id
        }

        func rule(_ id: String, year: Int = 2026) async throws -> MonitoringReport.Rule {
            try #require(try await self.reports.report(year: year).rules.first { $0.id == id })
        }
    }

    /// 2026-06-01 in Shanghai.
    static let midYear = ISO8601DateFormatter().date(from: "2026-06-01T12:00:00+08:00")!
    static let lastYear = ISO8601DateFormatter().date(from: "2025-06-01T12:00:00+08:00")!

    @Test func threeOfTenTextOrImagePassesAndFourFails() async throws {
        let fixture = try await Fixture()
        for index in 0..<10 { try await fixture.add(text: index < 3) }
        let passing = try await fixture.rule("text_image_share")
        #expect(passing.value == 0.3)
        #expect(passing.pass)
        #expect(passing.items.isEmpty)

        let other = try await Fixture()
        for index in 0..<10 { try await other.add(text: index < 4) }
        let failing = try await other.rule("text_image_share")
        #expect(failing.value == 0.4)
        #expect(!failing.pass)
        #expect(failing.itemsTotal == 4)
    }

    @Test func theListedTextAndImageResourcesAreTheOldestLiveOnesOfBothKinds() async throws {
        let fixture = try await Fixture()
        var made: [String] = []
        for index in 0..<6 {
            made.append(try await fixture.add(text: true, createdAt: Self.midYear.addingTimeInterval(Double(index) * 60)))
        }
        try await fixture.add(text: false, createdAt: Self.midYear.addingTimeInterval(90))
        // Every second one an image, so the kinds' lists interleave; the oldest retired.
        let images = [made[1], made[3], made[5]]
        try await fixture.library.database.write { db in
            for id in images {
                try db.execute(sql: "UPDATE resources SET publishedKind = 'image' WHERE id = ?", arguments: [id])
            }
        }
        _ = try await fixture.library.resources.retire(id: made[0], actor: fixture.teacher)
        let (first, all, none) = try await fixture.library.database.read { db in
            (
                try LibraryFacts.firstLiveResources(db, kinds: [.text, .image], limit: 3).map(\.id),
                try LibraryFacts.firstLiveResources(db, kinds: [.text, .image], limit: 10).map(\.id),
                try LibraryFacts.firstLiveResources(db, kinds: [], limit: 10)
            )
        }
        #expect(first == [made[1], made[2], made[3]])
        #expect(all == Array(made.dropFirst()))
        #expect(none.isEmpty)
    }

    @Test func sevenOfTenOriginalPassesAndSixFails() async throws {
        let fixture = try await Fixture()
        for index in 0..<10 { try await fixture.add(text: false, original: index < 7) }
        #expect(try await fixture.rule("original_share").pass)
        let other = try await Fixture()
        for index in 0..<10 { try await other.add(text: false, original: index < 6) }
        let failing = try await other.rule("original_share")
        #expect(!failing.pass)
        #expect(failing.items.count == 4)
    }

    @Test func onlyPublishedResourcesCount() async throws {
        let fixture = try await Fixture()
        try await fixture.add(text: false)
        try await fixture.add(text: true, publish: false)
        let retired = try await fixture.add(text: true)
        _ = try await fixture.library.resources.retire(id: retired, actor: fixture.teacher)
        let report = try await fixture.reports.report(year: 2026)
        #expect(report.totals.resources == 1)
        #expect(report.totals.byKind["document"] == 1)
        #expect(report.totals.byKind["text"] == 0)
    }

    @Test func theLiveCountsTheTriggersKeepAreWhatACountOfTheResourcesFinds() async throws {
        let fixture = try await Fixture()
        let database = fixture.library.database
        func expectSameAsCount(_ note: String) async throws {
            let (kept, counted) = try await database.read { db in
                (
                    try db.fetchAll(
                        sql: "SELECT major, course, kind, original, createdYear, count FROM liveResourceCounts ORDER BY 1, 2, 3, 4, 5"
                    ),
                    try db.fetchAll(
                        sql: """
                            SELECT publishedMajor, publishedCourse, publishedKind, publishedOriginal,
                                \(db.engine.chinaYear("createdAt")), COUNT(*)
                            FROM resources WHERE publishedVersion IS NOT NULL AND status <> 'retired' GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
                            """
                    )
                )
            }
            #expect(kept.map { $0.values } == counted.map { $0.values }, "\(note)")
            #expect(!counted.isEmpty, "\(note)")
        }
        let newYearsEve = ISO8601DateFormatter().date(from: "2025-12-31T23:30:00+08:00")!
        let first = try await fixture.add(text: false, createdAt: Self.lastYear)
        let second = try await fixture.add(text: true, original: false, createdAt: newYearsEve)
        let third = try await fixture.add(text: true, course: "check", point: "ut", createdAt: Self.midYear)
        try await fixture.add(text: false, publish: false)
        try await expectSameAsCount("published")

        // A new version in another course counts under the published one until it is published itself.
        _ = try await fixture.library.resources.updateMetadata(
            id: first,
            patch: Data(#"{"course":"check","knowledgePoints":["ut"],"original":false}"#.utf8),
            actor: fixture.teacher
        )
        try await expectSameAsCount("new version in review")
        try await database.write { db in try ReviewedItems.resources.publishCurrentVersion(db, id: first) }
        try await expectSameAsCount("new version published")

        // Retired, made an hour later (so in 2026 in Shanghai), and a retired one published again.
        _ = try await fixture.library.resources.retire(id: third, actor: fixture.teacher)
        try await expectSameAsCount("retired")
        try await database.write { db in
            try db.execute(sql: "UPDATE resources SET createdAt = ? WHERE id = ?", arguments: [newYearsEve.addingTimeInterval(3_600), second])
        }
        try await expectSameAsCount("moved into the next year")
        try await database.write { db in try ReviewedItems.resources.publishCurrentVersion(db, id: third) }
        try await expectSameAsCount("published again")
        #expect(try await fixture.reports.report(year: 2026).totals.resources == 3)
    }

    @Test func theYearlyUpdateCountsVersionsByTheShanghaiCalendar() async throws {
        let fixture = try await Fixture()
        let first = try await fixture.add(text: false, createdAt: Self.lastYear)
        for _ in 1..<10 { try await fixture.add(text: false, createdAt: Self.lastYear) }
        #expect(try await fixture.rule("annual_update").numerator == 0)
        #expect(try await !fixture.rule("annual_update").pass)

        // A new version at 23:30 on 31 December, Shanghai time (15:30 UTC), belongs to that year.
        let newYearsEve = ISO8601DateFormatter().date(from: "2026-12-31T23:30:00+08:00")!
        let upload = try await fixture.library.blobs.beginUpload(containing: Array("第二版".utf8))
        _ = try await fixture.library.resources.replaceContent(id: first, file: upload, actor: fixture.teacher)
        try await fixture.library.database.write { db in
            try db.execute(sql: "UPDATE resourceVersions SET createdAt = ? WHERE resource = ? AND version = 2", arguments: [newYearsEve, first])
        }
        let update = try await fixture.rule("annual_update")
        #expect(update.numerator == 1)
        #expect(update.denominator == 10)
        #expect(update.value == 0.1)
        #expect(update.pass)
        #expect(try await fixture.rule("annual_update", year: 2027).numerator == 0)

        // Thirty minutes later, in Shanghai, it is 2027.
        try await fixture.library.database.write { db in
            try db.execute(
                sql: "UPDATE resourceVersions SET createdAt = ? WHERE resource = ? AND version = 2",
                arguments: [newYearsEve.addingTimeInterval(3600), first]
            )
        }
        #expect(try await fixture.rule("annual_update").numerator == 0)
        #expect(try await fixture.rule("annual_update", year: 2027).numerator == 1)
    }

    @Test func aNewLibraryScoresOneOnTheYearlyUpdate() async throws {
        let fixture = try await Fixture()
        try await fixture.add(text: false, createdAt: Self.midYear)
        try await fixture.add(text: false, createdAt: Self.midYear)
        let update = try await fixture.rule("annual_update")
        #expect(update.value == 1)
        #expect(update.pass)
    }

    @Test func coreCoursesAndPointsWithoutPublishedResourcesAreListed() async throws {
        let fixture = try await Fixture()
        try await fixture.add(text: false, course: "weld", point: "arc")
        try await fixture.add(text: false, course: "check", point: "ut", publish: false)
        let courses = try await fixture.rule("core_course_coverage")
        #expect(courses.value == 0.5)
        #expect(courses.items.map(\.id) == ["check"])
        let points = try await fixture.rule("point_resource_coverage")
        #expect(points.numerator == 1)
        #expect(points.denominator == 3)
        #expect(Set(points.items.map(\.id)) == ["ut", "views"])

        try await fixture.add(text: false, course: "check", point: "ut")
        #expect(try await fixture.rule("core_course_coverage").pass)
    }

    @Test func questionBankRulesReadTheQuestionTables() async throws {
        let fixture = try await Fixture()
        let bank = try await fixture.rule("question_bank_coverage")
        #expect(bank.numerator == 0)
        #expect(Set(bank.items.map(\.id)) == ["weld", "arc", "check", "ut"])
        #expect(try await fixture.rule("practical_share").value == nil)

        let store = QuestionStore(database: fixture.library.database)
        let questions: [QuestionStore.Input] = [
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .single,
                difficulty: 2,
                stem: "焊接电弧中温度最高的区域是？",
                options: [.init(id: "A", text: "阴极区"), .init(id: "B", text: "弧柱区")],
                answer: .string("B"),
                score: 2
            ),
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .practical,
                difficulty: 4,
                stem: "完成一条平焊对接焊缝。",
                answer: .string("焊缝成形均匀，无咬边。"),
                rubric: [.init(criterion: "焊缝成形", points: 6), .init(criterion: "安全操作", points: 4)],
                score: 10
            ),
            .init(course: "check", knowledgePoints: ["ut"], type: .judge, difficulty: 1, stem: "超声检测能发现内部缺陷。", answer: .bool(true), score: 1),
        ]
        for input in questions {
            let question = try await store.create(input, author: fixture.teacher)
            try await fixture.library.database.write { db in try ReviewedItems.questions.publishCurrentVersion(db, id: question.id) }
        }
        #expect(try await fixture.rule("question_bank_coverage").pass)
        let practical = try await fixture.rule("practical_share")
        #expect(practical.numerator == 1)
        #expect(practical.denominator == 3)
        #expect(!practical.pass)
    }

    @Test func usageCoverageCountsHostTeachersAndLearnersActiveInTheYear() async throws {
        let fixture = try await Fixture()
        try await fixture.library.database.write { db in
            try db.execute(sql: "UPDATE institutions SET role = 'host' WHERE name = '主持学院'")
        }
        // zhang (teacher) is active: uploading writes events. Four more host accounts, one inactive; a guest elsewhere.
        try await fixture.add(text: false)
        for name in ["a1", "a2", "a3", "idle"] {
            _ = try await fixture.library.accounts.createUser(
                username: name,
                password: "Passw0rd-123",
                displayName: nil,
                role: .learner,
                institution: "主持学院",
                actor: name == "idle" ? "admin" : name
            )
        }
        _ = try await fixture.library.accounts.createUser(
            username: "guest",
            password: "Passw0rd-123",
            displayName: nil,
            role: .learner,
            institution: "参与学院",
            actor: "admin"
        )
        let usage = try await fixture.rule("usage_coverage")
        #expect(usage.numerator == 4)
        #expect(usage.denominator == 5)
        #expect(usage.pass)
        #expect(try await fixture.rule("usage_coverage", year: 2025).numerator == 0)

        _ = try await fixture.library.accounts.createUser(
            username: "idle2",
            password: "Passw0rd-123",
            displayName: nil,
            role: .teacher,
            institution: "主持学院",
            actor: "admin"
        )
        let failing = try await fixture.rule("usage_coverage")
        #expect(!failing.pass)
        #expect(Set(failing.items.map(\.id)) == ["idle", "idle2"])
    }

    @Test func satisfactionIsTheShareOfFourAndFiveStars() async throws {
        for (good, expected) in [(9, true), (8, false)] {
            let fixture = try await Fixture()
            let id = try await fixture.add(text: false)
            for index in 0..<10 {
                let learner = try await fixture.library.accounts.createUser(
                    username: "s\(index)",
                    password: "Passw0rd-123",
                    displayName: nil,
                    role: .learner,
                    institution: nil,
                    actor: nil
                )
                // Below four: 3 stars, then 2.
                _ = try await fixture.library.resources.rate(
                    id: id,
                    stars: index < good ? 4 + index % 2 : 3 - (index - good),
                    comment: nil,
                    user: learner
                )
            }
            let satisfaction = try await fixture.rule("satisfaction")
            #expect(satisfaction.denominator == 10)
            #expect(satisfaction.pass == expected)
            // A failing rule lists the ratings under four stars, lowest first, each with the resource's title.
            let stars = satisfaction.items.map { $0.name.split(separator: "（").last.map(String.init) ?? "" }
            #expect(stars == (expected ? [] : ["2 星）", "3 星）"]))
            #expect(satisfaction.itemsTotal == (expected ? 0 : 2))
            #expect(satisfaction.items.allSatisfy { $0.id == id && !$0.name.hasPrefix(id) })
        }
    }

    @Test func majorsAndCoursesGetTheirOwnFigures() async throws {
        let fixture = try await Fixture()
        try await fixture.add(text: true, course: "weld")
        try await fixture.add(text: false, course: "check", point: "ut")
        let report = try await fixture.reports.report(year: 2026)
        #expect(report.byMajor["460110"]?.totals.resources == 2)
        #expect(report.byCourse["weld"]?.rules.first { $0.id == "text_image_share" }?.value == 1)
        #expect(report.byCourse["check"]?.rules.first { $0.id == "text_image_share" }?.value == 0)
        #expect(report.byCourse["draw"]?.totals.resources == 0)
    }
}
