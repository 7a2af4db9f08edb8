import Foundation
import GranaryModel
import GranaryTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GranaryStore

/// Personal information (个人信息保护法; 等保三级 数据保密性): sealed at rest with a key outside the database, whole
/// only to its person, masked in lists, and a library opened with another key refuses to start.
@Suite struct PersonalDataTests {
    @Test func listsMaskWhatTheyShow() {
        let info = PersonalInfo(realName: "张晓明", phone: "13812341234", email: "zhang.xm@example.edu.cn", studentNumber: "20230117")
        #expect(info.masked == PersonalInfo(realName: "张*明", phone: "138****1234", email: "z***@example.edu.cn", studentNumber: "2023****17"))
        #expect(PersonalInfo(realName: "欧阳小明").masked.realName == "欧**明")
        #expect(PersonalInfo(realName: "李四").masked.realName == "李*")
        #expect(PersonalInfo(studentNumber: "A12").masked.studentNumber == "****")
    }

    @Test func aSealedValueOpensOnlyWithItsKeyInItsColumnAndUntouched() throws {
        let key = SealingKey.ephemeral()
        let sealed = try key.seal("13812341234", field: "users.personal")
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("1381"))
        #expect(try key.open(sealed, field: "users.personal") == "13812341234")
        // Sealed twice, two different texts (a fresh nonce each time).
        #expect(try key.seal("13812341234", field: "users.personal") != sealed)
        // Another column, another key, or one changed byte: refused, never a wrong answer.
        #expect(throws: SealingKey.Problem.self) { try key.open(sealed, field: "users.totpSecret") }
        #expect(throws: SealingKey.Problem.self) { try SealingKey.ephemeral().open(sealed, field: "users.personal") }
        var bytes = Array(Data(base64Encoded: String(sealed.dropFirst(3)))!)
        bytes[bytes.count / 2] ^= 1
        #expect(throws: SealingKey.Problem.self) { try key.open("v1:" + Data(bytes).base64EncodedString(), field: "users.personal") }
        // A value from before sealing reads as it is until the start seals it.
        #expect(try key.open("JBSWY3DPEHPK3PXP", field: "users.totpSecret") == "JBSWY3DPEHPK3PXP")
        #expect(key.fingerprint.count == 32 && key.fingerprint != SealingKey.ephemeral().fingerprint)
    }

    @Test func eachFieldIsCheckedAndEveryFieldInErrorIsNamed() throws {
        let valid = try PersonalInfo(realName: "  张三 ", phone: "13812341234", email: "", studentNumber: "2023-01").validated()
        #expect(throws: GranaryError.self) { try PersonalInfo(phone: " 13812341234").validated() }
        #expect(valid == PersonalInfo(realName: "张三", phone: "13812341234", email: nil, studentNumber: "2023-01"))
        let error = #expect(throws: GranaryError.self) {
            try PersonalInfo(realName: String(repeating: "长", count: 51), phone: "12345678901", email: "a@b", studentNumber: "学号 1").validated()
        }
        #expect(error?.errors.map(\.field) == ["realName", "phone", "email", "studentNumber"])
    }

    @Test func thePersonSeesItWholeTheDatabaseHoldsItSealedAndAdministratorsSeeItMasked() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner), ("admin1", .admin), ("anquan1", .security), ("teacher1", .teacher)])
        try await lib.test { client in
            let learner = try await client.logIn("xue")
            #expect(try await client.call(.get, "/api/v1/me/personal", token: learner).body.string == "{}")
            let saved = try await client.call(
                .put,
                "/api/v1/me/personal",
                token: learner,
                json: #"{"realName":"薛晓明","phone":"13812341234","email":"xue@example.edu.cn","studentNumber":"20230117"}"#
            )
            #expect(saved.status == .ok)
            let mine = try await client.call(.get, "/api/v1/me/personal", token: learner).decode(PersonalInfo.self)
            #expect(mine.phone == "13812341234" && mine.realName == "薛晓明")

            // Bad values: 422 naming each field, and nothing changes.
            let refused = try await client.call(.put, "/api/v1/me/personal", token: learner, json: #"{"phone":"110","email":"nobody"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(try refused.problem().errors.map(\.field) == ["phone", "email"])
            #expect(try await client.call(.get, "/api/v1/me/personal", token: learner).decode(PersonalInfo.self) == mine)

            // The system and security administrators list accounts with the information masked; nobody else lists.
            for admin in ["admin1", "anquan1"] {
                let list = try await client.call(.get, "/api/v1/users?q=xue", token: try await client.logIn(admin))
                #expect(list.status == .ok)
                let body = list.body.string
                #expect(body.contains("138****1234") && body.contains("薛*明") && body.contains("x***@example.edu.cn"))
                #expect(!body.contains("13812341234") && !body.contains("薛晓明"))
            }
            let byRole = try await client.call(.get, "/api/v1/users?role=teacher", token: try await client.logIn("admin1"))
            #expect(byRole.body.string.contains("teacher1") && !byRole.body.string.contains("xue"))
            #expect(try await client.call(.get, "/api/v1/users", token: learner).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/users", token: try await client.logIn("teacher1")).status == .forbidden)
        }
        // At rest: sealed (no digit of the phone, no character of the name), and the audit trail names only the fields.
        let (column, after) = try await lib.library.database.read { db in
            (
                try db.fetchOne(String.self, sql: "SELECT personal FROM users WHERE username = 'xue'"),
                try db.fetchAll(String.self, sql: "SELECT after FROM events WHERE action = 'user.personal.changed'")
            )
        }
        let sealed = try #require(column)
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("13812341234") && !sealed.contains("薛"))
        #expect(after.count == 1 && after[0].contains("phone") && !after[0].contains("1381"))
    }

    @Test func authenticatorSecretsAreSealedAndOnesKeptInClearAreSealedAtStart() async throws {
        let lib = try await TestLibrary.seeded([("wang", .reviewer), ("li", .reviewer)])
        let secret = try await lib.library.accounts.enrolTwoFactor(username: "wang", actor: "test")
        // A secret written before sealing came, in clear.
        let legacy = TOTP.generate()
        try await lib.library.database.write { db in
            try db.execute(
                sql: "UPDATE users SET totpSecret = ?, totpConfirmedAt = '2026-12-01 00:00:00.000' WHERE username = 'li'",
                arguments: [legacy.base32]
            )
        }
        #expect(try await lib.library.accounts.sealClearSecrets() == 1)
        let stored = try await lib.library.database.read { db in
            try db.fetchAll(String.self, sql: "SELECT totpSecret FROM users WHERE totpSecret IS NOT NULL")
        }
        #expect(stored.count == 2 && stored.allSatisfy { $0.hasPrefix("v1:") && !$0.contains(secret.base32) && !$0.contains(legacy.base32) })
        // Both still open with the library's key.
        let accounts = lib.library.accounts
        let secrets = try await lib.library.database.read { db in
            [
                try accounts.twoFactorSecret(
                    db,
                    user: try #require(try db.fetchOne(String.self, sql: "SELECT id FROM users WHERE username = 'wang'"))
                )?.base32,
                try accounts.twoFactorSecret(db, user: try #require(try db.fetchOne(String.self, sql: "SELECT id FROM users WHERE username = 'li'")))?
                    .base32,
            ]
        }
        #expect(secrets == [secret.base32, legacy.base32])
    }

    @Test func aLibraryOpenedWithAnotherKeyRefusesToStartAndTheKeyFileIsTheOwnersAlone() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner)])
        let xue = try #require(try await lib.library.accounts.user(named: "xue"))
        _ = try await lib.library.accounts.setPersonalInfo(of: xue, to: PersonalInfo(phone: "13812341234"))
        let attributes = try FileManager.default.attributesOfItem(atPath: lib.directory + "/secrets.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The same folder with another key: the start stops, naming the key file; nothing was sealed with it.
        let other = try await TestLibrary(directory: lib.directory, sealingKey: .ephemeral())
        let refusal = await #expect(throws: SealingKey.Problem.self) { try await other.test { _ in } }
        #expect(refusal.map { "\($0)".contains("not the one") } == true)
        await #expect(throws: SealingKey.Problem.self) {
            _ = try await other.library.accounts.setPersonalInfo(of: xue, to: PersonalInfo(phone: "13900000000"))
        }
        #expect(try await lib.library.accounts.personalInfo(of: xue).phone == "13812341234")
        // With the library's own key, read from its file, all is well.
        let again = try await TestLibrary(directory: lib.directory, sealingKey: try SealingKey.file(lib.directory + "/secrets.key"))
        let health = try await again.test { client in try await client.call(.get, "/api/v1/health").status }
        #expect(health == .ok)
        #expect(throws: SealingKey.Problem.self) { try SealingKey.file(lib.directory + "/none.key") }
    }

    @Test func aLearnerDownloadsEverythingTheLibraryKeepsAboutThem() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xue", .learner), ("other", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let arc = try await LearningTests.publishedResource(client, lib, token: teacher, title: "电弧")
            let learner = try await client.logIn("xue")
            _ = try await client.call(.put, "/api/v1/me/personal", token: learner, json: #"{"phone":"13812341234"}"#)
            _ = try await client.call(.post, "/api/v1/resources/\(arc)/ratings", token: learner, json: #"{"stars":4,"comment":"清楚"}"#)
            let other = try await client.logIn("other")
            _ = try await client.call(.post, "/api/v1/resources/\(arc)/ratings", token: other, json: #"{"stars":1,"comment":"别人的"}"#)

            let response = try await client.call(.get, "/api/v1/me/export", token: learner)
            #expect(response.status == .ok)
            #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
            let export = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] ?? [:]
            #expect(export["format"] as? String == "granary-personal-data/1")
            #expect((export["account"] as? [String: Any])?["username"] as? String == "xue")
            #expect((export["personal"] as? [String: Any])?["phone"] as? String == "13812341234")
            let ratings = export["ratings"] as? [[String: Any]] ?? []
            #expect(ratings.count == 1 && ratings.first?["comment"] as? String == "清楚")
            // Their own events only: the log-in, the personal information, the rating; nobody else's.
            let actions = (export["events"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions.contains("session.created") && actions.contains("user.personal.changed") && actions.contains("resource.rated"))
            #expect((export["events"] as? [[String: Any]] ?? []).allSatisfy { $0["actor"] as? String == "xue" })
            #expect(export["eventCount"] as? Int == actions.count)
            for key in ["progress", "attempts", "posts"] { #expect(export[key] is [Any], "\(key)") }
        }
        // The export is in the audit trail.
        let exported = try await lib.library.database.read { db in
            try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events WHERE action = 'user.exported' AND actor = 'xue'")
        }
        #expect(exported == 1)
    }

    @Test func aLearnerClosesTheirAccountWithTheirPasswordAndWhatStaysIsAnonymous() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xue", .learner)])
        let xue = try #require(try await lib.library.accounts.user(named: "xue"))
        _ = try await lib.library.accounts.setPersonalInfo(of: xue, to: PersonalInfo(realName: "薛晓明", phone: "13812341234"))
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let arc = try await LearningTests.publishedResource(client, lib, token: teacher, title: "电弧")
            let token = try await client.logIn("xue")
            // Two-step log-in turned on after this session began: closing removes its secret too.
            _ = try await lib.library.accounts.enrolTwoFactor(username: "xue", actor: "test")
            _ = try await client.call(.post, "/api/v1/resources/\(arc)/ratings", token: token, json: #"{"stars":5,"comment":"好"}"#)

            // Staff close no account themselves; a wrong password closes nothing and counts as a failure.
            #expect(try await client.call(.post, "/api/v1/me/close", token: teacher, json: #"{"password":"Passw0rd-123"}"#).status == .forbidden)
            let wrong = try await client.call(.post, "/api/v1/me/close", token: token, json: #"{"password":"Wrong-pass-1"}"#)
            #expect(wrong.status == .unprocessableContent)
            #expect(try wrong.problem().errors.map(\.field) == ["password"])
            #expect(try await client.call(.get, "/api/v1/me", token: token).status == .ok)

            #expect(try await client.call(.post, "/api/v1/me/close", token: token, json: #"{"password":"Passw0rd-123"}"#).status == .noContent)
            // The session ended, the password logs in no more, and the rating shows under the closed name.
            #expect(try await client.call(.get, "/api/v1/me", token: token).status == .unauthorized)
            let again = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"xue","password":"Passw0rd-123"}"#)
            #expect(again.status == .unauthorized)
            let ratings = try await client.call(.get, "/api/v1/resources/\(arc)/ratings", token: teacher).body.string
            #expect(ratings.contains("已注销用户") && !ratings.contains("薛"))
            // The username stays taken.
            let taken = try await client.call(.post, "/api/v1/learners/register", json: #"{"username":"xue","password":"Another-pass-1"}"#)
            #expect(taken.status == .conflict)
        }
        let row = try #require(
            try await lib.library.database.read { db in
                try db.fetchOne(sql: "SELECT displayName, personal, totpSecret, closedAt FROM users WHERE username = 'xue'")
            }
        )
        #expect(row["displayName"] as String == "已注销用户")
        #expect(row["personal"] as String? == nil && row["totpSecret"] as String? == nil && row["closedAt"] as Date? != nil)
        let (codes, closed) = try await lib.library.database.read { db in
            (
                try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM recoveryCodes WHERE userId = ?", arguments: [xue.id]),
                try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM events WHERE action = 'user.closed' AND actor = 'xue'")
            )
        }
        #expect(codes == 0 && closed == 1)
    }

    @Test func theAccountPageKeepsTheInformationDownloadsTheDataAndClosesTheAccount() async throws {
        let lib = try await TestLibrary.seeded([("xue", .learner), ("zhang", .teacher)])
        try await lib.test { client in
            let cookies = try await client.webLogIn("xue")
            let page = try await client.page("/account", cookies: cookies)
            let csrf = try #require(page.csrfToken)
            #expect(page.body.string.contains("个人信息") && page.body.string.contains("注销我的账户") && page.body.string.contains("/api/v1/me/export"))
            let bad = try await client.postForm(
                "/account/personal",
                fields: [("_csrf", csrf), ("realName", "薛晓明"), ("phone", "12345"), ("email", ""), ("studentNumber", "")],
                cookie: cookies.cookieHeader
            )
            #expect(bad.status == .unprocessableContent && bad.body.string.contains("手机号应为 11 位数字"))
            // What was typed stays in the form.
            #expect(bad.body.string.contains("value=\"薛晓明\""))
            let saved = try await client.postForm(
                "/account/personal",
                fields: [("_csrf", csrf), ("realName", "薛晓明"), ("phone", "13812341234"), ("email", ""), ("studentNumber", "2023-01")],
                cookie: cookies.cookieHeader
            )
            #expect(saved.status == .ok && saved.body.string.contains("value=\"13812341234\""))
            // The download link works with the page's cookie.
            let download = try await client.page("/api/v1/me/export", cookies: cookies)
            #expect(download.status == .ok && download.body.string.contains("13812341234"))
            // Staff see no closing form.
            let teacher = try await client.webLogIn("zhang")
            #expect(!(try await client.page("/account", cookies: teacher).body.string.contains("注销我的账户")))

            let wrong = try await client.postForm(
                "/account/close",
                fields: [("_csrf", csrf), ("password", "Wrong-pass-1")],
                cookie: cookies.cookieHeader
            )
            #expect(wrong.status == .unprocessableContent && wrong.body.string.contains("密码不正确"))
            let closed = try await client.postForm(
                "/account/close",
                fields: [("_csrf", csrf), ("password", "Passw0rd-123")],
                cookie: cookies.cookieHeader
            )
            #expect(closed.status == .seeOther && closed.headers[.location] == "/login?closed=1")
            #expect(closed.cookie("granary_session") == "")
            #expect(try await client.page("/account", cookies: cookies).status != .ok)
        }
    }
}
