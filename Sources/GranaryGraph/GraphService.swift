import Foundation
import GRDB
import GranaryModel
import GranaryStore
import Synchronization

/// The knowledge graph of the course system: a major's map, a job's learning path, the gaps, and reachability.
///
/// Traversals run on an in-memory `GraphIndex`. It follows the change feed: every request first applies what
/// committed since it last looked, and when a major, course, point or job changed (whoever changed it: the service,
/// or a command beside it, once the feed is polled), the index is read back before the request is answered.
public struct GraphService: Sendable {
    /// Course → point, after major → course: what "the major teaches" means.
    public static let teachingPath: [GraphIndex.Link] = [.hasCourse, .teaches]

    private let database: LibraryDatabase
    private let resourceCounts: any PointResourceCounts
    private let cache = IndexCache()
    private let loader = IndexLoader()
    private let follower: FeedFollower
    /// The sequence number of the newest change to the course system the feed has shown.
    private let changed: CatalogueChanges

    /// Creates the service over the library's database; `resourceCounts` says how many published resources are on a
    /// point (SQLite when not given; the service passes the search index, which counts without reading the tables).
    public init(database: LibraryDatabase, resourceCounts: (any PointResourceCounts)? = nil) {
        self.database = database
        self.resourceCounts = resourceCounts ?? SQLPointResourceCounts(database: database)
        let changed = CatalogueChanges()
        self.changed = changed
        self.follower = FeedFollower(feed: database.feed, from: database.feed.head) { changes in
            if let newest = changes.last(where: { CatalogueStore.itemTypes.contains($0.itemType) }) { changed.note(newest.sequence) }
        }
    }

    /// Applies the changes that committed before this call; a request does it by itself.
    public func catchUp() async throws {
        try await self.follower.catchUp()
    }

    /// The index as of the database's current revision.
    ///
    /// When the catalogue has changed, one request reads the whole index back from SQLite (0.7 s for 180,000 points
    /// and 450,000 prerequisites; milliseconds for a real library) and the requests that arrive meanwhile wait for
    /// that one read instead of starting their own.
    public func index() async throws -> GraphIndex {
        if !self.follower.isCurrent { try await self.follower.catchUp() }
        let revision = self.changed.newest
        if let current = self.cache.current, current.revision >= revision { return current }
        let database = self.database
        return try await self.loader.load(atLeast: revision, into: self.cache) {
            try await database.read { db in try GraphIndex.load(db) }
        }
    }

    // MARK: - The course-system map

    /// The major's course system: its courses by category, their points, prerequisite links among them, and the jobs
    /// its plan targets or its skills lead to, with the skills those jobs need from elsewhere. Points carry their
    /// counts of published resources and approved questions.
    public func courseSystem(major code: String) async throws -> CourseSystemGraph {
        let index = try await self.index()
        guard let major = index.node(.major, code) else { throw GranaryError.notFound(LocalizedText(zh: "专业", en: "Major"), code) }
        let layout = Self.layout(index, major)
        let counts = try await self.counts(index, layout)
        var nodes = [CourseSystemGraph.Node(type: .major, key: code, name: index.names[Int(major)])]
        var edges: [CourseSystemGraph.Edge] = []
        func id(_ node: GraphIndex.Node) -> String {
            let type: CourseSystemGraph.NodeType =
                switch index.kinds[Int(node)] {
                case .major: .major
                case .course: .course
                case .knowledge, .skill: .point
                case .job: .job
                }
            return CourseSystemGraph.Node.id(type, index.keys[Int(node)])
        }
        for course in layout.courses {
            let key = index.keys[Int(course)]
            nodes.append(
                .init(type: .course, key: key, name: index.names[Int(course)], category: index.details[Int(course)].flatMap(CourseCategory.init))
            )
            edges.append(.init(from: id(major), to: id(course), relation: .hasCourse))
        }
        for (course, points) in zip(layout.courses, layout.points) {
            for point in points {
                let key = index.keys[Int(point)]
                nodes.append(
                    .init(
                        type: .point,
                        key: key,
                        name: index.names[Int(point)],
                        kind: index.kinds[Int(point)] == .skill ? .skill : .knowledge,
                        course: index.keys[Int(course)],
                        resources: counts.resources[key, default: 0],
                        questions: counts.questions[key, default: 0]
                    )
                )
                edges.append(.init(from: id(course), to: id(point), relation: .teaches))
            }
        }
        for skill in layout.external {
            let course = index.predecessors(of: skill, via: .teaches).first
            nodes.append(
                .init(
                    type: .point,
                    key: index.keys[Int(skill)],
                    name: index.names[Int(skill)],
                    kind: .skill,
                    course: course.map { index.keys[Int($0)] },
                    external: true
                )
            )
        }
        for job in layout.jobs {
            nodes.append(.init(type: .job, key: index.keys[Int(job)], name: index.names[Int(job)], occupationCode: index.details[Int(job)]))
        }
        let drawn = Set(layout.points.joined()).union(layout.external)
        for point in layout.points.joined() {
            for next in index.successors(of: point, via: .prerequisiteOf) where drawn.contains(next) {
                edges.append(.init(from: id(point), to: id(next), relation: .prerequisiteOf))
            }
        }
        let jobs = Set(layout.jobs)
        for skill in drawn where index.kinds[Int(skill)] == .skill {
            for job in index.successors(of: skill, via: .requiredBy) where jobs.contains(job) {
                edges.append(.init(from: id(skill), to: id(job), relation: .requiredBy))
            }
        }
        for job in index.successors(of: major, via: .targets) {
            edges.append(.init(from: id(major), to: id(job), relation: .targets))
        }
        return CourseSystemGraph(major: code, nodes: nodes, edges: edges)
    }

    /// Published resources and approved questions per point of the layout's courses, by the report's definitions.
    private func counts(_ index: GraphIndex, _ layout: Layout) async throws -> (resources: [String: Int], questions: [String: Int]) {
        let points = Set(layout.points.joined().map { index.keys[Int($0)] })
        let resources = try await self.resourceCounts.liveResources(onPoints: points)
        let questions = try await self.database.read { db in try LibraryFacts.liveQuestionsPerPoint(db, points: points) }
        return (resources, questions)
    }

    /// What a major's map holds, in drawing order.
    private struct Layout {
        var courses: [GraphIndex.Node] = []
        var points: [[GraphIndex.Node]] = []
        var external: [GraphIndex.Node] = []
        var jobs: [GraphIndex.Node] = []
    }

    private static func layout(_ index: GraphIndex, _ major: GraphIndex.Node) -> Layout {
        var layout = Layout()
        let order: [String: Int] = [CourseCategory.core.rawValue: 0, CourseCategory.foundation.rawValue: 1, CourseCategory.extension.rawValue: 2]
        layout.courses = index.successors(of: major, via: .hasCourse).sorted {
            (order[index.details[Int($0)] ?? "", default: 3], index.names[Int($0)]) < (
                order[index.details[Int($1)] ?? "", default: 3], index.names[Int($1)]
            )
        }
        layout.points = layout.courses.map { index.successors(of: $0, via: .teaches).sorted() }
        let taught = Set(layout.points.joined())
        var jobs = Set(index.successors(of: major, via: .targets))
        for point in taught where index.kinds[Int(point)] == .skill { jobs.formUnion(index.successors(of: point, via: .requiredBy)) }
        layout.jobs = jobs.sorted { (index.names[Int($0)], $0) < (index.names[Int($1)], $1) }
        var external = Set<GraphIndex.Node>()
        for job in layout.jobs {
            external.formUnion(index.predecessors(of: job, via: .requiredBy).filter { !taught.contains($0) })
        }
        layout.external = external.sorted { (index.names[Int($0)], $0) < (index.names[Int($1)], $1) }
        return layout
    }

    // MARK: - Gaps

    /// Points without published resources or approved questions, skills the major's jobs need that none of its
    /// courses teaches, and courses without points.
    public func gaps(major code: String) async throws -> CourseSystemGaps {
        let index = try await self.index()
        guard let major = index.node(.major, code) else { throw GranaryError.notFound(LocalizedText(zh: "专业", en: "Major"), code) }
        let layout = Self.layout(index, major)
        let counts = try await self.counts(index, layout)
        var withoutResources: [CourseSystemGaps.PointGap] = []
        var withoutQuestions: [CourseSystemGaps.PointGap] = []
        var emptyCourses: [CourseSystemGaps.CourseGap] = []
        for (course, points) in zip(layout.courses, layout.points) {
            let courseKey = index.keys[Int(course)]
            let courseName = index.names[Int(course)]
            if points.isEmpty {
                emptyCourses.append(
                    .init(id: courseKey, name: courseName, category: index.details[Int(course)].flatMap(CourseCategory.init) ?? .core)
                )
            }
            for point in points {
                let key = index.keys[Int(point)]
                let gap = CourseSystemGaps.PointGap(
                    id: key,
                    name: index.names[Int(point)],
                    kind: index.kinds[Int(point)] == .skill ? .skill : .knowledge,
                    course: courseKey,
                    courseName: courseName
                )
                if counts.resources[key, default: 0] == 0 { withoutResources.append(gap) }
                if counts.questions[key, default: 0] == 0 { withoutQuestions.append(gap) }
            }
        }
        var untaught: [CourseSystemGaps.SkillGap] = []
        for job in layout.jobs {
            for skill in index.uncoveredSkills(of: job, from: major, along: Self.teachingPath) {
                let course = index.predecessors(of: skill, via: .teaches).first
                untaught.append(
                    .init(
                        job: index.keys[Int(job)],
                        jobName: index.names[Int(job)],
                        skill: index.keys[Int(skill)],
                        skillName: index.names[Int(skill)],
                        course: course.map { index.keys[Int($0)] },
                        major: course.flatMap { index.predecessors(of: $0, via: .hasCourse).first }.map { index.keys[Int($0)] }
                    )
                )
            }
        }
        return CourseSystemGaps(
            major: code,
            pointsWithoutResources: withoutResources,
            pointsWithoutQuestions: withoutQuestions,
            untaughtSkills: untaught,
            coursesWithoutPoints: emptyCourses
        )
    }

    // MARK: - Jobs

    /// Jobs a course leads to: reachable from it through its points, their prerequisite chains and the skills jobs
    /// require.
    public func jobs(reachableFromCourse id: String) async throws -> [Job] {
        let index = try await self.index()
        guard let course = index.node(.course, id) else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Course"), id) }
        return index.reachable(from: course, keeping: .job).map { job in
            Job(
                id: index.keys[Int(job)],
                name: index.names[Int(job)],
                occupationCode: index.details[Int(job)],
                skills: index.predecessors(of: job, via: .requiredBy).map { index.keys[Int($0)] }.sorted()
            )
        }
    }

    /// Job → the skills it requires → the courses that teach them → their published resources.
    public func path(job id: String) async throws -> JobPath {
        let index = try await self.index()
        guard let job = index.node(.job, id), let stored = try await self.database.read({ db in try CatalogueStore.fetchJob(db, id: id) })
        else {
            throw GranaryError.notFound(LocalizedText(zh: "岗位", en: "Job"), id)
        }
        let skills = index.predecessors(of: job, via: .requiredBy).sorted { (index.names[Int($0)], $0) < (index.names[Int($1)], $1) }
        let resources = try await self.resourceCounts.newestResources(
            onPoints: Set(skills.map { index.keys[Int($0)] }),
            limit: JobPath.resourcesPerSkill
        )
        let steps = skills.map { skill in
            let key = index.keys[Int(skill)]
            let courseStep = Self.course(teaching: skill, index)
            let prerequisites = index.predecessors(of: skill, via: .prerequisiteOf).map {
                JobPath.PointReference(id: index.keys[Int($0)], name: index.names[Int($0)])
            }
            return JobPath.SkillStep(
                id: key,
                name: index.names[Int(skill)],
                course: courseStep,
                prerequisites: prerequisites.sorted { $0.name < $1.name },
                resources: resources[key]?.newest ?? [],
                resourceCount: resources[key]?.count ?? 0
            )
        }
        return JobPath(job: stored, skills: steps)
    }

    /// The course that teaches `point`, when one does.
    private static func course(teaching point: GraphIndex.Node, _ index: GraphIndex) -> JobPath.CourseStep? {
        index.predecessors(of: point, via: .teaches).first.map { course in
            JobPath.CourseStep(
                id: index.keys[Int(course)],
                name: index.names[Int(course)],
                major: index.predecessors(of: course, via: .hasCourse).first.map { index.keys[Int($0)] } ?? "",
                category: index.details[Int(course)].flatMap(CourseCategory.init) ?? .core
            )
        }
    }

    /// Most resources listed per step of a learning path.
    public static let resourcesPerStep = 3

    /// The learning path to a job (学习路径): its skills and every point they build on, prerequisites first, each with
    /// its newest published resources and its count of published questions. Nobody's mastery yet: see
    /// `LearningPath.standing`.
    public func learningPath(job id: String) async throws -> LearningPath {
        let index = try await self.index()
        guard let job = index.node(.job, id), let stored = try await self.database.read({ db in try CatalogueStore.fetchJob(db, id: id) })
        else {
            throw GranaryError.notFound(LocalizedText(zh: "岗位", en: "Job"), id)
        }
        let required = Set(index.predecessors(of: job, via: .requiredBy))
        // The skills and, transitively, what they build on.
        var members: [GraphIndex.Node] = []
        var seen = Set<GraphIndex.Node>()
        var stack = Array(required)
        while let point = stack.popLast() {
            guard seen.insert(point).inserted else { continue }
            members.append(point)
            stack.append(contentsOf: index.predecessors(of: point, via: .prerequisiteOf))
        }
        let courses = Dictionary(uniqueKeysWithValues: members.map { ($0, Self.course(teaching: $0, index)) })
        // Ties broken by course, then name: a course's points stay together where the prerequisites allow.
        members.sort { (courses[$0]??.name ?? "", index.names[Int($0)], $0) < (courses[$1]??.name ?? "", index.names[Int($1)], $1) }
        let keys = members.map { index.keys[Int($0)] }
        let nodes = Dictionary(uniqueKeysWithValues: zip(keys, members))
        let prerequisites = Dictionary(
            uniqueKeysWithValues: zip(keys, members.map { index.predecessors(of: $0, via: .prerequisiteOf).map { index.keys[Int($0)] }.sorted() })
        )
        let resources = try await self.resourceCounts.newestResources(onPoints: Set(keys), limit: Self.resourcesPerStep)
        let questions = try await self.database.read { db in try LibraryFacts.liveQuestionsPerPoint(db, points: Set(keys)) }
        let steps = LearningPath.ordered(keys, prerequisites: prerequisites).map { key in
            let node = nodes[key]!
            return LearningPath.Step(
                id: key,
                name: index.names[Int(node)],
                kind: index.kinds[Int(node)] == .skill ? .skill : .knowledge,
                course: courses[node] ?? nil,
                prerequisites: prerequisites[key] ?? [],
                required: required.contains(node),
                resources: resources[key]?.newest ?? [],
                resourceCount: resources[key]?.count ?? 0,
                questionCount: questions[key] ?? 0
            )
        }
        return LearningPath(job: stored, steps: steps)
    }
}

/// Makes sure one read of the whole index runs at a time: callers that need a revision a running read will cover
/// wait for it.
private actor IndexLoader {
    private var running: Task<GraphIndex, any Error>?

    func load(
        atLeast revision: Int64,
        into cache: IndexCache,
        _ read: @escaping @Sendable () async throws -> GraphIndex
    ) async throws -> GraphIndex {
        while true {
            if let current = cache.current, current.revision >= revision { return current }
            if let running = self.running {
                // A read that started before this revision may come back older: look again when it ends.
                _ = try? await running.value
                if self.running == running { self.running = nil }
                continue
            }
            let task = Task {
                let index = try await read()
                cache.offer(index)
                return index
            }
            self.running = task
            defer { if self.running == task { self.running = nil } }
            let index = try await task.value
            if index.revision >= revision { return index }
        }
    }
}

/// The newest course-system change seen in the feed.
private final class CatalogueChanges: Sendable {
    private let sequence = Atomic<Int64>(0)

    var newest: Int64 { self.sequence.load(ordering: .acquiring) }

    func note(_ sequence: Int64) {
        _ = self.sequence.max(sequence, ordering: .acquiringAndReleasing)
    }
}

/// The newest index built, shared by the requests that find it current.
private final class IndexCache: Sendable {
    private let stored = Mutex<GraphIndex?>(nil)

    var current: GraphIndex? { self.stored.withLock { $0 } }

    /// Keeps `index` unless a newer one is already stored.
    func offer(_ index: GraphIndex) {
        self.stored.withLock { stored in
            if stored.map({ $0.revision < index.revision }) ?? true { stored = index }
        }
    }
}

/// What the graph shows of the published resources on points: their counts beside every point of the map and the
/// gaps, and the newest few beside every skill of a job's path.
public protocol PointResourceCounts: Sendable {
    /// The number of live resources whose published version is on each of `points`; points with none may be left out.
    func liveResources(onPoints points: Set<String>) async throws -> [String: Int]
    /// For each of `points`: how many live resources are on it and the `limit` newest; points with none may be left
    /// out.
    func newestResources(onPoints points: Set<String>, limit: Int) async throws -> [String: (count: Int, newest: [JobPath.ResourceStep])]
}

/// The counts read from SQLite, one grouped query; the newest, a read per point.
struct SQLPointResourceCounts: PointResourceCounts {
    let database: LibraryDatabase

    func liveResources(onPoints points: Set<String>) async throws -> [String: Int] {
        try await self.database.read { db in try LibraryFacts.liveResourcesPerPoint(db, points: points) }
    }

    func newestResources(onPoints points: Set<String>, limit: Int) async throws -> [String: (count: Int, newest: [JobPath.ResourceStep])] {
        try await self.database.read { db in
            var found: [String: (count: Int, newest: [JobPath.ResourceStep])] = [:]
            for point in points {
                let resources = try LibraryFacts.liveResources(db, onPoint: point, limit: limit)
                found[point] = (resources.count, resources.newest.map { JobPath.ResourceStep(id: $0.id, title: $0.title, kind: $0.kind) })
            }
            return found
        }
    }
}
