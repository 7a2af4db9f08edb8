import Foundation
import GRDB
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct AdminTests {
    @Test func adminsMarkAtMostThreeHostInstitutions() async throws {
        let lib = try await TestLibrary.seeded([("admin", .admin), ("zhang", .teacher)])
        try await lib.test { client in
            let admin = try await client.logIn("admin")
            for name in ["甲职业技术学院", "乙职业技术学院", "丙职业技术学院"] {
                let response = try await client.call(.post, "/api/v1/institutions", token: admin, json: #"{"name":"\#(name)","role":"host"}"#)
                #expect(response.status == .ok)
                #expect(try response.decode(Institution.self).role == .host)
            }
            let fourth = try await client.call(.post, "/api/v1/institutions", token: admin, json: #"{"name":"丁职业技术学院","role":"host"}"#)
            #expect(fourth.status == .conflict)
            #expect(
                try await client.call(.post, "/api/v1/institutions", token: admin, json: #"{"name":"丁职业技术学院","role":"participant"}"#).status == .ok
            )
            // The test accounts' own institution stays a participant.
            let list = try await client.call(.get, "/api/v1/institutions", token: admin).decode(PageOf<Institution>.self)
            #expect(list.items.filter { $0.role == .host }.count == 3)
            #expect(list.items.first { $0.name == "测试学院" }?.accounts == 2)

            let teacher = try await client.logIn("zhang")
            #expect(try await client.call(.get, "/api/v1/institutions", token: teacher).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/institutions", token: teacher, json: #"{"name":"x","role":"host"}"#).status == .forbidden)
        }
    }

    @Test func aNodeRemembersTheInstitutionsOnlyUntilAnAccountOrInstitutionChangesAnywhere() async throws {
        let first = try await TestLibrary()
        let admin = try await first.addUser("admin", .admin)
        let second = try await TestLibrary(directory: first.directory)
        func accounts(_ library: TestLibrary) async throws -> [String: Int] {
            Dictionary(uniqueKeysWithValues: try await library.library.accounts.institutions().map { ($0.name, $0.accounts) })
        }
        let before = try await accounts(second)
        #expect(before == ["测试学院": 1])
        // A new account changes its institution's count: at once where it was made, on the other node once its feed
        // shows the event (a served application polls the feed by itself).
        try await first.addUser("zhang", .teacher)
        let onFirst = try await accounts(first)
        #expect(onFirst == ["测试学院": 2])
        let remembered = try await accounts(second)
        #expect(remembered == ["测试学院": 1])
        try await second.library.database.feed.poll()
        let readAgain = try await accounts(second)
        #expect(readAgain == ["测试学院": 2])
        // So does a new institution.
        _ = try await first.library.accounts.setInstitution(name: "甲职业技术学院", role: .host, actor: admin)
        try await second.library.database.feed.poll()
        let hosts = try await second.library.accounts.institutions().filter { $0.role == .host }.map(\.name)
        #expect(hosts == ["甲职业技术学院"])
    }

    @Test func aRoleChangeIsRecordedAndEndsTheAccountsSessions() async throws {
        let lib = try await TestLibrary.seeded([("admin", .admin), ("zhang", .teacher)])
        try await lib.test { client in
            let admin = try await client.logIn("admin")
            let teacher = try await client.logIn("zhang")
            // Used once first, so the session is remembered in memory: the role change must end it there too.
            #expect(try await client.call(.get, "/api/v1/me", token: teacher).status == .ok)
            let changed = try await client.call(.patch, "/api/v1/users/zhang", token: admin, json: #"{"role":"reviewer"}"#)
            #expect(changed.status == .ok)
            #expect(try changed.decode(User.self).role == .reviewer)
            #expect(try await client.call(.get, "/api/v1/me", token: teacher).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/me", token: try await client.logIn("zhang")).decode(User.self).role == .reviewer)

            #expect(try await client.call(.patch, "/api/v1/users/admin", token: admin, json: #"{"role":"learner"}"#).status == .forbidden)
            #expect(try await client.call(.patch, "/api/v1/users/nobody", token: admin, json: #"{"role":"learner"}"#).status == .notFound)
            #expect(try await client.call(.patch, "/api/v1/users/zhang", token: admin, json: #"{"role":"boss"}"#).status == .unprocessableContent)
        }
        let events = try await lib.library.database.read { db in
            try db.fetchAll(
                String.self,
                sql: "SELECT action FROM events WHERE itemType = 'user' AND itemId = 'zhang' AND action = 'user.role_changed'"
            )
        }
        #expect(events.count == 1)
    }
}
