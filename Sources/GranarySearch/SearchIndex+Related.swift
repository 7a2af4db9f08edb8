import Foundation
import GranaryModel

extension SearchIndex {
    /// One published document related to another, its score and why.
    public struct RelatedHit: Sendable, Equatable {
        public let document: SearchDocument
        public let score: Int
        /// `shared_point`, `neighbouring_point`, `same_course`, `co_rated`, sorted.
        public let reasons: [String]
    }

    /// What a resource is related to others by.
    public struct Relatedness: Sendable {
        /// The resource itself, left out of the answer.
        public var id: String
        /// Its points: 3 for each a document shares.
        public var points: [String]
        /// Points one prerequisite step away: 1 for each a document is on.
        public var neighbours: [String]
        /// Its course: 1 for a document of the same course.
        public var course: String
        /// Other resources by how many learners rated both well: 1 for each.
        public var coRated: [String: Int]

        /// The signals of a resource.
        public init(id: String, points: [String], neighbours: [String], course: String, coRated: [String: Int]) {
            self.id = id
            self.points = points
            self.neighbours = neighbours
            self.course = course
            self.coRated = coRated
        }
    }

    /// The `limit` published documents scoring highest on `signals`, best first (ties by id); one pass over the
    /// columns, no table read, whatever the size of the library.
    public func related(_ signals: Relatedness, limit: Int) -> [RelatedHit] {
        self.state.read { state in state.related(signals, limit: limit) }
    }
}

extension SearchIndex.State {
    func related(_ signals: SearchIndex.Relatedness, limit: Int) -> [SearchIndex.RelatedHit] {
        let columns = self.columns
        // A resource has a few points: arrays beat hashing in the loop below.
        let shared = Array(Set(signals.points.compactMap { columns.pointNames.existingCode($0) }))
        let near = Array(Set(signals.neighbours.compactMap { columns.pointNames.existingCode($0) }).subtracting(shared))
        let course = columns.courseNames.existingCode(signals.course)
        var coRated: [Int32: Int] = [:]
        for (id, raters) in signals.coRated {
            if let slot = self.slots[id] { coRated[slot] = raters }
        }
        let own = self.slots[signals.id]
        // The best `limit` so far, best first, by score then id; a library where every document shares the course
        // keeps only `limit` of them, never sorting the rest. Reasons are bits: shared, neighbouring, course, co-rated.
        var best: [(score: Int, slot: Int, reasons: UInt8)] = []
        best.reserveCapacity(limit + 1)
        func precedes(_ a: (score: Int, slot: Int, reasons: UInt8), _ b: (score: Int, slot: Int, reasons: UInt8)) -> Bool {
            // Ids are ASCII (lower-case UUIDs): byte order is their order, without String's Unicode comparison.
            a.score != b.score ? a.score > b.score : self.ids[a.slot].utf8.lexicographicallyPrecedes(self.ids[b.slot].utf8)
        }
        for slot in 0..<self.ids.count where columns.alive[slot] && columns.published[slot] && Int32(slot) != own {
            var score = 0
            var reasons: UInt8 = 0
            if !shared.isEmpty || !near.isEmpty {
                for point in columns.points[slot] {
                    if shared.contains(point) {
                        score += 3
                        reasons |= 1
                    } else if near.contains(point) {
                        score += 1
                        reasons |= 2
                    }
                }
            }
            if let course, columns.courses[slot] == course {
                score += 1
                reasons |= 4
            }
            if !coRated.isEmpty, let raters = coRated[Int32(slot)] {
                score += raters
                reasons |= 8
            }
            guard score > 0, limit > 0 else { continue }
            let entry = (score: score, slot: slot, reasons: reasons)
            if best.count == limit {
                guard precedes(entry, best[limit - 1]) else { continue }
                best.removeLast()
            }
            let at = best.firstIndex { precedes(entry, $0) } ?? best.count
            best.insert(entry, at: at)
        }
        let names = ["shared_point", "neighbouring_point", "same_course", "co_rated"]
        return best.map { entry in
            SearchIndex.RelatedHit(
                document: self.document(entry.slot),
                score: entry.score,
                reasons: names.indices.filter { entry.reasons & (1 << $0) != 0 }.map { names[$0] }.sorted()
            )
        }
    }
}

extension SearchIndex {
    /// How many published documents are on each of `points` (by their published version); points with none are left
    /// out. One pass over the columns.
    public func liveCounts(onPoints points: Set<String>) -> [String: Int] {
        self.state.read { state in
            let columns = state.columns
            var counts = [Int](repeating: 0, count: columns.pointNames.names.count)
            var wanted = [Bool](repeating: false, count: columns.pointNames.names.count)
            for point in points { if let code = columns.pointNames.existingCode(point) { wanted[Int(code)] = true } }
            for slot in 0..<state.ids.count where columns.alive[slot] && columns.published[slot] {
                for code in columns.points[slot] where wanted[Int(code)] { counts[Int(code)] += 1 }
            }
            var result: [String: Int] = [:]
            for (code, count) in counts.enumerated() where count > 0 { result[columns.pointNames.names[code]] = count }
            return result
        }
    }
}
