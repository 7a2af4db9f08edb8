import Foundation
import GranaryModel
import HummingbirdBcrypt
import NIOPosix

/// Changing a password, and the security administrator's temporary ones (等保三级 身份鉴别).
extension Accounts {
    /// Changes `user`'s password: `current` must be right (a wrong one counts as a failed log-in), `new` must meet
    /// `PasswordPolicy` and be none of the account's last five. Every other session of the account ends; the one of
    /// `token` goes on, no longer asked to change the password.
    public func changePassword(_ user: User, keeping token: String, current: String, new: String, address: String) async throws {
        try await self.throttle.check(account: user.username, address: address)
        let (hash, history) = try await self.database.read { db in
            (
                try db.fetchOne(String.self, sql: "SELECT passwordHash FROM users WHERE id = ?", arguments: [user.id]) ?? "",
                try db.fetchAll(
                    String.self,
                    sql: "SELECT passwordHash FROM passwordHistory WHERE userId = ? ORDER BY changedAt DESC LIMIT ?",
                    arguments: [user.id, PasswordPolicy.remembered - 1]
                )
            )
        }
        guard try await self.threadPool.runIfActive({ Bcrypt.verify(current, hash: hash) }) else {
            try await self.recordFailure(username: user.username, address: address, reason: "password_change")
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "当前密码不正确", en: "The current password is wrong"),
                errors: [FieldError(field: "currentPassword", message: LocalizedText(zh: "不正确", en: "wrong"))]
            )
        }
        if let refusal = PasswordPolicy.refusal(new, username: user.username, field: "newPassword") { throw refusal }
        for old in [hash] + history where try await self.threadPool.runIfActive({ Bcrypt.verify(new, hash: old) }) {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "新密码不能与最近 5 次使用过的密码相同", en: "The new password repeats one of the last 5"),
                errors: [FieldError(field: "newPassword", message: LocalizedText(zh: "最近用过", en: "used lately"))]
            )
        }
        try await self.setPassword(
            user.id,
            username: user.username,
            to: new,
            mustChange: false,
            keeping: Self.digest(token),
            action: "user.password_changed",
            actor: user.username,
            address: address
        )
    }

    /// Gives another account a temporary password (a security administrator's duty), shown once: the account must
    /// choose its own at the next log-in, its sessions end, and a lock-out ends with them. The three administrators'
    /// passwords are the operator's, at the console.
    public func resetPassword(username: String, actor: User, address: String?) async throws -> String {
        guard actor.role == .security else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有安全管理员能重置密码", en: "Only security administrators reset passwords"))
        }
        guard let account = try await self.user(named: username) else {
            throw GranaryError.notFound(LocalizedText(zh: "用户", en: "User"), username)
        }
        guard account.id != actor.id, !Role.duties.contains(account.role) else {
            throw GranaryError.forbidden(
                LocalizedText(
                    zh: "系统管理员、安全管理员和审计管理员的密码由运维人员在服务器上设置（三权分立）",
                    en: "The administrators' passwords are set by the operator at the console"
                )
            )
        }
        let temporary = PasswordPolicy.temporary()
        try await self.setPassword(
            account.id,
            username: account.username,
            to: temporary,
            mustChange: true,
            keeping: nil,
            action: "user.password_reset",
            actor: actor.username,
            address: address
        )
        return temporary
    }

    private func setPassword(
        _ id: String,
        username: String,
        to password: String,
        mustChange: Bool,
        keeping session: String?,
        action: String,
        actor: String,
        address: String?
    ) async throws {
        let cost = self.bcryptCost
        let hash = try await self.threadPool.runIfActive { Bcrypt.hash(password, cost: cost) }
        let now = self.database.clock.now()
        try await self.database.write { db in
            try db.execute(
                sql: "INSERT INTO passwordHistory (userId, passwordHash, changedAt) SELECT id, passwordHash, ? FROM users WHERE id = ?",
                arguments: [now, id]
            )
            // Only what the rule needs is kept: the account's newest old passwords.
            try db.execute(
                sql: """
                    DELETE FROM passwordHistory WHERE userId = ? AND changedAt NOT IN
                        (SELECT changedAt FROM passwordHistory WHERE userId = ? ORDER BY changedAt DESC LIMIT ?)
                    """,
                arguments: [id, id, PasswordPolicy.remembered - 1]
            )
            try db.execute(
                sql: "UPDATE users SET passwordHash = ?, passwordChangedAt = ?, mustChangePassword = ? WHERE id = ?",
                arguments: [hash, now, mustChange ? 1 : 0, id]
            )
            try db.execute(
                sql: "UPDATE tokens SET revokedAt = ? WHERE userId = ? AND revokedAt IS NULL AND tokenHash IS DISTINCT FROM ?",
                arguments: [now, id, session]
            )
            if mustChange { try self.throttle.forgetFailures(db, account: username) }
            try EventLog.record(
                db,
                actor: actor,
                action: action,
                itemType: "user",
                itemId: username,
                address: address,
                outcome: "success",
                at: now
            )
        }
        self.forgetSessions(of: username)
    }

    /// The old passwords of each account (digests, as the users table keeps the current one), for the rule that a new
    /// password repeats none of the last five (GranaryStore's migration "store 7", "store 4" on PostgreSQL).
    static func passwordHistorySQL(dates: String) -> String {
        """
        CREATE TABLE passwordHistory (
            userId TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            passwordHash TEXT NOT NULL,
            changedAt \(dates) NOT NULL
        );
        CREATE INDEX passwordHistory_user ON passwordHistory(userId, changedAt);
        """
    }
}

/// The log-in policies a service enforces, as the audit trail records them.
public struct LoginPolicies: Codable, Sendable, Equatable {
    public let lockoutFailures: Int
    public let lockoutMinutes: Int
    public let idleMinutes: Int
    public let passwordDays: Int
    public let passwordMinimumLength: Int
    public let twoFactorRoles: [String]
    public let https: Bool
}

extension Accounts {
    /// The policies of this process.
    public func policies(https: Bool) -> LoginPolicies {
        LoginPolicies(
            lockoutFailures: self.throttle.accountLimit,
            lockoutMinutes: Int(self.throttle.window / 60),
            idleMinutes: Int(self.idleTimeout / 60),
            passwordDays: Int(self.passwordPolicy.maximumAge / 86400),
            passwordMinimumLength: PasswordPolicy.minimumLength,
            twoFactorRoles: self.twoFactorRoles.map(\.rawValue).sorted(),
            https: https
        )
    }

    /// Records the policies `granary serve` starts with as `policy.changed` when they differ from the last ones
    /// recorded (等保三级 安全审计: a change of policy is an event; the policies are the service's settings, so they
    /// change only with a restart). Whether they did.
    @discardableResult
    public func recordPolicies(https: Bool, address: String? = nil) async throws -> Bool {
        let policies = self.policies(https: https)
        let now = self.database.clock.now()
        return try await self.database.write { db in
            let last = try db.fetchOne(String.self, sql: "SELECT after FROM events WHERE action = 'policy.changed' ORDER BY id DESC LIMIT 1")
                .flatMap { try? JSONDecoder().decode(LoginPolicies.self, from: Data($0.utf8)) }
            guard last != policies else { return false }
            try EventLog.record(
                db,
                actor: nil,
                action: "policy.changed",
                itemType: "policy",
                itemId: "login",
                before: last,
                after: policies,
                address: address,
                outcome: "success",
                at: now
            )
            return true
        }
    }
}
