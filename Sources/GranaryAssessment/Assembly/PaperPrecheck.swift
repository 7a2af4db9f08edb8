import GranaryModel

/// The impossibilities found before any search, in one pass over the whole bank: too few questions of a type, a
/// point no usable question assesses, a cap that cannot hold the paper, a total score or difficulty band that no
/// selection with these quotas reaches.
struct PaperPrecheck {
    /// Questions of each type (by ordinal) the blueprint asks for.
    let quotas: [Int]
    /// The blueprint's cover points, numbered.
    let cover: PointLookup
    let blueprint: PaperBlueprint

    /// Largest value tallied in a flat histogram; larger ones go to a dictionary.
    private static let histogramSize = 256
    /// Most work the reachable-sum tables may take before the check falls back to the bounds alone.
    private static let tableBudget = 4_000_000

    /// A check of `blueprint`, whose quotas are already read into `quotas`.
    init(blueprint: PaperBlueprint, quotas: [Int], cover: PointLookup) {
        self.blueprint = blueprint
        self.quotas = quotas
        self.cover = cover
    }

    /// The first impossibility found, or nil when the search may go ahead.
    func run(_ bank: [PaperCandidate]) -> PaperInfeasibility? {
        for type in QuestionType.allCases where (self.blueprint.quotas[type] ?? 0) < 0 {
            return self.infeasible(.typeQuota, "the blueprint asks for \(self.blueprint.quotas[type] ?? 0) \(type.rawValue) items")
        }
        let typeCount = QuestionType.ordinalCount
        let cap = self.blueprint.maxPerPoint ?? Int.max
        let paperSize = self.quotas.reduce(0, +)
        var items = [Int](repeating: 0, count: typeCount)
        var coveredByAny = [Bool](repeating: false, count: self.cover.count)
        var coveredByUsable = [Bool](repeating: false, count: self.cover.count)
        var scores = Tally(types: typeCount, size: Self.histogramSize)
        var difficulties = Tally(types: typeCount, size: Self.histogramSize)
        // Questions of a type by how many cover points each assesses, for the most cover points a paper can reach.
        var coverHits = [[Int]](repeating: [Int](repeating: 0, count: 65), count: typeCount)
        // Distinct points per type, counted only until the cap can hold the quota (and for the whole paper).
        var spread = [Set<Int32>](repeating: [], count: typeCount + 1)
        var pointless = [Int](repeating: 0, count: typeCount + 1)
        let spreadNeed = (0...typeCount).map { type -> Int in
            let asked = type == typeCount ? paperSize : self.quotas[type]
            return cap >= asked ? 0 : (asked + cap - 1) / max(cap, 1)
        }
        for candidate in bank {
            let type = candidate.type.ordinal
            let usable = self.quotas[type] > 0
            var hits = 0
            for point in candidate.points {
                let number = self.cover.number(point)
                if number >= 0 {
                    coveredByAny[number] = true
                    if usable { coveredByUsable[number] = true }
                    hits += 1
                }
            }
            guard usable else { continue }
            items[type] += 1
            scores.add(type: type, value: candidate.score)
            difficulties.add(type: type, value: candidate.difficulty)
            coverHits[type][min(hits, 64)] += 1
            if candidate.points.isEmpty {
                pointless[type] += 1
                pointless[typeCount] += 1
            }
            if spread[type].count < spreadNeed[type] { spread[type].formUnion(candidate.points) }
            if spread[typeCount].count < spreadNeed[typeCount] { spread[typeCount].formUnion(candidate.points) }
        }
        for type in QuestionType.allCases where items[type.ordinal] < self.quotas[type.ordinal] {
            let asked = self.quotas[type.ordinal]
            return self.infeasible(.typeQuota, "the bank has \(items[type.ordinal]) \(type.rawValue) items, the blueprint asks for \(asked)")
        }
        for (number, point) in self.cover.ids.enumerated() {
            if !coveredByAny[number] { return self.infeasible(.cover, "point \(point) has no item") }
            if !coveredByUsable[number] { return self.infeasible(.cover, "point \(point) has no item of a type the blueprint asks for") }
        }
        if let reason = self.checkCoverCount(coverHits) { return reason }
        if let reason = self.checkCap(spread: spread, pointless: pointless, need: spreadNeed, cap: cap) { return reason }
        if let target = self.blueprint.score {
            let sums = scores.reachableSums(quotas: self.quotas, budget: Self.tableBudget)
            if target < sums.lowest || target > sums.highest {
                return self.infeasible(
                    .score,
                    "no selection reaches a total of exactly \(target): with these quotas the totals lie between \(sums.lowest) and \(sums.highest)"
                )
            }
            if let reachable = sums.reachable, !reachable[target - sums.lowest] {
                return self.infeasible(.score, "no selection reaches a total of exactly \(target) with these quotas")
            }
        }
        let band = self.blueprint.difficultySum
        let sums = difficulties.reachableSums(quotas: self.quotas, budget: Self.tableBudget)
        if band.upperBound < sums.lowest || band.lowerBound > sums.highest {
            return self.infeasible(
                .difficulty,
                "no selection has a difficulty sum within \(band.lowerBound)…\(band.upperBound): "
                    + "with these quotas the sums lie between \(sums.lowest) and \(sums.highest)"
            )
        }
        if let reachable = sums.reachable {
            let inside = max(band.lowerBound, sums.lowest)...min(band.upperBound, sums.highest)
            if !inside.contains(where: { reachable[$0 - sums.lowest] }) {
                return self.infeasible(
                    .difficulty,
                    "no selection has a difficulty sum within \(band.lowerBound)…\(band.upperBound) with these quotas"
                )
            }
        }
        return nil
    }

    /// More cover points than the paper's questions can assess between them.
    private func checkCoverCount(_ coverHits: [[Int]]) -> PaperInfeasibility? {
        guard !self.cover.ids.isEmpty else { return nil }
        var reachable = 0
        for type in 0..<QuestionType.ordinalCount {
            var left = self.quotas[type]
            for hits in stride(from: 64, through: 1, by: -1) where left > 0 {
                let taken = min(left, coverHits[type][hits])
                reachable += taken * hits
                left -= taken
            }
        }
        guard reachable < self.cover.count else { return nil }
        return self.infeasible(
            .cover,
            "the blueprint asks to cover \(self.cover.count) points, but \(self.quotas.reduce(0, +)) questions can assess at most \(reachable) of them"
        )
    }

    /// A cap per point that cannot hold a type's quota (or the whole paper) over the points the bank's questions assess.
    private func checkCap(spread: [Set<Int32>], pointless: [Int], need: [Int], cap: Int) -> PaperInfeasibility? {
        guard let limit = self.blueprint.maxPerPoint else { return nil }
        if limit < 1 && !self.cover.ids.isEmpty {
            return self.infeasible(.maxPerPoint, "at most \(limit) items per point leaves the \(self.cover.count) points to cover unassessed")
        }
        for group in 0...QuestionType.ordinalCount where need[group] > 0 {
            let asked = group == QuestionType.ordinalCount ? self.quotas.reduce(0, +) : self.quotas[group]
            let room = spread[group].count * max(limit, 0) + pointless[group]
            guard room < asked else { continue }
            let what = group == QuestionType.ordinalCount ? "the bank's usable items" : "the bank's \(QuestionType.allCases[group].rawValue) items"
            return self.infeasible(
                .maxPerPoint,
                "\(what) assess only \(spread[group].count) point\(spread[group].count == 1 ? "" : "s"); at most \(limit) items per point allows "
                    + "\(room) of the \(asked) the blueprint asks for"
            )
        }
        return nil
    }

    private func infeasible(_ reason: PaperInfeasibility.Reason, _ message: String) -> PaperInfeasibility {
        PaperInfeasibility(reason: reason, message: message, proven: true)
    }
}

/// Per-type histograms of a small integer attribute (score or difficulty), and the sums that exactly `quota`
/// questions of each type can reach.
private struct Tally {
    private var flat: [[Int]]
    private var large: [[Int: Int]]
    private let size: Int

    init(types: Int, size: Int) {
        self.size = size
        self.flat = [[Int]](repeating: [Int](repeating: 0, count: size), count: types)
        self.large = [[Int: Int]](repeating: [:], count: types)
    }

    mutating func add(type: Int, value: Int) {
        if value >= 0 && value < self.size {
            self.flat[type][value] += 1
        } else {
            self.large[type][value, default: 0] += 1
        }
    }

    /// Distinct values of a type with how many questions have each, ascending.
    private func values(of type: Int) -> [(value: Int, count: Int)] {
        var values: [(value: Int, count: Int)] = []
        for (value, count) in self.flat[type].enumerated() where count > 0 { values.append((value, count)) }
        values += self.large[type].map { (value: $0.key, count: $0.value) }
        return values.sorted { $0.value < $1.value }
    }

    /// The lowest and highest sums, and which sums in between can be reached exactly (nil when the table would
    /// exceed `budget` steps or a value is negative: then only the bounds are known).
    func reachableSums(quotas: [Int], budget: Int) -> (lowest: Int, highest: Int, reachable: [Bool]?) {
        var lowest = 0
        var highest = 0
        var perType: [[Bool]?] = []
        var work = 0
        var exact = true
        for type in quotas.indices where quotas[type] > 0 {
            let values = self.values(of: type)
            let quota = quotas[type]
            var left = quota
            for entry in values where left > 0 {
                lowest += min(left, entry.count) * entry.value
                left -= min(left, entry.count)
            }
            left = quota
            for entry in values.reversed() where left > 0 {
                highest += min(left, entry.count) * entry.value
                left -= min(left, entry.count)
            }
            guard exact, let smallest = values.first?.value, smallest >= 0, let largest = values.last?.value else {
                exact = false
                continue
            }
            let copies = values.reduce(0) { $0 + min($1.count, quota) }
            work += copies * quota * (quota * largest + 1)
            guard work <= budget else {
                exact = false
                continue
            }
            // reach[c][s]: some c questions of the type sum to s.
            var reach = [[Bool]](repeating: [Bool](repeating: false, count: quota * largest + 1), count: quota + 1)
            reach[0][0] = true
            for entry in values {
                for _ in 0..<min(entry.count, quota) {
                    for chosen in stride(from: quota, to: 0, by: -1) {
                        for sum in stride(from: quota * largest, through: entry.value, by: -1) where reach[chosen - 1][sum - entry.value] {
                            reach[chosen][sum] = true
                        }
                    }
                }
            }
            perType.append(reach[quota])
        }
        guard exact else { return (lowest, highest, nil) }
        var total = [true]
        for sums in perType {
            guard let sums else { return (lowest, highest, nil) }
            guard total.count * sums.count <= budget else { return (lowest, highest, nil) }
            var next = [Bool](repeating: false, count: total.count + sums.count - 1)
            for (left, yes) in total.enumerated() where yes {
                for (right, alsoYes) in sums.enumerated() where alsoYes { next[left + right] = true }
            }
            total = next
        }
        let window = (lowest...highest).map { $0 < total.count && total[$0] }
        return (lowest, highest, window)
    }
}
