/// Per-type histograms of a small integer attribute (score or difficulty), and the sums that exactly `quota`
/// questions of each type can reach.
struct ValueTally {
    /// Counts of values `0..<size` at `type * size + value`.
    private var flat: [Int]
    /// Counts of values outside the flat range, per type.
    private var large: [[Int: Int]]
    private let size: Int

    /// An empty tally for `types` types; values below `size` are counted without hashing.
    init(types: Int, size: Int) {
        self.size = size
        self.flat = [Int](repeating: 0, count: types * size)
        self.large = [[Int: Int]](repeating: [:], count: types)
    }

    /// Counts one question of `type` with this value.
    @inline(__always)
    mutating func add(type: Int, value: Int) {
        if value >= 0 && value < self.size {
            self.flat[type * self.size + value] += 1
        } else {
            self.large[type][value, default: 0] += 1
        }
    }

    /// Distinct values of a type with how many questions have each, ascending.
    private func values(of type: Int) -> [(value: Int, count: Int)] {
        var values: [(value: Int, count: Int)] = []
        for value in 0..<self.size where self.flat[type * self.size + value] > 0 {
            values.append((value, self.flat[type * self.size + value]))
        }
        values += self.large[type].map { (value: $0.key, count: $0.value) }
        return values.sorted { $0.value < $1.value }
    }

    /// The lowest and highest sums, and which sums in between can be reached exactly (nil when the table would
    /// exceed `budget` steps or a value is negative: then only the bounds are known).
    func reachableSums(quotas: [Int], budget: Int) -> (lowest: Int, highest: Int, reachable: [Bool]?) {
        var lowest = 0
        var highest = 0
        var perType: [[Bool]] = []
        var work = 0
        var exact = true
        for type in quotas.indices where quotas[type] > 0 {
            let values = self.values(of: type)
            let quota = quotas[type]
            var left = quota
            for entry in values where left > 0 {
                lowest += min(left, entry.count) * entry.value
                left -= min(left, entry.count)
            }
            left = quota
            for entry in values.reversed() where left > 0 {
                highest += min(left, entry.count) * entry.value
                left -= min(left, entry.count)
            }
            guard exact, let smallest = values.first?.value, smallest >= 0, let largest = values.last?.value else {
                exact = false
                continue
            }
            let copies = values.reduce(0) { $0 + ($1.count < quota ? $1.count : 1) }
            work += copies * quota * (quota * largest + 1)
            guard work <= budget else {
                exact = false
                continue
            }
            // reach[c][s]: some c questions of the type sum to s. Values with at least `quota` questions are never
            // short of copies and are added without counting them; the others copy by copy.
            var reach = [[Bool]](repeating: [Bool](repeating: false, count: quota * largest + 1), count: quota + 1)
            reach[0][0] = true
            for entry in values where entry.count < quota {
                for _ in 0..<entry.count {
                    for chosen in stride(from: quota, to: 0, by: -1) {
                        for sum in stride(from: quota * largest, through: entry.value, by: -1) where reach[chosen - 1][sum - entry.value] {
                            reach[chosen][sum] = true
                        }
                    }
                }
            }
            let plentiful = values.filter { $0.count >= quota }.map(\.value)
            if !plentiful.isEmpty {
                for chosen in 1...quota {
                    for sum in 0...(quota * largest) where !reach[chosen][sum] {
                        reach[chosen][sum] = plentiful.contains { $0 <= sum && reach[chosen - 1][sum - $0] }
                    }
                }
            }
            perType.append(reach[quota])
        }
        guard exact else { return (lowest, highest, nil) }
        var total = [true]
        for sums in perType {
            guard total.count * sums.count <= budget else { return (lowest, highest, nil) }
            var next = [Bool](repeating: false, count: total.count + sums.count - 1)
            for (left, yes) in total.enumerated() where yes {
                for (right, alsoYes) in sums.enumerated() where alsoYes { next[left + right] = true }
            }
            total = next
        }
        let window = (lowest...highest).map { $0 < total.count && total[$0] }
        return (lowest, highest, window)
    }
}
