/// 学习路径: what a learner still has to master for a job, in the order to learn it. The job's skills and every
/// point they build on (prerequisites, transitively), prerequisites first; each with the published resources that
/// teach it and how many published questions test it; and, for one learner, how well each is mastered.
public struct LearningPath: Codable, Sendable, Equatable {
    /// One point of the path.
    public struct Step: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        /// `knowledge` or `skill`.
        public var kind: PointKind
        /// The course that teaches it, when one does.
        public var course: JobPath.CourseStep?
        /// The points of the path it builds on.
        public var prerequisites: [String]
        /// Whether the job requires it itself (else only a skill it requires builds on it).
        public var required: Bool
        /// The newest published resources on it, and how many there are.
        public var resources: [JobPath.ResourceStep]
        public var resourceCount: Int
        /// Published questions on it (练一练 draws from them).
        public var questionCount: Int
        /// The learner's mastery (0 to 1) when a graded answer assessed it, else nil.
        public var mastery: Double?
        public var answers: Int
        /// `mastered`, `learning`, `weak` or `new`.
        public var level: String

        public init(
            id: String,
            name: String,
            kind: PointKind,
            course: JobPath.CourseStep?,
            prerequisites: [String],
            required: Bool,
            resources: [JobPath.ResourceStep],
            resourceCount: Int,
            questionCount: Int
        ) {
            self.id = id
            self.name = name
            self.kind = kind
            self.course = course
            self.prerequisites = prerequisites
            self.required = required
            self.resources = resources
            self.resourceCount = resourceCount
            self.questionCount = questionCount
            self.mastery = nil
            self.answers = 0
            self.level = "new"
        }
    }

    public var job: Job
    /// Prerequisites before what builds on them.
    public var steps: [Step]
    /// Steps mastered, and the share of the path they are.
    public var mastered: Int
    public var ratio: Double
    /// The first step not mastered whose prerequisites all are: where to go on.
    public var next: String?

    public init(job: Job, steps: [Step]) {
        self.job = job
        self.steps = steps
        self.mastered = 0
        self.ratio = 0
        self.next = nil
        self.tally()
    }

    /// The path as a learner with this mastery per point stands on it.
    public func standing(_ mastery: [String: (mastery: Double, answers: Int, level: String)]) -> LearningPath {
        var path = self
        for index in path.steps.indices {
            guard let known = mastery[path.steps[index].id] else { continue }
            path.steps[index].mastery = known.mastery
            path.steps[index].answers = known.answers
            path.steps[index].level = known.level
        }
        path.tally()
        return path
    }

    private mutating func tally() {
        let done = Set(self.steps.filter { $0.level == "mastered" }.map(\.id))
        self.mastered = done.count
        self.ratio = self.steps.isEmpty ? 0 : (Double(done.count) / Double(self.steps.count) * 1000).rounded() / 1000
        self.next = self.steps.first { !done.contains($0.id) && $0.prerequisites.allSatisfy(done.contains) }?.id
    }

    /// `points` ordered so that each comes after its prerequisites (Kahn's algorithm); among those ready at once, the
    /// earlier in `points` first. A cycle (the catalogue refuses them) would leave its points at the end, in order.
    public static func ordered(_ points: [String], prerequisites: [String: [String]]) -> [String] {
        let members = Set(points)
        var waiting: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        for point in points {
            let before = (prerequisites[point] ?? []).filter(members.contains)
            waiting[point] = before.count
            for prerequisite in before { dependents[prerequisite, default: []].append(point) }
        }
        let position = Dictionary(points.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var ready = points.filter { waiting[$0] == 0 }
        var order: [String] = []
        while !ready.isEmpty {
            ready.sort { position[$0]! < position[$1]! }
            let point = ready.removeFirst()
            order.append(point)
            for dependent in dependents[point] ?? [] {
                waiting[dependent]! -= 1
                if waiting[dependent] == 0 { ready.append(dependent) }
            }
        }
        let placed = Set(order)
        return order + points.filter { !placed.contains($0) }
    }
}
