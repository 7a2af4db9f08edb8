import Foundation
import GranaryModel

/// A matched document with what orders it.
struct Scored {
    let slot: Int32
    let score: Double
    let created: Double
    let ratings: Int32
    let stars: Double
}

/// The best `capacity` matches in the query's order, kept in a binary heap whose root is the worst kept,
/// so a query with thousands of matches never sorts them all.
struct TopK {
    private let capacity: Int
    private let before: (Scored, Scored) -> Bool
    private var heap: [Scored] = []

    init(capacity: Int, order: SearchQuery.Sort, hasTerms: Bool) {
        self.capacity = capacity
        switch order {
        case .relevance where hasTerms:
            self.before = { $0.score != $1.score ? $0.score > $1.score : Self.newer($0, $1) }
        case .relevance, .newest:
            self.before = Self.newer
        case .popular:
            self.before = {
                if $0.ratings != $1.ratings { return $0.ratings > $1.ratings }
                if $0.stars != $1.stars { return $0.stars > $1.stars }
                return $0.score != $1.score ? $0.score > $1.score : Self.newer($0, $1)
            }
        }
    }

    private static func newer(_ left: Scored, _ right: Scored) -> Bool {
        left.created != right.created ? left.created > right.created : left.slot > right.slot
    }

    /// The worst kept match once `capacity` are kept: a candidate must come before it to be kept.
    var worst: Scored? {
        self.heap.count == self.capacity ? self.heap[0] : nil
    }

    /// Keeps `candidate` if it is among the best so far.
    mutating func offer(_ candidate: Scored) {
        guard self.capacity > 0 else { return }
        if self.heap.count < self.capacity {
            self.heap.append(candidate)
            self.siftUp(self.heap.count - 1)
        } else if self.before(candidate, self.heap[0]) {
            self.heap[0] = candidate
            self.siftDown(0)
        }
    }

    /// The kept matches, best first.
    func sorted() -> [Scored] {
        self.heap.sorted(by: self.before)
    }

    // The root is the element every other one comes before: the worst kept.
    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.before(self.heap[parent], self.heap[child]) else { return }
            self.heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var worst = parent
            if left < self.heap.count && self.before(self.heap[worst], self.heap[left]) { worst = left }
            if right < self.heap.count && self.before(self.heap[worst], self.heap[right]) { worst = right }
            guard worst != parent else { return }
            self.heap.swapAt(parent, worst)
            parent = worst
        }
    }
}

/// Facet counts of the matched documents, gathered by interned value and turned into names once.
struct FacetCounter {
    private var kinds: [Int]
    private var courses: [Int]
    private var majors: [Int]
    private var originals = 0
    private var cited = 0

    init(columns: SearchColumns) {
        self.kinds = [Int](repeating: 0, count: SearchColumns.kinds.count)
        self.courses = [Int](repeating: 0, count: columns.courseNames.names.count)
        self.majors = [Int](repeating: 0, count: columns.majorNames.names.count)
    }

    @inline(__always)
    mutating func count(_ slot: Int, _ columns: SearchColumns) {
        self.kinds[Int(columns.kinds[slot])] += 1
        self.courses[Int(columns.courses[slot])] += 1
        self.majors[Int(columns.majors[slot])] += 1
        if columns.originals[slot] { self.originals += 1 } else { self.cited += 1 }
    }

    /// The counts by name, as the results carry them.
    func facets(_ columns: SearchColumns) -> SearchResults.Facets {
        var facets = SearchResults.Facets()
        for (index, kind) in SearchColumns.kinds.enumerated() where self.kinds[index] > 0 { facets.kind[kind.rawValue] = self.kinds[index] }
        for (index, name) in columns.courseNames.names.enumerated() where self.courses[index] > 0 { facets.course[name] = self.courses[index] }
        for (index, name) in columns.majorNames.names.enumerated() where self.majors[index] > 0 { facets.major[name] = self.majors[index] }
        if self.originals > 0 { facets.original["true"] = self.originals }
        if self.cited > 0 { facets.original["false"] = self.cited }
        return facets
    }
}
