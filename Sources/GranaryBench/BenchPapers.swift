import ArgumentParser
import Foundation
import GranaryAssessment
import GranaryModel

extension Bench {
    /// `granary bench papers`: the paper assembler (组卷) on the shared `paper_milp.py`'s 100,000-question bank and
    /// instances, beside the exact HiGHS optimum that the script computes on its reduced bank in the same run.
    struct Papers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assemble paper_milp.py's papers with Granary's solver and compare objective and time with HiGHS."
        )

        @Option(help: "The shared paper_milp.py: its bank, instances and constraints are used, and it runs as the anchor.")
        var anchorScript: String = "../shared/bench/paper_milp.py"

        @Option(help: "Instances 0..<n, as paper_milp.py's n_instances.")
        var instances: Int = 5

        @Option(help: "Questions in the bank, as paper_milp.py's bank.")
        var bank: Int = 100_000

        @Option(help: "HiGHS's time limit per instance, in seconds.")
        var anchorTimeLimit: Int = 60

        @Option(help: "Timed runs of the assembler per instance; the median is reported.")
        var repeats: Int = 5

        @Option(help: "Seed of the assembler's search.")
        var seed: UInt64 = 1

        @Option(help: "Perturbation rounds of the assembler's search.")
        var rounds: Int = PaperAssembler().rounds

        @Flag(inversion: .prefixedNo, help: "Run paper_milp.py's HiGHS solver (highs_red) for the optimum.")
        var anchor = true

        @Option(help: "Parallel papers (A卷, B卷, …) of the parallel family, per instance; 0 leaves the family out.")
        var parallel: Int = 2

        @Option(help: "Largest share of a paper's questions two parallel papers may have in common.")
        var maxOverlap: Double = 0.1

        @Option(help: "Scratch folder.")
        var work: String = "/tmp/granary-bench-papers"

        /// Exports the bank, times the assembler on each instance, runs the anchor and prints both side by side.
        func run() async throws {
            try FileManager.default.createDirectory(atPath: self.work + "/bank", withIntermediateDirectories: true)
            let script = self.work + "/paper_milp.py"
            try? FileManager.default.removeItem(atPath: script)
            try FileManager.default.copyItem(atPath: self.anchorScript, toPath: script)
            print("exporting paper_milp.py's bank (\(self.bank) questions) and \(self.instances) instances …")
            _ = try runProgram(
                "/usr/bin/env",
                ["python3", try BenchScripts.path("export_papers.py"), self.work, "\(self.bank)", "\(self.instances)"]
            )
            let shared = try SharedPapers(folder: self.work + "/bank")
            let candidates = shared.candidates()
            let assembler = PaperAssembler(rounds: self.rounds)

            var rows: [[String: Any]] = []
            for instance in 0..<self.instances {
                let blueprint = shared.blueprint(instance: instance, seed: self.seed)
                var times: [Double] = []
                var answer: PaperAssembly?
                for _ in 0..<max(1, self.repeats) {
                    let start = ContinuousClock.now
                    let result = assembler.assemble(candidates, blueprint: blueprint)
                    times.append(Review.seconds(ContinuousClock.now - start))
                    if let answer, answer != result { throw BenchError("instance \(instance): two runs with one seed gave different papers") }
                    answer = result
                }
                let median = times.sorted()[times.count / 2]
                var row: [String: Any] = ["instance": instance, "granary_s": median, "granary_first_s": times[0]]
                switch answer {
                case .assembled(let paper):
                    let check = shared.check(instance: instance, selection: paper.items.map(Int.init))
                    row["feasible"] = check.feasible
                    row["objective"] = check.objective
                    row["considered"] = paper.consideredItems
                    row["bound"] = paper.bound
                    row["bound_gap"] = paper.bound > 0 ? Double(paper.bound - paper.value) / Double(paper.bound) : 0
                    if check.objective != paper.value { throw BenchError("instance \(instance): the paper's value differs from the check's") }
                case .infeasible(let reason):
                    row["feasible"] = false
                    row["reason"] = reason.reason.rawValue
                    row["message"] = reason.message
                case nil: break
                }
                if self.parallel > 1 {
                    // The parallel family: A卷, B卷, … from one blueprint, any two sharing at most maxOverlap of a paper.
                    let maxShared = Int((self.maxOverlap * Double(blueprint.questionCount) + 1e-9).rounded(.down))
                    let start = ContinuousClock.now
                    let set = assembler.assemble(candidates, blueprint: blueprint, papers: self.parallel, maxShared: maxShared)
                    row["parallel_s"] = Review.seconds(ContinuousClock.now - start)
                    let papers = set.compactMap(\.paper)
                    row["parallel_feasible"] =
                        papers.count == self.parallel
                        && papers.allSatisfy { shared.check(instance: instance, selection: $0.items.map(Int.init)).feasible }
                    row["parallel_objectives"] = papers.map(\.value)
                    row["parallel_bound"] = papers.first?.bound
                    row["parallel_worst_gap"] = papers.map { $0.bound > 0 ? Double($0.bound - $0.value) / Double($0.bound) : 0 }.max()
                    var most = 0
                    for a in papers.indices {
                        for b in papers.indices where b > a { most = max(most, Set(papers[a].items).intersection(papers[b].items).count) }
                    }
                    row["parallel_shared"] = most
                    row["parallel_max_shared"] = maxShared
                }
                rows.append(row)
                print(
                    String(
                        format:
                            "instance %d: bound %@ (gap %.3f%%); %d parallel papers %@ objectives %@, sharing at most %@ of %d allowed, worst gap to the bound %.3f%%, %.1f ms",
                        instance,
                        (row["bound"] as? Int).map(String.init) ?? "-",
                        (row["bound_gap"] as? Double ?? .nan) * 100,
                        self.parallel,
                        (row["parallel_feasible"] as? Bool) == true ? "feasible" : "NOT ALL FEASIBLE",
                        ((row["parallel_objectives"] as? [Int]) ?? []).map(String.init).joined(separator: "/"),
                        (row["parallel_shared"] as? Int).map(String.init) ?? "-",
                        row["parallel_max_shared"] as? Int ?? 0,
                        (row["parallel_worst_gap"] as? Double ?? .nan) * 100,
                        (row["parallel_s"] as? Double ?? .nan) * 1000
                    )
                )
                print(
                    String(
                        format: "instance %d: Granary %@ objective %@ in %.1f ms (median of %d; first %.1f ms), %@ questions after reduction",
                        instance,
                        (row["feasible"] as? Bool) == true ? "feasible" : "INFEASIBLE",
                        (row["objective"] as? Int).map(String.init) ?? "-",
                        median * 1000,
                        times.count,
                        times[0] * 1000,
                        (row["considered"] as? Int).map(String.init) ?? "-"
                    )
                )
            }

            var report: [String: Any] = [
                "bank": self.bank, "instances": self.instances, "seed": self.seed, "rounds": self.rounds, "parallel": self.parallel,
                "max_overlap": self.maxOverlap,
            ]
            report["max_bound_gap"] = rows.compactMap { $0["bound_gap"] as? Double }.max()
            report["parallel_worst_gap"] = rows.compactMap { $0["parallel_worst_gap"] as? Double }.max()
            if self.anchor {
                print("running paper_milp.py \(self.instances) \(self.bank) \(self.anchorTimeLimit) highs_red …")
                _ = try runProgram("/usr/bin/env", ["python3", script, "\(self.instances)", "\(self.bank)", "\(self.anchorTimeLimit)", "highs_red"])
                let data = try Data(contentsOf: URL(fileURLWithPath: self.work + "/results_paper.json"))
                let results = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["results"] as? [[String: Any]] ?? []
                for (index, row) in rows.enumerated() {
                    guard
                        let highs = results.first(where: {
                            ($0["instance"] as? Int) == row["instance"] as? Int && ($0["solver"] as? String) == "highs_red"
                        })
                    else { continue }
                    rows[index]["highs_feasible"] = highs["feasible"]
                    rows[index]["highs_objective"] = highs["objective"]
                    rows[index]["highs_solve_s"] = highs["solve_s"]
                    rows[index]["highs_build_s"] = highs["build_s"]
                    if let objective = row["objective"] as? Int, let optimum = highs["objective"] as? Int, optimum != 0 {
                        rows[index]["objective_ratio"] = Double(objective) / Double(optimum)
                    }
                    if let seconds = row["granary_s"] as? Double, let solve = highs["solve_s"] as? Double, solve > 0 {
                        rows[index]["time_ratio"] = seconds / solve
                    }
                }
                print("instance │ Granary: feasible  objective      ms │ HiGHS: objective  solve ms  build ms │ objective ratio  time ratio")
                for row in rows {
                    let cells = [
                        Self.right(String(row["instance"] as? Int ?? -1), 8) + " │",
                        Self.right((row["feasible"] as? Bool) == true ? "yes" : "no", 17),
                        Self.right((row["objective"] as? Int).map(String.init) ?? "-", 10),
                        Self.right(String(format: "%.1f", (row["granary_s"] as? Double ?? .nan) * 1000), 7) + " │",
                        Self.right((row["highs_objective"] as? Int).map(String.init) ?? "-", 16),
                        Self.right(String(format: "%.0f", (row["highs_solve_s"] as? Double ?? .nan) * 1000), 9),
                        Self.right(String(format: "%.0f", (row["highs_build_s"] as? Double ?? .nan) * 1000), 9) + " │",
                        Self.right(String(format: "%.4f", row["objective_ratio"] as? Double ?? .nan), 15),
                        Self.right(String(format: "%.4f", row["time_ratio"] as? Double ?? .nan), 11),
                    ]
                    print(cells.joined(separator: " "))
                }
                let ratios = rows.compactMap { $0["objective_ratio"] as? Double }
                let timeRatios = rows.compactMap { $0["time_ratio"] as? Double }
                report["min_objective_ratio"] = ratios.min()
                report["max_time_ratio"] = timeRatios.max()
                report["feasible_where_highs_is"] = rows.allSatisfy { ($0["highs_feasible"] as? Bool) != true || ($0["feasible"] as? Bool) == true }
                // The bound is proven: HiGHS's optimum must never exceed it.
                report["bound_holds"] = rows.allSatisfy { row in
                    guard let optimum = row["highs_objective"] as? Int, let bound = row["bound"] as? Int else { return true }
                    return optimum <= bound
                }
                print("targets: objective ratio ≥ 0.99 on every instance, time ratio ≤ 0.1 (Granary's median over HiGHS's solve time)")
                print("bound: HiGHS's optimum ≤ Granary's bound on every instance: \((report["bound_holds"] as? Bool) == true ? "yes" : "NO")")
            }
            report["results"] = rows
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }

        /// `text` right-aligned in `width` characters.
        static func right(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }

    }
}

/// paper_milp.py's bank, instances and constraints as the exporter wrote them, with the script's own check.
struct SharedPapers {
    /// Type of each question, as the script's index into its TYPES.
    let type: [Int32]
    /// Difficulty of each question, 1…5.
    let difficulty: [Int32]
    /// The one knowledge point of each question.
    let point: [Int32]
    /// Score of each question.
    let score: [Int32]
    /// Objective coefficient of each question.
    let value: [Int32]
    /// Cover points of each instance, one after the other.
    let instancePoints: [Int32]
    /// Cover points per instance.
    let pointsPerInstance: Int
    /// Questions per type, in the script's type order.
    let quota: [Int]
    /// Exact total score.
    let totalScore: Int
    /// Allowed difficulty sums.
    let difficultySum: ClosedRange<Int>
    /// Most questions per point.
    let maxPerPoint: Int

    /// Reads the files the exporter wrote into `folder`.
    init(folder: String) throws {
        func read(_ name: String) throws -> [Int32] {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name + ".bin"))
            return data.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        }
        self.type = try read("type")
        self.difficulty = try read("diff")
        self.point = try read("kp")
        self.score = try read("score")
        self.value = try read("value")
        self.instancePoints = try read("kps")
        let constants =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/constants.json"))) as? [String: Any] ?? [:]
        let names = constants["types"] as? [String] ?? []
        // The script's types, in order, are Granary's: single, multi(ple), judge, fill, short, practical.
        guard names.count == QuestionType.allCases.count,
            zip(names, QuestionType.allCases).allSatisfy({ $1.rawValue.hasPrefix($0) })
        else { throw BenchError("paper_milp.py's types \(names) are not Granary's question types") }
        self.quota = constants["quota"] as? [Int] ?? []
        self.totalScore = constants["score"] as? Int ?? 0
        let band = constants["diff"] as? [Int] ?? [0, 0]
        self.difficultySum = band[0]...band[1]
        self.maxPerPoint = constants["max_per_kp"] as? Int ?? 0
        self.pointsPerInstance = constants["n_kps"] as? Int ?? 0
    }

    /// The bank as the assembler's candidates; question `i` is bank position `i`.
    func candidates() -> [PaperCandidate] {
        self.type.indices.map { index in
            PaperCandidate(
                index: Int32(index),
                type: QuestionType.allCases[Int(self.type[index])],
                difficulty: Int(self.difficulty[index]),
                score: Int(self.score[index]),
                points: [self.point[index]],
                value: Int(self.value[index])
            )
        }
    }

    /// Cover points of an instance.
    func cover(instance: Int) -> [Int32] {
        Array(self.instancePoints[(instance * self.pointsPerInstance)..<((instance + 1) * self.pointsPerInstance)])
    }

    /// The script's constraints for an instance.
    func blueprint(instance: Int, seed: UInt64) -> PaperBlueprint {
        PaperBlueprint(
            quotas: Dictionary(uniqueKeysWithValues: zip(QuestionType.allCases, self.quota)),
            score: self.totalScore,
            difficultySum: self.difficultySum,
            cover: self.cover(instance: instance),
            maxPerPoint: self.maxPerPoint,
            seed: seed
        )
    }

    /// paper_milp.py's `check`, written again over the exported arrays: whether the selection meets every
    /// constraint, and its objective.
    func check(instance: Int, selection: [Int]) -> (feasible: Bool, objective: Int) {
        var feasible = Set(selection).count == selection.count && selection.count == self.quota.reduce(0, +)
        var perType = [Int](repeating: 0, count: self.quota.count)
        var perPoint: [Int32: Int] = [:]
        var difficulty = 0
        var score = 0
        var objective = 0
        for index in selection {
            perType[Int(self.type[index])] += 1
            perPoint[self.point[index], default: 0] += 1
            difficulty += Int(self.difficulty[index])
            score += Int(self.score[index])
            objective += Int(self.value[index])
        }
        feasible = feasible && perType == self.quota
        feasible = feasible && self.difficultySum.contains(difficulty) && score == self.totalScore
        feasible = feasible && self.cover(instance: instance).allSatisfy { perPoint[$0, default: 0] >= 1 }
        feasible = feasible && (perPoint.values.max() ?? 0) <= self.maxPerPoint
        return (feasible, objective)
    }
}
