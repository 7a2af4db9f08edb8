/// Why no paper was assembled: the constraint that could not be met, for a machine and for a person.
public struct PaperInfeasibility: Error, Sendable, Hashable {
    /// The blueprint constraint that no paper meets, with a stable code for clients.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        /// Too few questions of a type for its quota.
        case typeQuota = "type_quota"
        /// A knowledge point of `cover` cannot be assessed.
        case cover
        /// The exact total score cannot be reached.
        case score
        /// The difficulty sum cannot be brought within its bounds.
        case difficulty
        /// The cap of questions per knowledge point cannot be kept.
        case maxPerPoint = "max_per_point"
    }

    /// The constraint that failed.
    public var reason: Reason
    /// One sentence naming the constraint and the figures behind it.
    public var message: String
    /// The same sentence in Chinese, for the problem a person reads; points are written `point N` as in `message`.
    public var chinese: String?
    /// True when no paper exists (checked before the search, or every selection tried); false when the search's
    /// budget ran out and `message` describes the constraint the closest paper found still broke.
    public var proven: Bool

    /// An infeasibility; `proven` tells a proof from a search that gave up.
    public init(reason: Reason, message: String, chinese: String? = nil, proven: Bool) {
        self.reason = reason
        self.message = message
        self.chinese = chinese
        self.proven = proven
    }
}
