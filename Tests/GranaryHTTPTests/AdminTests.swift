import Foundation
import GRDB
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
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

    @Test func aRoleChangeIsTheSecurityAdministratorsIsRecordedAndEndsTheAccountsSessions() async throws {
        let lib = try await TestLibrary.seeded([("admin", .admin), ("zhang", .teacher), ("anquan", .security), ("shenji", .auditor)])
        try await lib.test { client in
            let admin = try await client.logIn("admin")
            let security = try await client.logIn("anquan")
            let teacher = try await client.logIn("zhang")
            // Used once first, so the session is remembered in memory: the role change must end it there too.
            #expect(try await client.call(.get, "/api/v1/me", token: teacher).status == .ok)
            // The system administrator no longer gives roles (三权分立).
            let byAdmin = try await client.call(.patch, "/api/v1/users/zhang", token: admin, json: #"{"role":"reviewer"}"#)
            #expect(byAdmin.status == .forbidden)
            #expect(try byAdmin.problem().detail.contains("安全管理员"))
            let changed = try await client.call(.patch, "/api/v1/users/zhang", token: security, json: #"{"role":"reviewer"}"#)
            #expect(changed.status == .ok)
            #expect(try changed.decode(User.self).role == .reviewer)
            #expect(try await client.call(.get, "/api/v1/me", token: teacher).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/me", token: try await client.logIn("zhang")).decode(User.self).role == .reviewer)

            // Nobody's own role; no administrator's role given or taken online.
            #expect(try await client.call(.patch, "/api/v1/users/anquan", token: security, json: #"{"role":"learner"}"#).status == .forbidden)
            for (user, role) in [("zhang", "admin"), ("zhang", "auditor"), ("zhang", "security"), ("admin", "teacher"), ("shenji", "learner")] {
                let refused = try await client.call(.patch, "/api/v1/users/\(user)", token: security, json: #"{"role":"\#(role)"}"#)
                #expect(refused.status == .forbidden, "\(user) → \(role)")
                #expect(try refused.problem().detail.contains("三权分立"), "\(user) → \(role)")
            }
            #expect(try await client.call(.patch, "/api/v1/users/nobody", token: security, json: #"{"role":"learner"}"#).status == .notFound)
            #expect(try await client.call(.patch, "/api/v1/users/zhang", token: security, json: #"{"role":"boss"}"#).status == .unprocessableContent)
        }
        let events = try await lib.library.database.read { db in
            try db.fetchAll(
                String.self,
                sql: "SELECT action FROM events WHERE itemType = 'user' AND itemId = 'zhang' AND action = 'user.role_changed'"
            )
        }
        #expect(events.count == 1)
    }

    @Test func theSecurityAndAuditAdministratorsDoTheirDutyAndNothingElse() async throws {
        let lib = try await TestLibrary.seeded([("admin", .admin), ("zhang", .teacher), ("anquan", .security), ("shenji", .auditor)])
        try await lib.test { client in
            let security = try await client.logIn("anquan")
            let auditor = try await client.logIn("shenji")
            let admin = try await client.logIn("admin")
            // Each sees and secures its own account …
            for token in [security, auditor] {
                #expect(try await client.call(.get, "/api/v1/me", token: token).status == .ok)
                #expect(try await client.call(.get, "/api/v1/openapi.json", token: token).status == .ok)
            }
            // … and does nothing outside its duty, even what any account may do.
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/resources"), (.get, "/api/v1/search?q=焊接"), (.get, "/api/v1/majors"), (.get, "/api/v1/report"),
                (.get, "/api/v1/institutions"), (.get, "/api/v1/me/progress"),
            ] {
                for (name, token) in [("security", security), ("auditor", auditor)] {
                    let refused = try await client.call(method, path, token: token)
                    #expect(refused.status == .forbidden, "\(name) \(path)")
                    #expect(try refused.problem().detail.contains("三权分立"), "\(name) \(path)")
                }
            }
            #expect(try await client.call(.get, "/api/v1/audit", token: security).status == .forbidden)
            // A method no route has is still a 405 for them, as for anyone.
            #expect(try await client.call(.trace, "/api/v1/majors", token: auditor).status == .methodNotAllowed)
            #expect(try await client.call(.patch, "/api/v1/users/zhang", token: auditor, json: #"{"role":"learner"}"#).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/users/zhang/unlock", token: auditor).status == .forbidden)
            // The system administrator neither reads the audit trail nor unlocks accounts.
            #expect(try await client.call(.get, "/api/v1/audit", token: admin).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/users/zhang/unlock", token: admin).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/audit", token: auditor).status == .ok)
            // The pages: each administrator's home is its duty's page.
            let home = try await client.call(.get, "/", token: auditor)
            #expect(home.status == .seeOther || home.status == .found)
            #expect(home.headers[.location] == "/audit")
            // Any other page too.
            #expect(try await client.call(.get, "/search?q=焊接", token: auditor).headers[.location] == "/audit")
            #expect(try await client.call(.get, "/report", token: security).headers[.location] == "/security")
        }
    }

    @Test func aLockedAccountIsUnlockedByTheSecurityAdministratorAndEveryStepIsAudited() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("anquan", .security), ("shenji", .auditor)])
        try await lib.test { client in
            for _ in 0..<5 {
                let wrong = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"wrong-password"}"#)
                #expect(wrong.status == .unauthorized)
            }
            // Locked now, the right password too, across restarts (the failures are rows).
            let locked = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"Passw0rd-123"}"#)
            #expect(locked.status == .tooManyRequests)
            #expect(try locked.problem().detail.contains("锁定"))
            let security = try await client.logIn("anquan")
            #expect(try await client.call(.post, "/api/v1/users/nobody/unlock", token: security).status == .notFound)
            #expect(try await client.call(.post, "/api/v1/users/zhang/unlock", token: security).status == .noContent)
            #expect(try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"Passw0rd-123"}"#).status == .created)

            let auditor = try await client.logIn("shenji")
            let trail = try await client.call(.get, "/api/v1/audit?itemId=zhang&pageSize=100", token: auditor).decode(PageOf<Event>.self)
            let actions = trail.items.map(\.action)
            // Newest first: the log-in, the unlock, the refused attempt, the lock, five failures.
            #expect(Array(actions.prefix(4)) == ["session.created", "user.unlocked", "session.failed", "user.locked"])
            #expect(actions.filter { $0 == "session.failed" }.count == 6)
            // Every step but the account's creation (at the console here) with where it came from and how it ended.
            #expect(trail.items.filter { $0.action != "user.created" }.allSatisfy { $0.address != nil && $0.outcome != nil })
            #expect(trail.items.first { $0.action == "user.locked" }?.outcome == "locked")
            #expect(trail.items.first { $0.action == "user.unlocked" }?.actor == "anquan")
            let failures = try await client.call(.get, "/api/v1/audit?action=session.&outcome=failure", token: auditor).decode(PageOf<Event>.self)
            #expect(failures.total == 5)
            #expect(failures.items.allSatisfy { $0.action == "session.failed" && $0.outcome == "failure" })
            // The auditor's reads are in the trail too.
            let reads = try await client.call(.get, "/api/v1/audit?actor=shenji&action=audit.", token: auditor).decode(PageOf<Event>.self)
            #expect(reads.total == 3)
            // CSV with every column, formula-looking text defused.
            let csv = try await client.call(.get, "/api/v1/audit?itemId=zhang&format=csv", token: auditor)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = String(buffer: csv.body)
            #expect(text.hasPrefix("\u{FEFF}id,at,actor,action,itemType,itemId,outcome,address,before,after\r\n"))
            #expect(text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == trail.total + 1)
            // Bad filters get a Chinese 400.
            for bad in ["outcome=maybe", "from=yesterday", "to=2026-13-01", "pageSize=1000"] {
                let refused = try await client.call(.get, "/api/v1/audit?\(bad)", token: auditor)
                #expect(refused.status == .badRequest, "\(bad)")
            }
        }
        // The chain still verifies with the new columns.
        let problems = try await lib.library.database.read { db in try EventLog.verifyChain(db) }
        #expect(problems.isEmpty)
    }

    @Test func aCSVFieldThatLooksLikeAFormulaIsShownNotRun() {
        #expect(AuditTrail.csvField("=1+1") == "'=1+1")
        #expect(AuditTrail.csvField("a,b") == "\"a,b\"")
        #expect(AuditTrail.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(AuditTrail.csvField("普通") == "普通")
    }
}
