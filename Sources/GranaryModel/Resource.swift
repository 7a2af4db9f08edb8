import Foundation

/// Granular resource (颗粒化资源): one file plus metadata, as of one version.
public struct Resource: Codable, Sendable, Equatable {
    /// Stable identifier across versions (a lowercase UUID).
    public var id: String
    /// Version number, starting at 1.
    public var version: Int
    /// Title.
    public var title: String
    /// Longer description.
    public var description: String?
    /// Major code (专业).
    public var major: String
    /// Course identifier (课程).
    public var course: String
    /// Knowledge or skill point identifiers (知识点), at least one.
    public var knowledgePoints: [String]
    /// Whether the resource is original work (原创) rather than cited (引用).
    public var original: Bool
    /// Kind, checked against the bytes.
    public var kind: ResourceKind
    /// MIME type decided by libmagic from the bytes.
    public var mime: String
    /// Size in bytes.
    public var size: Int64
    /// SHA-256 of the bytes, lowercase hex.
    public var sha256: String
    /// Name following the uniform naming rule 专业_课程_知识点_类型_原创/引用.ext.
    public var canonicalName: String
    /// Review state.
    public var status: ReviewStatus
    /// Licence text, e.g. CC BY 4.0.
    public var license: String?
    /// Free tags.
    public var tags: [String]
    /// Where a cited resource comes from.
    public var source: String?
    /// Username of the author.
    public var createdBy: String
    /// When the resource was first created.
    public var createdAt: Date
    /// When this version was made.
    public var updatedAt: Date

    /// Creates a resource value.
    public init(
        id: String,
        version: Int,
        title: String,
        description: String?,
        major: String,
        course: String,
        knowledgePoints: [String],
        original: Bool,
        kind: ResourceKind,
        mime: String,
        size: Int64,
        sha256: String,
        canonicalName: String,
        status: ReviewStatus,
        license: String?,
        tags: [String],
        source: String?,
        createdBy: String,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.description = description
        self.major = major
        self.course = course
        self.knowledgePoints = knowledgePoints
        self.original = original
        self.kind = kind
        self.mime = mime
        self.size = size
        self.sha256 = sha256
        self.canonicalName = canonicalName
        self.status = status
        self.license = license
        self.tags = tags
        self.source = source
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The metadata a teacher gives with an upload or a metadata change.
public struct ResourceMetadata: Codable, Sendable, Equatable {
    /// Title.
    public var title: String
    /// Longer description.
    public var description: String?
    /// Major code.
    public var major: String
    /// Course identifier.
    public var course: String
    /// Knowledge or skill point identifiers.
    public var knowledgePoints: [String]
    /// Original (原创) or cited (引用).
    public var original: Bool
    /// Declared kind; checked against the bytes.
    public var kind: ResourceKind?
    /// Licence.
    public var license: String?
    /// Free tags.
    public var tags: [String]
    /// Where a cited resource comes from.
    public var source: String?

    /// Creates metadata.
    public init(
        title: String,
        description: String? = nil,
        major: String,
        course: String,
        knowledgePoints: [String],
        original: Bool,
        kind: ResourceKind? = nil,
        license: String? = nil,
        tags: [String] = [],
        source: String? = nil
    ) {
        self.title = title
        self.description = description
        self.major = major
        self.course = course
        self.knowledgePoints = knowledgePoints
        self.original = original
        self.kind = kind
        self.license = license
        self.tags = tags
        self.source = source
    }
}
