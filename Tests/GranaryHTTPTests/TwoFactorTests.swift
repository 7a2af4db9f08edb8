import Foundation
import GranaryModel
import GranaryTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import GranaryStore

/// Two-step log-in through the API and the pages, with the service's rule: admins and reviewers must use it.
@Suite struct TwoFactorTests {
    /// A library with the service's two-step rule and a clock the test moves, so each code has its own step.
    static func library(_ clock: SteppedClock) async throws -> TestLibrary {
        try await TestLibrary(clock: clock.clock, twoFactorRoles: Accounts.defaultTwoFactorRoles)
    }

    /// The code an authenticator app shows for `secret` at the library's time.
    static func code(_ secret: String, _ clock: SteppedClock) -> String {
        TOTP(secret: Base32.decode(secret)!).code(counter: TOTP.counter(at: clock.clock.now()))
    }

    static func logIn(_ client: any TestClientProtocol, _ username: String, totp: String?) async throws -> TestResponse {
        let code = totp.map { #","totp":"\#($0)""# } ?? ""
        return try await client.call(.post, "/api/v1/sessions", json: #"{"username":"\#(username)","password":"Passw0rd-123"\#(code)}"#)
    }

    struct Enrolment: Decodable {
        let secret: String
        let uri: String
        let qr: String
    }

    struct Codes: Decodable {
        let recoveryCodes: [String]
    }

    @Test func aTeacherEnrolsLogsInWithCodesEachUsableOnceAndTurnsItOff() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_800_000_000))
        let lib = try await Self.library(clock)
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            // Nothing to confirm or turn off before enrolment starts.
            let early = try await client.call(.post, "/api/v1/me/totp/confirm", token: token, json: #"{"code":"123456"}"#)
            #expect(early.status == .conflict)
            let notOn = try await client.call(.delete, "/api/v1/me/totp", token: token, json: #"{"code":"123456"}"#)
            #expect(notOn.status == .conflict)
            let started = try await client.call(.post, "/api/v1/me/totp", token: token)
            #expect(started.status == .created)
            let enrolment = try started.decode(Enrolment.self)
            #expect(Base32.decode(enrolment.secret)?.count == 20)
            #expect(enrolment.uri == "otpauth://totp/Granary:zhang?secret=\(enrolment.secret)&issuer=Granary&algorithm=SHA1&digits=6&period=30")
            #expect(enrolment.qr.hasPrefix("<svg") && enrolment.qr.contains("<path d=\"M"))
            // Until a code confirms it, the secret counts for nothing: the password alone still logs in.
            let answer1 = try await Self.logIn(client, "zhang", totp: nil)
            #expect(answer1.status == .created)

            let wrong = try await client.call(.post, "/api/v1/me/totp/confirm", token: token, json: #"{"code":"000000"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.problem().code == "totp_invalid")
            let confirmed = try await client.call(
                .post,
                "/api/v1/me/totp/confirm",
                token: token,
                json: #"{"code":"\#(Self.code(enrolment.secret, clock))"}"#
            )
            #expect(confirmed.status == .ok)
            let recovery = try confirmed.decode(Codes.self).recoveryCodes
            #expect(recovery.count == 10 && Set(recovery).count == 10)
            #expect(recovery.allSatisfy { $0.count == 11 && $0.dropFirst(5).first == "-" })
            let me = try await client.call(.get, "/api/v1/me", token: token).decode(User.self)
            #expect(me.twoFactor)
            // Enrolling again while it is on is refused.
            let answer2 = try await client.call(.post, "/api/v1/me/totp", token: token)
            #expect(answer2.status == .conflict)

            // The password alone no longer logs in; the problem says what is missing, in Chinese.
            let missing = try await Self.logIn(client, "zhang", totp: nil)
            #expect(missing.status == .unauthorized)
            let problem = try missing.problem()
            #expect(problem.code == "totp_required" && problem.detail.contains("动态验证码"))
            // The code confirming enrolment was used: its step is over for log-ins too.
            let answer3 = try await Self.logIn(client, "zhang", totp: Self.code(enrolment.secret, clock))
            #expect(answer3.status == .unauthorized)
            clock.advance(by: 30)
            let code = Self.code(enrolment.secret, clock)
            let answer4 = try await Self.logIn(client, "zhang", totp: code)
            #expect(answer4.status == .created)
            // Replayed: refused, and counted as a failed log-in.
            let replay = try await Self.logIn(client, "zhang", totp: code)
            #expect(try replay.problem().code == "totp_invalid")
            // A code of the step before still works once (a slow typist), one of two steps before never.
            clock.advance(by: 60)
            let previous = TOTP(secret: Base32.decode(enrolment.secret)!).code(counter: TOTP.counter(at: clock.clock.now()) - 1)
            let older = TOTP(secret: Base32.decode(enrolment.secret)!).code(counter: TOTP.counter(at: clock.clock.now()) - 2)
            let answer5 = try await Self.logIn(client, "zhang", totp: older)
            #expect(answer5.status == .unauthorized)
            let answer6 = try await Self.logIn(client, "zhang", totp: previous)
            #expect(answer6.status == .created)

            // A recovery code, typed in capitals with spaces, logs in once.
            let typed = recovery[0].uppercased().replacingOccurrences(of: "-", with: " ")
            let answer7 = try await Self.logIn(client, "zhang", totp: typed)
            #expect(answer7.status == .created)
            let answer8 = try await Self.logIn(client, "zhang", totp: recovery[0])
            #expect(answer8.status == .unauthorized)

            // Turning it off takes a valid code.
            let notOff = try await client.call(.delete, "/api/v1/me/totp", token: token, json: #"{"code":"\#(recovery[0])"}"#)
            #expect(notOff.status == .unauthorized)
            let off = try await client.call(.delete, "/api/v1/me/totp", token: token, json: #"{"code":"\#(recovery[1])"}"#)
            #expect(off.status == .noContent)
            let answer9 = try await Self.logIn(client, "zhang", totp: nil)
            #expect(answer9.status == .created)
        }
        let actions = try await lib.library.database.read { db in
            try db.fetchAll(String.self, sql: "SELECT action FROM events WHERE action LIKE 'totp.%' ORDER BY id")
        }
        #expect(actions == ["totp.enabled", "totp.disabled"])
    }

    @Test func fiveWrongCodesLockTheAccountLikeWrongPasswords() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_800_000_000))
        let lib = try await Self.library(clock)
        try await lib.addUser("zhang", .teacher)
        let secret = try await lib.library.accounts.enrolTwoFactor(username: "zhang", actor: "test")
        try await lib.test { client in
            for _ in 0..<5 {
                let wrong = try await Self.logIn(client, "zhang", totp: "123456")
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await Self.logIn(client, "zhang", totp: Self.code(secret.base32, clock))
            #expect(locked.status == .tooManyRequests)
        }
    }

    @Test func anAdminMustEnrolBeforeAnythingElseAndCannotTurnItOff() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_800_000_000))
        let lib = try await Self.library(clock)
        // Made by the store, as accounts from before the rule were: not enrolled.
        try await lib.addUser("admin", .admin)
        try await lib.test { client in
            let token = try await client.logIn("admin")
            let refused = try await client.call(.get, "/api/v1/institutions", token: token)
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "totp_enrolment_required")
            let answer10 = try await client.call(.get, "/api/v1/me", token: token)
            #expect(answer10.status == .ok)
            // Pages send the admin to the enrolment page.
            let cookies = try await client.webLogIn("admin")
            let home = try await client.page("/", cookies: cookies)
            #expect(home.status == .seeOther && home.headers[.location] == "/account")
            let security = try await client.page("/account", cookies: cookies)
            #expect(security.status == .ok && security.body.string.contains("必须启用两步验证"))
            // Its style sheet too, or the page would show unstyled.
            let styles = try await client.page("/static/app.css", cookies: cookies)
            #expect(styles.status == .ok)

            let enrolment = try await client.call(.post, "/api/v1/me/totp", token: token).decode(Enrolment.self)
            let confirmed = try await client.call(
                .post,
                "/api/v1/me/totp/confirm",
                token: token,
                json: #"{"code":"\#(Self.code(enrolment.secret, clock))"}"#
            )
            #expect(confirmed.status == .ok)
            let answer11 = try await client.call(.get, "/api/v1/institutions", token: token)
            #expect(answer11.status == .ok)
            clock.advance(by: 30)
            let off = try await client.call(.delete, "/api/v1/me/totp", token: token, json: #"{"code":"\#(Self.code(enrolment.secret, clock))"}"#)
            #expect(off.status == .forbidden)
            #expect(try off.problem().detail.contains("管理员"))
        }
    }

    @Test func aCodeUsedOnOneNodeIsRefusedOnAnother() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_800_000_000))
        let first = try await Self.library(clock)
        try await first.addUser("wang", .reviewer)
        let secret = try await first.library.accounts.enrolTwoFactor(username: "wang", actor: "test")
        let second = try await TestLibrary(directory: first.directory, clock: clock.clock, twoFactorRoles: Accounts.defaultTwoFactorRoles)
        let code = Self.code(secret.base32, clock)
        try await first.test { client in
            let accepted = try await Self.logIn(client, "wang", totp: code)
            #expect(accepted.status == .created)
        }
        try await second.test { client in
            let refused = try await Self.logIn(client, "wang", totp: code)
            #expect(refused.status == .unauthorized)
        }
    }

    @Test func thePagesAskForTheCodeAndEnrolWithAQRCode() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_800_000_000))
        let lib = try await Self.library(clock)
        try await lib.addUser("xue", .learner)
        try await lib.test { client in
            let cookies = try await client.webLogIn("xue")
            let security = try await client.page("/account", cookies: cookies)
            let csrf = try #require(security.csrfToken)
            let started = try await client.postForm("/account/totp", fields: [("_csrf", csrf)], cookie: cookies.cookieHeader)
            #expect(started.status == .ok)
            let html = started.body.string
            #expect(html.contains("<svg") && html.contains("扫描二维码"))
            let secret = try #require(html.range(of: #"<code class="secret">"#).map { String(html[$0.upperBound...].prefix { $0 != "<" }) })
            let mistyped = try await client.postForm(
                "/account/totp/confirm",
                fields: [("_csrf", csrf), ("code", "111111")],
                cookie: cookies.cookieHeader
            )
            #expect(mistyped.status == .unprocessableContent && mistyped.body.string.contains(secret))
            let confirmed = try await client.postForm(
                "/account/totp/confirm",
                fields: [("_csrf", csrf), ("code", Self.code(secret, clock))],
                cookie: cookies.cookieHeader
            )
            #expect(confirmed.status == .ok)
            // The ten recovery codes, shown this once.
            #expect(confirmed.body.string.components(separatedBy: "<li><code>").count - 1 == 10)

            // The log-in form now asks for the code, and takes it.
            clock.advance(by: 30)
            let form = try await client.page("/login")
            let formCookie = try #require(form.cookie("granary_csrf"))
            let withoutCode = try await client.postForm(
                "/login",
                fields: [("_csrf", formCookie), ("username", "xue"), ("password", "Passw0rd-123"), ("next", "/")],
                cookie: "granary_csrf=\(formCookie)"
            )
            #expect(withoutCode.status == .unauthorized && withoutCode.body.string.contains("动态验证码"))
            let withCode = try await client.postForm(
                "/login",
                fields: [
                    ("_csrf", formCookie), ("username", "xue"), ("password", "Passw0rd-123"), ("totp", Self.code(secret, clock)), ("next", "/"),
                ],
                cookie: "granary_csrf=\(formCookie)"
            )
            #expect(withCode.status == .seeOther && withCode.cookie("granary_session") != nil)
        }
    }
}
