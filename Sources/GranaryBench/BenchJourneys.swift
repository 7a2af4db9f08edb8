import ArgumentParser
import Foundation
import GranaryModel
import GranarySchema
import GranaryStore
import Logging

extension Bench {
    /// `granary bench journeys`: every GET route of the API and every page, on a library at full size, each alone and
    /// at 16 connections (wrk), beside `/api/v1/health` in the same run.
    struct Journeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build (or reuse) a library at full size and time every GET route and page, alone and at 16 connections, beside /health."
        )

        @Option(help: "corpus.jsonl from ../shared/bench/gen_corpus.py for the resources' titles and descriptions; generated when missing.")
        var corpus: String = "/tmp/bench-corpus/corpus.jsonl"

        @Option(help: "Published resources.")
        var resources: Int = 200_000

        @Option(help: "Learners.")
        var learners: Int = 50_000

        @Option(help: "Progress and use events, half each.")
        var events: Int = 2_000_000

        @Option(help: "Questions.")
        var questions: Int = 20_000

        @Option(help: "Published offerings.")
        var offerings: Int = 500

        @Option(help: "Concurrent connections of the loaded run.")
        var connections: Int = 16

        @Option(help: "Seconds of wrk per route and run.")
        var seconds: Int = 3

        @Option(help: "Time only routes whose name contains one of these, comma-separated.")
        var only: String?

        @Option(help: "Leave out routes whose name contains one of these, comma-separated (say, analytics,report).")
        var skip: String?

        @Flag(inversion: .prefixedNo, help: "Reuse the library of an earlier run of the same size.")
        var reuse = true

        @Option(help: "Scratch folder; the library stays in it for the next run.")
        var work: String = "/tmp/granary-bench-journeys"

        @Option(help: "Folder of the shipped vocabularies.")
        var metadata: String = "Metadata"

        @Option(
            help: ArgumentHelp(
                "Also time the library on this PostgreSQL database (copied into it when it is empty) and compare every route's requests/s with SQLite's.",
                valueName: "postgresql://…"
            )
        )
        var database: String?

        func run() async throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
                throw BenchError("wrk is not installed (apt-get install wrk)")
            }
            let samples = try await self.library()
            var nodes = [try await self.launch(engine: "SQLite", arguments: [])]
            defer { for node in nodes { node.server.stop() } }
            if let database = self.database {
                try await self.copyLibrary(into: database)
                nodes.append(try await self.launch(engine: "PostgreSQL", arguments: ["--database", database]))
            }
            let runs = try self.timeRoutes(samples, on: nodes)
            var report = runs[0].json
            report["size"] = [
                "resources": self.resources, "learners": self.learners, "events": self.events, "questions": self.questions,
                "offerings": self.offerings,
            ]
            if runs.count == 2 {
                report["postgresql"] = runs[1].json
                report["postgresql_share"] = Self.compare(runs[0], runs[1])
            }
            let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            try json.write(to: URL(fileURLWithPath: self.work + "/journeys.json"))
            print("figures in \(self.work)/journeys.json")
        }

        /// One engine's figures: when the node answered, /health's rate, and every route it timed.
        struct EngineRun {
            var startSeconds: Double
            var baseline: Double
            var peak: Double
            var timed: [(route: JourneyRoute, figures: Figures)]
            var untimed: [String]
            var missed: [String]

            var json: [String: Any] {
                var json: [String: Any] = [
                    "start_s": self.startSeconds, "health_requests_per_s": self.baseline, "peak_rss_mib": self.peak, "untimed": self.untimed,
                    "missed": self.missed,
                ]
                json["routes"] = Dictionary(
                    self.timed.map { ($0.route.label, ["alone": $0.figures.alone.json, "loaded": $0.figures.loaded.json]) },
                    uniquingKeysWith: { first, _ in first }
                )
                return json
            }
        }

        /// A served library on one engine, with a token per role.
        struct Node {
            var engine: String
            var server: BenchServer
            var tokens: [Role: String]
        }

        /// Serves the library (on SQLite, or with `arguments` naming another database) once its check is done.
        func launch(engine: String, arguments: [String]) async throws -> Node {
            let server = try await BenchServer.launch(
                data: self.work + "/data",
                metadata: self.metadata,
                arguments: ["--event-loops", "1"] + arguments,
                username: "bench-learner"
            )
            print(String(format: "%@: granary serve answered /health %.1f s after it started", engine, server.startSeconds))
            do {
                try await server.waitForIntegrityCheck()
                var tokens: [Role: String] = [.learner: server.token]
                for role in [Role.teacher, .reviewer, .admin] {
                    let username = "bench-\(role.rawValue)"
                    // The reviewer and the admin log in with two steps: a new secret each run, on each engine's copy.
                    let totp =
                        Accounts.defaultTwoFactorRoles.contains(role)
                        ? try BenchServer.enrolTwoFactor(
                            username: username,
                            storage: ["--data", self.work + "/data", "--metadata", self.metadata] + arguments
                        )
                        : nil
                    tokens[role] = try BenchServer.login(port: server.port, username: username, totp: totp)
                }
                return Node(engine: engine, server: server, tokens: tokens)
            } catch {
                server.stop()
                throw error
            }
        }

        /// Times every route on every node. With two nodes each route is timed on both back to back, in the order
        /// first, second, second, first, and each node's figures are the mean of its two runs: the machine's load
        /// drifts over a run of twenty minutes, and an engine timed ten minutes after the other would be compared
        /// with another machine.
        func timeRoutes(_ samples: JourneyLibrary.Samples, on nodes: [Node]) throws -> [EngineRun] {
            let routes = JourneyRoute.all(samples).filter { route in
                (self.only.map { $0.split(separator: ",").contains { route.name.contains($0) } } ?? true)
                    && !(self.skip.map { $0.split(separator: ",").contains { route.name.contains($0) } } ?? false)
            }
            let order = nodes.count == 2 ? [0, 1, 1, 0] : Array(nodes.indices)
            /// A route's figures on each node, the mean of its runs in `order`.
            func timeOnEach(_ route: JourneyRoute) throws -> [Figures] {
                var runs: [[Figures]] = nodes.map { _ in [] }
                for index in order { runs[index].append(try self.time(route, tokens: nodes[index].tokens, port: nodes[index].server.port)) }
                return runs.map(Figures.mean)
            }
            let health = JourneyRoute(name: "GET /api/v1/health", role: nil, paths: ["/api/v1/health"])
            let first = try timeOnEach(health)
            print(
                "\(routes.count) routes on \(nodes.map(\.engine).joined(separator: " and ")); wrk, one thread, \(self.seconds) s per run"
                    + (nodes.count == 2 ? ", each route timed on both engines in turn (ABBA) and averaged" : "") + "; granary serve --event-loops 1"
            )
            print(
                String(
                    format: "%-55@ %@ | %@ | %@",
                    "route (role)" as NSString,
                    "alone: req/s    p50    p99" as NSString,
                    "\(self.connections) conns: req/s    p50    p99" as NSString,
                    "of health"
                )
            )
            func show(_ route: JourneyRoute, _ figures: [Figures], baselines: [Double]) {
                for (index, node) in nodes.enumerated() {
                    print(Self.line(route, figures[index], baseline: baselines[index], engine: nodes.count > 1 ? node.engine : nil))
                }
            }
            show(health, first, baselines: first.map(\.loaded.rate))
            var timed: [[(route: JourneyRoute, figures: Figures)]] = nodes.map { _ in [] }
            var untimed: [[String]] = nodes.map { _ in [] }
            for route in routes {
                // A route that does not answer within a minute is not timed.
                let statuses = nodes.map { node in
                    (try? runProgram(
                        "/usr/bin/curl",
                        [
                            "-s", "--max-time", "60", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                            route.header(node.tokens).joined(separator: ": "),
                            "http://127.0.0.1:\(node.server.port)\(route.paths[0])",
                        ]
                    )) ?? "no answer within 60 s"
                }
                guard statuses.allSatisfy({ $0.hasPrefix("2") }) else {
                    for (index, node) in nodes.enumerated() {
                        print(
                            String(format: "%-55@ answered %@: not timed", "\(node.engine): \(route.label)" as NSString, statuses[index] as NSString)
                        )
                        untimed[index].append("\(route.label): \(statuses[index])")
                    }
                    continue
                }
                let figures = try timeOnEach(route)
                for index in nodes.indices { timed[index].append((route, figures[index])) }
                show(route, figures, baselines: first.map(\.loaded.rate))
            }
            let last = try timeOnEach(health)
            show(health, last, baselines: first.map(\.loaded.rate))
            return nodes.indices.map { index in
                let node = nodes[index]
                let baseline = (first[index].loaded.rate + last[index].loaded.rate) / 2
                let peak = Double(BenchServer.status(pid: node.server.process.processIdentifier, field: "VmHWM")) / 1024
                let missed = timed[index].filter { !$0.route.meets($0.figures, baseline: baseline) }
                print(
                    String(
                        format:
                            "%@: /health %.0f requests/s at %d connections (mean of the first and last run); targets: p99 ≤ %.0f ms alone, ≤ %.0f ms loaded, ≥ 25%% of /health's rate (report and analytics ≤ 200 ms)",
                        node.engine,
                        baseline,
                        self.connections,
                        JourneyRoute.aloneLimit,
                        JourneyRoute.loadedLimit
                    )
                )
                print(
                    "\(node.engine): \(timed[index].count - missed.count) of \(timed[index].count) timed routes meet every target; \(untimed[index].count) not timed"
                )
                for (route, figures) in missed {
                    print(
                        String(
                            format: "  missed: %@ (p99 %.1f ms alone, %.1f ms loaded, %.0f%% of /health)",
                            route.label as NSString,
                            figures.alone.p99,
                            figures.loaded.p99,
                            figures.loaded.rate / baseline * 100
                        )
                    )
                }
                print(String(format: "%@: server peak RSS %.0f MiB (target < 1024)", node.engine, peak))
                return EngineRun(
                    startSeconds: node.server.startSeconds,
                    baseline: baseline,
                    peak: peak,
                    timed: timed[index],
                    untimed: untimed[index],
                    missed: missed.map(\.route.label)
                )
            }
        }

        /// Copies the bench library into `database` unless it holds a library already (an earlier run's copy).
        func copyLibrary(into database: String) async throws {
            let target = try await LibraryDatabase(
                postgresql: try PostgresLocation(database),
                schemas: .all,
                logger: Logger(label: "granary.bench")
            )
            print("copying the library into \(database) …")
            let source = try LibraryDatabase(path: self.work + "/data/granary.sqlite", schemas: .all)
            let started = ContinuousClock.now
            do {
                let report = try await DatabaseCopy.copy(from: source, to: target)
                print("copied \(report.tables.reduce(0) { $0 + $1.rows }) rows in \(ContinuousClock.now - started)")
            } catch DatabaseCopy.Failure.targetNotEmpty {
                print("reusing the library already in \(database) (give an empty database to copy it again)")
            }
        }

        /// Each route's requests/s on PostgreSQL as a share of SQLite's, loaded and alone; prints them against the
        /// target (at least half of SQLite's, loaded).
        static func compare(_ sqlite: EngineRun, _ postgres: EngineRun) -> [String: Any] {
            print(
                String(
                    format: "start: /health after %.1f s on SQLite, %.1f s on PostgreSQL (target ≤ 15 s)",
                    sqlite.startSeconds,
                    postgres.startSeconds
                )
            )
            print(String(format: "%-44@ %@", "route (role)" as NSString, "loaded req/s SQLite  PostgreSQL  share | alone share" as NSString))
            let before = Dictionary(sqlite.timed.map { ($0.route.label, $0.figures) }, uniquingKeysWith: { first, _ in first })
            var shares: [String: Any] = [:]
            var below: [String] = []
            for (route, after) in postgres.timed {
                guard let before = before[route.label], before.loaded.rate > 0, before.alone.rate > 0 else { continue }
                let loaded = after.loaded.rate / before.loaded.rate
                let alone = after.alone.rate / before.alone.rate
                shares[route.label] = ["loaded": loaded, "alone": alone]
                if loaded < 0.5 { below.append(route.label) }
                print(
                    String(
                        format: "%-44@ %19.0f %11.0f %5.0f%% | %10.0f%%%@",
                        route.label as NSString,
                        before.loaded.rate,
                        after.loaded.rate,
                        loaded * 100,
                        alone * 100,
                        loaded < 0.5 ? "  below half" : ""
                    )
                )
            }
            print("PostgreSQL reaches half of SQLite's loaded requests/s on \(shares.count - below.count) of \(shares.count) routes")
            return ["routes": shares, "below_half": below, "start_s": ["sqlite": sqlite.startSeconds, "postgresql": postgres.startSeconds]]
        }

        struct Run {
            var rate: Double
            var p50: Double
            var p99: Double
            var note: String
            var json: [String: Double] { ["requests_per_s": self.rate, "p50_ms": self.p50, "p99_ms": self.p99] }
        }

        struct Figures {
            var alone: Run
            var loaded: Run

            /// The mean of several runs of one route: rates and latencies averaged, notes kept.
            static func mean(_ runs: [Figures]) -> Figures {
                func mean(_ runs: [Run]) -> Run {
                    let count = Double(runs.count)
                    return Run(
                        rate: runs.map(\.rate).reduce(0, +) / count,
                        p50: runs.map(\.p50).reduce(0, +) / count,
                        p99: runs.map(\.p99).reduce(0, +) / count,
                        note: Array(Set(runs.map(\.note))).sorted().joined()
                    )
                }
                return Figures(alone: mean(runs.map(\.alone)), loaded: mean(runs.map(\.loaded)))
            }
        }

        func time(_ route: JourneyRoute, tokens: [Role: String], port: Int) throws -> Figures {
            func run(_ connections: Int) throws -> Run {
                let result = try Bench.Search.wrk(
                    paths: route.paths,
                    header: route.headerPair(tokens),
                    port: port,
                    work: self.work,
                    connections: connections,
                    seconds: self.seconds
                )
                return Run(rate: result.rate, p50: result.p50, p99: result.p99, note: result.note)
            }
            let alone = try run(1)
            let loaded = try run(self.connections)
            // Requests wrk gave up on may still be running: let them finish before the next route is timed.
            _ = try? runProgram(
                "/usr/bin/curl",
                [
                    "-s", "--max-time", "60", "-o", "/dev/null", "-H", route.header(tokens).joined(separator: ": "),
                    "http://127.0.0.1:\(port)\(route.paths[0])",
                ]
            )
            return Figures(alone: alone, loaded: loaded)
        }

        static func line(_ route: JourneyRoute, _ figures: Figures, baseline: Double, engine: String? = nil) -> String {
            String(
                format: "%-55@ %11.0f %6.2f %6.2f | %15.0f %6.2f %6.2f | %4.0f%%%@",
                (engine.map { "\($0): " } ?? "") + route.label as NSString,
                figures.alone.rate,
                figures.alone.p50,
                figures.alone.p99,
                figures.loaded.rate,
                figures.loaded.p50,
                figures.loaded.p99,
                figures.loaded.rate / baseline * 100,
                (figures.alone.note + figures.loaded.note) as NSString
            )
        }

        /// The library of an earlier run when its size matches and `reuse` is on; else a new one. Returns the samples
        /// the routes are called with.
        func library() async throws -> JourneyLibrary.Samples {
            let size = JourneyLibrary.Size(
                resources: self.resources,
                learners: self.learners,
                events: self.events,
                questions: self.questions,
                offerings: self.offerings
            )
            struct Saved: Codable {
                var size: JourneyLibrary.Size
                var samples: JourneyLibrary.Samples
            }
            let savedPath = self.work + "/library.json"
            if self.reuse, let data = FileManager.default.contents(atPath: savedPath), let saved = try? JSONDecoder().decode(Saved.self, from: data),
                saved.size == size
            {
                print("reusing the library in \(self.work)/data (--no-reuse builds it again)")
                return saved.samples
            }
            try? FileManager.default.removeItem(atPath: self.work)
            try FileManager.default.createDirectory(atPath: self.work, withIntermediateDirectories: true)
            let texts = try self.texts()
            print(
                "building a library of \(self.resources) resources, \(self.learners) learners, \(self.events) events, \(self.questions) questions, \(self.offerings) offerings …"
            )
            let library = try Library(
                dataDirectory: self.work + "/data",
                metadataDirectory: self.metadata,
                options: .init(bcryptCost: 4),
                schemas: .all
            )
            let samples = try await JourneyLibrary.build(library, size: size, texts: texts)
            try JSONEncoder().encode(Saved(size: size, samples: samples)).write(to: URL(fileURLWithPath: savedPath))
            return samples
        }

        /// Titles and descriptions from the shared corpus, generated with gen_corpus.py when the file is missing.
        func texts() throws -> [(title: String, description: String)] {
            var path = self.corpus
            if !FileManager.default.fileExists(atPath: path) {
                let folder = self.work + "/corpus"
                path = folder + "/corpus.jsonl"
                if !FileManager.default.fileExists(atPath: path) {
                    // gen_corpus.py writes into the folder but does not make it.
                    print("generating the corpus with gen_corpus.py in \(folder) …")
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    _ = try runProgram("/usr/bin/env", ["python3", "../shared/bench/gen_corpus.py", "\(self.resources)", folder, "42"])
                }
            }
            return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
                guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                return (record["title"] as? String ?? "", record["description"] as? String ?? "")
            }
        }
    }
}

/// One GET route as a person calls it: its name, who calls it (nil: signed out) and the paths it is called with in
/// turn.
struct JourneyRoute {
    var name: String
    var role: Role?
    var paths: [String]
    /// The report and analytics may take longer (≤ 200 ms); every other route has the same targets.
    var heavy = false

    static let aloneLimit = 20.0
    static let loadedLimit = 50.0

    var label: String { self.role.map { "\(self.name) (\($0.rawValue))" } ?? self.name }
    var isPage: Bool { !self.name.hasPrefix("GET /api/") }

    /// A page is called with the session cookie, the API with the bearer token.
    func headerPair(_ tokens: [Role: String]) -> (name: String, value: String) {
        guard let role = self.role, let token = tokens[role] else { return ("Accept", "*/*") }
        return self.isPage ? ("Cookie", "granary_session=\(token)") : ("Authorization", "Bearer \(token)")
    }

    func header(_ tokens: [Role: String]) -> [String] {
        let pair = self.headerPair(tokens)
        return [pair.name, pair.value]
    }

    func meets(_ figures: Bench.Journeys.Figures, baseline: Double) -> Bool {
        let (alone, loaded) = self.heavy ? (200.0, 200.0) : (Self.aloneLimit, Self.loadedLimit)
        // A run in which no request finished within wrk's timeout has no percentiles: that is a miss, not a zero.
        guard figures.alone.rate > 0, figures.loaded.rate > 0 else { return false }
        return figures.alone.p99 <= alone && figures.loaded.p99 <= loaded && (self.heavy || figures.loaded.rate >= baseline / 4)
            && figures.alone.note.isEmpty && figures.loaded.note.isEmpty
    }

    /// Every GET route of the API and every page, with paths cut from the samples.
    static func all(_ samples: JourneyLibrary.Samples) -> [JourneyRoute] {
        func each(_ ids: [String], _ limit: Int = 100, _ path: (String) -> String) -> [String] { ids.prefix(limit).map(path) }
        let resources = samples.resources
        let courses = samples.courses
        let points = samples.points
        let majors = samples.majors
        let offeringUnits = samples.units.sorted { $0.key < $1.key }.flatMap { offering in offering.value.map { (offering.key, $0) } }
        let words = ["焊接", "学生", "实训", "焊缝", "教学", "机器人", "电弧", "检测", "安全", "护理"]
        let searches = words.map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
        let api = "/api/v1"
        var routes: [JourneyRoute] = [
            .init(name: "GET /api/v1/openapi.json", role: nil, paths: [api + "/openapi.json"]),
            .init(name: "GET /api/v1/me", role: .learner, paths: [api + "/me"]),
            .init(name: "GET /api/v1/institutions", role: .admin, paths: [api + "/institutions"]),
            .init(name: "GET /api/v1/majors", role: .learner, paths: [api + "/majors?pageSize=20"]),
            .init(name: "GET /api/v1/majors/{code}", role: .learner, paths: each(majors) { api + "/majors/\($0)" }),
            .init(name: "GET /api/v1/majors/{code}/plan", role: .learner, paths: [api + "/majors/\(JourneyLibrary.core)/plan"]),
            .init(name: "GET /api/v1/courses", role: .learner, paths: each(majors) { api + "/courses?pageSize=20&major=\($0)" }),
            .init(name: "GET /api/v1/courses/{id}", role: .learner, paths: each(courses) { api + "/courses/\($0)" }),
            .init(name: "GET /api/v1/knowledge-points", role: .learner, paths: each(courses) { api + "/knowledge-points?pageSize=20&course=\($0)" }),
            .init(name: "GET /api/v1/knowledge-points/{id}", role: .learner, paths: each(points, 500) { api + "/knowledge-points/\($0)" }),
            .init(
                name: "GET /api/v1/catalogue/majors",
                role: .learner,
                paths: ["焊接", "机械", "护理", "数控"].map {
                    api + "/catalogue/majors?pageSize=20&q=" + $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                }
            ),
            .init(
                name: "GET /api/v1/catalogue/occupations",
                role: .learner,
                paths: ["焊工", "电工", "教师", "工程"].map {
                    api + "/catalogue/occupations?pageSize=20&q=" + $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                }
            ),
            .init(name: "GET /api/v1/jobs", role: .learner, paths: [api + "/jobs?pageSize=20"]),
            .init(name: "GET /api/v1/jobs/{id}", role: .learner, paths: each(samples.jobs) { api + "/jobs/\($0)" }),
            .init(name: "GET /api/v1/graph/majors/{code}", role: .learner, paths: [api + "/graph/majors/\(JourneyLibrary.core)"]),
            .init(
                name: "GET /api/v1/graph/majors/{code}?format=svg",
                role: .learner,
                paths: [api + "/graph/majors/\(JourneyLibrary.core)?format=svg"]
            ),
            .init(name: "GET /api/v1/graph/courses/{id}/jobs", role: .learner, paths: each(courses) { api + "/graph/courses/\($0)/jobs" }),
            .init(name: "GET /api/v1/graph/jobs/{id}/path", role: .learner, paths: each(samples.jobs) { api + "/graph/jobs/\($0)/path" }),
            .init(name: "GET /api/v1/graph/gaps", role: .teacher, paths: [api + "/graph/gaps?major=\(JourneyLibrary.core)"]),
            .init(name: "GET /api/v1/questions", role: .teacher, paths: each(courses) { api + "/questions?pageSize=20&course=\($0)" }),
            .init(name: "GET /api/v1/questions/{id}", role: .teacher, paths: each(samples.questions) { api + "/questions/\($0)" }),
            .init(name: "GET /api/v1/questions/{id}/qti", role: .teacher, paths: each(samples.questions) { api + "/questions/\($0)/qti" }),
            .init(name: "GET /api/v1/questions/{id}/versions", role: .teacher, paths: each(samples.questions) { api + "/questions/\($0)/versions" }),
            .init(
                name: "GET /api/v1/courses/{id}/questions/export",
                role: .teacher,
                paths: each(courses, 10) { api + "/courses/\($0)/questions/export" }
            ),
            .init(name: "GET /api/v1/papers", role: .teacher, paths: each(courses, 40) { api + "/papers?course=\($0)" }),
            .init(name: "GET /api/v1/papers/{id}", role: .teacher, paths: each(samples.papers) { api + "/papers/\($0)" }),
            .init(name: "GET /api/v1/papers/{id}/stats", role: .teacher, paths: each(samples.papers) { api + "/papers/\($0)/stats" }),
            .init(name: "GET /api/v1/attempts/{id}", role: .learner, paths: each(samples.learnerAttempts) { api + "/attempts/\($0)" }),
            .init(name: "GET /api/v1/resources", role: .learner, paths: [api + "/resources?pageSize=20"]),
            .init(name: "GET /api/v1/resources?course=", role: .learner, paths: each(courses) { api + "/resources?pageSize=20&course=\($0)" }),
            .init(
                name: "GET /api/v1/resources?knowledgePoint=",
                role: .learner,
                paths: each(points, 500) { api + "/resources?pageSize=20&knowledgePoint=\($0)" }
            ),
            .init(
                name: "GET /api/v1/resources?kind=",
                role: .learner,
                paths: ResourceKind.allCases.map { api + "/resources?pageSize=20&kind=\($0.rawValue)" }
            ),
            .init(name: "GET /api/v1/resources?page=500", role: .learner, paths: [api + "/resources?pageSize=20&page=500"]),
            .init(name: "GET /api/v1/resources/{id}", role: .learner, paths: each(resources, 500) { api + "/resources/\($0)" }),
            .init(name: "GET /api/v1/resources/{id}/content", role: .learner, paths: each(resources, 500) { api + "/resources/\($0)/content" }),
            .init(name: "GET /api/v1/resources/{id}/versions", role: .admin, paths: each(resources, 500) { api + "/resources/\($0)/versions" }),
            .init(name: "GET /api/v1/resources/{id}/history", role: .admin, paths: each(resources, 500) { api + "/resources/\($0)/history" }),
            .init(name: "GET /api/v1/resources/{id}/ratings", role: .learner, paths: each(resources, 500) { api + "/resources/\($0)/ratings" }),
            .init(name: "GET /api/v1/search", role: .learner, paths: searches.map { api + "/search?pageSize=20&q=\($0)" }),
            .init(name: "GET /api/v1/recommendations", role: .learner, paths: each(resources, 500) { api + "/recommendations?resource=\($0)" }),
            .init(name: "GET /api/v1/offerings", role: .learner, paths: [api + "/offerings?pageSize=20"]),
            .init(name: "GET /api/v1/offerings?course=", role: .learner, paths: each(courses) { api + "/offerings?pageSize=20&course=\($0)" }),
            .init(name: "GET /api/v1/offerings/{id}", role: .learner, paths: each(samples.offerings) { api + "/offerings/\($0)" }),
            .init(
                name: "GET /api/v1/offerings/{id}/units/{unit}/posts",
                role: .learner,
                paths: offeringUnits.prefix(200).map { api + "/offerings/\($0.0)/units/\($0.1)/posts" }
            ),
            .init(name: "GET /api/v1/me/progress", role: .learner, paths: [api + "/me/progress"]),
            .init(name: "GET /api/v1/me/recommendations", role: .learner, paths: [api + "/me/recommendations"]),
            .init(name: "GET /api/v1/analytics/resources", role: .teacher, paths: [api + "/analytics/resources"], heavy: true),
            .init(name: "GET /api/v1/analytics/teaching", role: .teacher, paths: [api + "/analytics/teaching"], heavy: true),
            .init(name: "GET /api/v1/reviews/queue", role: .reviewer, paths: [api + "/reviews/queue?pageSize=50"]),
            .init(
                name: "GET /api/v1/reviews/{itemType}/{id}",
                role: .reviewer,
                paths: each(samples.pendingResources) { api + "/reviews/resource/\($0)" }
            ),
            .init(name: "GET /api/v1/report", role: .admin, paths: [api + "/report?year=2026"], heavy: true),
            .init(name: "GET /metrics", role: .admin, paths: ["/metrics"]),
        ]
        routes += [
            .init(name: "GET / (home)", role: .learner, paths: ["/"]),
            .init(name: "GET /login", role: nil, paths: ["/login"]),
            .init(name: "GET /register", role: nil, paths: ["/register"]),
            .init(name: "GET /static/app.js", role: nil, paths: ["/static/app.js"]),
            .init(name: "GET /courses", role: .learner, paths: ["/courses"]),
            .init(name: "GET /search", role: .learner, paths: searches.map { "/search?q=\($0)" }),
            .init(name: "GET /resources/{id}", role: .learner, paths: each(resources, 500) { "/resources/\($0)" }),
            .init(name: "GET /upload", role: .teacher, paths: ["/upload"]),
            .init(name: "GET /papers/new", role: .teacher, paths: each(courses, 40) { "/papers/new?course=\($0)" }),
            .init(name: "GET /papers/{id}", role: .teacher, paths: each(samples.papers) { "/papers/\($0)" }),
            .init(name: "GET /offerings", role: .learner, paths: ["/offerings"]),
            .init(name: "GET /offerings/new", role: .teacher, paths: ["/offerings/new"]),
            .init(name: "GET /offerings/{id}", role: .learner, paths: each(samples.offerings) { "/offerings/\($0)" }),
            .init(name: "GET /offerings/{id}/edit", role: .teacher, paths: each(samples.teacherOfferings) { "/offerings/\($0)/edit" }),
            .init(
                name: "GET /offerings/{id}/units/{unit}",
                role: .learner,
                paths: samples.learnerOfferings.flatMap { offering in (1...6).map { "/offerings/\(offering)/units/u\($0)" } }
            ),
            .init(name: "GET /me", role: .learner, paths: ["/me"]),
            .init(name: "GET /attempts/{id}", role: .learner, paths: each(samples.learnerAttempts) { "/attempts/\($0)" }),
            .init(name: "GET /analytics", role: .teacher, paths: ["/analytics"], heavy: true),
            .init(name: "GET /review", role: .reviewer, paths: ["/review"]),
            .init(name: "GET /review/{itemType}/{id}", role: .reviewer, paths: each(samples.pendingResources) { "/review/resource/\($0)" }),
            .init(name: "GET /report", role: .admin, paths: ["/report"], heavy: true),
        ]
        return routes.filter { !$0.paths.isEmpty }
    }
}
