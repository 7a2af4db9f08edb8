import GranaryModel

/// One pass over the whole bank that gathers what the precheck needs (counts, score and difficulty tallies, which
/// cover points have questions) and what the reduction needs (the questions on cover points, and the others by
/// (type, difficulty, score) group).
struct BankScan {
    /// Usable questions (of a type the blueprint asks for) per type.
    var items: [Int]
    /// Per cover point: whether any question assesses it.
    var coveredByAny: [Bool]
    /// Per cover point: whether a usable question assesses it.
    var coveredByUsable: [Bool]
    /// Scores of the usable questions, per type.
    var scores: ValueTally
    /// Difficulties of the usable questions, per type.
    var difficulties: ValueTally
    /// Usable questions by type and number of cover points assessed, at `type * 65 + min(hits, 64)`.
    var coverHits: [Int]
    /// Distinct points per type (and, last, over all types), gathered only until `spreadNeed` of them are seen.
    var spread: [Set<Int32>]
    /// Usable questions without any point, per type and over all types.
    var pointless: [Int]
    /// Distinct points a type (and the whole paper) needs for the cap to hold its quota; 0 when the cap cannot bind.
    let spreadNeed: [Int]
    /// Most points on one usable question.
    var widest = 0
    /// Positions of the usable questions on a cover point, ascending.
    var onCover: [Int] = []
    /// Group of each usable question off the cover points, -1 for the others.
    var group: [Int32]
    /// Type of each group.
    var groupType: [Int] = []

    /// Difficulties and scores below these are grouped through a flat table.
    private static let flatDifficulties = 8
    private static let flatScores = 64

    /// Scans `bank` for a blueprint of `quotas` (by type ordinal), cover points `cover` and cap `cap`.
    init(_ bank: [PaperCandidate], quotas: [Int], cover: PointLookup, cap: Int?) {
        let types = QuestionType.ordinalCount
        let paperSize = quotas.reduce(0, +)
        let limit = cap ?? Int.max
        self.spreadNeed = (0...types).map { type in
            let asked = type == types ? paperSize : quotas[type]
            return limit >= asked ? 0 : (asked + max(limit, 1) - 1) / max(limit, 1)
        }
        var items = [Int](repeating: 0, count: types)
        var coveredByAny = [Bool](repeating: false, count: cover.count)
        var coveredByUsable = coveredByAny
        var scores = ValueTally(types: types, size: 256)
        var difficulties = ValueTally(types: types, size: 256)
        var coverHits = [Int](repeating: 0, count: types * 65)
        var spread = [Set<Int32>](repeating: [], count: types + 1)
        var pointless = [Int](repeating: 0, count: types + 1)
        var widest = 0
        var onCover: [Int] = []
        var groups = [Int32](repeating: -1, count: bank.count)
        var groupType: [Int] = []
        var table = [Int32](repeating: -1, count: types * Self.flatDifficulties * Self.flatScores)
        var wide: [SIMD3<Int>: Int32] = [:]
        let spreadNeed = self.spreadNeed
        cover.withNumbers { number in
            bank.withUnsafeBufferPointer { buffer in
                for position in 0..<buffer.count {
                    let type = buffer[position].type.ordinal
                    let usable = quotas[type] > 0
                    let pointCount = buffer[position].points.count
                    var hits = 0
                    for index in 0..<pointCount {
                        let covered = number(buffer[position].points[index])
                        if covered >= 0 {
                            coveredByAny[covered] = true
                            if usable { coveredByUsable[covered] = true }
                            hits += 1
                        }
                    }
                    guard usable else { continue }
                    let difficulty = buffer[position].difficulty
                    let score = buffer[position].score
                    items[type] += 1
                    scores.add(type: type, value: score)
                    difficulties.add(type: type, value: difficulty)
                    coverHits[type * 65 + min(hits, 64)] += 1
                    widest = max(widest, pointCount)
                    if pointCount == 0 {
                        pointless[type] += 1
                        pointless[types] += 1
                    }
                    if spread[type].count < spreadNeed[type] { spread[type].formUnion(buffer[position].points) }
                    if spread[types].count < spreadNeed[types] { spread[types].formUnion(buffer[position].points) }
                    if hits > 0 {
                        onCover.append(position)
                        continue
                    }
                    var group: Int32
                    if difficulty >= 0 && difficulty < Self.flatDifficulties && score >= 0 && score < Self.flatScores {
                        let slot = (type * Self.flatDifficulties + difficulty) * Self.flatScores + score
                        group = table[slot]
                        if group < 0 {
                            group = Int32(groupType.count)
                            table[slot] = group
                            groupType.append(type)
                        }
                    } else {
                        let key = SIMD3(type, difficulty, score)
                        if let known = wide[key] {
                            group = known
                        } else {
                            group = Int32(groupType.count)
                            wide[key] = group
                            groupType.append(type)
                        }
                    }
                    groups[position] = group
                }
            }
        }
        self.items = items
        self.coveredByAny = coveredByAny
        self.coveredByUsable = coveredByUsable
        self.scores = scores
        self.difficulties = difficulties
        self.coverHits = coverHits
        self.spread = spread
        self.pointless = pointless
        self.widest = widest
        self.onCover = onCover
        self.group = groups
        self.groupType = groupType
    }
}
