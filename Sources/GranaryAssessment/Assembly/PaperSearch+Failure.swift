extension PaperSearch {
    /// The constraint the current paper (the closest found) still breaks, as an infeasibility.
    func failure(proven: Bool) -> PaperInfeasibility {
        let lead = proven ? "no selection of the bank" : "the search found no paper that"
        let zhLead = proven ? "题库中没有任何组合能" : "搜索没有找到能"
        if self.uncovered > 0, let point = self.bank.requiredPoints.first(where: { self.count[$0] == 0 }) {
            return PaperInfeasibility(
                reason: .cover,
                message: "\(lead) assesses point \(self.bank.pointIDs[point]) while meeting the other constraints",
                chinese: "\(zhLead)在满足其他要求的同时考查知识点 point \(self.bank.pointIDs[point])",
                proven: proven
            )
        }
        if self.excess > 0, let point = self.count.indices.first(where: { self.count[$0] > self.cap }) {
            return PaperInfeasibility(
                reason: .maxPerPoint,
                message: "\(lead) keeps every point to at most \(self.cap) items (the closest has \(self.count[point]) on point "
                    + "\(self.bank.pointIDs[point]))",
                chinese: "\(zhLead)让每个知识点都不超过 \(self.cap) 题（最接近的在知识点 point \(self.bank.pointIDs[point]) 上有 \(self.count[point]) 题）",
                proven: proven
            )
        }
        if let target = self.target, self.scoreSum != target {
            return PaperInfeasibility(
                reason: .score,
                message: "\(lead) reaches a total of exactly \(target) (the closest totals \(self.scoreSum))",
                chinese: "\(zhLead)凑出恰好 \(target) 的总分（最接近的是 \(self.scoreSum)）",
                proven: proven
            )
        }
        return PaperInfeasibility(
            reason: .difficulty,
            message: "\(lead) has a difficulty sum within \(self.band.lowerBound)…\(self.band.upperBound) "
                + "(the closest has \(self.difficultySum))",
            chinese: "\(zhLead)让难度之和落在 \(self.band.lowerBound)–\(self.band.upperBound)（最接近的是 \(self.difficultySum)）",
            proven: proven
        )
    }
}
