/// An account's role (角色); it decides what the account may see and change.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Learner (学习者): students, employees and social learners; see approved content only.
    case learner
    /// Teacher (教师): uploads resources and writes questions.
    case teacher
    /// Reviewer (审核员): approves or rejects content, never their own.
    case reviewer
    /// System administrator (系统管理员): manages majors, the course system and institutions.
    case admin
    /// Security administrator (安全管理员): gives accounts their roles and unlocks locked accounts; nothing else.
    case security
    /// Audit administrator (审计管理员): reads and exports the audit trail; nothing else.
    case auditor
}

extension Role {
    /// The role's name on pages and in messages.
    public var chineseName: String {
        switch self {
        case .learner: "学习者"
        case .teacher: "教师"
        case .reviewer: "审核员"
        case .admin: "系统管理员"
        case .security: "安全管理员"
        case .auditor: "审计管理员"
        }
    }
}

extension Role {
    /// The three administrators of 三权分立 (separation of duties): each account holds at most one of these duties,
    /// and only the operator gives them (`granary users add`), never another account.
    public static let duties: Set<Role> = [.admin, .security, .auditor]
}
