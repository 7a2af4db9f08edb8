import Crypto
import Foundation
import GranaryModel

/// Two-step log-in (两步验证, 身份鉴别 with two combined techniques): a password and a code from an authenticator app
/// (TOTP), or one of ten one-time recovery codes when the phone is lost.
///
/// An account enrols in two steps: `startTwoFactor` makes a secret (shown as text, `otpauth://` address and QR code)
/// that counts for nothing until `confirmTwoFactor` receives a code made from it, so a secret the app never read
/// cannot lock the account. Each code logs in once: the step of the last code used is kept, and a code of that step
/// or an earlier one is refused (replay). The secret is kept in the database in clear, as the server must compute
/// codes from it; encrypting it with a key outside the database comes with the other personal data.
extension Accounts {
    /// What enrolment shows once: the secret, the address an app reads, and that address as a QR code (SVG).
    public struct TwoFactorEnrolment: Sendable, Encodable {
        public let secret: String
        public let uri: String
        public let qr: String
    }

    /// The name apps show beside the account.
    public static let issuer = "Granary"
    /// How many recovery codes an enrolment gives.
    public static let recoveryCodeCount = 10

    /// Starts (or starts again) enrolment with a new secret; refused while two-step log-in is on.
    public func startTwoFactor(user: User) async throws -> TwoFactorEnrolment {
        let totp = TOTP.generate()
        try await self.database.write { db in
            let confirmed = try db.fetchOne(
                Date.self,
                sql: "SELECT totpConfirmedAt FROM users WHERE id = ?",
                arguments: [user.id]
            )
            guard confirmed == nil else {
                throw GranaryError(
                    .conflict,
                    LocalizedText(zh: "两步验证已启用；如需更换手机，请先关闭再重新启用", en: "Two-step log-in is on; turn it off before enrolling again")
                )
            }
            try self.sealingKey.check(db, recording: true)
            try db.execute(
                sql: "UPDATE users SET totpSecret = ?, totpConfirmedAt = NULL, totpLastCounter = NULL WHERE id = ?",
                arguments: [try self.sealingKey.seal(totp.base32, field: Self.secretField), user.id]
            )
        }
        let uri = totp.uri(account: user.username, issuer: Self.issuer)
        return TwoFactorEnrolment(secret: totp.base32, uri: uri, qr: try QRCode(uri).svg())
    }

    /// The enrolment started and not yet confirmed, shown again (say, after a mistyped code); nil when there is none.
    public func pendingTwoFactor(user: User) async throws -> TwoFactorEnrolment? {
        let secret = try await self.database.read { db in
            try db.fetchOne(String.self, sql: "SELECT totpSecret FROM users WHERE id = ? AND totpConfirmedAt IS NULL", arguments: [user.id])
                .map { try self.sealingKey.open($0, field: Self.secretField) }
        }
        guard let secret, let bytes = Base32.decode(secret) else { return nil }
        let uri = TOTP(secret: bytes).uri(account: user.username, issuer: Self.issuer)
        return TwoFactorEnrolment(secret: secret, uri: uri, qr: try QRCode(uri).svg())
    }

    /// Turns two-step log-in on once `code` shows the app holds the secret; returns the recovery codes, shown this once.
    public func confirmTwoFactor(user: User, code: String) async throws -> [String] {
        let now = self.database.clock.now()
        let codes = (0..<Self.recoveryCodeCount).map { _ in Self.newRecoveryCode() }
        try await self.database.write { db in
            guard
                let row = try db.fetchOne(sql: "SELECT totpSecret, totpConfirmedAt FROM users WHERE id = ?", arguments: [user.id]),
                let secret = try (row["totpSecret"] as String?).map({ try self.sealingKey.open($0, field: Self.secretField) }).flatMap(Base32.decode)
            else {
                throw GranaryError(.conflict, LocalizedText(zh: "请先开始启用两步验证", en: "Start enrolment first"))
            }
            guard row["totpConfirmedAt"] as Date? == nil else {
                throw GranaryError(.conflict, LocalizedText(zh: "两步验证已启用", en: "Two-step log-in is already on"))
            }
            guard let counter = TOTP(secret: secret).matchingCounter(code, at: now) else {
                throw Self.invalidCode
            }
            try db.execute(
                sql: "UPDATE users SET totpConfirmedAt = ?, totpLastCounter = ? WHERE id = ?",
                arguments: [now, counter, user.id]
            )
            try db.execute(sql: "DELETE FROM recoveryCodes WHERE userId = ?", arguments: [user.id])
            for code in codes {
                try db.execute(
                    sql: "INSERT INTO recoveryCodes (userId, codeHash) VALUES (?, ?)",
                    arguments: [user.id, Self.digest(Self.normalised(code))]
                )
            }
            try EventLog.record(db, actor: user.username, action: "totp.enabled", itemType: "user", itemId: user.username, at: now)
        }
        self.forgetSessions(of: user.username)
        return codes
    }

    /// Turns two-step log-in off, with a current code or a recovery code; refused for roles that must keep it.
    public func removeTwoFactor(user: User, code: String) async throws {
        guard !self.twoFactorRoles.contains(user.role) else {
            throw GranaryError.forbidden(
                LocalizedText(
                    zh: "“\(user.role.chineseName)”角色必须使用两步验证，不能关闭",
                    en: "Accounts of role '\(user.role.rawValue)' must keep two-step log-in"
                )
            )
        }
        let now = self.database.clock.now()
        try await self.database.write { db in
            guard try self.twoFactorSecret(db, user: user.id) != nil else {
                throw GranaryError(.conflict, LocalizedText(zh: "两步验证未启用", en: "Two-step log-in is off"))
            }
            guard try self.useSecondFactor(db, user: user.id, code: code, at: now) else { throw Self.invalidCode }
            try db.execute(
                sql: "UPDATE users SET totpSecret = NULL, totpConfirmedAt = NULL, totpLastCounter = NULL WHERE id = ?",
                arguments: [user.id]
            )
            try db.execute(sql: "DELETE FROM recoveryCodes WHERE userId = ?", arguments: [user.id])
            try EventLog.record(db, actor: user.username, action: "totp.disabled", itemType: "user", itemId: user.username, at: now)
        }
        self.forgetSessions(of: user.username)
    }

    /// Enrols an account at once with a secret the operator hands over (`granary users add`, the demo); returns it.
    public func enrolTwoFactor(username: String, secret: TOTP = .generate(), actor: String) async throws -> TOTP {
        let now = self.database.clock.now()
        try await self.database.write { db in
            try self.sealingKey.check(db, recording: true)
            let enrolled = try db.fetchOne(
                String.self,
                sql: "UPDATE users SET totpSecret = ?, totpConfirmedAt = ?, totpLastCounter = NULL WHERE \(db.engine.sameUsername) RETURNING id",
                arguments: [try self.sealingKey.seal(secret.base32, field: Self.secretField), now, username]
            )
            guard enrolled != nil else { throw GranaryError.notFound(LocalizedText(zh: "账户", en: "Account"), username) }
            try EventLog.record(db, actor: actor, action: "totp.enabled", itemType: "user", itemId: username, at: now)
        }
        self.forgetSessions(of: username)
        return secret
    }

    /// The second step of a log-in: nothing when the account has no two-step log-in, else `code` must be a current
    /// authenticator code not used before or an unused recovery code. Throws `totp_required` or `totp_invalid`.
    func checkSecondFactor(_ user: User, code: String?) async throws {
        guard user.twoFactor else { return }
        guard let code, !code.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw GranaryError(
                .totpRequired,
                LocalizedText(zh: "此账户已启用两步验证，请输入身份验证器中的 6 位动态验证码", en: "Enter the 6-digit code from your authenticator app")
            )
        }
        let now = self.database.clock.now()
        let accepted = try await self.database.write { db in try self.useSecondFactor(db, user: user.id, code: code, at: now) }
        guard accepted else { throw Self.invalidCode }
    }

    // MARK: Inside a transaction

    /// The secret, when enrolment was confirmed and the step of the last code used, on the account; recovery codes
    /// as SHA-256 digests, each used once (GranaryStore's migration "store 6", "store 3" on PostgreSQL).
    static func twoFactorSchemaSQL(dates: String, integers: String) -> String {
        """
        ALTER TABLE users ADD COLUMN totpSecret TEXT;
        ALTER TABLE users ADD COLUMN totpConfirmedAt \(dates);
        ALTER TABLE users ADD COLUMN totpLastCounter \(integers);
        CREATE TABLE recoveryCodes (
            userId TEXT NOT NULL REFERENCES users(id),
            codeHash TEXT NOT NULL,
            usedAt \(dates),
            PRIMARY KEY (userId, codeHash)
        );
        """
    }

    static let invalidCode = GranaryError(
        .totpInvalid,
        LocalizedText(zh: "动态验证码错误、已使用过或已过期", en: "The code is wrong, already used, or expired")
    )

    /// The column the secret is sealed for.
    static let secretField = "users.totpSecret"

    /// The confirmed secret of an account, or nil when two-step log-in is off.
    func twoFactorSecret(_ db: any SQLConnection, user: String) throws -> TOTP? {
        guard
            let sealed = try db.fetchOne(
                String.self,
                sql: "SELECT totpSecret FROM users WHERE id = ? AND totpConfirmedAt IS NOT NULL",
                arguments: [user]
            ),
            let secret = Base32.decode(try self.sealingKey.open(sealed, field: Self.secretField))
        else { return nil }
        return TOTP(secret: secret)
    }

    /// Seals the secrets kept in clear before sealing came (GranaryStore's migration "store 8"): the key is outside
    /// the database, so no migration can; every start does, and finds none after the first.
    public func sealClearSecrets() async throws -> Int {
        try await self.database.write { db in
            let clear = try db.fetchAll(sql: "SELECT id, totpSecret FROM users WHERE totpSecret IS NOT NULL AND totpSecret NOT LIKE 'v1:%'")
            guard !clear.isEmpty else { return 0 }
            try self.sealingKey.check(db, recording: true)
            for row in clear {
                try db.execute(
                    sql: "UPDATE users SET totpSecret = ? WHERE id = ?",
                    arguments: [try self.sealingKey.seal(row["totpSecret"], field: Self.secretField), row["id"] as String]
                )
            }
            return clear.count
        }
    }

    /// Uses `code` up: an authenticator code of a step after the last one used, or an unused recovery code. Whether
    /// it was one. The step moves on in the same statement that checks it, so two nodes cannot both accept a code.
    func useSecondFactor(_ db: any SQLConnection, user: String, code: String, at now: Date) throws -> Bool {
        guard let totp = try self.twoFactorSecret(db, user: user) else { return false }
        if let counter = totp.matchingCounter(code, at: now) {
            return try db.fetchOne(
                String.self,
                sql: "UPDATE users SET totpLastCounter = ? WHERE id = ? AND (totpLastCounter IS NULL OR totpLastCounter < ?) RETURNING id",
                arguments: [counter, user, counter]
            ) != nil
        }
        return try db.fetchOne(
            String.self,
            sql: "UPDATE recoveryCodes SET usedAt = ? WHERE userId = ? AND codeHash = ? AND usedAt IS NULL RETURNING userId",
            arguments: [now, user, Self.digest(Self.normalised(code))]
        ) != nil
    }

    /// Ten characters of Base32 in two groups (`abcde-fghij`): 50 bits, typed once.
    static func newRecoveryCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let text = Base32.encode((0..<7).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).prefix(10).lowercased()
        return text.prefix(5) + "-" + text.suffix(5)
    }

    /// A recovery code as typed, without case, spaces or dashes.
    static func normalised(_ code: String) -> String {
        code.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}
