import GranaryModel

/// Assembles papers from a question bank (组卷): exact type quotas, an exact total score, a difficulty band, cover
/// points and a cap per point, maximising the sum of the questions' values.
///
/// The work, all in memory and deterministic for a given seed:
/// 1. `BankScan` reads the whole bank once; `PaperPrecheck` finds the plain impossibilities and names the constraint.
/// 2. `ReducedBank` keeps only questions that can be in an optimal paper (an exact dominance reduction).
/// 3. A tiny reduced bank is enumerated exhaustively; otherwise `PaperSearch` builds a greedy paper, repairs it to
///    feasibility (best swaps, then a tabu search while no feasible paper is known) and improves it by swaps within
///    a type, pairs of swaps whose score changes cancel, and transfers of a cover point to another slot, then
///    perturbs and descends again for `rounds` rounds (iterated local search).
public struct PaperAssembler: Sendable {
    /// Perturbation rounds after the first descent: the budget that keeps results reproducible.
    public var rounds: Int
    /// Wall-clock safety cap on the rounds, checked between rounds; reached only on far larger banks or blueprints
    /// than the budget is set for (or in unoptimised builds), and then the paper depends on the machine's speed.
    public var timeLimit: Duration
    /// Largest number of quota-respecting selections of the reduced bank that is enumerated instead of searched.
    public var exhaustiveLimit: Int

    /// An assembler with a search budget.
    public init(rounds: Int = 100, timeLimit: Duration = .seconds(2), exhaustiveLimit: Int = 20_000) {
        self.rounds = rounds
        self.timeLimit = timeLimit
        self.exhaustiveLimit = exhaustiveLimit
    }

    /// The best paper found for `blueprint` from `bank`, or the constraint that could not be met.
    public func assemble(_ bank: [PaperCandidate], blueprint: PaperBlueprint) -> PaperAssembly {
        let deadline = ContinuousClock.now + self.timeLimit
        let quotas = QuestionType.allCases.map { max(0, blueprint.quotas[$0] ?? 0) }
        let cover = PointLookup(blueprint.cover)
        let scan = BankScan(bank, quotas: quotas, cover: cover, cap: blueprint.maxPerPoint)
        if let infeasibility = PaperPrecheck(blueprint: blueprint, quotas: quotas, cover: cover).run(scan) {
            return .infeasible(infeasibility)
        }
        let reduced = ReducedBank(bank, scan: scan, quotas: quotas, cap: blueprint.maxPerPoint, cover: cover)
        var search = PaperSearch(
            bank: reduced,
            quotas: quotas,
            target: blueprint.score,
            band: blueprint.difficultySum,
            cap: blueprint.maxPerPoint,
            seed: blueprint.seed
        )
        let exhaustive = search.selectionCount(limit: self.exhaustiveLimit) != nil
        let outcome = exhaustive ? search.exhaustive() : search.run(rounds: self.rounds, deadline: deadline)
        guard let best = outcome.best else {
            search.load(outcome.closest)
            return .infeasible(search.failure(proven: exhaustive))
        }
        let chosen = best.map { bank[reduced.source[$0]] }
        let value = chosen.reduce(0) { $0 + $1.value }
        let bound =
            exhaustive
            ? value
            : PaperBound(bank: reduced, quotas: quotas, target: blueprint.score, band: blueprint.difficultySum, cap: blueprint.maxPerPoint)
                .value(known: value)
        var countByType: [QuestionType: Int] = [:]
        var perPoint: [Int32: Int] = [:]
        for candidate in chosen {
            countByType[candidate.type, default: 0] += 1
            for point in Set(candidate.points) { perPoint[point, default: 0] += 1 }
        }
        return .assembled(
            AssembledPaper(
                items: chosen.map(\.index).sorted(),
                countByType: countByType,
                scoreSum: chosen.reduce(0) { $0 + $1.score },
                difficultySum: chosen.reduce(0) { $0 + $1.difficulty },
                coveredPoints: perPoint.keys.sorted(),
                maxItemsOnOnePoint: perPoint.values.max() ?? 0,
                value: value,
                consideredItems: reduced.count,
                provenOptimal: exhaustive || bound == value,
                bound: bound
            )
        )
    }

    /// `papers` parallel papers (A卷, B卷, …) for `blueprint`, any two sharing at most `maxShared` questions, the
    /// first the best found over the whole bank.
    ///
    /// Each paper after the first is assembled over the bank without the questions of the papers before it, except
    /// the `maxShared` most valuable of each: so no two share more. Every paper meets the whole blueprint and carries
    /// the first paper's bound, the best any single paper can reach, so its gap says what sharing less cost. The
    /// answers stop at the first paper that cannot be assembled, which names the constraint.
    public func assemble(_ bank: [PaperCandidate], blueprint: PaperBlueprint, papers: Int, maxShared: Int) -> [PaperAssembly] {
        var answers: [PaperAssembly] = []
        var excluded = Set<Int32>()
        var bound: Int?
        let values = Dictionary(bank.map { ($0.index, $0.value) }, uniquingKeysWith: { a, _ in a })
        for _ in 0..<max(1, papers) {
            let open = excluded.isEmpty ? bank : bank.filter { !excluded.contains($0.index) }
            var answer = self.assemble(open, blueprint: blueprint)
            guard var paper = answer.paper else {
                answers.append(answer)
                break
            }
            if let bound {
                paper.bound = bound
                paper.provenOptimal = paper.value == bound
                answer = .assembled(paper)
            } else {
                bound = paper.bound
            }
            answers.append(answer)
            let kept = paper.items.sorted { (values[$0] ?? 0, -$0) > (values[$1] ?? 0, -$1) }.prefix(max(0, maxShared))
            excluded.formUnion(Set(paper.items).subtracting(kept))
        }
        return answers
    }
}
