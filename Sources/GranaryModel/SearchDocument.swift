import Foundation

/// What the search index knows of one resource: the version the public sees when there is one (else the
/// current version), its facets, and who may see it. The resource store reads it; the search index holds it.
public struct SearchDocument: Sendable, Equatable {
    public let id: String
    public let title: String
    public let description: String?
    /// Names of the knowledge and skill points, searched like the text.
    public let pointNames: [String]
    /// Ids of the knowledge and skill points, for filtering.
    public let knowledgePoints: [String]
    public let tags: [String]
    /// Text taken from the file itself (plain text, HTML), at most 256 KiB.
    public let fileText: String?
    public let kind: ResourceKind
    public let course: String
    public let major: String
    public let original: Bool
    /// The resource's review state (of its newest version).
    public let status: ReviewStatus
    /// Whether learners may see it: a version is approved and the resource is not retired.
    public let published: Bool
    /// Account id of the author.
    public let author: String
    public let createdAt: Date
    /// Ratings: how many, and their average.
    public let ratings: Int
    public let averageStars: Double

    /// Creates a document.
    public init(
        id: String,
        title: String,
        description: String?,
        pointNames: [String],
        knowledgePoints: [String],
        tags: [String],
        fileText: String? = nil,
        kind: ResourceKind,
        course: String,
        major: String,
        original: Bool,
        status: ReviewStatus,
        published: Bool,
        author: String,
        createdAt: Date,
        ratings: Int,
        averageStars: Double
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.pointNames = pointNames
        self.knowledgePoints = knowledgePoints
        self.tags = tags
        self.fileText = fileText
        self.kind = kind
        self.course = course
        self.major = major
        self.original = original
        self.status = status
        self.published = published
        self.author = author
        self.createdAt = createdAt
        self.ratings = ratings
        self.averageStars = averageStars
    }
}
