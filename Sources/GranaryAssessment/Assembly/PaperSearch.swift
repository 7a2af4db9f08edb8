import GranaryModel

/// Local search for a paper over a reduced bank: the state of one paper with incremental bookkeeping (questions per
/// point, uncovered cover points, questions over the cap, score, difficulty and value sums) and the moves that
/// change it. Moves and options live in `PaperSearch+Move.swift`, the neighbourhoods in `PaperSearch+Repair.swift`
/// and `PaperSearch+Improve.swift`, construction and the driver in `PaperSearch+Driver.swift`, the enumeration of
/// tiny banks in `PaperSearch+Exhaustive.swift`.
///
/// Slots are grouped by type and keep their type: every move swaps questions of the same type, so the quotas always
/// hold. The other constraints are measured by `violation`, zero exactly when the paper is feasible.
struct PaperSearch {
    /// The questions.
    let bank: ReducedBank
    /// Questions of each type (by ordinal).
    let quotas: [Int]
    /// Exact total score, if fixed.
    let target: Int?
    /// Allowed difficulty sums.
    let band: ClosedRange<Int>
    /// Most questions per point (a huge number when uncapped).
    let cap: Int

    // MARK: - Indexes

    /// Key (type, difficulty, score) of each question; keys are numbered by type, then difficulty, then score.
    let itemKey: [Int]
    /// Score of each key.
    let keyScore: [Int]
    /// Difficulty of each key.
    let keyDifficulty: [Int]
    /// Keys of type `t` are `typeKeyStart[t]..<typeKeyStart[t + 1]`.
    let typeKeyStart: [Int]
    /// Most keys of any type.
    let keyStride: Int
    /// Largest score difference between two questions: score changes lie within ± this.
    let scoreSpread: Int
    /// Questions of key `k` are `bucketItems[bucketStart[k]..<bucketStart[k + 1]]`, best value first.
    let bucketStart: [Int]
    /// Questions by key, best value first within a key.
    let bucketItems: [Int]
    /// Questions of type `t` are `typeItems[typeItemStart[t]..<typeItemStart[t + 1]]`, best value first.
    let typeItemStart: [Int]
    /// Questions by type, best value first within a type.
    let typeItems: [Int]
    /// Questions on cover point `p` are `pointItems[pointItemStart[p]..<pointItemStart[p + 1]]`.
    let pointItemStart: [Int]
    /// Those of type `t` are `pointItems[pointTypeStart[p * types + t]..<pointTypeStart[p * types + t + 1]]`.
    let pointTypeStart: [Int]
    /// Questions by cover point, then type, best value first.
    let pointItems: [Int]
    /// Most points on one question.
    let widest: Int
    /// Type of each slot; slots of type `t` are `typeSlotStart[t]..<typeSlotStart[t + 1]`.
    let slotType: [Int]
    /// First slot of each type, and the paper's length last.
    let typeSlotStart: [Int]

    // MARK: - State

    /// Question in each slot, or -1 while the paper is being built.
    var slotItem: [Int]
    /// Slot of each question, or -1 when it is not in the paper.
    var slotOf: [Int]
    /// Questions of the paper on each point.
    var count: [Int]
    /// Cover points no question of the paper assesses.
    var uncovered: Int
    /// Their summed weights (`coverWeight`), which the violation counts.
    var uncoveredWeight: Int
    /// Weight of each point when uncovered: 1, raised by the repair's tabu search on points it keeps failing to cover.
    var coverWeight: [Int]
    /// Largest of the weights.
    var heaviest = 1
    /// Questions over the cap, summed over the points.
    var excess = 0
    /// Total score of the paper.
    var scoreSum = 0
    /// Sum of the difficulties.
    var difficultySum = 0
    /// Sum of the values.
    var valueSum = 0
    /// Tie-breaking and perturbations.
    var random: SeededGenerator

    // MARK: - Scratch of the neighbourhoods

    /// Best question of each key not in the paper whose points all have room under the cap (-1: none).
    var keyTop: [Int]
    /// Options of slot `s` are `optionItems[optionStart[s]..<optionStart[s + 1]]` (see `computeOptions`).
    var optionStart: [Int]
    /// Replacements per slot that keep cover and cap.
    var optionItems: [Int] = []
    /// Per slot, the cover point its question alone covers when the options were computed, or -1.
    var sole: [Int]
    /// Marks of keys already given an option, by `stamp`.
    var keySeen: [Int]
    /// Current mark for `keySeen`.
    var stamp = 0

    /// Per question, the tabu step until which the repair's tabu search keeps it out.
    var tabuUntil: [Int]
    /// Steps of the tabu search so far.
    var tabuClock = 0

    /// Weight of one uncovered point or one question over a cap, against one mark of score or one step of difficulty.
    static let structuralWeight = 4

    /// A search with an empty paper.
    init(bank: ReducedBank, quotas: [Int], target: Int?, band: ClosedRange<Int>, cap: Int?, seed: UInt64) {
        self.bank = bank
        self.quotas = quotas
        self.target = target
        self.band = band
        self.cap = cap ?? Int.max / 4
        let types = QuestionType.ordinalCount
        let order = (0..<bank.count).sorted { (bank.value[$0], -bank.source[$0]) > (bank.value[$1], -bank.source[$1]) }

        // Keys: distinct (difficulty, score) per type, ascending.
        var pairs = [[SIMD2<Int>: [Int]]](repeating: [:], count: types)
        for item in order { pairs[bank.type[item]][SIMD2(bank.difficulty[item], bank.score[item]), default: []].append(item) }
        var itemKey = [Int](repeating: 0, count: bank.count)
        var keyScore: [Int] = []
        var keyDifficulty: [Int] = []
        var typeKeyStart = [0]
        var bucketStart = [0]
        var bucketItems: [Int] = []
        bucketItems.reserveCapacity(bank.count)
        for type in 0..<types {
            let keys = pairs[type].sorted { (left: (key: SIMD2<Int>, value: [Int]), right: (key: SIMD2<Int>, value: [Int])) -> Bool in
                (left.key.x, left.key.y) < (right.key.x, right.key.y)
            }.map(\.value)
            for items in keys {
                for item in items { itemKey[item] = keyScore.count }
                keyScore.append(bank.score[items[0]])
                keyDifficulty.append(bank.difficulty[items[0]])
                bucketItems += items
                bucketStart.append(bucketItems.count)
            }
            typeKeyStart.append(keyScore.count)
        }
        self.itemKey = itemKey
        self.keyScore = keyScore
        self.keyDifficulty = keyDifficulty
        self.typeKeyStart = typeKeyStart
        self.scoreSpread = (keyScore.max() ?? 0) - (keyScore.min() ?? 0)
        self.keyStride = max(1, (0..<types).map { typeKeyStart[$0 + 1] - typeKeyStart[$0] }.max() ?? 1)
        self.bucketStart = bucketStart
        self.bucketItems = bucketItems

        var typeItemStart = [0]
        var typeItems: [Int] = []
        for type in 0..<types {
            typeItems += order.filter { bank.type[$0] == type }
            typeItemStart.append(typeItems.count)
        }
        self.typeItemStart = typeItemStart
        self.typeItems = typeItems

        let coverCount = bank.requiredPoints.count
        var onPoint = [[Int]](repeating: [], count: coverCount * types)
        for item in order {
            for index in bank.pointStart[item]..<bank.pointStart[item + 1] where bank.points[index] < coverCount {
                onPoint[bank.points[index] * types + bank.type[item]].append(item)
            }
        }
        let pointTypeStart = onPoint.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        self.pointTypeStart = pointTypeStart
        self.pointItemStart = (0...coverCount).map { pointTypeStart[$0 * types] }
        self.pointItems = onPoint.flatMap { $0 }

        self.widest = (0..<bank.count).map { bank.pointStart[$0 + 1] - bank.pointStart[$0] }.max() ?? 0
        var slotType: [Int] = []
        var typeSlotStart = [0]
        for type in 0..<types {
            slotType += [Int](repeating: type, count: quotas[type])
            typeSlotStart.append(slotType.count)
        }
        self.slotType = slotType
        self.typeSlotStart = typeSlotStart

        self.slotItem = [Int](repeating: -1, count: slotType.count)
        self.slotOf = [Int](repeating: -1, count: bank.count)
        self.count = [Int](repeating: 0, count: bank.pointIDs.count)
        self.uncovered = coverCount
        self.uncoveredWeight = coverCount
        self.coverWeight = [Int](repeating: 1, count: bank.pointIDs.count)
        self.random = SeededGenerator(seed: seed)
        self.optionStart = [Int](repeating: 0, count: slotType.count + 1)
        self.optionItems.reserveCapacity(slotType.count * self.keyStride)
        self.sole = [Int](repeating: -1, count: slotType.count)
        self.keySeen = [Int](repeating: 0, count: keyScore.count)
        self.tabuUntil = [Int](repeating: 0, count: bank.count)
        self.keyTop = [Int](repeating: -1, count: keyScore.count)
    }

    // MARK: - Bookkeeping

    /// Counts `item`'s points in (no slot bookkeeping).
    @inline(__always)
    mutating func enter(_ item: Int) {
        for index in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] {
            let point = self.bank.points[index]
            let before = self.count[point]
            if before == 0 && self.bank.required[point] {
                self.uncovered -= 1
                self.uncoveredWeight -= self.coverWeight[point]
            }
            if before >= self.cap { self.excess += 1 }
            self.count[point] = before + 1
        }
    }

    /// Counts `item`'s points out (no slot bookkeeping).
    @inline(__always)
    mutating func leave(_ item: Int) {
        for index in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] {
            let point = self.bank.points[index]
            let after = self.count[point] - 1
            self.count[point] = after
            if after == 0 && self.bank.required[point] {
                self.uncovered += 1
                self.uncoveredWeight += self.coverWeight[point]
            }
            if after >= self.cap { self.excess -= 1 }
        }
    }

    /// Weighted uncovered points and excess if `out` were replaced by `into`; the state is left as it was.
    @inline(__always)
    mutating func trial(_ out: Int, _ into: Int) -> (uncovered: Int, excess: Int) {
        self.leave(out)
        self.enter(into)
        let result = (self.uncoveredWeight, self.excess)
        self.leave(into)
        self.enter(out)
        return result
    }

    /// Weighted uncovered points and excess if `out` (in the paper) were replaced by `into` (not in it), read off the
    /// counts without changing them: the cheap form of `trial(_:_:)` for the inner loops.
    @inline(__always)
    func swapped(_ out: Int, _ into: Int) -> (uncovered: Int, excess: Int) {
        var uncovered = self.uncoveredWeight
        var excess = self.excess
        let outPoints = self.bank.pointStart[out]..<self.bank.pointStart[out + 1]
        let intoPoints = self.bank.pointStart[into]..<self.bank.pointStart[into + 1]
        for index in outPoints {
            let point = self.bank.points[index]
            if intoPoints.contains(where: { self.bank.points[$0] == point }) { continue }
            let before = self.count[point]
            if before == 1 && self.bank.required[point] { uncovered += self.coverWeight[point] }
            if before > self.cap { excess -= 1 }
        }
        for index in intoPoints {
            let point = self.bank.points[index]
            if outPoints.contains(where: { self.bank.points[$0] == point }) { continue }
            let before = self.count[point]
            if before == 0 && self.bank.required[point] { uncovered -= self.coverWeight[point] }
            if before >= self.cap { excess += 1 }
        }
        return (uncovered, excess)
    }

    /// Weighted uncovered points and excess if `out` and `otherOut` were replaced by `into` and `otherInto`.
    @inline(__always)
    mutating func trial(_ out: Int, _ into: Int, _ otherOut: Int, _ otherInto: Int) -> (uncovered: Int, excess: Int) {
        self.leave(out)
        self.enter(into)
        self.leave(otherOut)
        self.enter(otherInto)
        let result = (self.uncoveredWeight, self.excess)
        self.leave(otherInto)
        self.enter(otherOut)
        self.leave(into)
        self.enter(out)
        return result
    }

    /// Puts `item` into `slot` in place of whatever is there.
    mutating func place(_ item: Int, in slot: Int) {
        let old = self.slotItem[slot]
        if old >= 0 {
            self.leave(old)
            self.slotOf[old] = -1
            self.scoreSum -= self.bank.score[old]
            self.difficultySum -= self.bank.difficulty[old]
            self.valueSum -= self.bank.value[old]
        }
        self.enter(item)
        self.slotOf[item] = slot
        self.slotItem[slot] = item
        self.scoreSum += self.bank.score[item]
        self.difficultySum += self.bank.difficulty[item]
        self.valueSum += self.bank.value[item]
    }

    /// Takes the question out of `slot`, leaving it empty.
    mutating func empty(_ slot: Int) {
        let item = self.slotItem[slot]
        guard item >= 0 else { return }
        self.leave(item)
        self.slotOf[item] = -1
        self.slotItem[slot] = -1
        self.scoreSum -= self.bank.score[item]
        self.difficultySum -= self.bank.difficulty[item]
        self.valueSum -= self.bank.value[item]
    }

    /// Empties the paper.
    mutating func clear() {
        for slot in self.slotItem.indices where self.slotItem[slot] >= 0 {
            let item = self.slotItem[slot]
            self.leave(item)
            self.slotOf[item] = -1
            self.slotItem[slot] = -1
        }
        self.scoreSum = 0
        self.difficultySum = 0
        self.valueSum = 0
    }

    /// Replaces the paper by `slots` (a full paper saved earlier).
    mutating func load(_ slots: [Int]) {
        self.clear()
        for (slot, item) in slots.enumerated() where item >= 0 { self.place(item, in: slot) }
    }

    // MARK: - Measures

    /// How far a paper with these figures (`uncovered` weighted) is from feasible; zero exactly when it is feasible
    /// (quotas always hold).
    @inline(__always)
    func violation(uncovered: Int, excess: Int, score: Int, difficulty: Int) -> Int {
        var total = (uncovered + excess) * Self.structuralWeight
        if let target = self.target { total += abs(score - target) }
        if difficulty < self.band.lowerBound {
            total += self.band.lowerBound - difficulty
        } else if difficulty > self.band.upperBound {
            total += difficulty - self.band.upperBound
        }
        return total
    }

    /// How far the current paper is from feasible, uncovered points weighted.
    var violation: Int {
        self.violation(uncovered: self.uncoveredWeight, excess: self.excess, score: self.scoreSum, difficulty: self.difficultySum)
    }

    /// Whether `item` assesses `point`.
    @inline(__always)
    func assesses(_ item: Int, _ point: Int) -> Bool {
        for index in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] where self.bank.points[index] == point { return true }
        return false
    }

    /// Questions on cover point `point` of type `type`, best value first.
    @inline(__always)
    func pointItems(_ point: Int, _ type: Int) -> Range<Int> {
        self.pointTypeStart[point * QuestionType.ordinalCount + type]..<self.pointTypeStart[point * QuestionType.ordinalCount + type + 1]
    }

    /// A cover point that only `item` covers in the current paper, or -1.
    @inline(__always)
    func soleCover(_ item: Int) -> Int {
        for index in self.bank.pointStart[item]..<self.bank.pointStart[item + 1] {
            let point = self.bank.points[index]
            if self.bank.required[point] && self.count[point] == 1 { return point }
        }
        return -1
    }
}
