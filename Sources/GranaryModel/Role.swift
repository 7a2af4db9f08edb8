/// An account's role (角色); it decides what the account may see and change.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Learner (学习者): students, employees and social learners; see approved content only.
    case learner
    /// Teacher (教师): uploads resources and writes questions.
    case teacher
    /// Reviewer (审核员): approves or rejects content, never their own.
    case reviewer
    /// Administrator: manages majors, users and institutions.
    case admin
}

extension Role {
    /// The role's name on pages and in messages.
    public var chineseName: String {
        switch self {
        case .learner: "学习者"
        case .teacher: "教师"
        case .reviewer: "审核员"
        case .admin: "管理员"
        }
    }
}
