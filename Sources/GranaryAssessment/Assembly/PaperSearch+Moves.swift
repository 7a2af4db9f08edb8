import GranaryModel

extension PaperSearch {
    /// A change of one or two slots, with its effect on the violation and the value.
    struct Move {
        /// Violation after the move.
        var violation: Int
        /// Value gained (negative when lost).
        var gain: Int
        var slot = -1
        var item = -1
        var otherSlot = -1
        var otherItem = -1

        /// Whether this move beats `other`: lower violation first, then more value.
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

    // MARK: - Repair: from any paper to a feasible one

    /// Lowers the violation by the best single swap (ties to the higher value) until the paper is feasible or no
    /// swap lowers it, then by pairs of swaps for the score and difficulty. Returns whether the paper is feasible.
    mutating func repair() -> Bool {
        var current = self.violation
        while current > 0 {
            var best = Move(violation: current, gain: Int.max)
            self.bestRepairSwap(&best)
            if best.slot < 0 && self.uncovered == 0 && self.excess == 0 { self.bestRepairPair(&best) }
            guard best.slot >= 0 else { return false }
            self.apply(best)
            current = self.violation
        }
        return true
    }

    /// The single swaps worth trying from an infeasible paper: the best free question of every key for every slot,
    /// the questions on a point a slot alone covers, and every question on an uncovered point for every slot of its type.
    private mutating func bestRepairSwap(_ best: inout Move) {
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let type = self.slotType[slot]
            for key in self.typeKeyStart[type]..<self.typeKeyStart[type + 1] {
                let into = self.firstFree(key)
                if into >= 0 { self.consider(slot, into, &best) }
            }
            let point = self.soleCover(out)
            if point >= 0 {
                for index in self.pointItemStart[point]..<self.pointItemStart[point + 1] {
                    let into = self.pointItems[index]
                    if self.slotOf[into] < 0 && self.bank.type[into] == type { self.consider(slot, into, &best) }
                }
            }
        }
        guard self.uncovered > 0 else { return }
        for point in self.bank.requiredPoints where self.count[point] == 0 {
            for index in self.pointItemStart[point]..<self.pointItemStart[point + 1] {
                let into = self.pointItems[index]
                guard self.slotOf[into] < 0 else { continue }
                let type = self.bank.type[into]
                for slot in self.typeSlotStart[type]..<self.typeSlotStart[type + 1] { self.consider(slot, into, &best) }
            }
        }
    }

    /// Records the swap of `slot` to `into` in `best` if it beats it.
    @inline(__always)
    private mutating func consider(_ slot: Int, _ into: Int, _ best: inout Move) {
        let out = self.slotItem[slot]
        let (uncovered, excess) = self.trial(out, into)
        let violation = self.violation(
            uncovered: uncovered,
            excess: excess,
            score: self.scoreSum - self.bank.score[out] + self.bank.score[into],
            difficulty: self.difficultySum - self.bank.difficulty[out] + self.bank.difficulty[into]
        )
        let gain = self.bank.value[into] - self.bank.value[out]
        if best.beats(violation, gain) { best = Move(violation: violation, gain: gain, slot: slot, item: into) }
    }

    /// The best question of `key` not in the paper whose points all have room under the cap, or -1.
    @inline(__always)
    private func firstFree(_ key: Int) -> Int {
        var fallback = -1
        for index in self.bucketStart[key]..<self.bucketStart[key + 1] {
            let item = self.bucketItems[index]
            guard self.slotOf[item] < 0 else { continue }
            var room = true
            for pointIndex in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] where self.count[self.bank.points[pointIndex]] >= self.cap {
                room = false
            }
            if room { return item }
            if fallback < 0 { fallback = item }
        }
        return fallback
    }

    /// Pairs of swaps that keep cover and cap and together bring the score and difficulty closer: options grouped by
    /// their (score change, difficulty change), the best three per group, every pair of groups.
    private mutating func bestRepairPair(_ best: inout Move) {
        self.computeOptions()
        var groups: [SIMD2<Int>: [Move]] = [:]
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let base = slot * self.keyStride
            for offset in 0..<(self.typeKeyStart[self.slotType[slot] + 1] - self.typeKeyStart[self.slotType[slot]]) {
                let into = self.option[base + offset]
                guard into >= 0 else { continue }
                let change = SIMD2(self.bank.score[into] - self.bank.score[out], self.bank.difficulty[into] - self.bank.difficulty[out])
                let move = Move(violation: 0, gain: self.bank.value[into] - self.bank.value[out], slot: slot, item: into)
                var members = groups[change, default: []]
                members.append(move)
                members.sort { ($0.gain, -$0.slot) > ($1.gain, -$1.slot) }
                if members.count > 3 { members.removeLast() }
                groups[change] = members
            }
        }
        let changes = groups.keys.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
        for (first, change) in changes.enumerated() {
            for otherChange in changes[first...] {
                let violation = self.violation(
                    uncovered: 0,
                    excess: 0,
                    score: self.scoreSum + change.x + otherChange.x,
                    difficulty: self.difficultySum + change.y + otherChange.y
                )
                guard violation <= best.violation else { continue }
                for move in groups[change]! {
                    for other in groups[otherChange]! where other.slot != move.slot && other.item != move.item {
                        let gain = move.gain + other.gain
                        guard best.beats(violation, gain) else { continue }
                        let result = self.trial(self.slotItem[move.slot], move.item, self.slotItem[other.slot], other.item)
                        guard result.uncovered == 0 && result.excess == 0 else { continue }
                        best = Move(violation: violation, gain: gain, slot: move.slot, item: move.item, otherSlot: other.slot, otherItem: other.item)
                    }
                }
            }
        }
    }

    // MARK: - Improvement: from a feasible paper to a better one

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

    /// Fills `option` and `freeOption` for the current (feasible) paper: per slot and key, the best question not in
    /// the paper that can replace the slot's question keeping cover and cap (and for a slot that alone covers a
    /// point, the best one keeping only the cap).
    mutating func computeOptions() {
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let type = self.slotType[slot]
            let firstKey = self.typeKeyStart[type]
            let base = slot * self.keyStride
            let debt = self.soleCover(out)
            for key in firstKey..<self.typeKeyStart[type + 1] {
                let at = base + key - firstKey
                self.option[at] = -1
                self.freeOption[at] = -1
                var tries = 0
                for index in self.bucketStart[key]..<self.bucketStart[key + 1] {
                    let into = self.bucketItems[index]
                    guard self.slotOf[into] < 0 else { continue }
                    let result = self.trial(out, into)
                    if result.excess == 0 {
                        if result.uncovered == 0 && self.option[at] < 0 { self.option[at] = into }
                        if self.freeOption[at] < 0 { self.freeOption[at] = into }
                        if self.option[at] >= 0 { break }
                    }
                    tries += 1
                    if tries >= 3 { break }
                }
            }
            guard debt >= 0 else { continue }
            for index in self.pointItemStart[debt]..<self.pointItemStart[debt + 1] {
                let into = self.pointItems[index]
                guard self.slotOf[into] < 0 && self.bank.type[into] == type else { continue }
                let at = base + self.itemKey[into] - firstKey
                if self.option[at] >= 0 && self.bank.value[self.option[at]] >= self.bank.value[into] { continue }
                let result = self.trial(out, into)
                if result.uncovered == 0 && result.excess == 0 { self.option[at] = into }
            }
        }
    }

    /// Whether a difficulty change keeps the sum within the band.
    @inline(__always)
    private func inBand(_ change: Int) -> Bool {
        self.band.contains(self.difficultySum + change)
    }

    /// The best single swap that keeps the paper feasible.
    private func bestSingle(_ best: inout Move) {
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let base = slot * self.keyStride
            let keys = self.typeKeyStart[self.slotType[slot] + 1] - self.typeKeyStart[self.slotType[slot]]
            for offset in 0..<keys {
                let into = self.option[base + offset]
                guard into >= 0 else { continue }
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

    /// The best pair of swaps (two slots, any types) that keeps the paper feasible: with a fixed total, their score
    /// changes cancel, so each option is matched against the options of the opposite score change, best gain first.
    private mutating func bestPair(_ best: inout Move) {
        var entries: [Entry] = []
        var topGain = Int.min
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let base = slot * self.keyStride
            let keys = self.typeKeyStart[self.slotType[slot] + 1] - self.typeKeyStart[self.slotType[slot]]
            for offset in 0..<keys {
                let into = self.option[base + offset]
                guard into >= 0 else { continue }
                let entry = Entry(
                    slot: slot,
                    item: into,
                    gain: self.bank.value[into] - self.bank.value[out],
                    scoreChange: self.target == nil ? 0 : self.bank.score[into] - self.bank.score[out],
                    difficultyChange: self.bank.difficulty[into] - self.bank.difficulty[out]
                )
                topGain = max(topGain, entry.gain)
                entries.append(entry)
            }
        }
        guard topGain > 0 else { return }
        entries.removeAll { $0.gain + topGain <= 0 }
        entries.sort { ($0.scoreChange, $1.gain, $0.slot, $0.item) < ($1.scoreChange, $0.gain, $1.slot, $1.item) }
        // Start of each score change's run in `entries`.
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

    /// The best transfer of a cover point: a slot that alone covers a point takes a better question elsewhere while
    /// another slot (of any type) takes a question on that point; the score changes cancel when the total is fixed.
    private mutating func bestTransfer(_ best: inout Move) {
        var frees: [(gain: Int, item: Int)] = []
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let point = self.soleCover(out)
            guard point >= 0 else { continue }
            let base = slot * self.keyStride
            let keys = self.typeKeyStart[self.slotType[slot] + 1] - self.typeKeyStart[self.slotType[slot]]
            frees.removeAll(keepingCapacity: true)
            for offset in 0..<keys where self.freeOption[base + offset] >= 0 {
                let into = self.freeOption[base + offset]
                frees.append((self.bank.value[into] - self.bank.value[out], into))
            }
            guard !frees.isEmpty else { continue }
            frees.sort { ($0.gain, -$0.item) > ($1.gain, -$1.item) }
            let topFree = frees[0].gain
            for index in self.pointItemStart[point]..<self.pointItemStart[point + 1] {
                let coverer = self.pointItems[index]
                guard self.slotOf[coverer] < 0 else { continue }
                let type = self.bank.type[coverer]
                for otherSlot in self.typeSlotStart[type]..<self.typeSlotStart[type + 1] where otherSlot != slot {
                    let otherOut = self.slotItem[otherSlot]
                    let otherGain = self.bank.value[coverer] - self.bank.value[otherOut]
                    if otherGain + topFree <= best.gain { continue }
                    let scoreChange = self.bank.score[coverer] - self.bank.score[otherOut]
                    let difficultyChange = self.bank.difficulty[coverer] - self.bank.difficulty[otherOut]
                    for free in frees {
                        if free.gain + otherGain <= best.gain { break }
                        if free.item == coverer { continue }
                        if self.target != nil && self.bank.score[free.item] - self.bank.score[out] + scoreChange != 0 { continue }
                        guard self.inBand(self.bank.difficulty[free.item] - self.bank.difficulty[out] + difficultyChange) else { continue }
                        let result = self.trial(out, free.item, otherOut, coverer)
                        guard result.uncovered == 0 && result.excess == 0 else { continue }
                        best = Move(violation: 0, gain: free.gain + otherGain, slot: slot, item: free.item, otherSlot: otherSlot, otherItem: coverer)
                        break
                    }
                }
            }
        }
    }
}
