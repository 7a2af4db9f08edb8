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
                value: chosen.reduce(0) { $0 + $1.value },
                consideredItems: reduced.count,
                provenOptimal: exhaustive
            )
        )
    }
}
