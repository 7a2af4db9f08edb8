import GranaryModel

/// Assembles papers from a question bank (组卷): exact type quotas, an exact total score, a difficulty band, cover
/// points and a cap per point, maximising the sum of the questions' values.
///
/// The work, all in memory and deterministic for a given seed:
/// 1. `PaperPrecheck` finds the plain impossibilities on the whole bank and names the constraint.
/// 2. `ReducedBank` keeps only questions that can be in an optimal paper (an exact dominance reduction).
/// 3. A tiny reduced bank is enumerated exhaustively; otherwise `PaperSearch` builds a greedy paper, repairs it to
///    feasibility and improves it by swaps within a type, pairs of swaps whose score changes cancel, and transfers
///    of a cover point to another slot, then perturbs and descends again for `rounds` rounds (iterated local search).
public struct PaperAssembler: Sendable {
    /// Perturbation rounds after the first descent: the budget that keeps results reproducible.
    public var rounds: Int
    /// Wall-clock safety cap on the rounds; reached only on far larger banks or blueprints than the budget is set for.
    public var timeLimit: Duration
    /// Largest number of quota-respecting selections of the reduced bank that is enumerated instead of searched.
    public var exhaustiveLimit: Int

    /// An assembler with a search budget.
    public init(rounds: Int = 150, timeLimit: Duration = .seconds(2), exhaustiveLimit: Int = 20_000) {
        self.rounds = rounds
        self.timeLimit = timeLimit
        self.exhaustiveLimit = exhaustiveLimit
    }

    /// The best paper found for `blueprint` from `bank`, or the constraint that could not be met.
    public func assemble(_ bank: [PaperCandidate], blueprint: PaperBlueprint) -> PaperAssembly {
        let deadline = ContinuousClock.now + self.timeLimit
        let quotas = QuestionType.allCases.map { max(0, blueprint.quotas[$0] ?? 0) }
        let cover = PointLookup(blueprint.cover)
        if let infeasibility = PaperPrecheck(blueprint: blueprint, quotas: quotas, cover: cover).run(bank) {
            return .infeasible(infeasibility)
        }
        let reduced = ReducedBank(bank, quotas: quotas, cap: blueprint.maxPerPoint, cover: cover)
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
            return .infeasible(search.failure(blueprint: blueprint, proven: exhaustive))
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

extension PaperSearch {
    /// The constraint the current paper (the closest found) still breaks, as an infeasibility.
    func failure(blueprint: PaperBlueprint, proven: Bool) -> PaperInfeasibility {
        let lead = proven ? "no selection of the bank" : "the search found no paper that"
        if self.uncovered > 0, let point = self.bank.requiredPoints.first(where: { self.count[$0] == 0 }) {
            return PaperInfeasibility(
                reason: .cover,
                message: "\(lead) assesses point \(self.bank.pointIDs[point]) while meeting the other constraints",
                proven: proven
            )
        }
        if self.excess > 0, let point = self.count.indices.first(where: { self.count[$0] > self.cap }) {
            return PaperInfeasibility(
                reason: .maxPerPoint,
                message: "\(lead) keeps every point to at most \(self.cap) items (the closest has \(self.count[point]) on point "
                    + "\(self.bank.pointIDs[point]))",
                proven: proven
            )
        }
        if let target = self.target, self.scoreSum != target {
            return PaperInfeasibility(
                reason: .score,
                message: "\(lead) reaches a total of exactly \(target) (the closest totals \(self.scoreSum))",
                proven: proven
            )
        }
        return PaperInfeasibility(
            reason: .difficulty,
            message: "\(lead) has a difficulty sum within \(self.band.lowerBound)…\(self.band.upperBound) "
                + "(the closest has \(self.difficultySum))",
            proven: proven
        )
    }
}
