import Synchronization

/// Every embedded passage in memory, for exact search by meaning: each vector stored as 8-bit integers with its
/// own scale (a quarter of the floats' memory; the order of the best results barely moves), scanned whole per query.
///
/// A scan reads `passages × dimensions` bytes (the query is quantized too, so the dot products are integer ones):
/// at 384 dimensions, 200,000 passages take 76 MB (`granary bench meaning` measures the scan). Past a million
/// passages, or where a query must take a few milliseconds, an approximate index (HNSW, IVF) would be needed instead.
public final class VectorIndex: Sendable {
    /// One passage that matched, with its cosine similarity to the query.
    public struct Hit: Sendable, Equatable {
        public let resource: String
        public let position: Int
        public let score: Float
    }

    struct State {
        var dimensions = 0
        /// Per slot: the resource's number in `resources` (-1 when the slot is dead), its passage's position and scale.
        var owners: [Int32] = []
        var positions: [Int32] = []
        var scales: [Float] = []
        /// `dimensions` values per slot.
        var values: [Int8] = []
        var resources: [String] = []
        var resourceNumbers: [String: Int32] = [:]
        /// The live slots of each resource.
        var slots: [Int32: [Int]] = [:]
        var dead = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Live passages and the bytes their vectors take.
    public var statistics: (passages: Int, resources: Int, bytes: Int) {
        self.state.withLock { state in
            let live = state.owners.count - state.dead
            return (live, state.slots.count, state.values.count + state.owners.count * 12)
        }
    }

    /// Puts `vectors` (unit length, position by position) in place of what `resource` had.
    public func replace(_ resource: String, with vectors: [(position: Int, vector: [Float])]) {
        self.state.withLock { state in
            Self.remove(resource, from: &state)
            guard let width = vectors.first?.vector.count, width > 0 else { return }
            if state.dimensions == 0 { state.dimensions = width }
            guard width == state.dimensions else { return }
            let number: Int32
            if let known = state.resourceNumbers[resource] {
                number = known
            } else {
                number = Int32(state.resources.count)
                state.resources.append(resource)
                state.resourceNumbers[resource] = number
            }
            var slots: [Int] = []
            for (position, vector) in vectors where vector.count == width {
                let (values, scale) = Self.quantized(vector)
                slots.append(state.owners.count)
                state.owners.append(number)
                state.positions.append(Int32(position))
                state.scales.append(scale)
                state.values.append(contentsOf: values)
            }
            state.slots[number] = slots
        }
    }

    /// `vector` as 8-bit integers and the scale that gives the values back (value ≈ integer × scale).
    static func quantized(_ vector: [Float]) -> (values: [Int8], scale: Float) {
        let largest = vector.reduce(Float(0)) { max($0, abs($1)) }
        let scale = largest > 0 ? largest / 127 : 1
        return (vector.map { Int8(($0 / scale).rounded().clamped(to: -127...127)) }, scale)
    }

    /// Forgets `resource`'s passages.
    public func remove(_ resource: String) {
        self.state.withLock { Self.remove(resource, from: &$0) }
    }

    private static func remove(_ resource: String, from state: inout State) {
        guard let number = state.resourceNumbers[resource], let slots = state.slots.removeValue(forKey: number) else { return }
        for slot in slots { state.owners[slot] = -1 }
        state.dead += slots.count
        if state.dead > 1024 && state.dead * 2 > state.owners.count { Self.compact(&state) }
    }

    private static func compact(_ state: inout State) {
        let width = state.dimensions
        var kept = State()
        kept.dimensions = width
        kept.resources = state.resources
        kept.resourceNumbers = state.resourceNumbers
        for slot in state.owners.indices where state.owners[slot] >= 0 {
            kept.slots[state.owners[slot], default: []].append(kept.owners.count)
            kept.owners.append(state.owners[slot])
            kept.positions.append(state.positions[slot])
            kept.scales.append(state.scales[slot])
            kept.values.append(contentsOf: state.values[(slot * width)..<((slot + 1) * width)])
        }
        state = kept
    }

    /// The `limit` resources whose best passage is nearest `query` (unit length), best first, each with that passage.
    public func nearest(_ query: [Float], limit: Int) -> [Hit] {
        self.state.withLock { state in
            let width = state.dimensions
            guard width > 0, query.count == width, limit > 0 else { return [] }
            // The query in 8 bits too: integer dot products, which the compiler turns into vector instructions.
            let (quantized, queryScale) = Self.quantized(query)
            // Each resource's best passage so far, by resource number.
            var bestScore = [Float](repeating: -.infinity, count: state.resources.count)
            var bestSlot = [Int](repeating: -1, count: state.resources.count)
            quantized.withUnsafeBufferPointer { q in
                state.values.withUnsafeBufferPointer { values in
                    for slot in state.owners.indices {
                        let owner = Int(state.owners[slot])
                        guard owner >= 0 else { continue }
                        var dot: Int32 = 0
                        let base = slot &* width
                        for index in 0..<width { dot &+= Int32(q[index]) &* Int32(values[base &+ index]) }
                        let score = Float(dot) * state.scales[slot] * queryScale
                        if score > bestScore[owner] {
                            bestScore[owner] = score
                            bestSlot[owner] = slot
                        }
                    }
                }
            }
            // The best `limit`, kept in order as they come (a new one rarely beats the last once the list is full).
            var top: [Int] = []
            top.reserveCapacity(limit + 1)
            func before(_ a: Int, _ b: Int) -> Bool { (bestScore[a], b) > (bestScore[b], a) }
            for owner in bestSlot.indices where bestSlot[owner] >= 0 {
                if top.count == limit, let last = top.last, !before(owner, last) { continue }
                var low = 0
                var high = top.count
                while low < high {
                    let middle = (low + high) / 2
                    if before(top[middle], owner) { low = middle + 1 } else { high = middle }
                }
                top.insert(owner, at: low)
                if top.count > limit { top.removeLast() }
            }
            return top.map { owner in
                Hit(resource: state.resources[owner], position: Int(state.positions[bestSlot[owner]]), score: bestScore[owner])
            }
        }
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
