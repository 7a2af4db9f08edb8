import ArgumentParser
import Foundation
import GRDB
import GranaryGraph
import GranaryModel
import GranarySchema
import GranaryStore

extension Bench {
    /// `granary bench graph`: the in-memory graph index on the shared 200,000-node, 1,000,000-edge graph, beside
    /// networkx and SQLite recursive queries run by the shared `kg_bench.py` on the same graph in the same run.
    struct Graph: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time jobs-reachable-from-course and uncovered-skills-of-a-job on kg_bench.py's graph, beside networkx."
        )

        @Option(help: "The shared kg_bench.py: its graph generator and queries are used, and it runs as the anchor.")
        var anchorScript: String = "../shared/bench/kg_bench.py"

        @Option(help: "Queries per kind, as kg_bench.py's nq.")
        var queries: Int = 200

        @Option(help: "Seed, as kg_bench.py's seed.")
        var seed: Int = 3

        @Option(help: "Timed passes over the queries.")
        var rounds: Int = 5

        @Flag(inversion: .prefixedNo, help: "Run kg_bench.py itself for the networkx and SQLite figures.")
        var anchor = true

        @Flag(inversion: .prefixedNo, help: "Also store the graph in a library's SQLite tables and time a full reload of the index.")
        var sqlite = true

        @Option(help: "Scratch folder.")
        var work: String = "/tmp/granary-bench-graph"

        @Option(help: "Folder of the shipped vocabularies.")
        var metadata: String = "Metadata"

        func run() async throws {
            try? FileManager.default.removeItem(atPath: self.work)
            try FileManager.default.createDirectory(atPath: self.work, withIntermediateDirectories: true)
            let script = self.work + "/kg_bench.py"
            try FileManager.default.copyItem(atPath: self.anchorScript, toPath: script)
            print("exporting kg_bench.py's graph and queries (seed \(self.seed), \(self.queries) queries each) …")
            try FileManager.default.createDirectory(atPath: self.work + "/graph", withIntermediateDirectories: true)
            _ = try runProgram("/usr/bin/env", ["python3", try BenchScripts.path("export_graph.py"), self.work, "\(self.queries)", "\(self.seed)"])
            let shared = try SharedGraph(folder: self.work + "/graph")
            print("graph: \(shared.kinds.count) nodes, \(shared.edges.count / 3) edges")

            let anonymousBefore = BenchServer.status(pid: getpid(), field: "RssAnon")
            let buildStart = ContinuousClock.now
            let index = shared.index()
            let built = Review.seconds(ContinuousClock.now - buildStart)
            let anonymous = Double(BenchServer.status(pid: getpid(), field: "RssAnon") - anonymousBefore) / 1024
            print(String(format: "index built in %.3f s; %.1f MiB resident (RssAnon growth)", built, anonymous))

            let courses = shared.courses.map { GraphIndex.Node($0) }
            let pairs = shared.pairs.map { (job: GraphIndex.Node($0[0]), major: GraphIndex.Node($0[1])) }
            let path: [GraphIndex.Link] = [.hasCourse, .teaches, .prerequisiteOf]
            let q1 = Self.time(rounds: self.rounds, courses) { index.reachable(from: $0, keeping: .job) }
            let q2 = Self.time(rounds: self.rounds, pairs) { index.uncoveredSkills(of: $0.job, from: $0.major, along: path) }
            let q1Equal = zip(q1.answers, shared.expectedJobs).filter { $0.map(Int.init) == $1 }.count
            let q2Equal = zip(q2.answers, shared.expectedSkills).filter { $0.map(Int.init) == $1 }.count
            var report: [String: Any] = [
                "nodes": shared.kinds.count, "edges": shared.edges.count / 3, "build_s": built, "index_mib": anonymous,
                "q1_reachable_jobs": ["p50_ms": q1.p50, "p99_ms": q1.p99, "answersEqual": q1Equal],
                "q2_uncovered_skills": ["p50_ms": q2.p50, "p99_ms": q2.p99, "answersEqual": q2Equal],
            ]
            print("in process, ms           p50       p99    answers equal to the exporter's")
            print(String(format: "jobs from a course    %8.4f  %8.4f    %d/%d", q1.p50, q1.p99, q1Equal, courses.count))
            print(String(format: "uncovered skills      %8.4f  %8.4f    %d/%d", q2.p50, q2.p99, q2Equal, pairs.count))

            if self.sqlite {
                report["sqlite_reload"] = try await Self.reload(shared, work: self.work, metadata: self.metadata)
            }
            if self.anchor {
                print("running kg_bench.py (SQLite recursive CTE, networkx, scipy) on the same graph …")
                _ = try runProgram("/usr/bin/env", ["python3", script, "\(self.queries)", "\(self.seed)"])
                let anchor = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: self.work + "/results_kg.json")))
                report["anchor"] = anchor
                if let anchor = anchor as? [String: Any], let networkx = anchor["networkx"] as? [String: [String: Double]],
                    let sqlite = anchor["sqlite"] as? [String: [String: Double]]
                {
                    let nq1 = networkx["q1"]?["p99_ms"] ?? .nan
                    let nq2 = networkx["q2"]?["p99_ms"] ?? .nan
                    print("p99, ms                Granary   networkx   SQLite CTE   Granary ÷ networkx (target ≤ 1)")
                    print(
                        String(
                            format: "jobs from a course    %8.4f   %8.3f   %9.3f    %.3f",
                            q1.p99,
                            nq1,
                            sqlite["q1_recursive"]?["p99_ms"] ?? .nan,
                            q1.p99 / nq1
                        )
                    )
                    print(
                        String(
                            format: "uncovered skills      %8.4f   %8.3f   %9.3f    %.3f",
                            q2.p99,
                            nq2,
                            sqlite["q2_except"]?["p99_ms"] ?? .nan,
                            q2.p99 / nq2
                        )
                    )
                    report["ratio_q1_p99"] = q1.p99 / nq1
                    report["ratio_q2_p99"] = q2.p99 / nq2
                }
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }

        /// Each query timed once per round after a warm-up, with the answers of the last round.
        static func time<Query, Answer>(rounds: Int, _ queries: [Query], _ body: (Query) -> Answer) -> (p50: Double, p99: Double, answers: [Answer]) {
            for query in queries.prefix(5) { _ = body(query) }
            var latencies: [Double] = []
            var answers: [Answer] = []
            for round in 0..<max(1, rounds) {
                for query in queries {
                    let start = ContinuousClock.now
                    let answer = body(query)
                    latencies.append(Review.seconds(ContinuousClock.now - start) * 1000)
                    if round == rounds - 1 { answers.append(answer) }
                }
            }
            let percentiles = Search.percentiles(latencies)
            return (percentiles.p50, percentiles.p99, answers)
        }

        /// Stores the graph in a library's tables (six majors, every course, point, prerequisite, job and skill) and
        /// times what a catalogue change costs the next request: reading the whole index back from SQLite.
        static func reload(_ shared: SharedGraph, work: String, metadata: String) async throws -> [String: Any] {
            let library = try Library(dataDirectory: work + "/library", metadataDirectory: metadata, schemas: .all)
            let majors = Array(library.nationalCatalogue.majors.filter { $0.level == .associate }.prefix(1 + CatalogueStore.maximumServedMajors))
            let storeStart = ContinuousClock.now
            let counts = try await library.database.sqlite!.write { db in try shared.store(db, majors: majors.map(\.code)) }
            let stored = Review.seconds(ContinuousClock.now - storeStart)
            var loads: [Double] = []
            for _ in 0..<3 {
                let start = ContinuousClock.now
                _ = try await library.database.read { db in try GraphIndex.load(db) }
                loads.append(Review.seconds(ContinuousClock.now - start))
            }
            let service = GraphService(database: library.database)
            _ = try await service.index()
            let gapsStart = ContinuousClock.now
            let gaps = try await service.gaps(major: majors[0].code)
            let gapsSeconds = Review.seconds(ContinuousClock.now - gapsStart)
            let load = loads.sorted()[1]
            // The map of the largest major a library can hold here: every course of a sixth of the graph.
            let mapStart = ContinuousClock.now
            let system = try await service.courseSystem(major: majors[0].code)
            let mapJSON = Review.seconds(ContinuousClock.now - mapStart)
            let drawStart = ContinuousClock.now
            let svg = CourseSystemMap.svg(system, title: "bench")
            let drawn = Review.seconds(ContinuousClock.now - drawStart)
            print(
                String(
                    format: "map of %@: %d nodes, %d edges; graph %.3f s, SVG %.3f s (%.1f MB)",
                    majors[0].code,
                    system.nodes.count,
                    system.edges.count,
                    mapJSON,
                    drawn,
                    Double(svg.utf8.count) / 1e6
                )
            )
            print(
                String(
                    format: "SQLite: %d courses, %d points, %d prerequisites, %d jobs stored in %.1f s; full index reload %.3f s (median of 3);"
                        + " gaps of %@ (%d points without resources) %.3f s",
                    counts.courses,
                    counts.points,
                    counts.prerequisites,
                    counts.jobs,
                    stored,
                    load,
                    majors[0].code,
                    gaps.pointsWithoutResources.count,
                    gapsSeconds
                )
            )
            return [
                "courses": counts.courses, "points": counts.points, "reload_s": load, "gaps_s": gapsSeconds, "map_nodes": system.nodes.count,
                "map_graph_s": mapJSON, "map_svg_s": drawn,
            ]
        }

    }
}

/// kg_bench.py's graph as the exporter wrote it: node kinds (major, course, kp, skill, job) and typed edges.
struct SharedGraph {
    let kinds: [Int8]
    /// Flat triples: source, target, type (1 has-course, 2 next, 3 teaches, 4 supports, 5 required-by).
    let edges: [Int64]
    let courses: [Int]
    let pairs: [[Int]]
    let expectedJobs: [[Int]]
    let expectedSkills: [[Int]]

    init(folder: String) throws {
        let kindData = try Data(contentsOf: URL(fileURLWithPath: folder + "/kinds.bin"))
        self.kinds = kindData.map { Int8(bitPattern: $0) }
        let edgeData = try Data(contentsOf: URL(fileURLWithPath: folder + "/edges.bin"))
        self.edges = edgeData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
        let queries =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/queries.json"))) as? [String: Any] ?? [:]
        self.courses = queries["courses"] as? [Int] ?? []
        self.pairs = queries["pairs"] as? [[Int]] ?? []
        self.expectedJobs = queries["jobs"] as? [[Int]] ?? []
        self.expectedSkills = queries["skills"] as? [[Int]] ?? []
    }

    private static let kinds: [GraphIndex.Kind] = [.major, .course, .knowledge, .skill, .job]
    /// A course precedes the next one and a knowledge point supports a skill: both are prerequisite links here.
    private static let links: [Int64: GraphIndex.Link] = [1: .hasCourse, 2: .prerequisiteOf, 3: .teaches, 4: .prerequisiteOf, 5: .requiredBy]

    /// The graph in Granary's index; node `i` of the script is node `i` of the index.
    func index() -> GraphIndex {
        var builder = GraphIndex.Builder()
        builder.reserve(nodes: self.kinds.count, edges: self.edges.count / 3)
        for (node, kind) in self.kinds.enumerated() {
            builder.add(Self.kinds[Int(kind)], key: String(node), name: String(node))
        }
        for start in stride(from: 0, to: self.edges.count, by: 3) {
            builder.link(GraphIndex.Node(self.edges[start]), GraphIndex.Node(self.edges[start + 1]), Self.links[self.edges[start + 2]]!)
        }
        return builder.build(revision: 0)
    }

    /// Writes the graph into a library's catalogue tables. A library has at most six majors and a point belongs to
    /// one course, so courses are dealt round the majors and each point keeps the first course that teaches it.
    func store(_ db: GRDB.Database, majors: [String]) throws -> (courses: Int, points: Int, prerequisites: Int, jobs: Int) {
        let now = Date()
        for (number, code) in majors.enumerated() {
            try db.execute(
                sql: "INSERT INTO majors (code, name, level, role, createdAt, updatedAt) VALUES (?, ?, '高职专科', ?, ?, ?)",
                arguments: [code, code, number == 0 ? "core" : "served", now, now]
            )
        }
        var courseOf: [Int64: Int64] = [:]
        var courses: [Int64] = []
        for (node, kind) in self.kinds.enumerated() where kind == 1 { courses.append(Int64(node)) }
        for start in stride(from: 0, to: self.edges.count, by: 3) where self.edges[start + 2] == 3 {
            if courseOf[self.edges[start + 1]] == nil { courseOf[self.edges[start + 1]] = self.edges[start] }
        }
        let insertCourse = try db.makeStatement(
            sql: "INSERT INTO courses (id, name, major, category, createdAt, updatedAt) VALUES (?, ?, ?, 'core', ?, ?)"
        )
        for (number, course) in courses.enumerated() {
            try insertCourse.execute(arguments: ["c\(course)", "课程\(course)", majors[number % majors.count], now, now])
        }
        let insertPoint = try db.makeStatement(sql: "INSERT INTO points (id, name, course, kind, createdAt) VALUES (?, ?, ?, ?, ?)")
        var points = 0
        for (node, kind) in self.kinds.enumerated() where kind == 2 || kind == 3 {
            let course = courseOf[Int64(node)] ?? courses[node % courses.count]
            try insertPoint.execute(arguments: ["p\(node)", "知识点\(node)", "c\(course)", kind == 3 ? "skill" : "knowledge", now])
            points += 1
        }
        let insertJob = try db.makeStatement(sql: "INSERT INTO jobs (id, name, createdAt, updatedAt) VALUES (?, ?, ?, ?)")
        var jobs = 0
        for (node, kind) in self.kinds.enumerated() where kind == 4 {
            try insertJob.execute(arguments: ["j\(node)", "岗位\(node)", now, now])
            jobs += 1
        }
        let insertPrerequisite = try db.makeStatement(sql: "INSERT INTO pointPrerequisites (point, prerequisite) VALUES (?, ?)")
        let insertSkill = try db.makeStatement(sql: "INSERT INTO jobSkills (job, point) VALUES (?, ?)")
        var prerequisites = 0
        for start in stride(from: 0, to: self.edges.count, by: 3) {
            switch self.edges[start + 2] {
            case 4:
                try insertPrerequisite.execute(arguments: ["p\(self.edges[start + 1])", "p\(self.edges[start])"])
                prerequisites += 1
            case 5: try insertSkill.execute(arguments: ["j\(self.edges[start + 1])", "p\(self.edges[start])"])
            default: break
            }
        }
        return (courses.count, points, prerequisites, jobs)
    }
}
