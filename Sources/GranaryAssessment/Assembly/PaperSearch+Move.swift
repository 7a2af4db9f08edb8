extension PaperSearch {
    /// A change of one or two slots, with the violation after it and the value it gains.
    struct Move {
        /// Violation after the move.
        var violation: Int
        /// Value gained (negative when lost).
        var gain: Int
        /// The slot that changes, or -1 for no move.
        var slot = -1
        /// The question it takes.
        var item = -1
        /// A second slot that changes, or -1.
        var otherSlot = -1
        /// The question that one takes.
        var otherItem = -1

        /// Whether a move with this violation and gain beats this one: lower violation first, then more value.
        @inline(__always)
        func beats(_ violation: Int, _ gain: Int) -> Bool {
            violation < self.violation || (violation == self.violation && gain > self.gain)
        }
    }

    /// Carries out a move found by one of the neighbourhoods.
    mutating func apply(_ move: Move) {
        self.place(move.item, in: move.slot)
        if move.otherSlot >= 0 { self.place(move.otherItem, in: move.otherSlot) }
    }

    /// Whether a difficulty change keeps the sum within the band.
    @inline(__always)
    func inBand(_ change: Int) -> Bool {
        self.band.contains(self.difficultySum + change)
    }

    /// Fills the option lists for the current paper: for each slot, the questions not in the paper that can replace
    /// its question keeping cover and cap, at most one per key and the best of it. A slot that covers no point alone
    /// takes each key's top question; one that alone covers a point takes the best of each key on that point.
    mutating func computeOptions() {
        self.refreshTops()
        self.optionItems.removeAll(keepingCapacity: true)
        for slot in self.slotItem.indices {
            self.optionStart[slot] = self.optionItems.count
            let out = self.slotItem[slot]
            let type = self.slotType[slot]
            let debt = self.soleCover(out)
            self.sole[slot] = debt
            if debt < 0 {
                for key in self.typeKeyStart[type]..<self.typeKeyStart[type + 1] where self.keyTop[key] >= 0 {
                    self.optionItems.append(self.keyTop[key])
                }
                continue
            }
            self.stamp += 1
            for index in self.pointItems(debt, type) {
                let into = self.pointItems[index]
                guard self.slotOf[into] < 0 && self.keySeen[self.itemKey[into]] != self.stamp else { continue }
                let result = self.swapped(out, into)
                if result.uncovered == 0 && result.excess == 0 {
                    self.keySeen[self.itemKey[into]] = self.stamp
                    self.optionItems.append(into)
                }
            }
        }
        self.optionStart[self.slotItem.count] = self.optionItems.count
    }

    /// The options of `slot`, as positions in `optionItems`.
    @inline(__always)
    func options(_ slot: Int) -> Range<Int> {
        self.optionStart[slot]..<self.optionStart[slot + 1]
    }

    /// Refreshes `keyTop` for the current paper.
    mutating func refreshTops() {
        for key in self.keyTop.indices {
            var top = -1
            for index in self.bucketStart[key]..<self.bucketStart[key + 1] {
                let item = self.bucketItems[index]
                if self.slotOf[item] < 0 && self.hasRoom(item) {
                    top = item
                    break
                }
            }
            self.keyTop[key] = top
        }
    }

    /// Whether every point of `item` is below the cap.
    @inline(__always)
    func hasRoom(_ item: Int) -> Bool {
        for index in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] where self.count[self.bank.points[index]] >= self.cap {
            return false
        }
        return true
    }
}
