import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct CatalogueTests {
    @Test func aMajorCodeMustBeInTheNationalCatalogueAndItsNameDefaultsToIt() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("admin", .admin)
        try await lib.test { client in
            let token = try await client.logIn("admin")
            let created = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460110","role":"core"}"#)
            #expect(created.status == .created)
            let major = try created.decode(Major.self)
            #expect(major.name == "智能焊接技术")
            #expect(major.level == .associate)

            let unknown = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"999999","role":"served"}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(try unknown.problem().code == "unknown_major")

            let wrongLevel = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460103","level":"中职","role":"served"}"#)
            #expect(try wrongLevel.problem().code == "validation_failed")
        }
    }

    @Test func aLibraryHasOneCoreMajorAndAtMostFiveServedOnes() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("admin", .admin)
        try await lib.test { client in
            let token = try await client.logIn("admin")
            #expect(try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460110","role":"core"}"#).status == .created)
            let secondCore = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460101","role":"core"}"#)
            #expect(secondCore.status == .conflict)
            for code in ["460101", "460102", "460103", "460104", "460105"] {
                #expect(
                    try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"\#(code)","role":"served"}"#).status == .created
                )
            }
            let sixth = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460106","role":"served"}"#)
            #expect(sixth.status == .conflict)
            #expect(try sixth.problem().code == "conflict")
            let promote = try await client.call(.patch, "/api/v1/majors/460101", token: token, json: #"{"role":"core"}"#)
            #expect(promote.status == .conflict)

            let list = try await client.call(.get, "/api/v1/majors")
            let page = try list.decode(PageOf<Major>.self)
            #expect(page.total == 6)
            #expect(page.items.first?.code == "460110")
        }
    }

    @Test func onlyTeachersAndAdminsChangeTheCatalogue() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("learner", .learner)
        try await lib.addUser("reviewer", .reviewer)
        try await lib.test { client in
            let anonymous = try await client.call(.post, "/api/v1/majors", json: #"{"code":"460110","role":"core"}"#)
            #expect(anonymous.status == .unauthorized)
            for user in ["learner", "reviewer"] {
                let token = try await client.logIn(user)
                let response = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460110","role":"core"}"#)
                #expect(response.status == .forbidden)
                #expect(try response.problem().code == "forbidden")
            }
        }
    }

    @Test func coursesAndPointsMustReferToWhatExists() async throws {
        let lib = try await TestLibrary.seeded([("teacher", .teacher)])
        try await lib.test { client in
            let token = try await client.logIn("teacher")
            let noMajor = try await client.call(.post, "/api/v1/courses", token: token, json: #"{"name":"焊接机器人","major":"460101","category":"core"}"#)
            #expect(try noMajor.problem().code == "unknown_major")

            let course = try await client.call(
                .post,
                "/api/v1/courses",
                token: token,
                json: #"{"id":"robot","name":"焊接机器人编程","major":"460110","category":"extension","hours":32}"#
            )
            #expect(course.status == .created)
            #expect(try course.decode(Course.self).category == .extension)

            let noCourse = try await client.call(
                .post,
                "/api/v1/knowledge-points",
                token: token,
                json: #"{"name":"示教编程","course":"nope","kind":"skill"}"#
            )
            #expect(noCourse.status == .unprocessableContent)
            #expect(try noCourse.problem().code == "unknown_course")

            let badPrerequisite = try await client.call(
                .post,
                "/api/v1/knowledge-points",
                token: token,
                json: #"{"name":"示教编程","course":"robot","kind":"skill","prerequisites":["arc","ghost"]}"#
            )
            let problem = try badPrerequisite.problem()
            #expect(problem.code == "unknown_knowledge_point")
            #expect(problem.errors.map(\.field) == ["prerequisites[1]"])

            let point = try await client.call(
                .post,
                "/api/v1/knowledge-points",
                token: token,
                json: #"{"id":"teach","name":"示教编程","course":"robot","kind":"skill","prerequisites":["arc"]}"#
            )
            #expect(point.status == .created)
            let fetched = try await client.call(.get, "/api/v1/knowledge-points/teach")
            #expect(try fetched.decode(KnowledgePoint.self).prerequisites == ["arc"])

            let duplicate = try await client.call(
                .post,
                "/api/v1/knowledge-points",
                token: token,
                json: #"{"name":"示教编程","course":"robot","kind":"skill"}"#
            )
            #expect(duplicate.status == .conflict)
        }
    }

    @Test func malformedOrIncompleteBodiesAreNamed() async throws {
        let lib = try await TestLibrary.seeded([("teacher", .teacher)])
        try await lib.test { client in
            let token = try await client.logIn("teacher")
            let malformed = try await client.call(.post, "/api/v1/courses", token: token, json: #"{"name": "#)
            #expect(malformed.status == .badRequest)
            #expect(try malformed.problem().code == "invalid_document")

            let missing = try await client.call(.post, "/api/v1/courses", token: token, json: #"{"major":"460110","category":"core"}"#)
            #expect(missing.status == .unprocessableContent)
            let problem = try missing.problem()
            #expect(problem.code == "validation_failed")
            #expect(problem.errors.map(\.field) == ["name"])

            let wrongEnum = try await client.call(
                .post,
                "/api/v1/courses",
                token: token,
                json: #"{"name":"x","major":"460110","category":"elective"}"#
            )
            #expect(try wrongEnum.problem().errors.map(\.field) == ["category"])
        }
    }

    @Test func aNodeRemembersCatalogueAnswersOnlyUntilTheCatalogueChangesAnywhere() async throws {
        let first = try await TestLibrary()
        try await first.addUser("admin", .admin)
        let second = try await TestLibrary(directory: first.directory)
        let token = try await first.test { client in try await client.logIn("admin") }
        // Asked of the store: a served application polls the feed four times a second by itself.
        func majors(_ library: TestLibrary) async throws -> [String] {
            try await library.library.catalogue.majors(PageRequest(page: 1, pageSize: 20)).items.map(\.code)
        }
        // An unknown item is remembered as unknown, and then found once it is made.
        let unknown = try await second.library.catalogue.major(code: "460110")
        #expect(unknown == nil)
        let before = try await majors(second)
        #expect(before == [])
        try await first.test { client in
            let created = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460110","role":"core"}"#)
            #expect(created.status == .created)
        }
        // The node that made the change answers with it at once.
        let onFirst = try await majors(first)
        #expect(onFirst == ["460110"])
        // The other remembers its answer until its change feed shows the change, then reads again.
        let remembered = try await majors(second)
        #expect(remembered == [])
        try await second.library.database.feed.poll()
        let readAgain = try await majors(second)
        #expect(readAgain == ["460110"])

        // A single item is forgotten alike.
        let core = try await second.library.catalogue.major(code: "460110")
        #expect(core?.role == .core)
        try await first.test { client in
            let created = try await client.call(.post, "/api/v1/majors", token: token, json: #"{"code":"460101","role":"served"}"#)
            #expect(created.status == .created)
            let renamed = try await client.call(.patch, "/api/v1/majors/460110", token: token, json: #"{"name":"智能焊接技术（试点）"}"#)
            #expect(renamed.status == .ok)
        }
        let stale = try await second.library.catalogue.major(code: "460110")
        #expect(stale?.name == "智能焊接技术")
        try await second.library.database.feed.poll()
        let renamed = try await second.library.catalogue.major(code: "460110")
        #expect(renamed?.name == "智能焊接技术（试点）")
        let both = try await majors(second)
        #expect(both == ["460110", "460101"])
    }

    @Test func listsArePagedAndFiltered() async throws {
        let lib = try await TestLibrary.seeded([])
        try await lib.test { client in
            let points = try await client.call(.get, "/api/v1/knowledge-points?course=weld&pageSize=1&page=2")
            let page = try points.decode(PageOf<KnowledgePoint>.self)
            #expect(page.total == 2)
            #expect(page.page == 2)
            #expect(page.items.count == 1)

            let far = try await client.call(.get, "/api/v1/knowledge-points?page=999999999999999999&pageSize=100")
            #expect(try far.problem().code == "invalid_query")

            let tooBig = try await client.call(.get, "/api/v1/courses?pageSize=101")
            #expect(tooBig.status == .badRequest)
            #expect(try tooBig.problem().code == "invalid_query")

            let badKind = try await client.call(.get, "/api/v1/knowledge-points?kind=fact")
            #expect(try badKind.problem().code == "invalid_query")

            let national = try await client.call(.get, "/api/v1/catalogue/majors?q=焊接&level=高职专科")
            let found = try national.decode(PageOf<CatalogueMajor>.self)
            #expect(found.items.contains { $0.code == "460110" })
            #expect(found.items.allSatisfy { $0.level == .associate })
        }
    }
}

/// A page of a list as a client reads it.
struct PageOf<Item: Decodable>: Decodable {
    let items: [Item]
    let total: Int
    let page: Int
    let pageSize: Int
}
