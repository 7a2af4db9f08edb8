import GranaryAssessment
import GranaryModel

/// Random banks and blueprints for the tests, and an independent check of a paper against its blueprint: none of
/// this shares code with the assembler.
enum TestBanks {
    /// xorshift64*, a different generator from the solver's, so that the tests' banks owe nothing to its code.
    struct Generator {
        var state: UInt64

        init(_ seed: UInt64) { self.state = seed &* 0x2545_F491_4F6C_DD1D | 1 }

        mutating func next() -> UInt64 {
            self.state ^= self.state >> 12
            self.state ^= self.state << 25
            self.state ^= self.state >> 27
            return self.state &* 0x2545_F491_4F6C_DD1D
        }

        /// A number in `range`.
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(self.next() % UInt64(range.count))
        }
    }

    /// A bank of `size` questions over `points` knowledge points, each on 1…`maxPoints` of them.
    static func bank(size: Int, points: Int, maxPoints: Int, seed: UInt64) -> [PaperCandidate] {
        var random = Generator(seed)
        return (0..<size).map { index in
            // Six of each type first (as far as the size allows), so that every planted paper can be drawn.
            let type = QuestionType.allCases[index < 36 ? index % 6 : random.int(0...5)]
            let scores: ClosedRange<Int> =
                switch type {
                case .single, .judge: 1...2
                case .multiple: 2...3
                case .fill: 1...3
                case .short: 3...6
                case .practical: 5...10
                }
            var assessed: [Int32] = []
            for _ in 0..<random.int(1...maxPoints) {
                let point = Int32(random.int(0...(points - 1)))
                if !assessed.contains(point) { assessed.append(point) }
            }
            return PaperCandidate(
                index: Int32(index),
                type: type,
                difficulty: random.int(1...5),
                score: random.int(scores),
                points: assessed,
                value: random.int(0...100)
            )
        }
    }

    /// A blueprint that a random paper of `bank` meets (so a paper exists), with that paper's value. The paper must
    /// cover a few of its points, or all of them with `coverAll`.
    static func plantedBlueprint(
        bank: [PaperCandidate],
        quotas: [QuestionType: Int],
        seed: UInt64,
        capped: Bool,
        fixedScore: Bool,
        coverAll: Bool = false
    ) -> (blueprint: PaperBlueprint, plantedValue: Int) {
        var random = Generator(seed ^ 0x5EED)
        var planted: [PaperCandidate] = []
        for type in QuestionType.allCases {
            var ofType = bank.filter { $0.type == type }
            for _ in 0..<(quotas[type] ?? 0) { planted.append(ofType.remove(at: random.int(0...(ofType.count - 1)))) }
        }
        var perPoint: [Int32: Int] = [:]
        for candidate in planted { for point in candidate.points { perPoint[point, default: 0] += 1 } }
        let points = perPoint.keys.sorted()
        var cover: [Int32] = []
        for point in points where coverAll || (random.int(0...2) == 0 && cover.count < 8) { cover.append(point) }
        let difficulty = planted.reduce(0) { $0 + $1.difficulty }
        let slack = random.int(0...3)
        return (
            PaperBlueprint(
                quotas: quotas,
                score: fixedScore ? planted.reduce(0) { $0 + $1.score } : nil,
                difficultySum: (difficulty - slack)...(difficulty + random.int(0...3)),
                cover: cover,
                maxPerPoint: capped ? max(1, perPoint.values.max() ?? 1) : nil,
                seed: seed
            ),
            planted.reduce(0) { $0 + $1.value }
        )
    }

    /// Every way the paper breaks its blueprint or misreports its figures, checked from the bank alone.
    static func problems(_ paper: AssembledPaper, bank: [PaperCandidate], blueprint: PaperBlueprint) -> [String] {
        var problems: [String] = []
        let byIndex = Dictionary(uniqueKeysWithValues: bank.map { ($0.index, $0) })
        let chosen = paper.items.compactMap { byIndex[$0] }
        if chosen.count != paper.items.count { problems.append("a question is not in the bank") }
        if Set(paper.items).count != paper.items.count { problems.append("a question is chosen twice") }
        for type in QuestionType.allCases {
            let count = chosen.filter { $0.type == type }.count
            if count != (blueprint.quotas[type] ?? 0) { problems.append("\(count) \(type) questions for a quota of \(blueprint.quotas[type] ?? 0)") }
            if count != (paper.countByType[type] ?? 0) { problems.append("countByType misreports \(type)") }
        }
        let score = chosen.reduce(0) { $0 + $1.score }
        if let target = blueprint.score, score != target { problems.append("total \(score), not \(target)") }
        if score != paper.scoreSum { problems.append("scoreSum misreported") }
        let difficulty = chosen.reduce(0) { $0 + $1.difficulty }
        if !blueprint.difficultySum.contains(difficulty) { problems.append("difficulty sum \(difficulty) outside \(blueprint.difficultySum)") }
        if difficulty != paper.difficultySum { problems.append("difficultySum misreported") }
        var perPoint: [Int32: Int] = [:]
        for candidate in chosen { for point in Set(candidate.points) { perPoint[point, default: 0] += 1 } }
        for point in blueprint.cover where perPoint[point] == nil { problems.append("point \(point) not covered") }
        let most = perPoint.values.max() ?? 0
        if let cap = blueprint.maxPerPoint, most > cap { problems.append("\(most) questions on one point, cap \(cap)") }
        if most != paper.maxItemsOnOnePoint { problems.append("maxItemsOnOnePoint misreported") }
        if perPoint.keys.sorted() != paper.coveredPoints { problems.append("coveredPoints misreported") }
        if chosen.reduce(0, { $0 + $1.value }) != paper.value { problems.append("value misreported") }
        return problems
    }

    /// Best value over every selection of `bank` that meets `blueprint` (nil when none does), by brute force.
    static func bruteForceOptimum(_ bank: [PaperCandidate], _ blueprint: PaperBlueprint) -> Int? {
        let types = QuestionType.allCases.filter { (blueprint.quotas[$0] ?? 0) > 0 }
        var best: Int?
        var chosen: [PaperCandidate] = []
        func meets() -> Bool {
            let score = chosen.reduce(0) { $0 + $1.score }
            if let target = blueprint.score, score != target { return false }
            guard blueprint.difficultySum.contains(chosen.reduce(0) { $0 + $1.difficulty }) else { return false }
            var perPoint: [Int32: Int] = [:]
            for candidate in chosen { for point in Set(candidate.points) { perPoint[point, default: 0] += 1 } }
            if blueprint.cover.contains(where: { perPoint[$0] == nil }) { return false }
            if let cap = blueprint.maxPerPoint, perPoint.values.contains(where: { $0 > cap }) { return false }
            return true
        }
        func pick(_ typeIndex: Int, _ from: Int, _ left: Int) {
            if typeIndex == types.count {
                if meets() { best = max(best ?? Int.min, chosen.reduce(0) { $0 + $1.value }) }
                return
            }
            let ofType = bank.filter { $0.type == types[typeIndex] }
            if left == 0 {
                let next = typeIndex + 1
                pick(next, 0, next < types.count ? blueprint.quotas[types[next]]! : 0)
                return
            }
            guard from < ofType.count else { return }
            for position in from..<ofType.count {
                chosen.append(ofType[position])
                pick(typeIndex, position + 1, left - 1)
                chosen.removeLast()
            }
        }
        pick(0, 0, types.isEmpty ? 0 : blueprint.quotas[types[0]]!)
        return best
    }
}
