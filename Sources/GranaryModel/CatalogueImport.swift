import Foundation

/// A whole course system in one JSON document, for `POST /catalogue/import`.
///
/// Fields are read leniently (enumerations as strings, everything optional) so that one bad item is rejected with
/// its reason while the rest of the document is applied.
public struct CatalogueDocument: Decodable, Sendable {
    /// A major: `code` and `role` are needed for a new one.
    public struct MajorItem: Decodable, Sendable {
        public var code: String?
        public var name: String?
        public var level: String?
        public var role: String?
    }

    /// A course with its client id.
    public struct CourseItem: Decodable, Sendable {
        public var id: String?
        public var name: String?
        public var major: String?
        public var category: String?
        public var hours: Int?
        public var standard: String?
    }

    /// A knowledge or skill point with its client id; `prerequisites` replaces the point's list.
    public struct PointItem: Decodable, Sendable {
        public var id: String?
        public var name: String?
        public var course: String?
        public var kind: String?
        public var prerequisites: [String]?
    }

    /// A job with its client id; `skills` replaces the job's list.
    public struct JobItem: Decodable, Sendable {
        public var id: String?
        public var name: String?
        public var occupationCode: String?
        public var skills: [String]?
    }

    /// Majors of the library.
    public var majors: [MajorItem]?
    /// Courses of those majors.
    public var courses: [CourseItem]?
    /// Points of those courses.
    public var knowledgePoints: [PointItem]?
    /// Jobs and the skills they require.
    public var jobs: [JobItem]?

    /// Every item in the document.
    public var count: Int { (self.majors?.count ?? 0) + (self.courses?.count ?? 0) + (self.knowledgePoints?.count ?? 0) + (self.jobs?.count ?? 0) }
}

/// What an import did, item by item.
public struct CatalogueImportReport: Codable, Sendable, Equatable {
    /// Names one item of the document.
    public struct Item: Codable, Sendable, Equatable, Hashable {
        /// `major`, `course`, `knowledgePoint` or `job`.
        public var type: String
        /// Its code or id, when it has one.
        public var id: String?
        /// Its position in its list of the document, from 0.
        public var index: Int

        /// Creates an item reference.
        public init(type: String, id: String?, index: Int) {
            self.type = type
            self.id = id
            self.index = index
        }
    }

    /// An item that was not applied, and why.
    public struct Rejection: Codable, Sendable, Equatable {
        /// Which item.
        public var item: Item
        /// The error's machine code, e.g. `prerequisite_cycle`.
        public var code: String
        /// Why, for a person.
        public var reason: String

        /// Creates a rejection.
        public init(item: Item, code: String, reason: String) {
            self.item = item
            self.code = code
            self.reason = reason
        }
    }

    /// Items that did not exist before.
    public var created: [Item] = []
    /// Items that existed and changed.
    public var updated: [Item] = []
    /// How many items existed already exactly as given.
    public var unchanged: Int = 0
    /// Items refused, with the reason.
    public var rejected: [Rejection] = []

    /// An empty report.
    public init() {}
}
