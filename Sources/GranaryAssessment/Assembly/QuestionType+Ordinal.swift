import GranaryModel

extension QuestionType {
    /// Position in `allCases`, for flat per-type arrays in the solver's inner loops (a switch, not a hash).
    var ordinal: Int {
        switch self {
        case .single: 0
        case .multiple: 1
        case .judge: 2
        case .fill: 3
        case .short: 4
        case .practical: 5
        }
    }

    /// Number of question types.
    static let ordinalCount = 6
}
