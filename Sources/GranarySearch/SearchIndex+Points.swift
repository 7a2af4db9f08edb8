import Foundation
import GranaryModel

extension SearchIndex {
    /// A published document found on one of the points asked for, and the first of those points it is on.
    public struct PointHit: Sendable, Equatable {
        public let id: String
        public let point: String
    }

    /// The `limit` newest published documents on any of `points`, none of `excluding` (ids), newest first (ties by
    /// slot, the later indexed first): what the learner recommendations suggest after what a learner studied. One pass
    /// over the columns, no table read.
    public func newest(onPoints points: Set<String>, excluding: Set<String>, limit: Int) -> [PointHit] {
        self.state.read { state in
            let columns = state.columns
            var wanted = [Bool](repeating: false, count: columns.pointNames.names.count)
            for point in points { if let code = columns.pointNames.existingCode(point) { wanted[Int(code)] = true } }
            guard limit > 0, wanted.contains(true) else { return [] }
            let left = Set(excluding.compactMap { state.slots[$0] })
            var best = Newest(limit: limit, created: columns.created)
            for slot in 0..<state.ids.count where columns.alive[slot] && columns.published[slot] {
                guard let code = columns.points[slot].first(where: { wanted[Int($0)] }), !left.contains(Int32(slot)) else { continue }
                best.offer(slot, code)
            }
            return best.kept.map { PointHit(id: state.ids[$0.slot], point: columns.pointNames.names[Int($0.code)]) }
        }
    }

    /// For each of `points` that has any: how many published documents are on it and the `limit` newest of them,
    /// newest first. One pass over the columns, whatever the number of points.
    public func newest(perPoint points: Set<String>, limit: Int) -> [String: (count: Int, newest: [SearchDocument])] {
        self.state.read { state in
            let columns = state.columns
            var wanted = [Int32](repeating: -1, count: columns.pointNames.names.count)
            var codes: [Int32] = []
            for point in points {
                guard let code = columns.pointNames.existingCode(point) else { continue }
                wanted[Int(code)] = Int32(codes.count)
                codes.append(code)
            }
            guard !codes.isEmpty else { return [:] }
            var counts = [Int](repeating: 0, count: codes.count)
            var best = [Newest](repeating: Newest(limit: limit, created: columns.created), count: codes.count)
            for slot in 0..<state.ids.count where columns.alive[slot] && columns.published[slot] {
                for code in columns.points[slot] where wanted[Int(code)] >= 0 {
                    let at = Int(wanted[Int(code)])
                    counts[at] += 1
                    best[at].offer(slot, code)
                }
            }
            var result: [String: (count: Int, newest: [SearchDocument])] = [:]
            for (at, code) in codes.enumerated() where counts[at] > 0 {
                result[columns.pointNames.names[Int(code)]] = (counts[at], best[at].kept.map { state.document($0.slot) })
            }
            return result
        }
    }

    /// The `limit` published documents with the most ratings (then the higher mean, then the newer), none of
    /// `excluding`; documents nobody rated are not popular and are left out.
    public func mostRated(excluding: Set<String>, limit: Int) -> [String] {
        self.state.read { state in
            let columns = state.columns
            let left = Set(excluding.compactMap { state.slots[$0] })
            var best: [Int] = []
            func precedes(_ a: Int, _ b: Int) -> Bool {
                if columns.ratings[a] != columns.ratings[b] { return columns.ratings[a] > columns.ratings[b] }
                if columns.stars[a] != columns.stars[b] { return columns.stars[a] > columns.stars[b] }
                return columns.created[a] != columns.created[b] ? columns.created[a] > columns.created[b] : a > b
            }
            guard limit > 0 else { return [] }
            for slot in 0..<state.ids.count where columns.alive[slot] && columns.published[slot] && columns.ratings[slot] > 0 {
                guard !left.contains(Int32(slot)) else { continue }
                if best.count == limit {
                    guard precedes(slot, best[limit - 1]) else { continue }
                    best.removeLast()
                }
                best.insert(slot, at: best.firstIndex { precedes(slot, $0) } ?? best.count)
            }
            return best.map { state.ids[$0] }
        }
    }
}

/// The newest `limit` slots offered, newest first; a sorted array, since `limit` is a page.
private struct Newest {
    let limit: Int
    let created: [Double]
    var kept: [(slot: Int, code: Int32)] = []

    func precedes(_ a: Int, _ b: Int) -> Bool {
        self.created[a] != self.created[b] ? self.created[a] > self.created[b] : a > b
    }

    mutating func offer(_ slot: Int, _ code: Int32) {
        if self.kept.count == self.limit {
            guard self.precedes(slot, self.kept[self.limit - 1].slot) else { return }
            self.kept.removeLast()
        }
        let at = self.kept.firstIndex { self.precedes(slot, $0.slot) } ?? self.kept.count
        self.kept.insert((slot, code), at: at)
    }
}
