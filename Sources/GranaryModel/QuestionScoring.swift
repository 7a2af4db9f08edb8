import Foundation

/// How an objective question's answers earn points when the bank's plain rule is not what its author meant (评分规则).
///
/// Without it: `single`, `multiple` and `judge` are all or nothing; each `fill` blank earns an equal share, its
/// accepted answers compared as text after trimming, full-width letters read as half-width and case ignored. With it,
/// a question can give points per option (partial credit, a penalty for a wrong choice), compare a blank as a number
/// within a tolerance or rounded, compare letters case-sensitively, weigh blanks and accepted answers, take each answer
/// of a group of blanks once (名称三种…), or give points only when every blank is right. QTI response processing and
/// Moodle's scoring become this on import and come back out of it on export.
public struct QuestionScoring: Codable, Sendable, Equatable {
    /// How one blank of a `fill` question is compared and what it is worth.
    public struct Blank: Codable, Sendable, Equatable {
        /// Points a right answer earns (nil: the question's score split evenly over the blanks).
        public var points: Double?
        /// Points of each accepted answer in order, when they differ (a less exact answer worth less); nil: all earn
        /// `points`.
        public var answerPoints: [Double]?
        /// Letters compared case-sensitively (`Fe` is not `fe`); nil or false: case ignored.
        public var caseSensitive: Bool?
        /// Compared as a number; every accepted answer is then a number.
        public var numeric: Numeric?

        /// Creates a blank rule.
        public init(points: Double? = nil, answerPoints: [Double]? = nil, caseSensitive: Bool? = nil, numeric: Numeric? = nil) {
            self.points = points
            self.answerPoints = answerPoints
            self.caseSensitive = caseSensitive
            self.numeric = numeric
        }
    }

    /// How a number answer matches an accepted number: exactly, within a tolerance, or once both are rounded.
    public struct Numeric: Codable, Sendable, Equatable {
        /// Largest difference accepted, in the answer's unit (±).
        public var tolerance: Double?
        /// Largest difference accepted, in percent of the accepted value (±).
        public var relativeTolerance: Double?
        /// Both rounded to this many significant figures before comparing.
        public var significantFigures: Int?
        /// Both rounded to this many decimal places before comparing.
        public var decimalPlaces: Int?

        /// Creates a numeric rule; no field set means exactly equal.
        public init(tolerance: Double? = nil, relativeTolerance: Double? = nil, significantFigures: Int? = nil, decimalPlaces: Int? = nil) {
            self.tolerance = tolerance
            self.relativeTolerance = relativeTolerance
            self.significantFigures = significantFigures
            self.decimalPlaces = decimalPlaces
        }

        /// Whether `given` matches `accepted` under this rule.
        public func matches(_ given: Double, _ accepted: Double) -> Bool {
            if let figures = self.significantFigures {
                return Self.round(given, significantFigures: figures) == Self.round(accepted, significantFigures: figures)
            }
            if let places = self.decimalPlaces {
                return Self.round(given, decimalPlaces: places) == Self.round(accepted, decimalPlaces: places)
            }
            var margin = 0.0
            if let tolerance = self.tolerance { margin = max(margin, tolerance) }
            if let percent = self.relativeTolerance { margin = max(margin, abs(accepted) * percent / 100) }
            // A hair of slack so that 0.1 + 0.2 is 0.3 when the tolerance is zero or exactly reached.
            return abs(given - accepted) <= margin + 1e-9 * max(1, abs(accepted))
        }

        /// `value` with `figures` significant figures, halves away from zero (QTI's equalRounded).
        public static func round(_ value: Double, significantFigures figures: Int) -> Double {
            guard value != 0, value.isFinite else { return value }
            let magnitude = Int(Foundation.floor(Foundation.log10(abs(value))))
            return Self.round(value, decimalPlaces: figures - 1 - magnitude)
        }

        /// `value` with `places` decimal places (negative: tens, hundreds), halves away from zero.
        public static func round(_ value: Double, decimalPlaces places: Int) -> Double {
            let scale = Foundation.pow(10, Double(places))
            // The decimal reading of the product, so that 2.675 rounds as written rather than as stored.
            let scaled = (value * scale * 1e9).rounded() / 1e9
            return scaled.rounded(.toNearestOrAwayFromZero) / scale
        }
    }

    /// `single` and `multiple`: points each chosen option adds (negative for a penalty); an option not listed adds 0.
    public var optionPoints: [String: Double]?
    /// `fill`: one rule per blank, in order.
    public var blanks: [Blank]?
    /// `fill`: blanks whose accepted answers are the same take each answer once, in any order; a repeat earns nothing.
    public var distinctAnswers: Bool?
    /// `fill`: the score only when every blank is right, else nothing.
    public var allOrNothing: Bool?
    /// The fewest points an answer can end with (nil: 0).
    public var minimum: Double?
    /// The most points an answer can end with (nil: the question's score).
    public var maximum: Double?

    /// Creates a scoring rule.
    public init(
        optionPoints: [String: Double]? = nil,
        blanks: [Blank]? = nil,
        distinctAnswers: Bool? = nil,
        allOrNothing: Bool? = nil,
        minimum: Double? = nil,
        maximum: Double? = nil
    ) {
        self.optionPoints = optionPoints
        self.blanks = blanks
        self.distinctAnswers = distinctAnswers
        self.allOrNothing = allOrNothing
        self.minimum = minimum
        self.maximum = maximum
    }

    /// A number as a learner types it: full-width digits, spaces and a leading plus accepted; nil when not a number.
    public static func number(_ text: String) -> Double? {
        let half = text.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? text
        let compact = half.filter { !$0.isWhitespace }.replacingOccurrences(of: "−", with: "-")
        guard !compact.isEmpty, compact.allSatisfy({ "0123456789.-+eE".contains($0) }), let value = Double(compact), value.isFinite else {
            return nil
        }
        return value
    }

    /// Problems of this rule for a question of `type` with `options` and the fill answer's `blanks` (accepted strings per
    /// blank), as field errors under `scoring`.
    public func problems(type: QuestionType, options: [String], blanks accepted: [[String]]) -> [FieldError] {
        var problems: [FieldError] = []
        func problem(_ field: String, _ zh: String, _ en: String) {
            problems.append(FieldError(field: "scoring" + field, message: LocalizedText(zh: zh, en: en)))
        }
        let numbers = [self.minimum, self.maximum] + (self.optionPoints.map { Array($0.values) } ?? []).map(Optional.some)
        if numbers.contains(where: { $0.map { !$0.isFinite || abs($0) > 1_000 } ?? false }) {
            problem("", "评分规则中的分值应在 ±1000 以内", "points in the rule must be within ±1000")
        }
        if let minimum, let maximum, minimum > maximum { problem(".minimum", "最低分不能高于最高分", "minimum above maximum") }
        switch type {
        case .single, .multiple:
            if self.blanks != nil || self.distinctAnswers != nil || self.allOrNothing != nil {
                problem("", "选择题的评分规则只有 optionPoints、minimum、maximum", "a choice rule has only optionPoints, minimum and maximum")
            }
            guard let optionPoints else {
                problem(".optionPoints", "选择题的评分规则须给出各选项的分值", "a choice rule gives points per option")
                return problems
            }
            for id in optionPoints.keys.sorted() where !options.contains(id) {
                problem(".optionPoints.\(id)", "没有编号为“\(id)”的选项", "no option '\(id)'")
            }
        case .fill:
            if self.optionPoints != nil { problem(".optionPoints", "填空题没有选项分值", "a fill question has no option points") }
            guard let rules = self.blanks else {
                if self.distinctAnswers == nil && self.allOrNothing == nil {
                    problem(".blanks", "填空题的评分规则须逐空给出", "a fill rule gives one entry per blank")
                }
                break
            }
            if rules.count != accepted.count {
                problem(
                    ".blanks",
                    "评分规则有 \(rules.count) 空，答案有 \(accepted.count) 空",
                    "the rule has \(rules.count) blanks, the answer \(accepted.count)"
                )
                break
            }
            for (index, rule) in rules.enumerated() {
                if let points = rule.points, !(points >= 0 && points <= 1_000) {
                    problem(".blanks[\(index)].points", "每空分值应为 0–1000", "blank points must be 0 to 1000")
                }
                if let list = rule.answerPoints {
                    if list.count != accepted[index].count {
                        problem(".blanks[\(index)].answerPoints", "应与该空的可接受答案一一对应", "one entry per accepted answer")
                    } else if list.contains(where: { !($0 > 0 && $0 <= 1_000) }) {
                        problem(".blanks[\(index)].answerPoints", "每个可接受答案的分值应大于 0、不超过 1000", "each must be above 0 and at most 1000")
                    }
                }
                if let numeric = rule.numeric {
                    if accepted[index].contains(where: { Self.number($0) == nil }) {
                        problem(".blanks[\(index)].numeric", "按数值比较的空，可接受答案都应是数字", "a numeric blank accepts numbers only")
                    }
                    let set = [
                        numeric.tolerance != nil || numeric.relativeTolerance != nil, numeric.significantFigures != nil, numeric.decimalPlaces != nil,
                    ]
                    if set.filter({ $0 }).count > 1 {
                        problem(".blanks[\(index)].numeric", "误差与四舍五入只能选一种", "either a tolerance or a rounding, not both")
                    }
                    if [numeric.tolerance, numeric.relativeTolerance].contains(where: { $0.map { !($0 >= 0 && $0.isFinite) } ?? false }) {
                        problem(".blanks[\(index)].numeric", "误差不能为负", "a tolerance cannot be negative")
                    }
                    if let figures = numeric.significantFigures, !(1...15).contains(figures) {
                        problem(".blanks[\(index)].numeric.significantFigures", "有效数字应为 1–15 位", "1 to 15 significant figures")
                    }
                    if let places = numeric.decimalPlaces, !(-6...15).contains(places) {
                        problem(".blanks[\(index)].numeric.decimalPlaces", "小数位数应为 -6–15", "-6 to 15 decimal places")
                    }
                }
            }
        case .judge, .short, .practical:
            problem("", "只有单选、多选和填空题可设评分规则", "only single, multiple and fill questions take a scoring rule")
        }
        return problems
    }
}
