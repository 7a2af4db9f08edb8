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

    /// Reduces `bank`, scanned into `scan`, for a paper of `quotas` (by type ordinal) whose points may hold at most
    /// `cap` questions.
    init(_ bank: [PaperCandidate], scan: BankScan, quotas: [Int], cap: Int?, cover: PointLookup) {
        let paperSize = quotas.reduce(0, +)
        // Points the paper's other questions can fill to the cap: each holds `widest` points at most.
        let blocked = cap.map { (max(paperSize - 1, 0) * scan.widest) / max($0, 1) } ?? 0
        let groups = scan.groupType.count
        // Counting sort of the other questions by group, bank order kept within a group.
        var groupStart = [Int](repeating: 0, count: groups + 1)
        for group in scan.group where group >= 0 { groupStart[Int(group) + 1] += 1 }
        for group in 0..<groups { groupStart[group + 1] += groupStart[group] }
        // Members with their values side by side, so that choosing within a group reads memory in order.
        var members = [Member](repeating: Member(position: 0, value: 0, point: nil), count: groupStart[groups])
        var next = groupStart
        bank.withUnsafeBufferPointer { bank in
            for (position, group) in scan.group.enumerated() where group >= 0 {
                let point = bank[position].points.count == 1 ? bank[position].points[0] : nil
                members[next[Int(group)]] = Member(position: position, value: bank[position].value, point: point)
                next[Int(group)] += 1
            }
        }
        var kept = scan.onCover
        for group in 0..<groups {
            let need = quotas[scan.groupType[group]] + blocked
            kept += Self.best(members[groupStart[group]..<groupStart[group + 1]], need: need, bank: bank)
        }
        kept.sort()
        self.init(bank, kept: kept, cover: cover)
    }

    /// The best-valued members of a group (ties to the earlier question) up to the one where `need` of them assess
    /// pairwise disjoint points; the whole group if it never gets there.
    private static func best(_ members: ArraySlice<Member>, need: Int, bank: [PaperCandidate]) -> [Int] {
        var room = need + need / 2 + 4
        while true {
            // The `room` best in a min-heap whose root is the worst kept; members come in bank order, so a later
            // member of equal value never displaces an earlier one.
            var heap: [Member] = []
            heap.reserveCapacity(room)
            for member in members {
                if heap.count < room {
                    heap.append(member)
                    var child = heap.count - 1
                    while child > 0 {
                        let parent = (child - 1) / 2
                        guard Self.worse(heap[child], than: heap[parent]) else { break }
                        heap.swapAt(child, parent)
                        child = parent
                    }
                } else if member.value > heap[0].value {
                    heap[0] = member
                    var parent = 0
                    while true {
                        var worst = parent
                        let left = 2 * parent + 1
                        if left < heap.count && Self.worse(heap[left], than: heap[worst]) { worst = left }
                        if left + 1 < heap.count && Self.worse(heap[left + 1], than: heap[worst]) { worst = left + 1 }
                        guard worst != parent else { break }
                        heap.swapAt(worst, parent)
                        parent = worst
                    }
                }
            }
            let buffer = heap.sorted { Self.worse($1, than: $0) }
            var used: Set<Int32> = []
            var disjoint = 0
            for (rank, member) in buffer.enumerated() {
                if let point = member.point {
                    guard used.insert(point).inserted else { continue }
                } else {
                    let points = bank[member.position].points
                    guard points.allSatisfy({ !used.contains($0) }) else { continue }
                    used.formUnion(points)
                }
                disjoint += 1
                if disjoint >= need { return buffer[...rank].map(\.position) }
            }
            if members.count <= room { return members.map(\.position) }
            room *= 2
        }
    }

    /// Whether `member` ranks below `other`: lower value, or equal value and later in the bank.
    @inline(__always)
    private static func worse(_ member: Member, than other: Member) -> Bool {
        member.value < other.value || (member.value == other.value && member.position > other.position)
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

/// A question of a group with its value (and its point, when it has just one), laid out together for the scan of
/// the group.
private struct Member {
    let position: Int
    let value: Int
    let point: Int32?
}
