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
