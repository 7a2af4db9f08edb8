import GranaryModel

extension PaperSearch {
    /// Raises the value while keeping the paper feasible: the best single swap, else the best pair of swaps, else
    /// the best transfer of a cover point to a question of another slot, until none gains.
    mutating func improve() {
        while true {
            self.computeOptions()
            var best = Move(violation: 0, gain: 0)
            self.bestSingle(&best)
            if best.slot < 0 { self.bestPair(&best) }
            if best.slot < 0 { self.bestTransfer(&best) }
            guard best.slot >= 0 else { return }
            self.apply(best)
        }
    }

    /// The best single swap that keeps the paper feasible.
    private func bestSingle(_ best: inout Move) {
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            for index in self.options(slot) {
                let into = self.optionItems[index]
                let gain = self.bank.value[into] - self.bank.value[out]
                guard gain > best.gain else { continue }
                if self.target != nil && self.bank.score[into] != self.bank.score[out] { continue }
                guard self.inBand(self.bank.difficulty[into] - self.bank.difficulty[out]) else { continue }
                best = Move(violation: 0, gain: gain, slot: slot, item: into)
            }
        }
    }

    /// An option as the pair neighbourhood sees it.
    private struct Entry {
        var slot: Int
        var item: Int
        var gain: Int
        var scoreChange: Int
        var difficultyChange: Int
    }

    /// The best pair of swaps (two slots, any types) that keeps the paper feasible: with a fixed total their score
    /// changes cancel, so each option is matched against the options of the opposite score change, best gain first.
    private mutating func bestPair(_ best: inout Move) {
        var entries: [Entry] = []
        var topGain = Int.min
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            for index in self.options(slot) {
                let into = self.optionItems[index]
                let gain = self.bank.value[into] - self.bank.value[out]
                topGain = max(topGain, gain)
                entries.append(
                    Entry(
                        slot: slot,
                        item: into,
                        gain: gain,
                        scoreChange: self.target == nil ? 0 : self.bank.score[into] - self.bank.score[out],
                        difficultyChange: self.bank.difficulty[into] - self.bank.difficulty[out]
                    )
                )
            }
        }
        guard topGain > 0 else { return }
        // Only options that some partner of the opposite score change could lift above the best matter.
        var partnerGain = [Int](repeating: Int.min / 2, count: 2 * self.scoreSpread + 1)
        for entry in entries {
            partnerGain[entry.scoreChange + self.scoreSpread] = max(partnerGain[entry.scoreChange + self.scoreSpread], entry.gain)
        }
        entries.removeAll { $0.gain + partnerGain[self.scoreSpread - $0.scoreChange] <= best.gain }
        entries.sort { ($0.scoreChange, $1.gain, $0.slot, $0.item) < ($1.scoreChange, $0.gain, $1.slot, $1.item) }
        var runs: [Int: Range<Int>] = [:]
        var start = 0
        while start < entries.count {
            var end = start
            while end < entries.count && entries[end].scoreChange == entries[start].scoreChange { end += 1 }
            runs[entries[start].scoreChange] = start..<end
            start = end
        }
        for entry in entries {
            guard let partners = runs[-entry.scoreChange] else { continue }
            for index in partners {
                let other = entries[index]
                if entry.gain + other.gain <= best.gain { break }
                if other.slot == entry.slot || other.item == entry.item { continue }
                guard self.inBand(entry.difficultyChange + other.difficultyChange) else { continue }
                let result = self.trial(self.slotItem[entry.slot], entry.item, self.slotItem[other.slot], other.item)
                guard result.uncovered == 0 && result.excess == 0 else { continue }
                best = Move(
                    violation: 0,
                    gain: entry.gain + other.gain,
                    slot: entry.slot,
                    item: entry.item,
                    otherSlot: other.slot,
                    otherItem: other.item
                )
                break
            }
        }
    }

    /// The best transfer of a cover point: a slot that alone covers a point takes a better question elsewhere (a key's
    /// top question) while another slot, of any type, takes a question on that point; the score changes cancel when
    /// the total is fixed. The other slot is one that covers no point alone (else its point would go uncovered);
    /// questions on the point come best first and those slots lowest value first, so bounds on the gain end both
    /// loops early. Needs the option lists of the current paper.
    private mutating func bestTransfer(_ best: inout Move) {
        // Per type, the slots that cover no point alone, lowest value first.
        var open: [[Int]] = (0..<QuestionType.ordinalCount).map { type in
            (self.typeSlotStart[type]..<self.typeSlotStart[type + 1]).filter { self.sole[$0] < 0 }
        }
        for type in open.indices {
            open[type].sort { (self.bank.value[self.slotItem[$0]], $0) < (self.bank.value[self.slotItem[$1]], $1) }
        }
        let spread = self.scoreSpread
        var bestFree = [Int](repeating: Int.min / 2, count: 2 * spread + 1)
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let point = self.sole[slot]
            guard point >= 0 else { continue }
            let type = self.slotType[slot]
            let keys = self.typeKeyStart[type]..<self.typeKeyStart[type + 1]
            for index in bestFree.indices { bestFree[index] = Int.min / 2 }
            var topFree = Int.min / 2
            for key in keys where self.keyTop[key] >= 0 {
                let gain = self.bank.value[self.keyTop[key]] - self.bank.value[out]
                let change = self.keyScore[key] - self.bank.score[out] + spread
                bestFree[change] = max(bestFree[change], gain)
                topFree = max(topFree, gain)
            }
            for otherType in 0..<QuestionType.ordinalCount {
                guard let cheapest = open[otherType].first else { continue }
                let lowest = self.bank.value[self.slotItem[cheapest]]
                for index in self.pointItems(point, otherType) {
                    let coverer = self.pointItems[index]
                    if self.bank.value[coverer] - lowest + topFree <= best.gain { break }
                    guard self.slotOf[coverer] < 0 else { continue }
                    for otherSlot in open[otherType] {
                        let otherOut = self.slotItem[otherSlot]
                        let otherGain = self.bank.value[coverer] - self.bank.value[otherOut]
                        if otherGain + topFree <= best.gain { break }
                        let scoreChange = self.bank.score[coverer] - self.bank.score[otherOut]
                        if self.target != nil {
                            let wanted = spread - scoreChange
                            guard wanted >= 0 && wanted < bestFree.count && otherGain + bestFree[wanted] > best.gain else { continue }
                        }
                        let difficultyChange = self.bank.difficulty[coverer] - self.bank.difficulty[otherOut]
                        for key in keys {
                            let free = self.keyTop[key]
                            guard free >= 0 && free != coverer else { continue }
                            let gain = self.bank.value[free] - self.bank.value[out] + otherGain
                            guard gain > best.gain else { continue }
                            if self.target != nil && self.keyScore[key] - self.bank.score[out] + scoreChange != 0 { continue }
                            guard self.inBand(self.keyDifficulty[key] - self.bank.difficulty[out] + difficultyChange) else { continue }
                            let result = self.trial(out, free, otherOut, coverer)
                            guard result.uncovered == 0 && result.excess == 0 else { continue }
                            best = Move(violation: 0, gain: gain, slot: slot, item: free, otherSlot: otherSlot, otherItem: coverer)
                        }
                    }
                }
            }
        }
    }
}
