import GranaryModel

/// The bank cut down to the questions that can be in an optimal paper (题库约简), with knowledge points numbered
/// densely: every question on a cover point, and of the others only the best few of each (type, difficulty, score).
///
/// The reduction is exact. Questions that share type, difficulty and score are interchangeable for every constraint
/// but the cap per point, and one not on a cover point can leave the paper without uncovering anything. Keep a
/// group's questions best value first until `quota + blocked` of the kept ones assess pairwise disjoint points,
/// where `blocked` bounds the points the paper's other questions can fill to the cap. A paper holding an unkept
/// question also holds at most `quota - 1` kept ones of its group, and at most `blocked` of the disjoint kept ones
/// touch a full point, so a free kept one of no lower value can replace it, constraints intact. Repeating this turns
/// any paper into one of the reduced bank with at least its value: both banks have the same optimum.
struct ReducedBank {
    /// Position in the caller's array of each kept question, ascending.
    var source: [Int] = []
    /// Type ordinal of each kept question.
    var type: [Int] = []
    /// Difficulty of each kept question.
    var difficulty: [Int] = []
    /// Score of each kept question.
    var score: [Int] = []
    /// Value of each kept question.
    var value: [Int] = []
    /// Where each question's points start in `points`; one more entry than questions.
    var pointStart: [Int] = [0]
    /// Dense point numbers of every question, deduplicated per question.
    var points: [Int] = []
    /// Knowledge point id of each dense number.
    var pointIDs: [Int32] = []
    /// Whether each dense point is one the paper must cover.
    var required: [Bool] = []
    /// Dense numbers of the cover points, in the blueprint's order.
    var requiredPoints: [Int] = []

    /// Number of kept questions.
    var count: Int { self.source.count }

    /// Largest (type, difficulty, score) table kept flat; wider ranges find their groups by hashing.
    private static let flatGroupLimit = 1 << 20

    /// Reduces `bank` for a paper of `quotas` (by type ordinal) whose points may hold at most `cap` questions.
    init(_ bank: [PaperCandidate], quotas: [Int], cap: Int?, cover: PointLookup) {
        let paperSize = quotas.reduce(0, +)
        var lowDifficulty = Int.max
        var highDifficulty = Int.min
        var lowScore = Int.max
        var highScore = Int.min
        var widest = 0
        for candidate in bank where quotas[candidate.type.ordinal] > 0 {
            lowDifficulty = min(lowDifficulty, candidate.difficulty)
            highDifficulty = max(highDifficulty, candidate.difficulty)
            lowScore = min(lowScore, candidate.score)
            highScore = max(highScore, candidate.score)
            widest = max(widest, candidate.points.count)
        }
        // Points the paper's other questions can fill to the cap: each holds `widest` points at most.
        let blocked = cap.map { (max(paperSize - 1, 0) * widest) / max($0, 1) } ?? 0

        var kept: [Int] = []
        var groupOf = [Int](repeating: -1, count: bank.count)
        var groups = 0
        if lowDifficulty <= highDifficulty {
            let difficultySpan = highDifficulty - lowDifficulty + 1
            let scoreSpan = highScore - lowScore + 1
            let flat = difficultySpan.multipliedReportingOverflow(by: scoreSpan)
            let useTable = !flat.overflow && flat.partialValue <= Self.flatGroupLimit / QuestionType.ordinalCount
            var table = [Int](repeating: -1, count: useTable ? QuestionType.ordinalCount * difficultySpan * scoreSpan : 0)
            var dictionary: [GroupKey: Int] = [:]
            for (position, candidate) in bank.enumerated() {
                let type = candidate.type.ordinal
                guard quotas[type] > 0 else { continue }
                if candidate.points.contains(where: { cover.number($0) >= 0 }) {
                    kept.append(position)
                    continue
                }
                if useTable {
                    let slot = (type * difficultySpan + candidate.difficulty - lowDifficulty) * scoreSpan + candidate.score - lowScore
                    if table[slot] < 0 {
                        table[slot] = groups
                        groups += 1
                    }
                    groupOf[position] = table[slot]
                } else {
                    let key = GroupKey(type: type, difficulty: candidate.difficulty, score: candidate.score)
                    if let group = dictionary[key] {
                        groupOf[position] = group
                    } else {
                        dictionary[key] = groups
                        groupOf[position] = groups
                        groups += 1
                    }
                }
            }
        }
        // Counting sort of the other questions by group, bank order kept within a group.
        var groupStart = [Int](repeating: 0, count: groups + 1)
        for group in groupOf where group >= 0 { groupStart[group + 1] += 1 }
        for group in 0..<groups { groupStart[group + 1] += groupStart[group] }
        var members = [Int](repeating: 0, count: groupStart[groups])
        var next = groupStart
        for (position, group) in groupOf.enumerated() where group >= 0 {
            members[next[group]] = position
            next[group] += 1
        }
        for group in 0..<groups {
            let range = groupStart[group]..<groupStart[group + 1]
            let need = quotas[bank[members[range.lowerBound]].type.ordinal] + blocked
            kept += Self.best(members[range], need: need, bank: bank)
        }
        kept.sort()
        self.init(bank, kept: kept, cover: cover)
    }

    /// The best-valued members of a group (ties to the earlier question) up to the one where `need` of them assess
    /// pairwise disjoint points; the whole group if it never gets there.
    private static func best(_ members: ArraySlice<Int>, need: Int, bank: [PaperCandidate]) -> [Int] {
        var room = need + need / 2 + 4
        while true {
            if members.count <= room { return Array(members) }
            // The `room` best, best first, by insertion into a short sorted buffer.
            var buffer: [Int] = []
            buffer.reserveCapacity(room + 1)
            for position in members {
                let value = bank[position].value
                if buffer.count == room, let last = buffer.last, bank[last].value >= value { continue }
                var at = buffer.count
                while at > 0 && bank[buffer[at - 1]].value < value { at -= 1 }
                buffer.insert(position, at: at)
                if buffer.count > room { buffer.removeLast() }
            }
            var used: Set<Int32> = []
            var disjoint = 0
            for (rank, position) in buffer.enumerated() {
                let points = bank[position].points
                if points.allSatisfy({ !used.contains($0) }) {
                    used.formUnion(points)
                    disjoint += 1
                    if disjoint >= need { return Array(buffer[...rank]) }
                }
            }
            room *= 2
        }
    }

    /// The bank restricted to `kept` (ascending positions), with points numbered cover points first.
    private init(_ bank: [PaperCandidate], kept: [Int], cover: PointLookup) {
        var ids = cover.ids
        var numbers: [Int32: Int] = [:]
        for (number, id) in ids.enumerated() { numbers[id] = number }
        self.source = kept
        self.type.reserveCapacity(kept.count)
        self.difficulty.reserveCapacity(kept.count)
        self.score.reserveCapacity(kept.count)
        self.value.reserveCapacity(kept.count)
        self.pointStart.reserveCapacity(kept.count + 1)
        for position in kept {
            let candidate = bank[position]
            self.type.append(candidate.type.ordinal)
            self.difficulty.append(candidate.difficulty)
            self.score.append(candidate.score)
            self.value.append(candidate.value)
            let first = self.points.count
            for id in candidate.points {
                let number: Int
                if let known = numbers[id] {
                    number = known
                } else {
                    number = ids.count
                    numbers[id] = number
                    ids.append(id)
                }
                if !self.points[first...].contains(number) { self.points.append(number) }
            }
            self.pointStart.append(self.points.count)
        }
        self.pointIDs = ids
        self.required = ids.indices.map { $0 < cover.count }
        self.requiredPoints = Array(0..<cover.count)
    }
}

/// A (type, difficulty, score) group when the ranges are too wide for a flat table.
private struct GroupKey: Hashable {
    let type: Int
    let difficulty: Int
    let score: Int
}
