import Foundation
import GranaryModel

/// What a new password must be (等保三级 身份鉴别: complexity and regular change).
///
/// At least 10 characters, of at least three of four classes (lower case, upper case, digits, anything else), not
/// the username nor holding it, and none of the account's last five. A privileged account's password expires after
/// `maximumAge`; a password the security administrator set for someone else must be changed at its first use.
public struct PasswordPolicy: Sendable {
    /// The fewest characters.
    public static let minimumLength = 10
    /// The fewest character classes of the four.
    public static let minimumClasses = 3
    /// How many of the account's passwords (the current one included) a new one may not repeat.
    public static let remembered = 5
    /// How long a privileged account's password lasts, unless the service is told otherwise (`--password-days`).
    public static let defaultMaximumAge: TimeInterval = 180 * 24 * 3600

    /// How long a privileged account's password lasts.
    public let maximumAge: TimeInterval
    /// The roles whose passwords expire.
    public let expiringRoles: Set<Role>

    public init(maximumAge: TimeInterval = Self.defaultMaximumAge, expiringRoles: Set<Role> = Role.duties.union([.reviewer])) {
        self.maximumAge = maximumAge
        self.expiringRoles = expiringRoles
    }

    /// What is wrong with `password` as `username`'s new password, in Chinese and English; empty when it will do.
    public static func problems(_ password: String, username: String) -> [LocalizedText] {
        var problems: [LocalizedText] = []
        if password.count < Self.minimumLength || password.utf8.count > 72 {
            problems.append(LocalizedText(zh: "密码须为 10 个字符以上（最多 72 字节）", en: "a password has 10 characters or more (at most 72 bytes)"))
        }
        let classes = [
            password.contains { $0.isLowercase }, password.contains { $0.isUppercase }, password.contains { $0.isNumber },
            password.contains { !$0.isLowercase && !$0.isUppercase && !$0.isNumber },
        ].filter { $0 }.count
        if classes < Self.minimumClasses {
            problems.append(
                LocalizedText(
                    zh: "密码须包含小写字母、大写字母、数字、其他符号中的至少三类",
                    en: "a password holds at least three of: lower case, upper case, digits, other characters"
                )
            )
        }
        let name = username.lowercased()
        if name.count >= 3, password.lowercased().contains(name) {
            problems.append(LocalizedText(zh: "密码不能包含用户名", en: "a password does not hold the username"))
        }
        return problems
    }

    /// `problems` as the 422 a client gets, or nil.
    static func refusal(_ password: String, username: String, field: String = "password") -> GranaryError? {
        let problems = Self.problems(password, username: username)
        guard !problems.isEmpty else { return nil }
        return GranaryError(
            .validationFailed,
            LocalizedText(
                zh: "密码不符合要求：" + problems.map(\.zh).joined(separator: "；"),
                en: "The password is too weak: " + problems.map(\.en).joined(separator: "; ")
            ),
            errors: problems.map { FieldError(field: field, message: $0) }
        )
    }

    /// Whether a password set at `changedAt` must be changed by now for an account of `role`.
    func hasExpired(_ changedAt: Date, role: Role, now: Date) -> Bool {
        self.expiringRoles.contains(role) && now.timeIntervalSince(changedAt) > self.maximumAge
    }

    /// A temporary password that meets the policy: 16 characters from an alphabet without look-alikes, with every
    /// class, for the security administrator to hand over once.
    public static func temporary() -> String {
        let lower = Array("abcdefghijkmnpqrstuvwxyz")
        let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let digits = Array("23456789")
        let other = Array("-_.+")
        let all = lower + upper + digits
        var random = SystemRandomNumberGenerator()
        var characters = [lower.randomElement(using: &random)!, upper.randomElement(using: &random)!, digits.randomElement(using: &random)!]
        characters.append(other.randomElement(using: &random)!)
        while characters.count < 16 { characters.append(all.randomElement(using: &random)!) }
        characters.shuffle(using: &random)
        return String(characters)
    }
}
