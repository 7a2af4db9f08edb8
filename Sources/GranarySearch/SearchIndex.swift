import Foundation
import GranaryModel
import Synchronization

/// The in-process full-text index over resources: postings of every pair of adjacent characters (bigrams) and of
/// single characters, in slot order, so any query string of one or more characters is found exactly.
///
/// A term of one or two characters is answered by its postings alone, weights included. A longer term's candidates
/// are the documents in all of its bigrams' postings, checked against the text. Pinyin (`hanjie`) and initials
/// (`hj`) are matched against the titles, point names and tags through the characters' readings, for a Latin term
/// that occurs nowhere as written.
///
/// Storage is flat: all folded text in one array of UTF-16 code units, one posting list per key allocated at its
/// exact size, one array per facet. A document is never changed in place: a new text takes a new slot and the old
/// slot is dead until the next compaction, which renumbers the live documents and rebuilds the postings once a
/// quarter of the slots are dead. SQLite stays the system of record: the index is built from it at start and told of
/// every change.
public final class SearchIndex: Sendable {
    let state = ReadWriteLocked(State())
    private let pinyin = Pinyin()
    private let counts = Mutex(CountCache())

    /// An empty index.
    public init() {}

    /// How many documents are indexed.
    public var count: Int {
        self.state.read { $0.live }
    }

    /// Adds a document, or replaces the one with the same id.
    public func upsert(_ document: SearchDocument) {
        let prepared = Prepared(document)
        self.state.write { $0.insert(prepared) }
    }

    /// Adds many documents at once (the build at start).
    public func upsert(contentsOf documents: [SearchDocument]) {
        let prepared = documents.map(Prepared.init)
        self.state.write { state in
            if state.ids.isEmpty {
                state.load(prepared)
            } else {
                for entry in prepared { state.insert(entry) }
            }
        }
    }

    /// Replaces the whole index with the documents `fill` hands over in batches: the new index is built beside the
    /// old one, which answers searches until it is swapped in. Changes made to the old one meanwhile are not carried
    /// over, so this is for the start (before serving) and for `granary reindex`. Returns how many documents it holds.
    @discardableResult
    public func replaceAll(_ fill: (_ add: ([SearchDocument]) -> Void) async throws -> Void) async rethrows -> Int {
        var fresh = State()
        // The postings' first pass counts each document as it comes, while the caller reads the next ones.
        var counts = PostingCounts()
        try await fill { documents in
            for document in documents {
                fresh.insertForLoad(Prepared(document))
                fresh.countNewest(into: &counts)
            }
        }
        fresh.rebuildPostings(counted: counts)
        // The text grew by doubling; keep it at its size.
        var text: [UInt16] = []
        text.reserveCapacity(fresh.text.count)
        text.append(contentsOf: fresh.text)
        fresh.text = text
        let count = fresh.live
        self.state.write { state in
            fresh.generation = state.generation + 1
            state = fresh
        }
        // The batches and the old index were freed in pieces; give the pages back so the resident size is the index.
        Self.releaseFreePages()
        return count
    }

    /// Removes a document.
    public func remove(id: String) {
        self.state.write { _ = $0.remove(id: id) }
    }

    /// Drops the dead slots now rather than when a quarter of the slots are dead.
    func compact() {
        self.state.write { $0.compact() }
    }

    /// The documents of `ids` that `query`'s viewer and filters admit (its terms are not looked at), in the order
    /// given.
    public func admitted(_ ids: [String], by query: SearchQuery) -> [SearchResults.Hit] {
        self.state.read { $0.admitted(ids, query) }
    }

    /// Runs a query. The total and facets of a ranked query are remembered until the index changes, so the next
    /// page of the same query, or the same query again, runs only the ranked part, which skips what cannot reach
    /// the page.
    public func search(_ query: SearchQuery) -> SearchResults {
        let readings = query.terms.contains(where: Self.mayBePinyin) ? self.readings() : [:]
        let key = query.counts && query.sort == .relevance && !query.terms.isEmpty ? CountCache.Key(query) : nil
        return self.state.read { state in
            if let key, let known = self.counts.withLock({ $0.counts(for: key, generation: state.generation) }) {
                var ranked = query
                ranked.counts = false
                return SearchResults(total: known.total, hits: state.search(ranked, readings: readings).hits, facets: known.facets)
            }
            let results = state.search(query, readings: readings)
            if let key { self.counts.withLock { $0.remember(key, generation: state.generation, total: results.total, facets: results.facets) } }
            return results
        }
    }

    /// Totals and facets of recent ranked queries, valid for one generation of the index.
    struct CountCache {
        /// What decides a query's matches: its terms, its filters and what the viewer may see.
        struct Key: Hashable {
            let terms: [[UInt16]]
            let filter: ResourceFilter
            let seesAll: Bool
            /// Only when the viewer's own unpublished items count.
            let viewer: String?

            init(_ query: SearchQuery) {
                self.terms = query.terms
                self.filter = query.filter
                self.seesAll = query.viewer.role == .reviewer || query.viewer.role == .admin
                self.viewer = query.filter.status != nil && !self.seesAll ? query.viewer.id : nil
            }
        }

        private var entries: [Key: (generation: Int, total: Int, facets: SearchResults.Facets)] = [:]
        static let capacity = 2048

        func counts(for key: Key, generation: Int) -> (total: Int, facets: SearchResults.Facets)? {
            guard let entry = self.entries[key], entry.generation == generation else { return nil }
            return (entry.total, entry.facets)
        }

        mutating func remember(_ key: Key, generation: Int, total: Int, facets: SearchResults.Facets) {
            if self.entries.count >= Self.capacity { self.entries.removeAll(keepingCapacity: true) }
            self.entries[key] = (generation, total, facets)
        }
    }

    /// What the index holds, for `granary bench`: documents, dead slots, code units of text, postings.
    public var statistics: (documents: Int, deadSlots: Int, textUnits: Int, bigramKeys: Int, postings: Int) {
        self.state.read { state in
            (
                state.live, state.ids.count - state.live, state.text.count, state.bigrams.lists.count,
                state.bigrams.lists.reduce(0) { $0 + $1.count }
            )
        }
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (its header is not part of the Glibc module).
    private static func releaseFreePages() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Bytes the index's main arrays hold (capacity, not count), for `granary bench`.
    public var footprint: [String: Int] {
        self.state.read { state in
            [
                "text": state.text.capacity * 2,
                "postings": state.bigrams.lists.reduce(0) {
                    $0 + $1.slots.capacity * 4 + $1.weights.capacity + $1.positions.capacity + $1.blockBounds.capacity * 16
                },
                "slot bits": state.bigrams.lists.reduce(0) { $0 + ($1.bits.map { 2 * 48 + $0.bytes } ?? 0) },
                // Each list's five arrays: a 32-byte header and about 16 bytes of allocator bookkeeping.
                "list headers": state.bigrams.lists.count * 5 * 48,
                "ids": state.ids.capacity * 16 + state.slots.capacity * 24,
                "unfolded": state.unfolded.values.reduce(0) { $0 + 48 + $1.capacity * 8 } + state.unfolded.capacity * 24,
                "columns": state.columns.alive.count * 49,
            ]
        }
    }

    static func mayBePinyin(_ term: [UInt16]) -> Bool {
        term.count >= 2 && term.allSatisfy { (0x61...0x7A).contains($0) }
    }

    /// The readings of every ideograph in the index.
    private func readings() -> [UInt16: [UInt16]] {
        let ideographs = self.state.read { state in
            var units: [UInt16] = []
            for unit in state.bigrams.byUnit.keys where SearchText.isIdeograph(unit) { units.append(unit) }
            return units
        }
        return self.pinyin.syllables(ideographs)
    }

    /// A document with its text folded, made before taking the lock.
    struct Prepared {
        let document: SearchDocument
        let folded: [UInt16]
        /// Where folding changed a code unit, and what it was: offset << 16 | unit (snippets and titles show these).
        let unfolded: [UInt64]?
        let titleLength: Int
        let names: Range<Int>

        init(_ document: SearchDocument) {
            let (text, titleLength, names) = document.searchableText
            let original = Array(text.utf16)
            let folded = original.map(SearchText.fold)
            self.document = document
            self.folded = folded
            var unfolded: [UInt64] = []
            for index in original.indices where original[index] != folded[index] { unfolded.append(UInt64(index) << 16 | UInt64(original[index])) }
            self.unfolded = unfolded.isEmpty ? nil : unfolded
            self.titleLength = titleLength
            self.names = names
        }
    }

    /// Documents and postings; read under the shared lock, changed under the exclusive one.
    struct State {
        /// Resource id by slot; empty for a dead slot.
        var ids: [String] = []
        var slots: [String: Int32] = [:]
        /// The folded text of every slot, one after another: slot `s` is `text[textStarts[s]..<textStarts[s + 1]]`.
        var text: [UInt16] = []
        var textStarts: [Int] = [0]
        var titleLengths: [Int32] = []
        /// Where each slot's point names and tags are, from its start.
        var nameStarts: [Int32] = []
        var nameEnds: [Int32] = []
        /// The code units folding changed, by slot (see `Prepared.unfolded`); most texts have none.
        var unfolded: [Int32: [UInt64]] = [:]
        var columns = SearchColumns()
        var bigrams = PostingTable()
        var live = 0
        var totalLength = 0
        /// Counts every change, so remembered totals know when they are stale.
        var generation = 0
        /// The average length the block bounds were computed with. A term part grows with the average at most in
        /// proportion, so a bound times max(1, average / reference) always holds.
        var boundReference = 0.0

        var averageLength: Double {
            self.live > 0 ? Double(self.totalLength) / Double(self.live) : 1
        }

        // MARK: - Changes

        /// Loads documents into an empty state: texts first, then every posting list at its exact size.
        mutating func load(_ entries: [Prepared]) {
            self.generation += 1
            for entry in entries { self.insertForLoad(entry) }
            self.rebuildPostings()
        }

        /// Adds a document's text and facts but no postings: `rebuildPostings()` follows once all are in.
        mutating func insertForLoad(_ entry: Prepared) {
            if let slot = self.slots[entry.document.id] { self.kill(Int(slot)) }
            self.append(entry)
        }

        mutating func insert(_ entry: Prepared) {
            self.generation += 1
            if let slot = self.slots[entry.document.id].map(Int.init), self.sameText(slot, entry) {
                // A review decision or a rating: the text is the same, only the facts change.
                self.columns.update(slot, with: entry.document)
                return
            }
            _ = self.remove(id: entry.document.id)
            let slot = self.append(entry)
            // Bounds stay valid as the average grows (a query scales them by how much); past a quarter, compute them
            // again so they stay tight.
            if self.averageLength > self.boundReference * 1.25 {
                self.boundReference = self.averageLength
                self.bigrams.recomputeBounds(lengths: self.columns.lengths, reference: self.boundReference)
            }
            let (length, created, reference) = (self.columns.lengths[slot], self.columns.created[slot], self.boundReference)
            let (text, range, titleLength) = (self.text, self.textRange(slot), Int(self.titleLengths[slot]))
            Self.forEachBigram(text, range, titleLength) { key, weight, position in
                self.bigrams.add(key, slot: Int32(slot), weight: weight, position: position, length: length, created: created, reference: reference)
            }
            if self.ids.count - self.live > max(4096, self.live / 4) { self.compact() }
        }

        /// Marks a document's slot dead; its postings stay until the next compaction and are skipped when read.
        mutating func remove(id: String) -> Bool {
            guard let slot = self.slots[id] else { return false }
            self.generation += 1
            self.kill(Int(slot))
            return true
        }

        private mutating func kill(_ slot: Int) {
            self.slots.removeValue(forKey: self.ids[slot])
            self.ids[slot] = ""
            self.columns.alive[slot] = false
            self.columns.points[slot] = []
            self.unfolded.removeValue(forKey: Int32(slot))
            self.live -= 1
            self.totalLength -= Int(self.columns.lengths[slot])
        }

        @discardableResult
        private mutating func append(_ entry: Prepared) -> Int {
            let slot = self.ids.count
            self.ids.append(entry.document.id)
            self.slots[entry.document.id] = Int32(slot)
            self.text.append(contentsOf: entry.folded)
            self.textStarts.append(self.text.count)
            self.titleLengths.append(Int32(entry.titleLength))
            self.nameStarts.append(Int32(entry.names.lowerBound))
            self.nameEnds.append(Int32(entry.names.upperBound))
            if let unfolded = entry.unfolded { self.unfolded[Int32(slot)] = unfolded }
            self.columns.append(entry.document, length: entry.folded.count)
            self.live += 1
            self.totalLength += entry.folded.count
            return slot
        }

        private func sameText(_ slot: Int, _ entry: Prepared) -> Bool {
            self.columns.alive[slot] && Int(self.titleLengths[slot]) == entry.titleLength
                && Int(self.nameStarts[slot]) == entry.names.lowerBound && Int(self.nameEnds[slot]) == entry.names.upperBound
                && self.unfolded[Int32(slot)] == entry.unfolded && self.text[self.textRange(slot)].elementsEqual(entry.folded)
        }

        /// Renumbers the live documents from 0 and rebuilds every posting list, dropping the dead slots.
        mutating func compact() {
            let kept = self.ids.indices.filter { self.columns.alive[$0] }
            var text: [UInt16] = []
            text.reserveCapacity(self.totalLength)
            var starts = [0]
            starts.reserveCapacity(kept.count + 1)
            var unfolded: [Int32: [UInt64]] = [:]
            for (slot, old) in kept.enumerated() {
                text.append(contentsOf: self.text[self.textRange(old)])
                starts.append(text.count)
                if let changed = self.unfolded[Int32(old)] { unfolded[Int32(slot)] = changed }
            }
            self.ids = kept.map { self.ids[$0] }
            self.slots = Dictionary(uniqueKeysWithValues: self.ids.enumerated().map { ($1, Int32($0)) })
            self.text = text
            self.textStarts = starts
            self.titleLengths = kept.map { self.titleLengths[$0] }
            self.nameStarts = kept.map { self.nameStarts[$0] }
            self.nameEnds = kept.map { self.nameEnds[$0] }
            self.unfolded = unfolded
            self.columns = self.columns.compacted(keeping: kept)
            self.rebuildPostings()
        }

        /// Counts the bigrams of the newest slot for `rebuildPostings(counted:)`.
        func countNewest(into counts: inout PostingCounts) {
            let slot = self.ids.count - 1
            let (range, titleLength) = (self.textRange(slot), Int(self.titleLengths[slot]))
            counts.count(slot: slot) { emit in Self.forEachBigram(self.text, range, titleLength, emit) }
        }

        /// Builds every posting list from the text; `counted` is the first pass when the slots were counted as they
        /// were added (every slot, in order).
        mutating func rebuildPostings(counted: PostingCounts? = nil) {
            self.bigrams = PostingTable()
            let (text, starts, titleLengths, alive) = (self.text, self.textStarts, self.titleLengths, self.columns.alive)
            let keys: (Int, (UInt32, UInt8, Int) -> Void) -> Void = { slot, emit in
                guard alive[slot] else { return }
                Self.forEachBigram(text, starts[slot]..<starts[slot + 1], Int(titleLengths[slot]), emit)
            }
            self.boundReference = self.averageLength
            self.bigrams = PostingTable.build(
                slots: self.ids.count,
                lengths: self.columns.lengths,
                created: self.columns.created,
                reference: self.boundReference,
                counted: counted,
                keys: keys
            )
        }

        func textRange(_ slot: Int) -> Range<Int> {
            self.textStarts[slot]..<self.textStarts[slot + 1]
        }

        /// Calls `emit(key, weight, position)` for every bigram of `text[range]`, weight 2 within the first
        /// `titleLength` units and 1 after, position from the start of the range. Pairs with a field's end (a line break) count too, so every character is in some bigram: a
        /// one-character term is found through them. A pair of two line breaks (an empty field) is left out.
        static func forEachBigram(_ text: [UInt16], _ range: Range<Int>, _ titleLength: Int, _ emit: (UInt32, UInt8, Int) -> Void) {
            guard range.count >= 2 else { return }
            let titleEnd = range.lowerBound + titleLength
            text.withUnsafeBufferPointer { text in
                for index in range.lowerBound..<(range.upperBound - 1) {
                    let first = text[index]
                    let second = text[index + 1]
                    if first == 0x0A && second == 0x0A { continue }
                    emit(SearchText.bigram(first, second), index + 2 <= titleEnd ? 2 : 1, index - range.lowerBound)
                }
            }
        }
    }
}
