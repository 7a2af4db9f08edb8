import Foundation
import GRDB
import GranaryModel
import GranaryStore
import GranaryTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct SessionTests {
    @Test func loggingInGivesATokenThatIdentifiesTheUser() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let me = try await client.call(.get, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            let user = try me.decode(User.self)
            #expect(user.username == "zhang")
            #expect(user.role == .teacher)
            #expect(user.institution == "测试学院")
        }
    }

    @Test func aWrongPasswordIsUnauthorizedWithAChineseProblem() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            let response = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"not-the-password"}"#)
            #expect(response.status == .unauthorized)
            let problem = try response.problem()
            #expect(problem.code == "unauthorized")
            #expect(problem.status == 401)
            #expect(problem.detail == "用户名或密码错误")
        }
    }

    @Test func englishIsAnsweredWhenAcceptLanguagePrefersIt() async throws {
        let lib = try await TestLibrary()
        try await lib.test { client in
            let english = try await client.call(.get, "/api/v1/me", headers: [.acceptLanguage: "en-GB,en;q=0.9,zh;q=0.5"])
            #expect(try english.problem().title == "Not logged in")
            let chinese = try await client.call(.get, "/api/v1/me", headers: [.acceptLanguage: "zh-CN,en;q=0.5"])
            #expect(try chinese.problem().title == "未登录或登录已失效")
            #expect(chinese.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func repeatedFailedLogInsAreRateLimited() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            for _ in 0..<5 {
                let response = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"guess-guess"}"#)
                #expect(response.status == .unauthorized)
            }
            // Even the right password waits now.
            let limited = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"Passw0rd-123"}"#)
            #expect(limited.status == .tooManyRequests)
            #expect(try limited.problem().code == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }

    @Test func failuresOnOneNodeCountOnAnother() async throws {
        // Two services over one database, as two nodes of a cluster: guesses spread over both gain nothing.
        let first = try await TestLibrary()
        try await first.addUser("zhang", .teacher)
        let second = try await TestLibrary(directory: first.directory)
        try await first.test { client in
            for _ in 0..<3 {
                let response = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"guess-guess"}"#)
                #expect(response.status == .unauthorized)
            }
        }
        try await second.test { client in
            for _ in 0..<2 {
                let response = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"ZHANG","password":"guess-guess"}"#)
                #expect(response.status == .unauthorized)
            }
            let limited = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"Passw0rd-123"}"#)
            #expect(limited.status == .tooManyRequests)
        }
        #expect(try await first.count("loginFailures") == 10)
    }

    @Test func aLogOutOrRoleChangeOnOneNodeEndsTheSessionOnAnotherAtOnce() async throws {
        let first = try await TestLibrary()
        try await first.addUser("zhang", .teacher)
        try await first.addUser("anquan", .security)
        let second = try await TestLibrary(directory: first.directory)
        let (token, securityToken) = try await first.test { client in (try await client.logIn("zhang"), try await client.logIn("anquan")) }
        // The second node has looked the session up, so it would trust its copy for a minute.
        try await second.test { client in
            let response = try await client.call(.get, "/api/v1/me", token: token)
            #expect(response.status == .ok)
        }
        try await first.test { client in
            let response = try await client.call(.delete, "/api/v1/sessions", token: token)
            #expect(response.status == .noContent)
        }
        // What its change-feed poll does within a quarter second while it serves.
        try await second.library.database.feed.poll()
        try await second.test { client in
            let response = try await client.call(.get, "/api/v1/me", token: token)
            #expect(response.status == .unauthorized)
        }

        let again = try await second.test { client in
            let token = try await client.logIn("zhang")
            let response = try await client.call(.get, "/api/v1/me", token: token)
            #expect(response.status == .ok)
            return token
        }
        _ = try await first.library.accounts.changeRole(
            username: "zhang",
            to: .reviewer,
            actor: try #require(try await first.library.accounts.user(forToken: securityToken))
        )
        try await second.library.database.feed.poll()
        try await second.test { client in
            let response = try await client.call(.get, "/api/v1/me", token: again)
            #expect(response.status == .unauthorized)
        }
    }

    @Test func aSuccessForgetsTheAccountsFailuresAndOldOnesLeave() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_790_000_000))
        let lib = try await TestLibrary(clock: clock.clock)
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            for _ in 0..<4 {
                _ = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"guess-guess"}"#)
            }
            _ = try await client.logIn("zhang")
            // The account's four are gone; the address keeps its own (it is counted against 100).
            #expect(try await lib.count("loginFailures") == 4)
            for _ in 0..<5 {
                _ = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"guess-guess"}"#)
            }
            let limited = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"Passw0rd-123"}"#)
            #expect(limited.status == .tooManyRequests)
            // Sixteen minutes on, the window has passed: the right password works and the next failure sweeps the old rows.
            clock.advance(by: 16 * 60)
            _ = try await client.logIn("zhang")
            _ = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"li","password":"guess-guess"}"#)
            #expect(try await lib.count("loginFailures") == 2)
        }
    }

    @Test func oneAccountsFailuresDoNotLockOutOthersBehindTheSameAddress() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        try await lib.addUser("li", .teacher)
        try await lib.test { client in
            for _ in 0..<6 {
                _ = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"guess-guess"}"#)
            }
            _ = try await client.logIn("li")
        }
    }

    @Test func failedLogInsAreRecordedAsEvents() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            _ = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang","password":"wrong-password"}"#)
        }
        let failures = try await lib.library.database.read { db in
            try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events WHERE action = 'session.failed' AND itemId = 'zhang'")
        }
        #expect(failures == 1)
    }

    @Test func learnersRegisterThemselvesAndLogIn() async throws {
        let lib = try await TestLibrary()
        try await lib.test { client in
            let created = try await client.call(
                .post,
                "/api/v1/learners/register",
                json: #"{"username":"xiaochen","password":"Long-enough-pw1","displayName":"小陈"}"#
            )
            #expect(created.status == .created)
            #expect(try created.decode(User.self).role == .learner)
            _ = try await client.logIn("xiaochen", password: "Long-enough-pw1")

            let taken = try await client.call(.post, "/api/v1/learners/register", json: #"{"username":"XiaoChen","password":"Long-enough-pw1"}"#)
            #expect(taken.status == .conflict)
            #expect(try taken.problem().code == "conflict")

            let short = try await client.call(.post, "/api/v1/learners/register", json: #"{"username":"other","password":"short"}"#)
            #expect(short.status == .unprocessableContent)
            let problem = try short.problem()
            #expect(problem.code == "validation_failed")
            #expect(Set(problem.errors.map(\.field)) == ["password"])
            // The policy (等保三级): 10 characters, three of four classes, not the username.
            for (password, rule) in [("Ab1-short", "10 个字符"), ("alllowercase-but-long", "至少三类"), ("Other-name-1", "用户名")] {
                let weak = try await client.call(.post, "/api/v1/learners/register", json: #"{"username":"other","password":"\#(password)"}"#)
                #expect(weak.status == .unprocessableContent, "\(password)")
                #expect(try weak.problem().errors.map(\.message).joined().contains(rule), "\(password)")
            }
        }
    }

    @Test func aRevokedTokenNoLongerWorks() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            #expect(try await client.call(.delete, "/api/v1/sessions", token: token).status == .noContent)
            let after = try await client.call(.get, "/api/v1/me", token: token)
            #expect(after.status == .unauthorized)
            #expect(try after.problem().code == "unauthorized")
        }
    }

    @Test func anExpiredTokenIsRefused() async throws {
        let lib = try await TestLibrary(tokenLifetime: -1)
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            #expect(try await client.call(.get, "/api/v1/me", token: token).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/me", token: "made-up-token").status == .unauthorized)
        }
    }

    @Test func aSessionUnusedForHalfAnHourEndsAndOneInUseGoesOnUntilItExpires() async throws {
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_790_000_000))
        let lib = try await TestLibrary(tokenLifetime: 12 * 3600, clock: clock.clock)
        try await lib.addUser("zhang", .teacher)
        try await lib.test { client in
            let busy = try await client.logIn("zhang")
            let idle = try await client.logIn("zhang")
            // Used every 25 minutes for three hours: never idle for 30.
            for _ in 0..<7 {
                clock.advance(by: 25 * 60)
                #expect(try await client.call(.get, "/api/v1/me", token: busy).status == .ok)
            }
            // Unused all that time: ended, and the problem says to log in again.
            let ended = try await client.call(.get, "/api/v1/me", token: idle)
            #expect(ended.status == .unauthorized)
            #expect(try ended.problem().detail.contains("重新登录"))
            // A session this node remembers is trusted a minute at most: 31 idle minutes after it was last read, it
            // has ended here too.
            clock.advance(by: 31 * 60)
            #expect(try await client.call(.get, "/api/v1/me", token: busy).status == .unauthorized)
        }
        // The last use is written at most once a minute, not on every request.
        let seen = try await lib.library.database.read { db in
            try db.fetchAll(Date.self, sql: "SELECT lastSeenAt FROM tokens WHERE lastSeenAt IS NOT NULL")
        }
        #expect(seen.count == 1)
    }

    @Test func aPersonalAccessTokenActsAsItsOwnerUntilItExpiresOrIsRevoked() async throws {
        struct Token: Decodable {
            let id: String
            let name: String
            let expiresAt: Date
            let token: String?
        }
        struct Tokens: Decodable { let items: [Token] }
        let clock = SteppedClock(Date(timeIntervalSince1970: 1_790_000_000))
        let lib = try await TestLibrary(tokenLifetime: 12 * 3600, clock: clock.clock)
        try await lib.addUser("xs", .learner)
        try await lib.addUser("other", .learner)
        try await lib.addUser("wang", .reviewer)
        try await lib.test { client in
            let session = try await client.logIn("xs")
            let made = try await client.call(.post, "/api/v1/me/tokens", token: session, json: #"{"name":"桌面客户端","days":30}"#)
            #expect(made.status == .created && made.headers[.cacheControl] == "no-store")
            let token = try made.decode(Token.self)
            let secret = try #require(token.token)
            #expect(token.name == "桌面客户端" && token.expiresAt == clock.clock.now().addingTimeInterval(30 * 24 * 3600))
            #expect(try await client.call(.get, "/api/v1/me", token: secret).decode(User.self).username == "xs")
            let listed = try await client.call(.get, "/api/v1/me/tokens", token: session)
            #expect(try listed.decode(Tokens.self).items.map(\.id) == [token.id])
            #expect(!listed.body.string.contains(secret))
            #expect(try await client.call(.get, "/api/v1/me/tokens", token: try await client.logIn("other")).decode(Tokens.self).items.isEmpty)

            // Unused for days it still works (no idle timeout), while the session has ended; at its end it stops.
            clock.advance(by: 3 * 24 * 3600)
            #expect(try await client.call(.get, "/api/v1/me", token: session).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/me", token: secret).status == .ok)
            let fresh = try await client.logIn("xs")
            // A token cannot make tokens; bad names and lifetimes, other roles and an eleventh token are refused.
            let minted = try await client.call(.post, "/api/v1/me/tokens", token: secret, json: #"{"name":"再来一个"}"#)
            #expect(minted.status == .forbidden)
            #expect(try minted.problem().detail.contains("个人访问令牌不能用来创建令牌"))
            let bad = try await client.call(.post, "/api/v1/me/tokens", token: fresh, json: #"{"name":" ","days":400}"#)
            #expect(try bad.problem().errors.map(\.field) == ["name", "days"])
            let reviewer = try await client.call(.post, "/api/v1/me/tokens", token: try await client.logIn("wang"), json: #"{"name":"x"}"#)
            #expect(reviewer.status == .forbidden)
            for number in 2...10 {
                #expect(try await client.call(.post, "/api/v1/me/tokens", token: fresh, json: #"{"name":"令牌\#(number)"}"#).status == .created)
            }
            #expect(try await client.call(.post, "/api/v1/me/tokens", token: fresh, json: #"{"name":"第十一个"}"#).status == .conflict)

            // Revoked by its owner it stops at once; someone else's id, or it again, is not found.
            let others = try await client.logIn("other")
            #expect(try await client.call(.delete, "/api/v1/me/tokens/\(token.id)", token: others).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/me/tokens/\(token.id)", token: fresh).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/me", token: secret).status == .unauthorized)
            #expect(try await client.call(.delete, "/api/v1/me/tokens/\(token.id)", token: fresh).status == .notFound)
            // 我的学习 lists them for their owner (not the secret), and offers none to a reviewer.
            let page = try await client.page("/me", cookies: try await client.webLogIn("xs")).body.string
            #expect(page.contains("data-token-form") && page.contains("令牌10") && !page.contains("桌面客户端") && !page.contains(secret))
            #expect(!(try await client.page("/me", cookies: try await client.webLogIn("wang")).body.string.contains("data-token-form")))
            let last = try await client.call(.post, "/api/v1/me/tokens", token: fresh, json: #"{"name":"最后一个","days":1}"#).decode(Token.self)
            clock.advance(by: 24 * 3600 + 1)
            #expect(try await client.call(.get, "/api/v1/me", token: try #require(last.token)).status == .unauthorized)
        }
        let events = try await lib.library.database.read { db in
            try db.fetchAll(String.self, sql: "SELECT action FROM events WHERE action IN ('token.created', 'session.revoked') ORDER BY id")
        }
        #expect(events.filter { $0 == "token.created" }.count == 11 && events.contains("session.revoked"))
    }

    @Test func passwordsAndTokensAreStoredOnlyAsHashes() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        let token = try await lib.test { client in try await client.logIn("zhang") }
        let (hash, tokenHashes) = try await lib.library.database.read { db in
            (
                try db.fetchOne(String.self, sql: "SELECT passwordHash FROM users WHERE username = 'zhang'") ?? "",
                try db.fetchAll(String.self, sql: "SELECT tokenHash FROM tokens")
            )
        }
        #expect(hash.hasPrefix("$2"))
        #expect(!hash.contains("Passw0rd-123"))
        #expect(tokenHashes.count == 1)
        #expect(!tokenHashes.contains(token))
    }
}
