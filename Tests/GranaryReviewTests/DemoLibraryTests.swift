import Foundation
import GRDB
import GranaryDemo
import GranaryModel
import GranaryReview
import GranarySchema
import GranaryStore
import GranaryTestSupport
import Testing

@Suite struct DemoLibraryTests {
    @Test func theDemoIsARealLibraryAndLoadsOnlyIntoAnEmptyStore() async throws {
        let directory = TestFolders.make("demo")
        let library = try Library(
            dataDirectory: directory,
            metadataDirectory: MonitoringReportTests.root + "/Metadata",
            options: .init(bcryptCost: 4, database: try await TestDatabase.defaultDatabase(forLibraryIn: directory, schemas: .all)),
            schemas: .all
        )
        let reviews = ReviewService(database: library.database)
        let approve: (ReviewItemType, String, User) async throws -> Void = { type, id, reviewer in
            _ = try await reviews.decide(
                type,
                id: id,
                decision: .approve,
                checks: ReviewChecks(political: true, scientific: true, applicability: true, normativity: true),
                comment: nil,
                version: nil,
                reviewer: reviewer
            )
        }
        #expect(try await DemoLibrary.load(into: library, approve: approve))
        #expect(try await !DemoLibrary.load(into: library, approve: approve))

        let core = try await library.catalogue.major(code: "460110")
        #expect(core?.role == .core)
        #expect(try await library.catalogue.courses(major: "460110", category: nil, PageRequest()).total == 4)
        #expect(try await library.catalogue.points(course: nil, kind: nil, PageRequest(pageSize: 100)).total >= 15)

        let admin = try #require(try await library.accounts.user(named: "admin"))
        let all = try await library.resources.list(ResourceFilter(), viewer: admin, PageRequest(pageSize: 100))
        #expect(all.total == 12)
        #expect(Set(all.items.map(\.kind)).count >= 6)
        #expect(all.items.allSatisfy { $0.canonicalName.hasPrefix("智能焊接技术_") })
        let learner = try #require(try await library.accounts.user(named: "xuesheng"))
        #expect(try await library.resources.list(ResourceFilter(), viewer: learner, PageRequest(pageSize: 100)).total == 8)
        let report = try await ReportService(database: library.database).report(year: Calendar.current.component(.year, from: Date()))
        #expect(report.totals.resources == 8)
        #expect(report.rules.first { $0.id == "text_image_share" }?.pass == true)
        let bank = try await QuestionStore(database: library.database).list(.init(), viewer: admin, PageRequest(pageSize: 100))
        #expect(bank.total == 8)
        #expect(bank.items.allSatisfy { $0.status == .approved })
        #expect(Set(bank.items.map(\.type)).count == 6)
        for login in DemoLibrary.logins {
            // The admin and the reviewer log in with two steps, with the demo's published secrets.
            let code = login.totpSecret.flatMap(Base32.decode).map { TOTP(secret: $0).code(counter: TOTP.counter(at: Date())) }
            #expect((login.totpSecret != nil) == Accounts.defaultTwoFactorRoles.contains(login.role))
            #expect(try await library.accounts.logIn(username: login.username, password: login.password, totp: code, address: "127.0.0.1") != nil)
        }
    }
}

@Suite struct TextExtractionTests {
    @Test func missingTextsAreExtractedAgain() async throws {
        let fixture = try await MonitoringReportTests.Fixture()
        try await fixture.add(text: true)
        try await fixture.add(text: false)
        try await fixture.library.database.write { db in try db.execute(sql: "DELETE FROM blobTexts") }
        var reports: [(Int, Int)] = []
        let found = try await fixture.library.resources.extractMissingTexts { reports.append(($0, $1)) }
        // The plain text and, through pdftotext, the PDF.
        #expect(found == 2)
        #expect(reports.last.map { $0.0 == $0.1 } == true)
        let texts = try await fixture.library.database.read { db in try db.fetchAll(String.self, sql: "SELECT text FROM blobTexts") }
        #expect(texts.count == 2)
        #expect(texts.contains { $0.hasPrefix("焊接讲义") })
        #expect(texts.contains("Welding procedure specification"))
        #expect(try await fixture.library.resources.extractMissingTexts() == 0)
    }
}
