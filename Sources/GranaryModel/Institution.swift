/// The part an institution plays in building the library.
public enum InstitutionRole: String, Codable, Sendable, CaseIterable {
    /// 主持单位: at most three; their teachers' and learners' use is what the report's usage coverage measures.
    case host
    /// 参与单位.
    case participant
}

/// Institution (院校/单位) that accounts belong to.
public struct Institution: Codable, Sendable, Equatable {
    /// Its name, unique.
    public let name: String
    public let role: InstitutionRole
    /// How many accounts belong to it.
    public let accounts: Int

    /// Creates an institution value.
    public init(name: String, role: InstitutionRole, accounts: Int) {
        self.name = name
        self.role = role
        self.accounts = accounts
    }
}
