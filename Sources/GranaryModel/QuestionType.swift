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

    /// The type's Chinese name: 单选、多选、判断、填空、简答、综合实践.
    public var chinese: String {
        switch self {
        case .single: "单选"
        case .multiple: "多选"
        case .judge: "判断"
        case .fill: "填空"
        case .short: "简答"
        case .practical: "综合实践"
        }
    }

    /// Whether the answer can be scored at once, without a teacher.
    public var isObjective: Bool {
        switch self {
        case .single, .multiple, .judge, .fill: true
        case .short, .practical: false
        }
    }
}
