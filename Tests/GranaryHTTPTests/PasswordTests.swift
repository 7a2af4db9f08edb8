import Foundation
import GRDB
import GranaryModel
import GranaryStore
import GranaryTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The password policy (等保三级 身份鉴别): complexity, no reuse of the last five, the security administrator's
/// temporary passwords changed at first use, privileged passwords that expire, and every step audited.
@Suite struct PasswordTests {
    @Test func theRulesAreTenCharactersThreeClassesAndNotTheUsername() {
        #expect(PasswordPolicy.problems("Passw0rd-123", username: "zhang").isEmpty)
        #expect(PasswordPolicy.problems("焊接工艺Weld2026", username: "zhang").isEmpty)
        #expect(PasswordPolicy.problems("Ab1-short", username: "zhang").count == 1)
        #expect(PasswordPolicy.problems("onlylowercaseletters", username: "zhang").count == 1)
        #expect(PasswordPolicy.problems("lowercase-and-symbols", username: "zhang").count == 1)
        #expect(PasswordPolicy.problems("Zhang-2026-pw", username: "zhang").count == 1)
        #expect(PasswordPolicy.problems("abc", username: "zhang").count == 2)
        for _ in 0..<50 {
            #expect(PasswordPolicy.problems(PasswordPolicy.temporary(), username: "zhang").isEmpty)
        }
    }

    static func change(_ client: some TestClientProtocol, _ token: String, from current: String, to new: String) async throws -> TestResponse {
        try await client.call(
            .post,
            "/api/v1/me/password",
            token: token,
            json: #"{"currentPassword":"\#(current)","newPassword":"\#(new)"}"#
        )
    }

    @Test func aChangeNeedsTheCurrentPasswordMeetsThePolicyRepeatsNoneOfTheLastFiveAndEndsOtherSessions() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let other = try await client.logIn("zhang")
            let wrong = try await Self.change(client, token, from: "Wrong-pass-1", to: "New-passw0rd-1")
            #expect(wrong.status == .unprocessableContent)
            #expect(try wrong.problem().errors.map(\.field) == ["currentPassword"])
            let weak = try await Self.change(client, token, from: "Passw0rd-123", to: "weakpassword")
            #expect(weak.status == .unprocessableContent)
            #expect(try weak.problem().detail.contains("至少三类"))
            let same = try await Self.change(client, token, from: "Passw0rd-123", to: "Passw0rd-123")
            #expect(same.status == .unprocessableContent)
            #expect(try same.problem().detail.contains("最近 5 次"))

            #expect(try await Self.change(client, token, from: "Passw0rd-123", to: "New-passw0rd-1").status == .noContent)
            // This session goes on; the other one ended; the old password no longer logs in.
            #expect(try await client.call(.get, "/api/v1/me", token: token).status == .ok)
            #expect(try await client.call(.get, "/api/v1/me", token: other).status == .unauthorized)
            let old = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"Passw0rd-123"}"#)
            #expect(old.status == .unauthorized)
            _ = try await client.logIn("zhang", password: "New-passw0rd-1")

            // Four more changes: the first password is then the sixth back and may return; the second may not.
            var current = "New-passw0rd-1"
            for index in 2...5 {
                let next = "New-passw0rd-\(index)"
                #expect(try await Self.change(client, token, from: current, to: next).status == .noContent)
                current = next
            }
            let recent = try await Self.change(client, token, from: current, to: "New-passw0rd-1")
            #expect(recent.status == .unprocessableContent)
            #expect(try await Self.change(client, token, from: current, to: "Passw0rd-123").status == .noContent)
        }
        // Only what the rule needs is kept.
        let kept = try await lib.library.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM passwordHistory") }
        #expect(kept == PasswordPolicy.remembered - 1)
    }

    @Test func aTemporaryPasswordFromTheSecurityAdministratorMustBeChangedBeforeAnythingElse() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("anquan", .security), ("admin", .admin), ("shenji", .auditor)])
        try await lib.test { client in
            let security = try await client.logIn("anquan")
            let before = try await client.logIn("zhang")
            // Not the administrators' (the operator's), not one's own, and only the security administrator.
            for name in ["admin", "shenji", "anquan"] {
                #expect(try await client.call(.post, "/api/v1/users/\(name)/password", token: security).status == .forbidden, "\(name)")
            }
            #expect(try await client.call(.post, "/api/v1/users/zhang/password", token: try await client.logIn("admin")).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/users/nobody/password", token: security).status == .notFound)
            let reset = try await client.call(.post, "/api/v1/users/zhang/password", token: security)
            #expect(reset.status == .created)
            let body = try JSONDecoder().decode([String: String].self, from: Data(reset.body.readableBytesView))
            let temporary = try #require(body["temporaryPassword"])
            #expect(PasswordPolicy.problems(temporary, username: "zhang").isEmpty)
            // The old sessions ended; the temporary password opens one that may only change it.
            #expect(try await client.call(.get, "/api/v1/me", token: before).status == .unauthorized)
            let token = try await client.logIn("zhang", password: temporary)
            let me = try await client.call(.get, "/api/v1/me", token: token).decode(User.self)
            #expect(me.passwordChangeRequired)
            let refused = try await client.call(.get, "/api/v1/resources", token: token)
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "password_change_required")
            let page = try await client.call(.get, "/search", token: token)
            #expect(page.headers[.location] == "/account#password")
            #expect(try await Self.change(client, token, from: temporary, to: "Chosen-by-me-2026").status == .noContent)
            #expect(try await client.call(.get, "/api/v1/resources", token: token).status == .ok)
            #expect(try await client.call(.get, "/api/v1/me", token: token).decode(User.self).passwordChangeRequired == false)

            let auditor = try await client.logIn("shenji")
            let trail = try await client.call(.get, "/api/v1/audit?itemId=zhang&action=user.", token: auditor).decode(PageOf<Event>.self)
            #expect(trail.items.map(\.action).prefix(2) == ["user.password_changed", "user.password_reset"])
            #expect(trail.items.first { $0.action == "user.password_reset" }?.actor == "anquan")
        }
    }

    @Test func aPrivilegedPasswordExpiresAfterHalfAYearAndATeachersDoesNot() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_790_000_000))
        let lib = try await TestLibrary(tokenLifetime: 400 * 24 * 3600, clock: clock.clock)
        try await lib.addUser("wang", .reviewer)
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            clock.advance(by: 179 * 24 * 3600)
            #expect(
                try await client.call(.get, "/api/v1/me", token: try await client.logIn("wang")).decode(User.self).passwordChangeRequired == false
            )
            clock.advance(by: 2 * 24 * 3600)
            let reviewer = try await client.logIn("wang")
            #expect(try await client.call(.get, "/api/v1/me", token: reviewer).decode(User.self).passwordChangeRequired)
            #expect(try await client.call(.get, "/api/v1/reviews/queue", token: reviewer).status == .forbidden)
            let teacher = try await client.logIn("zhang")
            #expect(try await client.call(.get, "/api/v1/me", token: teacher).decode(User.self).passwordChangeRequired == false)
            #expect(try await Self.change(client, reviewer, from: "Passw0rd-123", to: "Renewed-pw-2027").status == .noContent)
            #expect(try await client.call(.get, "/api/v1/reviews/queue", token: reviewer).status == .ok)
        }
    }

    @Test func aStartWithOtherLogInPoliciesIsAnAuditedChangeOfPolicy() async throws {
        let lib = try await TestLibrary()
        #expect(try await lib.library.accounts.recordPolicies(https: false))
        let again = try await lib.library.accounts.recordPolicies(https: false)
        #expect(!again)
        // Another node, or a restart, with a shorter idle time and HTTPS.
        let other = try await TestLibrary(directory: lib.directory, idleTimeout: 10 * 60)
        #expect(try await other.library.accounts.recordPolicies(https: true))
        let events = try await lib.library.database.read { db in
            try db.fetchAll(sql: "SELECT before, after FROM events WHERE action = 'policy.changed' ORDER BY id")
        }
        #expect(events.count == 2)
        let after = try JSONDecoder().decode(LoginPolicies.self, from: Data((events[1]["after"] as String).utf8))
        #expect(after.idleMinutes == 10 && after.https && after.lockoutFailures == 5 && after.lockoutMinutes == 15)
        #expect((events[1]["before"] as String?)?.contains("\"idleMinutes\":30") == true)
    }
}
