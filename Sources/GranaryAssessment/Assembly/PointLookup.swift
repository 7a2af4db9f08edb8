/// Numbers a set of knowledge point ids 0, 1, 2 … in the order given, with a flat table when the ids are close
/// together so that a bank of 100,000 questions is scanned without hashing.
struct PointLookup {
    private let lowest: Int32
    private let table: [Int32]
    private let dictionary: [Int32: Int32]
    /// The ids, by number.
    let ids: [Int32]

    /// Largest id span kept in a flat table (4 MiB of table).
    private static let flatSpan: Int64 = 1 << 20

    /// Numbers `ids` in order; repeated ids keep their first number.
    init(_ ids: [Int32]) {
        var unique: [Int32] = []
        var seen: Set<Int32> = []
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        self.ids = unique
        let lowest = unique.min() ?? 0
        let highest = unique.max() ?? 0
        self.lowest = lowest
        if Int64(highest) - Int64(lowest) < Self.flatSpan {
            var table = [Int32](repeating: -1, count: unique.isEmpty ? 0 : Int(Int64(highest) - Int64(lowest)) + 1)
            for (number, id) in unique.enumerated() { table[Int(Int64(id) - Int64(lowest))] = Int32(number) }
            self.table = table
            self.dictionary = [:]
        } else {
            self.table = []
            var dictionary: [Int32: Int32] = [:]
            for (number, id) in unique.enumerated() { dictionary[id] = Int32(number) }
            self.dictionary = dictionary
        }
    }

    /// Number of ids.
    var count: Int { self.ids.count }

    /// Calls `body` with a function from id to number (or -1) that reads the flat table through a raw pointer, for
    /// scans of a whole bank.
    func withNumbers<Result>(_ body: ((Int32) -> Int) -> Result) -> Result {
        guard self.dictionary.isEmpty else { return body { self.number($0) } }
        let lowest = Int64(self.lowest)
        return self.table.withUnsafeBufferPointer { table in
            body { id in
                let offset = Int64(id) - lowest
                guard offset >= 0, offset < Int64(table.count) else { return -1 }
                return Int(table[Int(offset)])
            }
        }
    }

    /// The number of `id`, or -1 when it is not one of the ids.
    @inline(__always)
    func number(_ id: Int32) -> Int {
        if !self.table.isEmpty || self.dictionary.isEmpty {
            let offset = Int64(id) - Int64(self.lowest)
            guard offset >= 0, offset < Int64(self.table.count) else { return -1 }
            return Int(self.table[Int(offset)])
        }
        return Int(self.dictionary[id] ?? -1)
    }
}
