import GranaryModel

extension PaperSearch {
    /// Number of selections of the bank that meet the quotas, or nil when it exceeds `limit`.
    func selectionCount(limit: Int) -> Int? {
        var total = 1
        for type in 0..<QuestionType.ordinalCount {
            let available = self.typeItemStart[type + 1] - self.typeItemStart[type]
            let chosen = min(self.quotas[type], available - self.quotas[type])
            guard chosen >= 0 else { return 0 }
            var ways = 1
            for step in 0..<chosen {
                let product = ways.multipliedReportingOverflow(by: available - step)
                guard !product.overflow else { return nil }
                ways = product.partialValue / (step + 1)
                guard ways <= limit else { return nil }
            }
            let product = total.multipliedReportingOverflow(by: ways)
            guard !product.overflow, product.partialValue <= limit else { return nil }
            total = product.partialValue
        }
        return total
    }

    /// Tries every selection that meets the quotas: the optimum, or a proof that none is feasible.
    mutating func exhaustive() -> Outcome {
        var outcome = Outcome()
        self.clear()
        self.enumerate(slot: 0, from: 0, &outcome)
        return outcome
    }

    /// Fills `slot` with each question of its type after position `from` (within the type), then the next slots.
    private mutating func enumerate(slot: Int, from: Int, _ outcome: inout Outcome) {
        guard slot < self.slotItem.count else {
            outcome.record(self)
            return
        }
        let type = self.slotType[slot]
        let start = slot == self.typeSlotStart[type] ? 0 : from
        let available = self.typeItemStart[type + 1] - self.typeItemStart[type]
        let last = available - (self.typeSlotStart[type + 1] - slot)
        guard start <= last else { return }
        for position in start...last {
            self.place(self.typeItems[self.typeItemStart[type] + position], in: slot)
            self.enumerate(slot: slot + 1, from: position + 1, &outcome)
            self.empty(slot)
        }
    }
}
