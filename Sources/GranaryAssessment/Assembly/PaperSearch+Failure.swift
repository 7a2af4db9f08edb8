extension PaperSearch {
    /// The constraint the current paper (the closest found) still breaks, as an infeasibility.
    func failure(proven: Bool) -> PaperInfeasibility {
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
