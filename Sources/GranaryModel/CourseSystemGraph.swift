import Foundation

/// A major's course system as a graph (知识图谱课程体系): the major, its courses, their knowledge and skill points,
/// and the jobs those skills lead to.
public struct CourseSystemGraph: Codable, Sendable, Equatable {
    /// What a node stands for.
    public enum NodeType: String, Codable, Sendable, CaseIterable {
        case major, course, point, job
    }

    /// How two nodes are linked.
    public enum Relation: String, Codable, Sendable, CaseIterable {
        /// Major → course.
        case hasCourse = "has_course"
        /// Course → knowledge or skill point.
        case teaches
        /// Point → a point that builds on it (先修).
        case prerequisiteOf = "prerequisite_of"
        /// Skill point → job that requires it.
        case requiredBy = "required_by"
        /// Major → job its plan prepares for (职业面向).
        case targets
    }

    /// One node. `id` is unique in the graph (`course:weld-methods`); `key` is the item's own identifier.
    public struct Node: Codable, Sendable, Equatable {
        /// `type:key`.
        public var id: String
        /// Major, course, point or job.
        public var type: NodeType
        /// Name shown to people.
        public var name: String
        /// The item's identifier (major code, course id, point id, job id).
        public var key: String
        /// A course's category.
        public var category: CourseCategory?
        /// A point's kind.
        public var kind: PointKind?
        /// A point's course.
        public var course: String?
        /// A job's occupation code.
        public var occupationCode: String?
        /// A point's published resources.
        public var resources: Int?
        /// A point's approved questions.
        public var questions: Int?
        /// A skill a job of this major requires that no course of the major teaches.
        public var external: Bool?

        /// Creates a node.
        public init(
            type: NodeType,
            key: String,
            name: String,
            category: CourseCategory? = nil,
            kind: PointKind? = nil,
            course: String? = nil,
            occupationCode: String? = nil,
            resources: Int? = nil,
            questions: Int? = nil,
            external: Bool? = nil
        ) {
            self.id = Self.id(type, key)
            self.type = type
            self.name = name
            self.key = key
            self.category = category
            self.kind = kind
            self.course = course
            self.occupationCode = occupationCode
            self.resources = resources
            self.questions = questions
            self.external = external
        }

        /// The graph-wide identifier of an item.
        public static func id(_ type: NodeType, _ key: String) -> String { "\(type.rawValue):\(key)" }
    }

    /// One directed, typed edge between node ids.
    public struct Edge: Codable, Sendable, Equatable {
        /// Node id the edge leaves.
        public var from: String
        /// Node id the edge enters.
        public var to: String
        /// What the edge means.
        public var relation: Relation

        /// Creates an edge.
        public init(from: String, to: String, relation: Relation) {
            self.from = from
            self.to = to
            self.relation = relation
        }
    }

    /// Code of the major drawn.
    public var major: String
    /// Nodes in drawing order: the major, its courses (core, foundation, extension), their points course by course,
    /// skills taught elsewhere, then jobs.
    public var nodes: [Node]
    /// Edges between those nodes.
    public var edges: [Edge]

    /// Creates a graph.
    public init(major: String, nodes: [Node], edges: [Edge]) {
        self.major = major
        self.nodes = nodes
        self.edges = edges
    }
}
