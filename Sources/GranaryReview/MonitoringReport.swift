import Foundation
import GranaryModel

/// The guideline's monitoring indicators (监测指标) for one calendar year, computed over published items.
public struct MonitoringReport: Codable, Sendable {
    /// The calendar year, in Asia/Shanghai time.
    public let year: Int
    public let generatedAt: Date
    /// The time zone years are cut in.
    public let timeZone: String
    public let totals: Totals
    public let rules: [Rule]
    /// The resource rules per major code.
    public let byMajor: [String: Scope]
    /// The resource rules per course id.
    public let byCourse: [String: Scope]

    /// Resource counts.
    public struct Totals: Codable, Sendable, Equatable {
        /// Published, not retired resources.
        public let resources: Int
        /// The same, per kind (every kind listed, zeros included).
        public let byKind: [String: Int]
    }

    /// One rule of the guideline and how the library stands against it.
    public struct Rule: Codable, Sendable, Equatable {
        /// Stable id, e.g. `text_image_share`.
        public let id: String
        /// What the rule says, in Chinese.
        public let title: String
        /// The measured fraction; nil when there is nothing to measure (no resources, no ratings, ...).
        public let value: Double?
        public let numerator: Int
        public let denominator: Int
        public let threshold: Double
        /// `<=` or `>=`.
        public let comparison: String
        public let pass: Bool
        /// What makes the rule fail (at most `itemLimit`; `itemsTotal` counts them all).
        public let items: [Item]
        public let itemsTotal: Int
    }

    /// Something behind a failing rule: a resource, course, point or account.
    public struct Item: Codable, Sendable, Equatable {
        public let type: String
        public let id: String
        public let name: String
    }

    /// The resource rules within one major or course.
    public struct Scope: Codable, Sendable, Equatable {
        public let name: String
        public let totals: Totals
        public let rules: [Rule]
    }

    /// Most items listed under one rule.
    public static let itemLimit = 200
}

/// A rule's threshold as an exact fraction, so 3 of 10 against 30% is decided without rounding.
struct Threshold {
    let numerator: Int
    let denominator: Int
    let atMost: Bool

    static func atMost(_ numerator: Int, _ denominator: Int) -> Threshold { Threshold(numerator: numerator, denominator: denominator, atMost: true) }
    static func atLeast(_ numerator: Int, _ denominator: Int) -> Threshold {
        Threshold(numerator: numerator, denominator: denominator, atMost: false)
    }

    /// Whether `count / total` meets the threshold; false when `total` is zero (nothing shows the rule is met).
    func passes(_ count: Int, of total: Int) -> Bool {
        guard total > 0 else { return false }
        let left = count * self.denominator
        let right = self.numerator * total
        return self.atMost ? left <= right : left >= right
    }

    /// The rule's result; the items are listed only when the rule fails. `itemsTotal` counts items that were not
    /// all fetched (defaults to `items.count`).
    func rule(
        _ id: String,
        _ title: String,
        count: Int,
        of total: Int,
        items: [MonitoringReport.Item] = [],
        itemsTotal: Int? = nil
    ) -> MonitoringReport.Rule {
        let pass = self.passes(count, of: total)
        let listed = pass ? [] : items
        return MonitoringReport.Rule(
            id: id,
            title: title,
            value: total > 0 ? Double(count) / Double(total) : nil,
            numerator: count,
            denominator: total,
            threshold: Double(self.numerator) / Double(self.denominator),
            comparison: self.atMost ? "<=" : ">=",
            pass: pass,
            items: Array(listed.prefix(MonitoringReport.itemLimit)),
            itemsTotal: pass ? 0 : itemsTotal ?? items.count
        )
    }
}
