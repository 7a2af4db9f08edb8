import Foundation

/// An offering (课程组建, 组课): a teacher's course assembled from ordered units of published resources and papers,
/// taken from any course of the library. Learners enrol in its published revision; the teacher keeps editing a
/// working copy and publishes it again, and learners keep their progress on the items that stay.
public struct Offering: Codable, Sendable, Equatable {
    /// What a unit holds: one published resource or one paper.
    public struct Item: Codable, Sendable, Equatable {
        /// A resource id, when the item is a resource.
        public var resource: String?
        /// A paper id, when the item is a paper.
        public var paper: String?
        /// The resource's or paper's title, filled in when read.
        public var title: String?
        /// The resource's kind, filled in when read.
        public var kind: ResourceKind?
        /// The course the item itself belongs to (may differ from the offering's: that is 组课).
        public var course: String?

        /// Creates an item naming a resource or a paper.
        public init(resource: String? = nil, paper: String? = nil, title: String? = nil, kind: ResourceKind? = nil, course: String? = nil) {
            self.resource = resource
            self.paper = paper
            self.title = title
            self.kind = kind
            self.course = course
        }

        /// `resource` or `paper`.
        public var itemType: String { self.resource != nil ? "resource" : "paper" }
        /// The resource or paper id.
        public var itemId: String { self.resource ?? self.paper ?? "" }
    }

    /// A unit (单元): a titled, ordered list of items. Its id stays the same across revisions, so discussions and
    /// progress follow it when units are reordered.
    public struct Unit: Codable, Sendable, Equatable {
        /// Stable id within the offering.
        public var id: String
        /// Title, e.g. 项目一 焊接电弧.
        public var title: String
        /// Items in order.
        public var items: [Item]

        /// Creates a unit.
        public init(id: String, title: String, items: [Item]) {
            self.id = id
            self.title = title
            self.items = items
        }
    }

    /// `draft` until first published, then `published`; `withdrawn` when the teacher takes it off the list.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case draft
        case published
        case withdrawn
    }

    public var id: String
    /// The course this offering teaches.
    public var course: String
    public var title: String
    public var description: String?
    public var status: Status
    /// The units: the working copy for its author and admins, the published revision for everyone else.
    public var units: [Unit]
    /// The published revision number (from 1), nil before the first publication.
    public var revision: Int?
    /// True when the working copy differs from the published revision (shown to the author only).
    public var unpublishedChanges: Bool?
    /// Learners enrolled.
    public var enrolled: Int
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    public var publishedAt: Date?

    /// Creates an offering.
    public init(
        id: String,
        course: String,
        title: String,
        description: String?,
        status: Status,
        units: [Unit],
        revision: Int?,
        unpublishedChanges: Bool?,
        enrolled: Int,
        createdBy: String,
        createdAt: Date,
        updatedAt: Date,
        publishedAt: Date?
    ) {
        self.id = id
        self.course = course
        self.title = title
        self.description = description
        self.status = status
        self.units = units
        self.revision = revision
        self.unpublishedChanges = unpublishedChanges
        self.enrolled = enrolled
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.publishedAt = publishedAt
    }
}

/// What a teacher sends to create or change an offering.
public struct OfferingInput: Codable, Sendable, Equatable {
    /// A unit as sent: an id keeps an existing unit's identity; without one a new id is given.
    public struct Unit: Codable, Sendable, Equatable {
        public var id: String?
        public var title: String
        public var items: [Offering.Item]

        /// Creates a unit.
        public init(id: String? = nil, title: String, items: [Offering.Item]) {
            self.id = id
            self.title = title
            self.items = items
        }
    }

    public var course: String?
    public var title: String?
    public var description: String?
    public var units: [Unit]?

    /// Creates an input.
    public init(course: String? = nil, title: String? = nil, description: String? = nil, units: [Unit]? = nil) {
        self.course = course
        self.title = title
        self.description = description
        self.units = units
    }
}

/// One learner's progress in one offering they are enrolled in.
public struct OfferingProgress: Codable, Sendable, Equatable {
    /// Progress within one unit.
    public struct UnitProgress: Codable, Sendable, Equatable {
        public var id: String
        public var title: String
        public var completed: Int
        public var total: Int
        /// Ids (`resource:ID` or `paper:ID`) of the unit's items the learner has completed.
        public var done: [String]

        /// Creates a unit's progress.
        public init(id: String, title: String, completed: Int, total: Int, done: [String]) {
            self.id = id
            self.title = title
            self.completed = completed
            self.total = total
            self.done = done
        }
    }

    public var offering: String
    public var title: String
    public var course: String
    public var enrolledAt: Date
    public var completed: Int
    public var total: Int
    /// completed ÷ total (0 for an empty offering).
    public var ratio: Double
    /// When the last item was completed, once every item is.
    public var completedAt: Date?
    /// The first item not yet completed, in course order.
    public var next: Offering.Item?
    public var units: [UnitProgress]

    /// Creates progress.
    public init(
        offering: String,
        title: String,
        course: String,
        enrolledAt: Date,
        completed: Int,
        total: Int,
        ratio: Double,
        completedAt: Date?,
        next: Offering.Item?,
        units: [UnitProgress]
    ) {
        self.offering = offering
        self.title = title
        self.course = course
        self.enrolledAt = enrolledAt
        self.completed = completed
        self.total = total
        self.ratio = ratio
        self.completedAt = completedAt
        self.next = next
        self.units = units
    }
}

/// A post in the discussion of one unit of an offering (讨论). Replies name their parent.
public struct Post: Codable, Sendable, Equatable {
    public var id: String
    public var offering: String
    public var unit: String
    /// The post this one answers; nil for a new thread.
    public var parent: String?
    public var author: String
    public var authorName: String
    /// True when a teacher (or admin) wrote it: teacher replies stand out.
    public var byTeacher: Bool
    /// The text; nil when hidden and the reader may not see hidden posts.
    public var body: String?
    public var hidden: Bool
    public var createdAt: Date
    /// Replies, oldest first (threads only).
    public var replies: [Post]?
    /// Whether the offering's teacher marked this reply as the answer to its thread (解答): the pair is then a
    /// question and answer of the course, found by `GET /answers`.
    public var answer: Bool
    /// Passages of the library suggested to the question as it was asked (答疑, threads only; by meaning when the
    /// service has a model).
    public var suggestions: [Suggestion]?

    /// A passage suggested to a question, with what to cite.
    public struct Suggestion: Codable, Sendable, Equatable {
        public var resource: String
        public var title: String
        public var passage: String

        public init(resource: String, title: String, passage: String) {
            self.resource = resource
            self.title = title
            self.passage = passage
        }
    }

    /// Creates a post.
    public init(
        id: String,
        offering: String,
        unit: String,
        parent: String?,
        author: String,
        authorName: String,
        byTeacher: Bool,
        body: String?,
        hidden: Bool,
        createdAt: Date,
        replies: [Post]?,
        answer: Bool = false,
        suggestions: [Suggestion]? = nil
    ) {
        self.answer = answer
        self.suggestions = suggestions
        self.id = id
        self.offering = offering
        self.unit = unit
        self.parent = parent
        self.author = author
        self.authorName = authorName
        self.byTeacher = byTeacher
        self.body = body
        self.hidden = hidden
        self.createdAt = createdAt
        self.replies = replies
    }
}

/// A question of a course's discussion and the reply its teacher marked as the answer (答疑): searchable beside the
/// resources.
public struct QuestionAnswer: Codable, Sendable, Equatable {
    /// The thread's post and its text.
    public var question: String
    public var asked: String
    public var askedAt: Date
    /// The answer's post, its text, who gave it and when it was marked.
    public var answer: String
    public var answered: String
    public var answeredBy: String
    public var answeredAt: Date
    public var offering: String
    public var offeringTitle: String
    public var course: String
    public var unit: String

    public init(
        question: String,
        asked: String,
        askedAt: Date,
        answer: String,
        answered: String,
        answeredBy: String,
        answeredAt: Date,
        offering: String,
        offeringTitle: String,
        course: String,
        unit: String
    ) {
        self.question = question
        self.asked = asked
        self.askedAt = askedAt
        self.answer = answer
        self.answered = answered
        self.answeredBy = answeredBy
        self.answeredAt = answeredAt
        self.offering = offering
        self.offeringTitle = offeringTitle
        self.course = course
        self.unit = unit
    }

    /// Where the thread is read.
    public var path: String { "/offerings/\(self.offering)/units/\(self.unit)#post-\(self.question)" }
}
