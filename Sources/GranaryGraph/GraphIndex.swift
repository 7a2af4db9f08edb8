import GranaryModel

/// The course system in memory as compressed adjacency arrays (CSR), both directions, so a traversal reads
/// contiguous memory instead of asking SQLite one recursive step at a time.
///
/// The index is immutable; `GraphService` builds a new one from SQLite whenever the catalogue's revision moves.
public struct GraphIndex: Sendable {
    /// A node's position in the index.
    public typealias Node = Int32

    /// What a node stands for; points are split by kind because jobs require skills.
    public enum Kind: UInt8, Sendable {
        case major, course, knowledge, skill, job
    }

    /// How two nodes are linked. Raw values fit in three bits of a packed edge.
    public enum Link: UInt8, Sendable, CaseIterable {
        /// Major → course.
        case hasCourse
        /// Course → point.
        case teaches
        /// Point → the point that builds on it.
        case prerequisiteOf
        /// Skill → job.
        case requiredBy
        /// Major → job of its plan.
        case targets
    }

    /// The catalogue revision the index reflects.
    public let revision: Int64
    /// Each node's kind.
    public let kinds: [Kind]
    /// Each node's own identifier (major code, course id, point id, job id).
    public let keys: [String]
    /// Each node's name.
    public let names: [String]
    /// A course's category or a job's occupation code; nil otherwise.
    public let details: [String?]
    private let lookup: [Kind: [String: Node]]
    private let outStart: [Int32]
    private let outEdges: [UInt32]
    private let inStart: [Int32]
    private let inEdges: [UInt32]

    /// Number of nodes.
    public var nodeCount: Int { self.kinds.count }
    /// Number of edges.
    public var edgeCount: Int { self.outEdges.count }

    /// The node of a key; points are found whatever their kind.
    public func node(_ kind: Kind, _ key: String) -> Node? {
        self.lookup[kind == .skill ? .knowledge : kind]?[key]
    }

    /// Nodes `node` links to by `link`.
    public func successors(of node: Node, via link: Link) -> [Node] {
        Self.neighbours(node, link, self.outStart, self.outEdges)
    }

    /// Nodes that link to `node` by `link`.
    public func predecessors(of node: Node, via link: Link) -> [Node] {
        Self.neighbours(node, link, self.inStart, self.inEdges)
    }

    private static func neighbours(_ node: Node, _ link: Link, _ start: [Int32], _ edges: [UInt32]) -> [Node] {
        var found: [Node] = []
        for index in Int(start[Int(node)])..<Int(start[Int(node) + 1]) where edges[index] & 7 == UInt32(link.rawValue) {
            found.append(Node(edges[index] >> 3))
        }
        return found
    }

    // MARK: - Queries

    /// Every node of `kind` reachable from `start` along edges of any link, in index order.
    public func reachable(from start: Node, keeping kind: Kind) -> [Node] {
        var seen = [UInt64](repeating: 0, count: (self.nodeCount + 63) / 64)
        var stack: [Node] = [start]
        var found: [Node] = []
        seen[Int(start) >> 6] |= 1 << UInt64(start & 63)
        self.outEdges.withUnsafeBufferPointer { edges in
            self.outStart.withUnsafeBufferPointer { starts in
                while let node = stack.popLast() {
                    if self.kinds[Int(node)] == kind { found.append(node) }
                    for index in Int(starts[Int(node)])..<Int(starts[Int(node) + 1]) {
                        let target = Int(edges[index] >> 3)
                        let bit: UInt64 = 1 << UInt64(target & 63)
                        if seen[target >> 6] & bit == 0 {
                            seen[target >> 6] |= bit
                            stack.append(Node(target))
                        }
                    }
                }
            }
        }
        return found.sorted()
    }

    /// Skills `job` requires that `source` does not reach along `path` (for a major: has-course, then teaches).
    ///
    /// Each required skill is walked backwards along the path, so the work follows the dozen skills a job needs,
    /// not the thousands of points a major teaches.
    public func uncoveredSkills(of job: Node, from source: Node, along path: [Link]) -> [Node] {
        Set(self.predecessors(of: job, via: .requiredBy)).filter { !self.reaches(source, $0, along: path) }.sorted()
    }

    /// Whether a path of exactly these links leads from `source` to `target`.
    public func reaches(_ source: Node, _ target: Node, along path: [Link]) -> Bool {
        var frontier: Set<Node> = [target]
        for link in path.dropFirst().reversed() {
            var next: Set<Node> = []
            for node in frontier { next.formUnion(self.predecessors(of: node, via: link)) }
            frontier = next
            if frontier.isEmpty { return false }
        }
        guard let first = path.first else { return source == target }
        return frontier.contains { self.predecessors(of: $0, via: first).contains(source) }
    }

    // MARK: - Building

    /// Collects nodes and edges, then packs them.
    public struct Builder: Sendable {
        private var kinds: [Kind] = []
        private var keys: [String] = []
        private var names: [String] = []
        private var details: [String?] = []
        private var lookup: [Kind: [String: Node]] = [:]
        private var sources: [Int32] = []
        private var targets: [UInt32] = []

        /// An empty builder.
        public init() {}

        /// Room for this many nodes and edges.
        public mutating func reserve(nodes: Int, edges: Int) {
            self.kinds.reserveCapacity(nodes)
            self.keys.reserveCapacity(nodes)
            self.names.reserveCapacity(nodes)
            self.details.reserveCapacity(nodes)
            self.sources.reserveCapacity(edges)
            self.targets.reserveCapacity(edges)
        }

        /// Adds a node, or returns the one already added under that key.
        @discardableResult
        public mutating func add(_ kind: Kind, key: String, name: String, detail: String? = nil) -> Node {
            let group: Kind = kind == .skill ? .knowledge : kind
            if let node = self.lookup[group]?[key] { return node }
            let node = Node(self.kinds.count)
            self.kinds.append(kind)
            self.keys.append(key)
            self.names.append(name)
            self.details.append(detail)
            self.lookup[group, default: [:]][key] = node
            return node
        }

        /// The node added under a key.
        public func node(_ kind: Kind, _ key: String) -> Node? {
            self.lookup[kind == .skill ? .knowledge : kind]?[key]
        }

        /// Adds a directed edge.
        public mutating func link(_ source: Node, _ target: Node, _ link: Link) {
            self.sources.append(source)
            self.targets.append(UInt32(target) << 3 | UInt32(link.rawValue))
        }

        /// The packed index.
        public func build(revision: Int64) -> GraphIndex {
            let count = self.kinds.count
            var outStart = [Int32](repeating: 0, count: count + 1)
            var inStart = [Int32](repeating: 0, count: count + 1)
            for (source, target) in zip(self.sources, self.targets) {
                outStart[Int(source) + 1] += 1
                inStart[Int(target >> 3) + 1] += 1
            }
            for index in 0..<count {
                outStart[index + 1] += outStart[index]
                inStart[index + 1] += inStart[index]
            }
            var outEdges = [UInt32](repeating: 0, count: self.sources.count)
            var inEdges = [UInt32](repeating: 0, count: self.sources.count)
            var outFill = outStart
            var inFill = inStart
            for (source, target) in zip(self.sources, self.targets) {
                let destination = Int(target >> 3)
                outEdges[Int(outFill[Int(source)])] = target
                outFill[Int(source)] += 1
                inEdges[Int(inFill[destination])] = UInt32(source) << 3 | (target & 7)
                inFill[destination] += 1
            }
            return GraphIndex(
                revision: revision,
                kinds: self.kinds,
                keys: self.keys,
                names: self.names,
                details: self.details,
                lookup: self.lookup,
                outStart: outStart,
                outEdges: outEdges,
                inStart: inStart,
                inEdges: inEdges
            )
        }
    }
}
