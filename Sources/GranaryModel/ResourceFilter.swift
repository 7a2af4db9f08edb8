/// Narrows a resource list: `?major=&course=&knowledgePoint=&kind=&original=&status=`.
public struct ResourceFilter: Sendable, Hashable {
    public var major: String?
    public var course: String?
    public var knowledgePoint: String?
    public var kind: ResourceKind?
    public var original: Bool?
    public var status: ReviewStatus?

    /// Creates a filter; nil fields do not narrow.
    public init(
        major: String? = nil,
        course: String? = nil,
        knowledgePoint: String? = nil,
        kind: ResourceKind? = nil,
        original: Bool? = nil,
        status: ReviewStatus? = nil
    ) {
        self.major = major
        self.course = course
        self.knowledgePoint = knowledgePoint
        self.kind = kind
        self.original = original
        self.status = status
    }
}
