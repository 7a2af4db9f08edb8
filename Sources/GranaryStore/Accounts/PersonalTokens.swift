import Foundation
import GranaryModel

/// Personal access tokens (个人访问令牌): keys an account makes at `/me` for a program that acts as it, such as an AI
/// assistant over MCP. A token is a bearer token like a session's and obeys the same role rules, but it is named, has
/// its own lifetime (1 to 365 days) instead of the idle timeout, is shown once, stored only as a digest, and revoked
/// by its owner at any time (a password change revokes it too, as it does sessions). Only teachers and learners make
/// them: reviewers and the three administrators log in with two steps, which a token would step around.
extension Accounts {
    /// A personal access token as its owner sees it; `token` only in the answer that made it.
    public struct PersonalToken: Codable, Sendable, Equatable {
        /// The first 16 hex digits of the token's digest: names it without revealing it.
        public var id: String
        public var name: String
        public var createdAt: Date
        public var expiresAt: Date
        public var lastUsedAt: Date?
        /// The secret, shown once.
        public var token: String?
    }

    /// `tokens.name`: set for a personal access token, NULL for a session.
    static let personalTokensSQL = "ALTER TABLE tokens ADD COLUMN name TEXT"

    /// Most live tokens one account may hold.
    public static let maximumPersonalTokens = 10
    /// Lifetime when none is asked for, in days.
    public static let defaultPersonalTokenDays = 90

    /// Makes a token named `name` for `user`, valid for `days`, asked for with the session `token` (a personal access
    /// token cannot make more of itself: a leaked one could otherwise outlive its revocation).
    public func createPersonalToken(
        name: String,
        days: Int?,
        user: User,
        session token: String,
        address: String? = nil
    ) async throws
        -> PersonalToken
    {
        guard user.role == .teacher || user.role == .learner else {
            throw GranaryError.forbidden(
                LocalizedText(
                    zh: "只有教师和学习者可以创建个人访问令牌：审核员和管理员须两步登录，令牌会绕过它",
                    en: "Only teachers and learners make personal access tokens: other roles log in with two steps, which a token would bypass"
                )
            )
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let days = days ?? Self.defaultPersonalTokenDays
        var problems: [FieldError] = []
        if name.isEmpty || name.count > 60 {
            problems.append(FieldError(field: "name", message: LocalizedText(zh: "名称应为 1–60 字", en: "1 to 60 characters")))
        }
        if !(1...365).contains(days) {
            problems.append(FieldError(field: "days", message: LocalizedText(zh: "有效期应为 1–365 天", en: "1 to 365 days")))
        }
        guard problems.isEmpty else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "令牌有误：\(problems.map(\.message.zh).joined(separator: "；"))", en: "Invalid token request"),
                errors: problems
            )
        }
        let secret = Self.newToken()
        let digest = Self.digest(secret)
        let now = self.database.clock.now()
        let expiresAt = now.addingTimeInterval(TimeInterval(days) * 24 * 3600)
        try await self.database.write { db in
            let asking = try db.fetchOne(sql: "SELECT name FROM tokens WHERE tokenHash = ?", arguments: [Self.digest(token)])
            guard let asking, (asking["name"] as String?) == nil else {
                throw GranaryError.forbidden(
                    LocalizedText(
                        zh: "个人访问令牌不能用来创建令牌：请登录后在“我的学习”页创建",
                        en: "A personal access token cannot make tokens: log in and make one at /me"
                    )
                )
            }
            let live =
                try db.fetchOne(
                    Int.self,
                    sql: "SELECT COUNT(*) FROM tokens WHERE userId = ? AND name IS NOT NULL AND revokedAt IS NULL AND expiresAt > ?",
                    arguments: [user.id, now]
                ) ?? 0
            guard live < Self.maximumPersonalTokens else {
                throw GranaryError(
                    .conflict,
                    LocalizedText(
                        zh: "已有 \(live) 个有效的令牌，请先撤销不用的",
                        en: "You hold \(live) live tokens already; revoke one you no longer use"
                    )
                )
            }
            try db.execute(
                sql: "INSERT INTO tokens (tokenHash, userId, createdAt, expiresAt, name) VALUES (?, ?, ?, ?, ?)",
                arguments: [digest, user.id, now, expiresAt, name]
            )
            try EventLog.record(
                db,
                actor: user.username,
                action: "token.created",
                itemType: "user",
                itemId: user.username,
                after: ["name": name, "id": String(digest.prefix(16)), "days": String(days)],
                address: address,
                at: now
            )
        }
        return PersonalToken(id: String(digest.prefix(16)), name: name, createdAt: now, expiresAt: expiresAt, lastUsedAt: nil, token: secret)
    }

    /// `user`'s live personal access tokens, newest first.
    public func personalTokens(of user: User) async throws -> [PersonalToken] {
        let now = self.database.clock.now()
        return try await self.database.read { db in
            try db.fetchAll(
                sql: """
                    SELECT tokenHash, name, createdAt, expiresAt, lastSeenAt FROM tokens
                    WHERE userId = ? AND name IS NOT NULL AND revokedAt IS NULL AND expiresAt > ? ORDER BY createdAt DESC, tokenHash
                    """,
                arguments: [user.id, now]
            ).map { row in
                PersonalToken(
                    id: String((row["tokenHash"] as String).prefix(16)),
                    name: row["name"],
                    createdAt: row["createdAt"],
                    expiresAt: row["expiresAt"],
                    lastUsedAt: row["lastSeenAt"],
                    token: nil
                )
            }
        }
    }

    /// Revokes `user`'s live token `id`; another account's, a session or an unknown id is not found.
    public func revokePersonalToken(id: String, user: User, address: String? = nil) async throws {
        let now = self.database.clock.now()
        try await self.database.write { db in
            let digest = try db.fetchOne(
                String.self,
                sql: """
                    SELECT tokenHash FROM tokens WHERE userId = ? AND name IS NOT NULL AND revokedAt IS NULL AND expiresAt > ?
                    AND substr(tokenHash, 1, 16) = ?
                    """,
                arguments: [user.id, now, id.lowercased()]
            )
            guard let digest else { throw GranaryError.notFound(LocalizedText(zh: "个人访问令牌", en: "Personal access token"), id) }
            try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE tokenHash = ?", arguments: [now, digest])
            // `session.revoked` ends what every node remembers of the account's tokens.
            try EventLog.record(
                db,
                actor: user.username,
                action: "session.revoked",
                itemType: "user",
                itemId: user.username,
                after: ["token": id.lowercased()],
                address: address,
                at: now
            )
        }
        self.sessions.forget(username: user.username)
    }
}
