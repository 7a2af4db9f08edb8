import GranaryModel

extension PaperSearch {
    /// What a search found: the best feasible paper, if any, and the least violating paper seen.
    struct Outcome {
        /// Slots of the best feasible paper.
        var best: [Int]?
        /// Its value.
        var bestValue = Int.min
        /// Slots of the paper closest to feasible, when none was.
        var closest: [Int] = []
        /// Its violation.
        var closestViolation = Int.max
        /// Perturbation rounds run.
        var rounds = 0

        /// Keeps the current paper of `search` if it beats what was kept.
        mutating func record(_ search: PaperSearch) {
            let violation = search.violation
            if violation == 0 {
                if self.best == nil || search.valueSum > self.bestValue {
                    self.best = search.slotItem
                    self.bestValue = search.valueSum
                }
            } else if self.best == nil && violation < self.closestViolation {
                self.closest = search.slotItem
                self.closestViolation = violation
            }
        }
    }

    /// Rounds without a better paper after which the search starts again from a new greedy paper.
    static let restartAfter = 40
    /// Tabu steps without progress before a repair gives up, while no feasible paper is known (four times this for
    /// the first paper).
    static let patience = 50

    /// Greedy paper, descent, then `rounds` of perturbation and descent (iterated local search; up to twice as many
    /// while no paper is feasible), stopping early at `deadline`. Each descent repairs the paper to feasibility,
    /// then raises its value.
    mutating func run(rounds: Int, deadline: ContinuousClock.Instant) -> Outcome {
        var outcome = Outcome()
        self.construct(noise: 0)
        self.descend(patience: 4 * Self.patience)
        outcome.record(self)
        var current = self.slotItem
        var currentValue = self.violation == 0 ? self.valueSum : Int.min
        var currentViolation = self.violation
        var stale = 0
        // While no feasible paper is known the budget stretches to twice the rounds: finding one matters most.
        var round = 0
        while round < rounds || (outcome.best == nil && round < 2 * rounds) {
            round += 1
            guard ContinuousClock.now < deadline else { break }
            outcome.rounds += 1
            if stale >= Self.restartAfter {
                stale = 0
                self.construct(noise: 8)
            } else {
                self.load(current)
                self.perturb(strength: 2 + self.random.below(3))
            }
            self.descend(patience: outcome.best == nil ? Self.patience : 0)
            let before = outcome.bestValue
            outcome.record(self)
            stale = outcome.bestValue > before ? 0 : stale + 1
            let violation = self.violation
            if violation == 0 ? self.valueSum >= currentValue : (currentValue == Int.min && violation <= currentViolation) {
                current = self.slotItem
                currentValue = violation == 0 ? self.valueSum : Int.min
                currentViolation = violation
            }
        }
        return outcome
    }

    /// Repairs the paper to feasibility (with a tabu search of this patience when plain descent stalls), then
    /// improves it.
    mutating func descend(patience: Int) {
        if self.repair(patience: patience) { self.improve() }
    }

    /// A greedy paper: each cover point, scarcest first, gets the best question on it of a type with room left
    /// (preferring questions that cover more points); then each type is filled best value first under the cap.
    /// `noise` adds up to that much random value to each choice, for restarts.
    mutating func construct(noise: Int) {
        self.clear()
        var next = Array(self.typeSlotStart.dropLast())
        var order = self.bank.requiredPoints.map { point in
            (point: point, items: self.pointItemStart[point + 1] - self.pointItemStart[point], tie: self.random.below(1 << 30))
        }
        order.sort { ($0.items, $0.tie, $0.point) < ($1.items, $1.tie, $1.point) }
        for entry in order where self.count[entry.point] == 0 {
            var chosen = -1
            var chosenKey = (covers: Int.min, value: Int.min)
            for index in self.pointItemStart[entry.point]..<self.pointItemStart[entry.point + 1] {
                let item = self.pointItems[index]
                let type = self.bank.type[item]
                guard self.slotOf[item] < 0, next[type] < self.typeSlotStart[type + 1], self.hasRoom(item) else { continue }
                var covers = 0
                for pointIndex in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] {
                    let point = self.bank.points[pointIndex]
                    if self.bank.required[point] && self.count[point] == 0 { covers += 1 }
                }
                let key = (covers: covers, value: self.bank.value[item] + (noise > 0 ? self.random.below(noise + 1) : 0))
                if key > chosenKey {
                    chosen = item
                    chosenKey = key
                }
            }
            guard chosen >= 0 else { continue }
            let type = self.bank.type[chosen]
            self.place(chosen, in: next[type])
            next[type] += 1
        }
        for capped in [true, false] {
            for type in 0..<QuestionType.ordinalCount {
                for index in self.typeItemStart[type]..<self.typeItemStart[type + 1] where next[type] < self.typeSlotStart[type + 1] {
                    let item = self.typeItems[index]
                    guard self.slotOf[item] < 0, !capped || self.hasRoom(item) else { continue }
                    if capped && noise > 0 && self.random.below(4) == 0 { continue }
                    self.place(item, in: next[type])
                    next[type] += 1
                }
            }
        }
    }

    /// Random changes that keep the quotas, and three times in four the total score where they can, so that the
    /// repair has little to mend: half re-cover a random cover point with one of its best free questions of a random type (in a slot of
    /// that type with the same score), half swap a random slot for one of the best free questions of a random key
    /// of its type and score.
    mutating func perturb(strength: Int) {
        guard !self.slotItem.isEmpty else { return }
        let asked = (0..<QuestionType.ordinalCount).filter { self.quotas[$0] > 0 }
        for _ in 0..<strength {
            let keepScore = self.target != nil && self.random.below(4) != 0
            if !self.bank.requiredPoints.isEmpty && self.random.below(2) == 0 {
                let point = self.bank.requiredPoints[self.random.below(self.bank.requiredPoints.count)]
                let type = asked[self.random.below(asked.count)]
                let item = self.pickFree(self.pointItems[self.pointItems(point, type)], among: 3)
                guard item >= 0 else { continue }
                let slots = self.typeSlotStart[type]..<self.typeSlotStart[type + 1]
                let even = slots.filter { keepScore && self.bank.score[self.slotItem[$0]] == self.bank.score[item] }
                let slot = even.isEmpty ? slots.lowerBound + self.random.below(slots.count) : even[self.random.below(even.count)]
                self.place(item, in: slot)
            } else {
                let slot = self.random.below(self.slotItem.count)
                let type = self.slotType[slot]
                let keys = self.typeKeyStart[type]..<self.typeKeyStart[type + 1]
                let even = keys.filter { keepScore && self.keyScore[$0] == self.bank.score[self.slotItem[slot]] }
                let key = even.isEmpty ? keys.lowerBound + self.random.below(keys.count) : even[self.random.below(even.count)]
                let item = self.pickFree(self.bucketItems[self.bucketStart[key]..<self.bucketStart[key + 1]], among: 4)
                if item >= 0 { self.place(item, in: slot) }
            }
        }
    }

    /// One of the first `among` questions of `items` not in the paper, at random; -1 if there is none.
    private mutating func pickFree(_ items: ArraySlice<Int>, among: Int) -> Int {
        var free: [Int] = []
        for item in items where self.slotOf[item] < 0 {
            free.append(item)
            if free.count == among { break }
        }
        return free.isEmpty ? -1 : free[self.random.below(free.count)]
    }
}
