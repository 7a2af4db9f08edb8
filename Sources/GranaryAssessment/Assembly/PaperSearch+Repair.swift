import GranaryModel

extension PaperSearch {
    /// Lowers the violation by the best single swap (ties to the higher value) until the paper is feasible or no
    /// swap lowers it, then by pairs of swaps for the score and difficulty. When that stalls and `patience` is
    /// positive, a tabu search goes on until `patience` steps pass without a new least violation: each step takes
    /// the best swap whatever it does, but never brings back a question removed in the last few steps unless that
    /// makes the paper feasible, and points it keeps leaving uncovered weigh more and more. Ends on the least
    /// violating paper seen; returns whether it is feasible.
    mutating func repair(patience: Int = 0) -> Bool {
        if self.descendViolation() { return true }
        guard patience > 0 else { return false }
        var least = self.plainViolation
        var leastSlots = self.slotItem
        var step = 0
        var lastGain = 0
        defer { self.resetCoverWeights() }
        while step - lastGain < patience {
            step += 1
            self.tabuClock += 1
            if (step - lastGain) % Self.breakoutEvery == 0 { self.raiseCoverWeights() }
            var best = Move(violation: Int.max, gain: Int.min)
            self.bestRepairSwap(&best, tabuBelow: 1)
            guard best.slot >= 0 else { break }
            let removed = self.slotItem[best.slot]
            self.apply(best)
            self.tabuUntil[removed] = self.tabuClock + 7 + self.random.below(10)
            let violation = self.plainViolation
            if violation < least {
                least = violation
                leastSlots = self.slotItem
                lastGain = step
                if violation == 0 { return true }
            }
        }
        self.load(leastSlots)
        return false
    }

    /// Steps of the tabu search without progress after which the uncovered points weigh one more.
    static let breakoutEvery = 10

    /// The violation with every cover weight 1.
    private var plainViolation: Int {
        self.violation(uncovered: self.uncovered, excess: self.excess, score: self.scoreSum, difficulty: self.difficultySum)
    }

    /// Strict descent on the violation: single swaps, then pairs. Returns whether the paper ends feasible.
    private mutating func descendViolation() -> Bool {
        var current = self.violation
        while current > 0 {
            var best = Move(violation: current, gain: Int.max)
            self.bestRepairSwap(&best, tabuBelow: nil)
            if best.slot < 0 && self.uncovered == 0 && self.excess == 0 { self.bestRepairPair(&best) }
            guard best.slot >= 0 else { return false }
            self.apply(best)
            current = self.violation
        }
        return true
    }

    /// The single swaps worth trying from an infeasible paper: every question on an uncovered point for every slot
    /// of its type (enough when one of them helps), else each key's top question for every slot and the questions
    /// on a point a slot alone covers.
    /// With `tabuBelow` set (tabu search), every candidate is weighed and a question still tabu may enter only
    /// when the violation falls below that bound.
    private mutating func bestRepairSwap(_ best: inout Move, tabuBelow: Int?) {
        if self.uncovered > 0 {
            for point in self.bank.requiredPoints where self.count[point] == 0 {
                for index in self.pointItemStart[point]..<self.pointItemStart[point + 1] {
                    let into = self.pointItems[index]
                    guard self.slotOf[into] < 0 else { continue }
                    let type = self.bank.type[into]
                    for slot in self.typeSlotStart[type]..<self.typeSlotStart[type + 1] { self.consider(slot, into, &best, tabuBelow) }
                }
            }
            if best.slot >= 0 && tabuBelow == nil { return }
        }
        self.refreshTops()
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            let type = self.slotType[slot]
            for key in self.typeKeyStart[type]..<self.typeKeyStart[type + 1] where self.keyTop[key] >= 0 {
                self.consider(slot, self.keyTop[key], &best, tabuBelow)
            }
            let point = self.soleCover(out)
            if point >= 0 {
                for index in self.pointItems(point, type) where self.slotOf[self.pointItems[index]] < 0 {
                    self.consider(slot, self.pointItems[index], &best, tabuBelow)
                }
            }
        }
    }

    /// Records the swap of `slot` to `into` in `best` if it beats it.
    @inline(__always)
    private func consider(_ slot: Int, _ into: Int, _ best: inout Move, _ tabuBelow: Int?) {
        let out = self.slotItem[slot]
        let score = self.scoreSum - self.bank.score[out] + self.bank.score[into]
        let difficulty = self.difficultySum - self.bank.difficulty[out] + self.bank.difficulty[into]
        let gain = self.bank.value[into] - self.bank.value[out]
        // One swap changes at most `widest` points each way: a bound that skips most counts.
        let floor = self.violation(
            uncovered: max(0, self.uncoveredWeight - self.widest * self.heaviest),
            excess: max(0, self.excess - self.widest),
            score: score,
            difficulty: difficulty
        )
        guard best.beats(floor, gain) else { return }
        let (uncovered, excess) = self.swapped(out, into)
        let violation = self.violation(uncovered: uncovered, excess: excess, score: score, difficulty: difficulty)
        if let bound = tabuBelow, violation >= bound, self.tabuUntil[into] > self.tabuClock { return }
        if best.beats(violation, gain) { best = Move(violation: violation, gain: gain, slot: slot, item: into) }
    }

    /// Pairs of swaps that keep cover and cap and together bring the score and difficulty closer: options grouped by
    /// their (score change, difficulty change), the best three per group, every pair of groups.
    private mutating func bestRepairPair(_ best: inout Move) {
        self.computeOptions()
        var groups: [SIMD2<Int>: [Move]] = [:]
        for slot in self.slotItem.indices {
            let out = self.slotItem[slot]
            for index in self.options(slot) {
                let into = self.optionItems[index]
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

    /// Sets every cover weight back to 1.
    mutating func resetCoverWeights() {
        guard self.heaviest > 1 else { return }
        for point in self.bank.requiredPoints { self.coverWeight[point] = 1 }
        self.heaviest = 1
        self.uncoveredWeight = self.uncovered
    }

    /// Raises the weight of every uncovered point by one, so that the violation leans on the points the search keeps
    /// leaving out (breakout).
    mutating func raiseCoverWeights() {
        for point in self.bank.requiredPoints where self.count[point] == 0 {
            self.coverWeight[point] += 1
            self.uncoveredWeight += 1
            self.heaviest = max(self.heaviest, self.coverWeight[point])
        }
    }
}
