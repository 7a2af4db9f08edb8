import Foundation
import GRDB
import GranaryModel
import HummingbirdBcrypt
import NIOPosix

/// The personal information of accounts (real name, phone, e-mail, student number): sealed in `users.personal` with
/// the library's sealing key, shown whole to the person only, masked to the administrators who list accounts.
extension Accounts {
    /// The column the information is sealed for.
    static let personalField = "users.personal"

    /// What `user` told the library about themselves.
    public func personalInfo(of user: User) async throws -> PersonalInfo {
        try await self.database.read { db in try self.personalInfo(db, of: user.id) }
    }

    /// Replaces what `user` told the library about themselves (fields left out are removed); each field checked. The
    /// event says which fields changed, never their values: the audit trail is kept unsealed.
    public func setPersonalInfo(of user: User, to info: PersonalInfo) async throws -> PersonalInfo {
        let info = try info.validated()
        let now = self.database.clock.now()
        try await self.database.write { db in
            try self.sealingKey.check(db, recording: true)
            let before = try self.personalInfo(db, of: user.id)
            let sealed =
                try info.isEmpty ? nil : self.sealingKey.seal(String(decoding: JSONEncoder().encode(info), as: UTF8.self), field: Self.personalField)
            try db.execute(sql: "UPDATE users SET personal = ? WHERE id = ?", arguments: [sealed, user.id])
            let changed = [
                ("realName", before.realName != info.realName), ("phone", before.phone != info.phone),
                ("email", before.email != info.email), ("studentNumber", before.studentNumber != info.studentNumber),
            ].filter(\.1).map(\.0)
            guard !changed.isEmpty else { return }
            try EventLog.record(
                db,
                actor: user.username,
                action: "user.personal.changed",
                itemType: "user",
                itemId: user.username,
                after: ["fields": changed],
                at: now
            )
        }
        return info
    }

    /// The most events a data export lists (newest first); the count says how many there are in all.
    public static let exportedEventLimit = 10_000

    /// What Accounts keeps about `user`, for their data export: the personal information and the events they caused.
    /// The export is itself an event.
    public func exportedData(of user: User, address: String) async throws -> (personal: PersonalInfo, events: [Event], eventCount: Int) {
        let now = self.database.clock.now()
        return try await self.database.write { db in
            let personal = try self.personalInfo(db, of: user.id)
            try EventLog.record(
                db,
                actor: user.username,
                action: "user.exported",
                itemType: "user",
                itemId: user.username,
                address: address,
                outcome: "success",
                at: now
            )
            let (events, total) = try EventLog.search(db, AuditFilter(actor: user.username), offset: 0, limit: Self.exportedEventLimit)
            return (personal, events, total)
        }
    }

    /// Closes a learner's own account (注销), once `password` shows it is them: the personal information, the
    /// authenticator secret and recovery codes, the password history and every session are removed, the display name
    /// becomes 已注销用户 and the password one nobody knows, so the account can never log in again. What stays: the
    /// username (kept so no one else takes it and the audit trail stays unambiguous), the learner's progress, attempts,
    /// ratings and posts under that name (a course's statistics and discussions hold them), and the events, which the
    /// law keeps (网络安全法 第二十一条) and which name the username only.
    public func closeAccount(_ user: User, password: String, address: String) async throws {
        guard user.role == .learner else {
            throw GranaryError.forbidden(
                LocalizedText(zh: "教职工和管理员的账户由所在单位的管理员停用，不能自行注销", en: "Staff accounts are closed by their institution")
            )
        }
        try await self.throttle.check(account: user.username, address: address)
        let hash = try await self.database.read { db in
            try db.fetchOne(String.self, sql: "SELECT passwordHash FROM users WHERE id = ?", arguments: [user.id]) ?? ""
        }
        guard try await self.threadPool.runIfActive({ Bcrypt.verify(password, hash: hash) }) else {
            try await self.recordFailure(username: user.username, address: address, reason: "account_closing")
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "密码不正确，账户未注销", en: "The password is wrong; the account stays open"),
                errors: [FieldError(field: "password", message: LocalizedText(zh: "不正确", en: "wrong"))]
            )
        }
        // A password of 32 random bytes, thrown away: the hash matches nothing anyone can type.
        let unusable = try await self.threadPool.runIfActive { [cost = self.bcryptCost] in
            Bcrypt.hash(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(), cost: cost)
        }
        let now = self.database.clock.now()
        try await self.database.write { db in
            try db.execute(
                sql: """
                    UPDATE users SET displayName = ?, personal = NULL, totpSecret = NULL, totpConfirmedAt = NULL,
                        totpLastCounter = NULL, passwordHash = ?, mustChangePassword = 0, closedAt = ?
                    WHERE id = ?
                    """,
                arguments: [Self.closedName, unusable, now, user.id]
            )
            try db.execute(sql: "DELETE FROM recoveryCodes WHERE userId = ?", arguments: [user.id])
            try db.execute(sql: "DELETE FROM passwordHistory WHERE userId = ?", arguments: [user.id])
            try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE userId = ? AND revokedAt IS NULL", arguments: [now, user.id])
            try EventLog.record(
                db,
                actor: user.username,
                action: "user.closed",
                itemType: "user",
                itemId: user.username,
                address: address,
                outcome: "success",
                at: now
            )
        }
        self.forgetSessions(of: user.username)
    }

    /// The display name of a closed account.
    public static let closedName = "已注销用户"

    /// One line of the account list administrators see: personal information masked.
    public struct AccountListing: Codable, Sendable, Equatable {
        public let username: String
        public let displayName: String
        public let role: Role
        public let institution: String?
        public let createdAt: Date
        public let twoFactor: Bool
        /// Masked: 138****1234.
        public let personal: PersonalInfo
    }

    /// Accounts by username, of `role` when given, whose username or display name contains `query`; for the system
    /// and security administrators, with personal information masked.
    public func accounts(viewer: User, role: Role?, query: String?, _ page: PageRequest) async throws -> Page<AccountListing> {
        guard viewer.role == .admin || viewer.role == .security else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有系统管理员和安全管理员能查看账户列表", en: "Only the system and security administrators list accounts"))
        }
        return try await self.database.read { db in
            var conditions: [String] = []
            var arguments = SQLArguments()
            if let role {
                conditions.append("role = ?")
                arguments = arguments + [role.rawValue]
            }
            if let query = query?.trimmingCharacters(in: .whitespaces), !query.isEmpty {
                conditions.append("(\(db.engine.contains("lower(username)", "lower(?)")) OR \(db.engine.contains("displayName", "?")))")
                arguments = arguments + [query, query]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let total = try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM users \(filter)", arguments: arguments)
            let rows = try db.fetchAll(
                sql: "SELECT * FROM users \(filter) ORDER BY username LIMIT ? OFFSET ?",
                arguments: arguments + [page.pageSize, page.offset]
            )
            let items = try rows.map { row in
                let user = Self.user(from: row)
                return AccountListing(
                    username: user.username,
                    displayName: user.displayName,
                    role: user.role,
                    institution: user.institution,
                    createdAt: user.createdAt,
                    twoFactor: user.twoFactor,
                    personal: try self.personalInfo(db, sealed: row["personal"]).masked
                )
            }
            return Page(items: items, total: total, request: page)
        }
    }

    /// Fails when the library's values were sealed with another key than this node's (`--secrets`), so a node with
    /// the wrong key stops at start instead of failing on the first log-in; then seals any secret kept in clear.
    public func prepareSealing() async throws {
        try await self.database.read { db in try self.sealingKey.check(db, recording: false) }
        _ = try await self.sealClearSecrets()
    }

    private func personalInfo(_ db: any SQLConnection, of id: String) throws -> PersonalInfo {
        try self.personalInfo(db, sealed: db.fetchOne(String.self, sql: "SELECT personal FROM users WHERE id = ?", arguments: [id]))
    }

    private func personalInfo(_ db: any SQLConnection, sealed: String?) throws -> PersonalInfo {
        guard let sealed else { return PersonalInfo() }
        let text = try self.sealingKey.open(sealed, field: Self.personalField)
        return try JSONDecoder().decode(PersonalInfo.self, from: Data(text.utf8))
    }

    /// The sealed column, when an account was closed, and the key's fingerprint (GranaryStore's migration "store 8",
    /// "store 5" on PostgreSQL).
    static let personalDataSQL = """
        ALTER TABLE users ADD COLUMN personal TEXT;
        ALTER TABLE users ADD COLUMN closedAt TEXT;
        CREATE TABLE sealingKey (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL);
        """
}
