import Foundation

/// What a review decides on: a resource or a question.
public enum ReviewItemType: String, Codable, Sendable, CaseIterable {
    case resource
    case question
}

/// Where a reviewed, versioned item (a resource, a question) stands in its one life cycle (状态).
public enum ReviewStatus: String, Codable, Sendable, CaseIterable {
    /// Being written by its author; nobody else sees it.
    case draft
    /// Submitted and waiting in the review queue.
    case pending
    /// Passed review; learners may see it.
    case approved
    /// Failed review.
    case rejected
    /// The reviewer asked the author for changes.
    case changesRequested = "changes_requested"
    /// Withdrawn; hidden everywhere, history and bytes kept.
    case retired
}

/// A reviewer's verdict.
public enum ReviewDecision: String, Codable, Sendable, CaseIterable {
    /// Publish the version: learners see it.
    case approve
    /// Refuse it.
    case reject
    /// Send it back to its author for changes.
    case requestChanges = "request_changes"

    /// The state the item moves to.
    public var resultingStatus: ReviewStatus {
        switch self {
        case .approve: .approved
        case .reject: .rejected
        case .requestChanges: .changesRequested
        }
    }
}

/// The guideline's four review checks (政治性、科学性、适用性、规范性); approval needs all four.
public struct ReviewChecks: Codable, Sendable, Equatable {
    /// 政治性: politically sound.
    public var political: Bool
    /// 科学性: scientifically correct.
    public var scientific: Bool
    /// 适用性: fit for teaching.
    public var applicability: Bool
    /// 规范性: follows the norms (naming, metadata, copyright).
    public var normativity: Bool

    /// Creates a set of checks.
    public init(political: Bool, scientific: Bool, applicability: Bool, normativity: Bool) {
        self.political = political
        self.scientific = scientific
        self.applicability = applicability
        self.normativity = normativity
    }

    /// Whether every check passed.
    public var allPassed: Bool { self.political && self.scientific && self.applicability && self.normativity }
}

/// Review (审核): one reviewer's decision on one version of an item. Never changed once made.
public struct Review: Codable, Sendable, Equatable {
    public let id: Int64
    public let itemType: ReviewItemType
    public let itemId: String
    /// The version decided on.
    public let version: Int
    /// Username of the reviewer.
    public let reviewer: String
    public let decision: ReviewDecision
    public let checks: ReviewChecks
    public let comment: String?
    public let decidedAt: Date

    /// Creates a review value.
    public init(
        id: Int64,
        itemType: ReviewItemType,
        itemId: String,
        version: Int,
        reviewer: String,
        decision: ReviewDecision,
        checks: ReviewChecks,
        comment: String?,
        decidedAt: Date
    ) {
        self.id = id
        self.itemType = itemType
        self.itemId = itemId
        self.version = version
        self.reviewer = reviewer
        self.decision = decision
        self.checks = checks
        self.comment = comment
        self.decidedAt = decidedAt
    }
}

/// One item waiting in the review queue.
public struct QueueItem: Codable, Sendable, Equatable {
    public let itemType: ReviewItemType
    public let id: String
    /// The version waiting for review.
    public let version: Int
    public let title: String
    public let kind: ResourceKind?
    public let course: String
    /// Username of the author.
    public let author: String
    /// When it entered the queue.
    public let submittedAt: Date
    /// Seconds it has waited.
    public let ageSeconds: Int
    /// Username of the reviewer holding a live claim, if any.
    public let claimedBy: String?
    /// When that claim lapses.
    public let claimExpiresAt: Date?

    /// Creates a queue item.
    public init(
        itemType: ReviewItemType,
        id: String,
        version: Int,
        title: String,
        kind: ResourceKind?,
        course: String,
        author: String,
        submittedAt: Date,
        ageSeconds: Int,
        claimedBy: String?,
        claimExpiresAt: Date?
    ) {
        self.itemType = itemType
        self.id = id
        self.version = version
        self.title = title
        self.kind = kind
        self.course = course
        self.author = author
        self.submittedAt = submittedAt
        self.ageSeconds = ageSeconds
        self.claimedBy = claimedBy
        self.claimExpiresAt = claimExpiresAt
    }
}
