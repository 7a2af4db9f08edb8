import Foundation

/// An account: a person who logs in with a username and password.
public struct User: Codable, Sendable, Equatable {
    /// Stable identifier (a lowercase UUID).
    public let id: String
    /// Unique login name.
    public let username: String
    /// Name shown to others.
    public let displayName: String
    /// What the account may do.
    public let role: Role
    /// The institution (院校/单位) the account belongs to, if any.
    public let institution: String?
    /// When the account was created.
    public let createdAt: Date
    /// Whether log-in also asks for a code from the account's authenticator app (两步验证).
    public let twoFactor: Bool
    /// Whether the account must choose a new password before anything else: the security administrator set a
    /// temporary one, or a privileged account's password is older than the library allows.
    public var passwordChangeRequired: Bool = false

    /// Creates a user value.
    public init(
        id: String,
        username: String,
        displayName: String,
        role: Role,
        institution: String?,
        createdAt: Date,
        twoFactor: Bool = false
    ) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.institution = institution
        self.createdAt = createdAt
        self.twoFactor = twoFactor
    }

    private enum CodingKeys: String, CodingKey {
        case id, username, displayName, role, institution, createdAt, twoFactor, passwordChangeRequired
    }

    /// Reads an account as the API writes it; one written before two-step log-in existed has none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(String.self, forKey: .id)
        self.username = try container.decode(String.self, forKey: .username)
        self.displayName = try container.decode(String.self, forKey: .displayName)
        self.role = try container.decode(Role.self, forKey: .role)
        self.institution = try container.decodeIfPresent(String.self, forKey: .institution)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.twoFactor = try container.decodeIfPresent(Bool.self, forKey: .twoFactor) ?? false
        self.passwordChangeRequired = try container.decodeIfPresent(Bool.self, forKey: .passwordChangeRequired) ?? false
    }
}
