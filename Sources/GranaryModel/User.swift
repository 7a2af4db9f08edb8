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

    /// Creates a user value.
    public init(id: String, username: String, displayName: String, role: Role, institution: String?, createdAt: Date) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.institution = institution
        self.createdAt = createdAt
    }
}
