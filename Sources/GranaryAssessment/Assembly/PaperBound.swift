/// A proven upper bound on the value of the best paper of a blueprint: its Lagrangian dual.
///
/// Every constraint but the quotas is priced into the questions' values: λ per mark of the exact score, μ per step of
/// difficulty outside the band, ρ per question over a point's cap, σ per cover point left uncovered. What is left, the
/// quotas per type, is solved exactly by taking each type's best priced questions. For any prices (ρ, σ ≥ 0) the
/// result is at least the value of every paper that meets the blueprint, since the priced terms are zero or positive
/// for such a paper; so the least one found is a bound. Subgradient steps (Polyak's, aimed at the paper in hand,
/// halved when the bound stalls) look for it. Over the reduced bank, whose optimum is the bank's, the bound holds for
/// the whole bank. The objective is a sum of whole numbers, so the bound is rounded down.
struct PaperBound {
    /// Most subgradient steps.
    static let steps = 250

    let bank: ReducedBank
    let quotas: [Int]
    let target: Int?
    let band: ClosedRange<Int>
    /// Most questions per point, nil when uncapped.
    let cap: Int?

    /// The least dual value found, rounded down; at least `known` (a paper's value) whenever the blueprint is feasible.
    func value(known: Int) -> Int {
        let count = self.bank.count
        var byType = [[Int]](repeating: [], count: self.quotas.count)
        for item in 0..<count { byType[self.bank.type[item]].append(item) }
        guard zip(byType, self.quotas).allSatisfy({ $0.count >= $1 }) else { return known }
        let points = self.bank.pointIDs.count
        let required = self.bank.required
        var rho = [Double](repeating: 0, count: points)
        var sigma = [Double](repeating: 0, count: points)
        var perPoint = [Int](repeating: 0, count: points)
        var lambda = 0.0
        var mu = 0.0
        var best = Double.infinity
        var scale = 2.0
        var sinceBetter = 0
        var priced = [Double](repeating: 0, count: count)
        let capacity = Double(self.cap ?? 0)
        for _ in 0..<Self.steps {
            for item in 0..<count {
                var price = Double(self.bank.value[item]) - lambda * Double(self.bank.score[item]) - mu * Double(self.bank.difficulty[item])
                for position in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] {
                    let point = self.bank.points[position]
                    price += sigma[point] - rho[point]
                }
                priced[item] = price
            }
            var dual = lambda * Double(self.target ?? 0) + (mu >= 0 ? mu * Double(self.band.upperBound) : mu * Double(self.band.lowerBound))
            for point in 0..<points { dual += rho[point] * capacity - sigma[point] }
            var scoreSum = 0
            var difficultySum = 0
            for point in 0..<points { perPoint[point] = 0 }
            for type in byType.indices where self.quotas[type] > 0 {
                Self.moveBest(self.quotas[type], of: &byType[type], by: priced)
                for item in byType[type].prefix(self.quotas[type]) {
                    dual += priced[item]
                    scoreSum += self.bank.score[item]
                    difficultySum += self.bank.difficulty[item]
                    for position in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] { perPoint[self.bank.points[position]] += 1 }
                }
            }
            if dual < best - 1e-9 {
                best = dual
                sinceBetter = 0
            } else {
                sinceBetter += 1
                if sinceBetter >= 8 {
                    scale /= 2
                    sinceBetter = 0
                }
            }
            if best - Double(known) < 1 || scale < 1e-4 { break }
            // The subgradient: how far the priced choice misses each constraint, with the prices that must stay
            // non-negative not pushed below zero.
            let gradientScore = self.target.map { Double($0 - scoreSum) } ?? 0
            let gradientDifficulty = Double((mu >= 0 ? self.band.upperBound : self.band.lowerBound) - difficultySum)
            var norm = gradientScore * gradientScore + gradientDifficulty * gradientDifficulty
            for point in 0..<points {
                if self.cap != nil {
                    let over = capacity - Double(perPoint[point])
                    if rho[point] > 0 || over < 0 { norm += over * over }
                }
                if required[point] {
                    let missing = Double(perPoint[point]) - 1
                    if sigma[point] > 0 || missing < 0 { norm += missing * missing }
                }
            }
            if norm == 0 { break }
            let step = scale * (dual - Double(known)) / norm
            lambda -= step * gradientScore
            mu -= step * gradientDifficulty
            for point in 0..<points {
                if self.cap != nil { rho[point] = max(0, rho[point] - step * (capacity - Double(perPoint[point]))) }
                if required[point] { sigma[point] = max(0, sigma[point] - step * (Double(perPoint[point]) - 1)) }
            }
        }
        return max(known, Int((best + 1e-6).rounded(.down)))
    }

    /// Puts the `count` items of highest priced value first in `items` (any order among them): a quickselect, since
    /// the bound only needs their sum.
    static func moveBest(_ count: Int, of items: inout [Int], by priced: [Double]) {
        guard count > 0, count < items.count else { return }
        var low = 0
        var high = items.count - 1
        let wanted = count - 1
        while low < high {
            let pivot = priced[items[(low + high) / 2]]
            var i = low
            var j = high
            while i <= j {
                while priced[items[i]] > pivot { i += 1 }
                while priced[items[j]] < pivot { j -= 1 }
                if i <= j {
                    items.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if wanted <= j {
                high = j
            } else if wanted >= i {
                low = i
            } else {
                return
            }
        }
    }
}
