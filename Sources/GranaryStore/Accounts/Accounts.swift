import Crypto
import Foundation
import GRDB
import GranaryModel
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// Accounts, institutions, passwords and bearer tokens.
///
/// Passwords are bcrypt-hashed on the thread pool; tokens are 256 random bits shown once to the client and
/// stored only as their SHA-256, so a copy of the database opens no session.
public struct Accounts: Sendable {
    let database: LibraryDatabase
    /// Roles whose accounts must log in with two steps (password and authenticator code).
    public let twoFactorRoles: Set<Role>
    let bcryptCost: UInt8
    private let tokenLifetime: TimeInterval
    /// How long a session may go unused before it ends.
    public let idleTimeout: TimeInterval
    /// When privileged accounts' passwords expire.
    public let passwordPolicy: PasswordPolicy
    let threadPool: NIOThreadPool
    /// A real hash checked against when the username does not exist, so timing does not reveal which usernames exist.
    private let decoyHash: String
    /// Live sessions already looked up, so an authenticated request costs no database read.
    let sessions: SessionCache
    /// Forgets the cached sessions of accounts whose sessions ended or whose role changed anywhere: in this
    /// process, or in another over the same database (a cluster's other nodes, `granary users`).
    private let endedSessions: FeedFollower
    /// The institutions list, read again after an account or institution changes anywhere.
    private let reads: RememberedReads
    /// Failed log-ins per account and address, and the lock-out they lead to.
    public let throttle: LoginThrottle
    /// Seals personal information and authenticator secrets; kept outside the database.
    public let sealingKey: SealingKey

    /// Creates the account service over `database`.
    public init(
        database: LibraryDatabase,
        bcryptCost: UInt8,
        tokenLifetime: TimeInterval,
        idleTimeout: TimeInterval = Accounts.defaultIdleTimeout,
        passwordPolicy: PasswordPolicy = PasswordPolicy(),
        twoFactorRoles: Set<Role> = Accounts.defaultTwoFactorRoles,
        sealingKey: SealingKey = .ephemeral(),
        threadPool: NIOThreadPool = .singleton
    ) {
        self.database = database
        self.sealingKey = sealingKey
        self.twoFactorRoles = twoFactorRoles
        self.bcryptCost = bcryptCost
        self.tokenLifetime = tokenLifetime
        self.idleTimeout = idleTimeout
        self.passwordPolicy = passwordPolicy
        self.threadPool = threadPool
        self.decoyHash = Bcrypt.hash("granary-decoy-password", cost: bcryptCost)
        let sessions = SessionCache()
        self.sessions = sessions
        self.endedSessions = FeedFollower(feed: database.feed, from: database.feed.head) { changes in
            for change in changes where change.itemType == "user" && SessionCache.endingActions.contains(change.action) {
                sessions.forget(username: change.itemId)
            }
        }
        self.reads = RememberedReads(feed: database.feed, forgettingOn: ["user", "institution"])
        self.throttle = LoginThrottle(database: database)
    }

    /// The roles that must use two-step log-in in the service (it has no switch; tests may leave it off): those whose
    /// actions change what others see.
    public static let defaultTwoFactorRoles: Set<Role> = [.admin, .security, .auditor, .reviewer]

    /// How long a session may go unused before it ends, unless the service is told otherwise (`--idle-minutes`).
    public static let defaultIdleTimeout: TimeInterval = 30 * 60

    /// How stale a session's last use may get before a request records it again: a write at most once a minute per
    /// session, not one per request.
    static let seenResolution: TimeInterval = 60

    /// The roles the users table accepts, as SQL (GranaryStore's migrations "store 7", "store 4" on PostgreSQL).
    static let rolesSQL = "'learner', 'teacher', 'reviewer', 'admin', 'security', 'auditor'"

    /// Forgets this process's cached sessions of an account whose log-in changed (other nodes learn it from the feed).
    func forgetSessions(of username: String) {
        self.sessions.forget(username: username)
    }

    /// A new account; `institution` is created as a participant when it does not exist yet. Its password must meet
    /// `PasswordPolicy`, except with `checkingPolicy: false`, for accounts whose password is public by design (the
    /// demo's, the bench's).
    public func createUser(
        username: String,
        password: String,
        displayName: String?,
        role: Role,
        institution: String?,
        actor: String?,
        checkingPolicy: Bool = true
    ) async throws -> User {
        var errors: [FieldError] = []
        let username = username.trimmingCharacters(in: .whitespaces)
        if !Self.isValidUsername(username) {
            errors.append(
                FieldError(
                    field: "username",
                    message: LocalizedText(
                        zh: "用户名须为 2–64 个字母、数字、汉字或 . _ -",
                        en: "username must be 2–64 letters, digits, Chinese characters or . _ -"
                    )
                )
            )
        }
        if checkingPolicy {
            errors += PasswordPolicy.problems(password, username: username).map { FieldError(field: "password", message: $0) }
        } else if password.count < 8 || password.utf8.count > 72 {
            errors.append(
                FieldError(field: "password", message: LocalizedText(zh: "密码须为 8–72 字节", en: "password must be 8 to 72 bytes long"))
            )
        }
        let displayName = (displayName?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? username
        if displayName.count > 100 {
            errors.append(FieldError(field: "displayName", message: LocalizedText(zh: "显示名过长", en: "displayName is too long")))
        }
        guard errors.isEmpty else {
            throw GranaryError(.validationFailed, LocalizedText(zh: "账户信息有误", en: "The account data is invalid"), errors: errors)
        }
        let cost = self.bcryptCost
        let hash = try await self.threadPool.runIfActive { Bcrypt.hash(password, cost: cost) }
        let user = User(
            id: UUID().uuidString.lowercased(),
            username: username,
            displayName: displayName,
            role: role,
            institution: institution,
            createdAt: self.database.clock.now()
        )
        try await self.database.write { db in
            if try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM users WHERE \(db.engine.sameUsername)", arguments: [username]) != 0 {
                throw GranaryError(.conflict, LocalizedText(zh: "用户名“\(username)”已被使用", en: "The username '\(username)' is taken"))
            }
            if let institution {
                try db.execute(
                    sql: "INSERT INTO institutions (name, role, createdAt) VALUES (?, 'participant', ?) ON CONFLICT DO NOTHING",
                    arguments: [institution, user.createdAt]
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO users (id, username, displayName, passwordHash, role, institution, createdAt, passwordChangedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [user.id, username, displayName, hash, role.rawValue, institution, user.createdAt, user.createdAt]
            )
            try EventLog.record(
                db,
                actor: actor ?? username,
                action: "user.created",
                itemType: "user",
                itemId: username,
                after: user,
                at: self.database.clock.now()
            )
        }
        return user
    }

    /// Checks a password (and, for an account with two-step log-in, `totp`: an authenticator or recovery code) and
    /// opens a session; nil when the username or password is wrong. Throws `totp_required` when the code is
    /// missing, `totp_invalid` when it is wrong or used, and `RateLimited` while the account or the address is
    /// locked out. Every attempt that fails or is refused is an event with the address it came from, and so is the
    /// failure that locks the account.
    public func logIn(
        username: String,
        password: String,
        totp: String? = nil,
        address: String
    ) async throws -> (token: String, user: User, expiresAt: Date)? {
        do {
            try await self.throttle.check(account: username, address: address)
        } catch let limited as RateLimited {
            try await self.database.write { db in
                try EventLog.record(
                    db,
                    actor: nil,
                    action: "session.failed",
                    itemType: "user",
                    itemId: username,
                    after: ["reason": "locked"],
                    address: address,
                    outcome: "locked",
                    at: self.database.clock.now()
                )
            }
            throw limited
        }
        let now = self.database.clock.now()
        let found = try await self.database.read { db -> (user: User, hash: String)? in
            try db.fetchOne(sql: "SELECT * FROM users WHERE \(db.engine.sameUsername)", arguments: [username]).map {
                (self.user(from: $0, now: now), $0["passwordHash"])
            }
        }
        let hash = found?.hash ?? self.decoyHash
        let matches = try await self.threadPool.runIfActive { Bcrypt.verify(password, hash: hash) }
        guard let user = found?.user, matches else {
            try await self.recordFailure(username: username, address: address, reason: "password")
            return nil
        }
        do {
            try await self.checkSecondFactor(user, code: totp)
        } catch let error as GranaryError where error.code == .totpInvalid {
            // A wrong code counts as a failure like a wrong password: codes cannot be guessed at speed either.
            try await self.recordFailure(username: username, address: address, reason: "totp")
            throw error
        }
        let token = Self.newToken()
        let expiresAt = now.addingTimeInterval(self.tokenLifetime)
        try await self.database.write { db in
            // Sessions that ended long ago are of no use to anyone; dropping them keeps the table small.
            try db.execute(sql: "DELETE FROM tokens WHERE expiresAt < ?", arguments: [now.addingTimeInterval(-7 * 24 * 3600)])
            try db.execute(
                sql: "INSERT INTO tokens (tokenHash, userId, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
                arguments: [Self.digest(token), user.id, now, expiresAt]
            )
            try self.throttle.forgetFailures(db, account: username)
            try EventLog.record(
                db,
                actor: user.username,
                action: "session.created",
                itemType: "user",
                itemId: user.username,
                address: address,
                outcome: "success",
                at: self.database.clock.now()
            )
        }
        return (token, user, expiresAt)
    }

    /// A failed log-in: counted against the account and the address, and an event; the failure that locks the
    /// account is a second event, `user.locked`.
    func recordFailure(username: String, address: String, reason: String) async throws {
        let now = self.database.clock.now()
        try await self.database.write { db in
            let locked = try self.throttle.recordFailure(db, account: username, address: address, now: now)
            try EventLog.record(
                db,
                actor: nil,
                action: "session.failed",
                itemType: "user",
                itemId: username,
                after: ["reason": reason],
                address: address,
                outcome: "failure",
                at: now
            )
            if locked {
                try EventLog.record(
                    db,
                    actor: nil,
                    action: "user.locked",
                    itemType: "user",
                    itemId: username,
                    after: ["minutes": self.throttle.lockMinutes],
                    address: address,
                    outcome: "locked",
                    at: now
                )
            }
        }
    }

    /// The accounts locked out now (for the security administrator's page).
    public func lockedAccounts() async throws -> [(username: String, failures: Int, until: Date)] {
        try await self.throttle.lockedAccounts()
    }

    /// Ends an account's lock-out before its time (a security administrator's duty).
    public func unlock(username: String, actor: User, address: String? = nil) async throws {
        guard actor.role == .security else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有安全管理员能解锁账户", en: "Only security administrators unlock accounts"))
        }
        try await self.database.write { db in
            guard let account = try db.fetchOne(String.self, sql: "SELECT username FROM users WHERE \(db.engine.sameUsername)", arguments: [username])
            else {
                throw GranaryError.notFound(LocalizedText(zh: "用户", en: "User"), username)
            }
            let wasLocked = try self.throttle.forgetFailures(db, account: account)
            try EventLog.record(
                db,
                actor: actor.username,
                action: "user.unlocked",
                itemType: "user",
                itemId: account,
                after: ["hadFailures": wasLocked],
                address: address,
                outcome: "success",
                at: self.database.clock.now()
            )
        }
    }

    /// 32 random bytes, base64url without padding: a session's or a personal access token's secret.
    static func newToken() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The account a live token belongs to; nil when the token is unknown, expired, revoked, or (a session, not a
    /// personal access token) unused for longer than `idleTimeout`.
    ///
    /// A session's last use is recorded at most once a minute, and a session this process remembers is trusted for at
    /// most a minute, so a session ends between `idleTimeout` and two minutes more after its last request.
    public func user(forToken token: String, now: Date? = nil) async throws -> User? {
        let now = now ?? self.database.clock.now()
        let digest = Self.digest(token)
        // Free when nothing committed since the last request; else one read of the new events.
        if !self.endedSessions.isCurrent { try await self.endedSessions.catchUp() }
        if let user = self.sessions.user(digest, now: now) { return user }
        let found = try await self.database.read { db in
            try db.fetchOne(
                sql: """
                    SELECT users.*, tokens.expiresAt AS tokenExpiresAt, COALESCE(tokens.lastSeenAt, tokens.createdAt) AS tokenSeenAt,
                        tokens.name AS tokenName
                    FROM tokens JOIN users ON users.id = tokens.userId
                    WHERE tokens.tokenHash = ? AND tokens.expiresAt > ? AND tokens.revokedAt IS NULL
                    """,
                arguments: [digest, now]
            ).map {
                (
                    user: self.user(from: $0, now: now), expiresAt: $0["tokenExpiresAt"] as Date, seenAt: $0["tokenSeenAt"] as Date,
                    personal: ($0["tokenName"] as String?) != nil
                )
            }
        }
        // A personal access token is a program's key, used now and then: it ends when it expires or is revoked.
        guard let found, found.personal || now.timeIntervalSince(found.seenAt) <= self.idleTimeout else { return nil }
        if now.timeIntervalSince(found.seenAt) >= Self.seenResolution {
            try await self.database.write { db in
                try db.execute(sql: "UPDATE tokens SET lastSeenAt = ? WHERE tokenHash = ?", arguments: [now, digest])
            }
        }
        // Trusted for a minute at most, and never past the moment it would go idle.
        self.sessions.remember(digest, user: found.user, expiresAt: min(found.expiresAt, now.addingTimeInterval(self.idleTimeout)), now: now)
        return found.user
    }

    /// Ends the session of `token` (log-out).
    public func revoke(token: String, actor: String) async throws {
        try await self.database.write { db in
            try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE tokenHash = ?", arguments: [self.database.clock.now(), Self.digest(token)])
            try EventLog.record(db, actor: actor, action: "session.revoked", itemType: "user", itemId: actor, at: self.database.clock.now())
        }
        self.sessions.forget(digest: Self.digest(token))
    }

    /// Gives an account another role (a security administrator's duty); its open sessions end so the new role
    /// applies at once. The three administrators' roles are neither given nor taken this way: the operator creates
    /// those accounts at the console (`granary users add`), so no account gathers two duties.
    public func changeRole(username: String, to role: Role, actor: User, address: String? = nil) async throws -> User {
        guard actor.role == .security else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有安全管理员能修改角色", en: "Only security administrators change roles"))
        }
        let duties = LocalizedText(
            zh: "系统管理员、安全管理员和审计管理员的账户只能由运维人员在服务器上用 granary users add 设立，不能在线授予或改为其他角色（三权分立）",
            en:
                "Administrator, security and auditor accounts are created by the operator with `granary users add`; their roles are not given or changed online"
        )
        guard !Role.duties.contains(role) else { throw GranaryError.forbidden(duties) }
        defer { self.sessions.forget(username: username) }
        return try await self.database.write { db in
            guard
                let before = try db.fetchOne(sql: "SELECT * FROM users WHERE \(db.engine.sameUsername)", arguments: [username]).map(Self.user(from:))
            else {
                throw GranaryError.notFound(LocalizedText(zh: "用户", en: "User"), username)
            }
            guard before.id != actor.id else {
                throw GranaryError.forbidden(LocalizedText(zh: "不能修改自己的角色", en: "Nobody changes their own role"))
            }
            guard !Role.duties.contains(before.role) else { throw GranaryError.forbidden(duties) }
            try db.execute(sql: "UPDATE users SET role = ? WHERE id = ?", arguments: [role.rawValue, before.id])
            try db.execute(
                sql: "UPDATE tokens SET revokedAt = ? WHERE userId = ? AND revokedAt IS NULL",
                arguments: [self.database.clock.now(), before.id]
            )
            let after = User(
                id: before.id,
                username: before.username,
                displayName: before.displayName,
                role: role,
                institution: before.institution,
                createdAt: before.createdAt
            )
            try EventLog.record(
                db,
                actor: actor.username,
                action: "user.role_changed",
                itemType: "user",
                itemId: before.username,
                before: before,
                after: after,
                address: address,
                outcome: "success",
                at: self.database.clock.now()
            )
            return after
        }
    }

    // MARK: - Institutions

    /// How many host institutions (主持单位) a library may have.
    public static let maximumHosts = 3

    /// Every institution with its role and number of accounts.
    public func institutions() async throws -> [Institution] {
        try await self.reads.answer("institutions") {
            try await self.database.read { db in
                try db.fetchAll(
                    sql: """
                        SELECT i.name, i.role, (SELECT COUNT(*) FROM users u WHERE u.institution = i.name) AS accounts
                        FROM institutions i ORDER BY i.role = 'participant', i.name
                        """
                ).map { Institution(name: $0["name"], role: InstitutionRole(rawValue: $0["role"])!, accounts: $0["accounts"]) }
            }
        }
    }

    /// Adds an institution, or changes its role; at most three are hosts.
    public func setInstitution(name: String, role: InstitutionRole, actor: User) async throws -> Institution {
        guard actor.role == .admin else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有管理员能维护院校", en: "Only admins manage institutions"))
        }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count) else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "院校名称应为 1–100 字", en: "name must be 1 to 100 characters"),
                errors: [FieldError(field: "name", message: LocalizedText(zh: "名称有误", en: "invalid name"))]
            )
        }
        return try await self.database.write { db in
            let before = try db.fetchOne(String.self, sql: "SELECT role FROM institutions WHERE name = ?", arguments: [name])
            if role == .host, before != InstitutionRole.host.rawValue {
                let hosts = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM institutions WHERE role = 'host'") ?? 0
                guard hosts < Self.maximumHosts else {
                    throw GranaryError(.conflict, LocalizedText(zh: "主持单位最多 3 个", en: "A library has at most 3 host institutions"))
                }
            }
            try db.execute(
                sql: "INSERT INTO institutions (name, role, createdAt) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET role = excluded.role",
                arguments: [name, role.rawValue, self.database.clock.now()]
            )
            try EventLog.record(
                db,
                actor: actor.username,
                action: before == nil ? "institution.created" : "institution.updated",
                itemType: "institution",
                itemId: name,
                before: before.map { ["role": $0] },
                after: ["role": role.rawValue],
                at: self.database.clock.now()
            )
            let accounts = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM users WHERE institution = ?", arguments: [name]) ?? 0
            return Institution(name: name, role: role, accounts: accounts)
        }
    }

    /// The account with this username.
    public func user(named username: String) async throws -> User? {
        try await self.database.read { db in
            try db.fetchOne(sql: "SELECT * FROM users WHERE \(db.engine.sameUsername)", arguments: [username]).map(Self.user(from:))
        }
    }

    /// Whether no account exists yet (a fresh store).
    public func isEmpty() async throws -> Bool {
        try await self.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM users") == 0 }
    }

    /// The usernames of the accounts `ids`, for other targets that keep user ids and show names; unknown ids are
    /// left out. Inside the caller's transaction.
    public static func usernames(_ db: any SQLConnection, ids: some Collection<String>) throws -> [String: String] {
        var names = Self.knownUsernames.withLock { known in
            var names: [String: String] = [:]
            for id in ids { names[id] = known[id] }
            return names
        }
        let missing = Set(ids).subtracting(names.keys)
        guard !missing.isEmpty else { return names }
        let found = try Self.people(db, ids: missing).mapValues(\.username)
        names.merge(found) { _, new in new }
        Self.knownUsernames.withLock { known in
            if known.count + found.count > Self.knownUsernameLimit { known.removeAll(keepingCapacity: true) }
            known.merge(found) { _, new in new }
        }
        return names
    }

    /// Usernames by account id, as read: an account's id and username never change (closing keeps the username), so
    /// each process remembers them and a list of authors costs no read once its names are known (on PostgreSQL, a
    /// round trip saved). Forgotten all at once beyond the limit.
    private static let knownUsernames = Mutex<[String: String]>([:])
    private static let knownUsernameLimit = 100_000

    /// The username of the account `id`, or the id itself for an account that no longer exists.
    public static func username(_ db: any SQLConnection, id: String) throws -> String {
        try Self.usernames(db, ids: [id])[id] ?? id
    }

    /// The accounts `ids` by id; unknown ids are left out. Inside the caller's transaction.
    public static func people(_ db: any SQLConnection, ids: some Collection<String>) throws -> [String: User] {
        guard !ids.isEmpty else { return [:] }
        var people: [String: User] = [:]
        for row in try db.fetchAll(
            sql: "SELECT * FROM users WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
            arguments: SQLArguments(Array(ids))
        ) {
            people[row["id"]] = Self.user(from: row)
        }
        return people
    }

    /// Every account of `roles`, by username. Inside the caller's transaction.
    public static func accounts(_ db: any SQLConnection, roles: Set<Role>) throws -> [User] {
        try db.fetchAll(
            sql: "SELECT * FROM users WHERE role IN (\(databaseQuestionMarks(count: roles.count))) ORDER BY username",
            arguments: SQLArguments(roles.map(\.rawValue).sorted())
        ).map(Self.user(from:))
    }

    /// The account of a users row, with whether it must change its password first as of `now`.
    func user(from row: SQLRow, now: Date) -> User {
        var user = Self.user(from: row)
        let changedAt = row["passwordChangedAt"] as Date? ?? user.createdAt
        user.passwordChangeRequired =
            (row["mustChangePassword"] as Int? ?? 0) != 0 || self.passwordPolicy.hasExpired(changedAt, role: user.role, now: now)
        return user
    }

    static func user(from row: SQLRow) -> User {
        User(
            id: row["id"],
            username: row["username"],
            displayName: row["displayName"],
            role: Role(rawValue: row["role"])!,
            institution: row["institution"],
            createdAt: row["createdAt"],
            twoFactor: row["totpConfirmedAt"] as Date? != nil
        )
    }

    static func isValidUsername(_ name: String) -> Bool {
        guard (2...64).contains(name.count) else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar)
                || (0x4E00...0x9FFF).contains(scalar.value)
        }
    }

    static func digest(_ token: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(token.utf8)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Sessions this process has looked up, by token digest. An entry is trusted for at most a minute (and never past
/// the token's expiry); log-out and role changes forget their account's entries at once in this process, and in
/// another over the same database as soon as it sees their events in the change feed (within a quarter second
/// while it serves).
final class SessionCache: Sendable {
    /// The events after which an account's sessions must be looked up again.
    static let endingActions: Set<String> = [
        "session.revoked", "user.role_changed", "totp.enabled", "totp.disabled", "user.password_changed", "user.password_reset",
        "user.closed",
    ]

    private struct Entry {
        let user: User
        let until: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    static let trusted: TimeInterval = 60
    static let capacity = 10_000

    func user(_ digest: String, now: Date) -> User? {
        self.entries.withLock { entries in
            guard let entry = entries[digest] else { return nil }
            guard entry.until > now else {
                entries.removeValue(forKey: digest)
                return nil
            }
            return entry.user
        }
    }

    func remember(_ digest: String, user: User, expiresAt: Date, now: Date) {
        self.entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[digest] = Entry(user: user, until: min(expiresAt, now.addingTimeInterval(Self.trusted)))
        }
    }

    func forget(digest: String) {
        _ = self.entries.withLock { $0.removeValue(forKey: digest) }
    }

    func forget(username: String) {
        self.entries.withLock { entries in entries = entries.filter { $0.value.user.username != username } }
    }
}
