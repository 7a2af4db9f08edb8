/// The six question types of the bank (题型).
public enum QuestionType: String, Codable, Sendable, CaseIterable {
    /// 单选题: one option id.
    case single
    /// 多选题: several option ids.
    case multiple
    /// 判断题: true or false.
    case judge
    /// 填空题: one accepted answer (or several) per blank.
    case fill
    /// 简答题: reference text, graded by a teacher.
    case short
    /// 综合实践题: reference text, scored by a rubric of criteria and points.
    case practical

    /// Whether the answer can be scored at once, without a teacher.
    public var isObjective: Bool {
        switch self {
        case .single, .multiple, .judge, .fill: true
        case .short, .practical: false
        }
    }
}
