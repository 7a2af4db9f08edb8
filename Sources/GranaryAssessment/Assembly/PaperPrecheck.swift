import GranaryModel

/// The impossibilities found before any search, from the one scan of the whole bank: too few questions of a type, a
/// point no usable question assesses, a cap that cannot hold the paper, a total score or difficulty band that no
/// selection with these quotas reaches.
struct PaperPrecheck {
    /// Questions of each type (by ordinal) the blueprint asks for.
    let quotas: [Int]
    /// The blueprint's cover points, numbered.
    let cover: PointLookup
    /// The blueprint checked.
    let blueprint: PaperBlueprint

    /// Most work the reachable-sum tables may take before the check falls back to the bounds alone.
    private static let tableBudget = 4_000_000

    /// A check of `blueprint`, whose quotas are already read into `quotas`.
    init(blueprint: PaperBlueprint, quotas: [Int], cover: PointLookup) {
        self.blueprint = blueprint
        self.quotas = quotas
        self.cover = cover
    }

    /// The first impossibility found in the scan of the bank, or nil when the search may go ahead.
    func run(_ scan: BankScan) -> PaperInfeasibility? {
        for type in QuestionType.allCases where (self.blueprint.quotas[type] ?? 0) < 0 {
            return self.infeasible(
                .typeQuota,
                "the blueprint asks for \(self.blueprint.quotas[type] ?? 0) \(type.rawValue) items",
                zh: "蓝图要求的\(type.chinese)题数为负数"
            )
        }
        let items = scan.items
        for type in QuestionType.allCases where items[type.ordinal] < self.quotas[type.ordinal] {
            let asked = self.quotas[type.ordinal]
            return self.infeasible(
                .typeQuota,
                "the bank has \(items[type.ordinal]) \(type.rawValue) items, the blueprint asks for \(asked)",
                zh: "题库只有 \(items[type.ordinal]) 道已发布的\(type.chinese)题，蓝图要求 \(asked) 道"
            )
        }
        for (number, point) in self.cover.ids.enumerated() {
            if !scan.coveredByAny[number] { return self.infeasible(.cover, "point \(point) has no item", zh: "知识点 point \(point) 没有已发布的试题") }
            if !scan.coveredByUsable[number] {
                return self.infeasible(
                    .cover,
                    "point \(point) has no item of a type the blueprint asks for",
                    zh: "知识点 point \(point) 没有蓝图所要求题型的试题"
                )
            }
        }
        if let reason = self.checkCoverCount(scan.coverHits) { return reason }
        if let reason = self.checkCap(spread: scan.spread, pointless: scan.pointless, need: scan.spreadNeed) { return reason }
        if let target = self.blueprint.score {
            let sums = scan.scores.reachableSums(quotas: self.quotas, budget: Self.tableBudget)
            if target < sums.lowest || target > sums.highest {
                return self.infeasible(
                    .score,
                    "no selection reaches a total of exactly \(target): with these quotas the totals lie between \(sums.lowest) and \(sums.highest)",
                    zh: "按这些题量，总分只能在 \(sums.lowest) 到 \(sums.highest) 之间，凑不出 \(target)"
                )
            }
            if let reachable = sums.reachable, !reachable[target - sums.lowest] {
                return self.infeasible(.score, "no selection reaches a total of exactly \(target) with these quotas", zh: "按这些题量，凑不出恰好 \(target) 的总分")
            }
        }
        let band = self.blueprint.difficultySum
        let sums = scan.difficulties.reachableSums(quotas: self.quotas, budget: Self.tableBudget)
        if band.upperBound < sums.lowest || band.lowerBound > sums.highest {
            return self.infeasible(
                .difficulty,
                "no selection has a difficulty sum within \(band.lowerBound)…\(band.upperBound): "
                    + "with these quotas the sums lie between \(sums.lowest) and \(sums.highest)",
                zh: "按这些题量，难度之和只能在 \(sums.lowest) 到 \(sums.highest) 之间，达不到目标范围 \(band.lowerBound)–\(band.upperBound)"
            )
        }
        if let reachable = sums.reachable {
            let inside = max(band.lowerBound, sums.lowest)...min(band.upperBound, sums.highest)
            if !inside.contains(where: { reachable[$0 - sums.lowest] }) {
                return self.infeasible(
                    .difficulty,
                    "no selection has a difficulty sum within \(band.lowerBound)…\(band.upperBound) with these quotas",
                    zh: "按这些题量，难度之和落不进目标范围 \(band.lowerBound)–\(band.upperBound)"
                )
            }
        }
        return nil
    }

    /// More cover points than the paper's questions can assess between them.
    private func checkCoverCount(_ coverHits: [Int]) -> PaperInfeasibility? {
        guard !self.cover.ids.isEmpty else { return nil }
        var reachable = 0
        for type in 0..<QuestionType.ordinalCount {
            var left = self.quotas[type]
            for hits in stride(from: 64, through: 1, by: -1) where left > 0 {
                let taken = min(left, coverHits[type * 65 + hits])
                reachable += taken * hits
                left -= taken
            }
        }
        guard reachable < self.cover.count else { return nil }
        return self.infeasible(
            .cover,
            "the blueprint asks to cover \(self.cover.count) points, but \(self.quotas.reduce(0, +)) questions can assess at most \(reachable) of them",
            zh: "蓝图要求覆盖 \(self.cover.count) 个知识点，但 \(self.quotas.reduce(0, +)) 道题最多只能覆盖 \(reachable) 个"
        )
    }

    /// A cap per point that cannot hold a type's quota (or the whole paper) over the points the bank's questions assess.
    private func checkCap(spread: [Set<Int32>], pointless: [Int], need: [Int]) -> PaperInfeasibility? {
        guard let limit = self.blueprint.maxPerPoint else { return nil }
        if limit < 1 && !self.cover.ids.isEmpty {
            return self.infeasible(
                .maxPerPoint,
                "at most \(limit) items per point leaves the \(self.cover.count) points to cover unassessed",
                zh: "每个知识点至多 \(limit) 题，要覆盖的 \(self.cover.count) 个知识点就无题可考"
            )
        }
        for group in 0...QuestionType.ordinalCount where need[group] > 0 {
            let asked = group == QuestionType.ordinalCount ? self.quotas.reduce(0, +) : self.quotas[group]
            let room = spread[group].count * max(limit, 0) + pointless[group]
            guard room < asked else { continue }
            let what = group == QuestionType.ordinalCount ? "the bank's usable items" : "the bank's \(QuestionType.allCases[group].rawValue) items"
            return self.infeasible(
                .maxPerPoint,
                "\(what) assess only \(spread[group].count) point\(spread[group].count == 1 ? "" : "s"); at most \(limit) items per point allows "
                    + "\(room) of the \(asked) the blueprint asks for",
                zh: "可用试题只考查 \(spread[group].count) 个知识点，每个知识点至多 \(limit) 题，只能出 \(room) 道，蓝图要求 \(asked) 道"
            )
        }
        return nil
    }

    private func infeasible(_ reason: PaperInfeasibility.Reason, _ message: String, zh: String) -> PaperInfeasibility {
        PaperInfeasibility(reason: reason, message: message, chinese: zh, proven: true)
    }
}
