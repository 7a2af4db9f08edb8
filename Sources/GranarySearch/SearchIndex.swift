import Foundation
import GranaryModel
import NIOConcurrencyHelpers

/// The in-process full-text index over resources: postings of every pair of adjacent characters (bigrams) and of
/// single characters, in document order, so any query string of one or more characters is found exactly.
///
/// A term's candidates are the intersection of its bigrams' postings; each candidate is then checked for the
/// whole term, so results are exactly the documents whose text contains every term (what a scan would find).
/// Pinyin (`hanjie`) and initials (`hj`) are matched against the titles, point names and tags the same way, for a
/// Latin term that occurs nowhere as written.
/// SQLite stays the system of record: the index is built from it at start and told of every change.
public final class SearchIndex: Sendable {
    private let state: NIOLockedValueBox<State>
    private let pinyin = Pinyin()

    /// An empty index.
    public init() {
        self.state = NIOLockedValueBox(State())
    }

    /// How many documents are indexed.
    public var count: Int {
        self.state.withLockedValue { $0.live }
    }

    /// Adds a document, or replaces the one with the same id.
    public func upsert(_ document: SearchDocument) {
        let entry = self.entry(for: document)
        self.state.withLockedValue { $0.insert(entry) }
    }

    /// Adds many documents at once (the build at start).
    public func upsert(contentsOf documents: [SearchDocument]) {
        let entries = documents.map(self.entry(for:))
        self.state.withLockedValue { state in
            for entry in entries { state.insert(entry) }
        }
    }

    /// Removes a document.
    public func remove(id: String) {
        self.state.withLockedValue { $0.remove(id: id) }
    }

    /// Runs a query.
    public func search(_ query: SearchQuery) -> SearchResults {
        self.state.withLockedValue { $0.search(query) }
    }

    private func entry(for document: SearchDocument) -> Entry {
        let (text, titleLength) = document.searchableText
        let spelled = self.pinyin.spell(SearchText.fold(document.pinyinText))
        return Entry(document: document, text: SearchText.fold(text), titleLength: titleLength, pinyin: spelled.full, initials: spelled.initials)
    }

    /// A term's occurrence in one document.
    struct Hit {
        let slot: Int32
        let weight: Float
    }

    /// One indexed document with its folded text.
    struct Entry {
        let document: SearchDocument
        let text: [UInt16]
        let titleLength: Int
        let pinyin: [UInt16]
        let initials: [UInt16]
    }

    /// Documents and postings; only touched under the lock.
    struct State {
        var entries: [Entry?] = []
        /// Each document's folded text and title length, apart from the entries so checking a term touches nothing else.
        var texts: [[UInt16]] = []
        var titleLengths: [Int32] = []
        var columns = SearchColumns()
        var slots: [String: Int32] = [:]
        var live = 0
        var totalLength = 0
        var bigrams: [UInt32: [Int32]] = [:]
        var unigrams: [UInt16: [Int32]] = [:]
        /// Beside each posting, the weight of that bigram or character in the document (title twice, capped at
        /// 255), so one- and two-character terms are scored without reading any text.
        var bigramWeights: [UInt32: [UInt8]] = [:]
        var unigramWeights: [UInt16: [UInt8]] = [:]
        var pinyinBigrams: [UInt32: [Int32]] = [:]
        var initialBigrams: [UInt32: [Int32]] = [:]

        mutating func insert(_ entry: Entry) {
            self.remove(id: entry.document.id)
            let slot = Int32(self.entries.count)
            self.entries.append(entry)
            self.columns.append(entry.document, length: entry.text.count)
            self.texts.append(entry.text)
            self.titleLengths.append(Int32(entry.titleLength))
            self.slots[entry.document.id] = slot
            self.live += 1
            self.totalLength += entry.text.count
            // Document ids only grow, so every posting list stays sorted.
            var bigramCounts: [UInt32: Int] = [:]
            var unigramCounts: [UInt16: Int] = [:]
            for (index, unit) in entry.text.enumerated() {
                unigramCounts[unit, default: 0] += index < entry.titleLength ? 2 : 1
                if index + 1 < entry.text.count {
                    bigramCounts[SearchText.bigram(unit, entry.text[index + 1]), default: 0] += index + 2 <= entry.titleLength ? 2 : 1
                }
            }
            for (key, weight) in bigramCounts {
                self.bigrams[key, default: []].append(slot)
                self.bigramWeights[key, default: []].append(UInt8(min(weight, 255)))
            }
            for (unit, weight) in unigramCounts {
                self.unigrams[unit, default: []].append(slot)
                self.unigramWeights[unit, default: []].append(UInt8(min(weight, 255)))
            }
            for key in Self.bigramKeys(entry.pinyin) { self.pinyinBigrams[key, default: []].append(slot) }
            for key in Self.bigramKeys(entry.initials) { self.initialBigrams[key, default: []].append(slot) }
        }

        /// A removed document's slot stays in the postings and is skipped when read.
        mutating func remove(id: String) {
            guard let slot = self.slots.removeValue(forKey: id), let entry = self.entries[Int(slot)] else { return }
            self.entries[Int(slot)] = nil
            self.columns.alive[Int(slot)] = false
            self.columns.points[Int(slot)] = []
            self.texts[Int(slot)] = []
            self.live -= 1
            self.totalLength -= entry.text.count
        }

        static func bigramKeys(_ text: [UInt16]) -> Set<UInt32> {
            guard text.count >= 2 else { return [] }
            var keys = Set<UInt32>(minimumCapacity: text.count)
            for index in 0..<(text.count - 1) { keys.insert(SearchText.bigram(text[index], text[index + 1])) }
            return keys
        }

        // MARK: - Querying

        func search(_ query: SearchQuery) -> SearchResults {
            // Each term's hits, in document order, with the term's weight in each document.
            var termHits: [[Hit]] = []
            for term in query.terms {
                let hits = self.hits(for: term)
                if hits.isEmpty { return SearchResults(total: 0, hits: [], facets: SearchResults.Facets()) }
                termHits.append(hits)
            }
            let averageLength = self.live > 0 ? Double(self.totalLength) / Double(self.live) : 1
            let idfs = termHits.map { Self.idf(documentFrequency: $0.count, documents: self.live) }

            // One pass over the documents holding every term (walking the rarest term's list), scoring as it goes;
            // facets count every admitted match, only the best `wanted` are kept in order.
            let filter = CompiledFilter(query, columns: self.columns)
            guard filter.satisfiable else { return SearchResults(total: 0, hits: [], facets: SearchResults.Facets()) }
            let wanted = query.page.offset + query.page.pageSize
            var best = TopK(capacity: wanted, order: query.sort, hasTerms: !query.terms.isEmpty)
            var facets = FacetCounter(columns: self.columns)
            var total = 0
            let columns = self.columns
            func consider(_ slot: Int32, _ score: Double) {
                let index = Int(slot)
                guard filter.admits(index, columns) else { return }
                total += 1
                facets.count(index, columns)
                best.offer(
                    Scored(slot: slot, score: score, created: columns.created[index], ratings: columns.ratings[index], stars: columns.stars[index])
                )
            }
            if termHits.isEmpty {
                for slot in columns.alive.indices where columns.alive[slot] { consider(Int32(slot), 0) }
            } else {
                let order = termHits.indices.sorted { termHits[$0].count < termHits[$1].count }
                var cursors = [Int](repeating: 0, count: termHits.count)
                let lead = order[0]
                outer: for hit in termHits[lead] {
                    let length = Int(columns.lengths[Int(hit.slot)])
                    var score = idfs[lead] * Self.saturate(Double(hit.weight), length: length, averageLength: averageLength)
                    for other in order.dropFirst() {
                        let list = termHits[other]
                        var cursor = cursors[other]
                        while cursor < list.count && list[cursor].slot < hit.slot { cursor += 1 }
                        cursors[other] = cursor
                        guard cursor < list.count, list[cursor].slot == hit.slot else { continue outer }
                        score += idfs[other] * Self.saturate(Double(list[cursor].weight), length: length, averageLength: averageLength)
                    }
                    consider(hit.slot, score)
                }
            }

            let page = best.sorted().dropFirst(query.page.offset)
            let hits = page.map { scored in
                let entry = self.entries[Int(scored.slot)]!
                return SearchResults.Hit(document: entry.document, score: scored.score, snippet: Self.snippet(entry, terms: query.terms))
            }
            return SearchResults(total: total, hits: hits, facets: facets.facets(columns))
        }

        /// Documents containing `term`, in document order, each with the term's weight there: occurrences in the
        /// title count double; a pinyin or initials match counts as one title occurrence.
        func hits(for term: [UInt16]) -> [Hit] {
            var hits: [Hit] = []
            if term.count <= 2 {
                // The postings of a character or a bigram are the exact answer, weights included.
                let postings = term.count == 1 ? self.unigrams[term[0]] : self.bigrams[SearchText.bigram(term[0], term[1])]
                let weights = term.count == 1 ? self.unigramWeights[term[0]] : self.bigramWeights[SearchText.bigram(term[0], term[1])]
                if let postings, let weights {
                    hits.reserveCapacity(postings.count)
                    for (index, slot) in postings.enumerated() where self.columns.alive[Int(slot)] {
                        hits.append(Hit(slot: slot, weight: Float(weights[index])))
                    }
                }
            } else {
                hits = self.verifiedHits(for: term)
            }
            // Pinyin for plain Latin letters (`hanjie`, `hj`), when the letters themselves occur nowhere: a Latin
            // word that is in the text (`mig`, `tig`) is meant as written, not as syllables.
            guard hits.isEmpty, term.count >= 2, term.allSatisfy({ (0x61...0x7A).contains($0) }) else { return hits }
            var spelled: Set<Int32> = []
            for (postings, field) in [(self.pinyinBigrams, \Entry.pinyin), (self.initialBigrams, \Entry.initials)] {
                for slot in self.candidates(term, bigrams: postings, unigrams: [:]) where !spelled.contains(slot) {
                    guard let entry = self.entries[Int(slot)] else { continue }
                    let text = entry[keyPath: field]
                    if !SearchText.occurrences(of: term, in: text, range: 0..<text.count).isEmpty { spelled.insert(slot) }
                }
            }
            return spelled.sorted().map { Hit(slot: $0, weight: 2) }
        }

        /// Hits of a term of three or more characters: its bigrams' common documents, each checked for the term.
        func verifiedHits(for term: [UInt16]) -> [Hit] {
            var hits: [Hit] = []
            for slot in self.candidates(term, bigrams: self.bigrams, unigrams: self.unigrams) where self.columns.alive[Int(slot)] {
                let (inTitle, inBody) = SearchText.count(term, in: self.texts[Int(slot)], titleLength: Int(self.titleLengths[Int(slot)]))
                if inTitle + inBody > 0 { hits.append(Hit(slot: slot, weight: Float(2 * inTitle + inBody))) }
            }
            return hits
        }

        /// Documents that may contain `term`: the intersection of its bigrams' postings (or its one character's).
        func candidates(_ term: [UInt16], bigrams: [UInt32: [Int32]], unigrams: [UInt16: [Int32]]) -> [Int32] {
            if term.count == 1 { return unigrams[term[0]] ?? [] }
            var lists: [[Int32]] = []
            for key in Set((0..<(term.count - 1)).map { SearchText.bigram(term[$0], term[$0 + 1]) }) {
                guard let list = bigrams[key] else { return [] }
                lists.append(list)
            }
            lists.sort { $0.count < $1.count }
            var result = lists[0]
            for list in lists.dropFirst() {
                result = Self.intersect(result, list)
                if result.isEmpty { break }
            }
            return result
        }

        /// Sorted intersection, galloping through the longer list.
        static func intersect(_ short: [Int32], _ long: [Int32]) -> [Int32] {
            var result: [Int32] = []
            var low = 0
            for value in short {
                var step = 1
                var high = low
                while high < long.count && long[high] < value {
                    low = high
                    high += step
                    step *= 2
                }
                high = min(high, long.count)
                while low < high {
                    let middle = (low + high) / 2
                    if long[middle] < value { low = middle + 1 } else { high = middle }
                }
                if low < long.count && long[low] == value { result.append(value) }
            }
            return result
        }

        /// BM25's inverse document frequency.
        static func idf(documentFrequency: Int, documents: Int) -> Double {
            log(1 + (Double(documents) - Double(documentFrequency) + 0.5) / (Double(documentFrequency) + 0.5))
        }

        /// BM25's saturated term frequency, k1 = 1.2, b = 0.75.
        static func saturate(_ weight: Double, length: Int, averageLength: Double) -> Double {
            weight * 2.2 / (weight + 1.2 * (1 - 0.75 + 0.75 * Double(length) / averageLength))
        }

        /// About 60 characters of the description around the first hit, hits marked with <mark>; HTML-escaped.
        static func snippet(_ entry: Entry, terms: [[UInt16]]) -> String {
            let bodyStart = min(entry.text.count, entry.titleLength + 1)
            let body = bodyStart..<entry.text.count
            let first = terms.compactMap { SearchText.occurrences(of: $0, in: entry.text, range: body).first }.min() ?? bodyStart
            let start = max(bodyStart, first - 20)
            var end = min(entry.text.count, start + 60)
            if let newline = entry.text[start..<end].firstIndex(of: 0x0A), newline > first { end = newline }
            var marks = [Bool](repeating: false, count: end - start)
            for term in terms {
                for place in SearchText.occurrences(of: term, in: entry.text, range: start..<end) {
                    for index in place..<(place + term.count) where index < end { marks[index - start] = true }
                }
            }
            // Show the original characters (folding changed case and width), marked where the folded text hit.
            let original = Array(entry.document.searchableText.text.utf16)
            var out = start > bodyStart ? "…" : ""
            var runStart = start
            while runStart < end {
                let marked = marks[runStart - start]
                var runEnd = runStart
                while runEnd < end && marks[runEnd - start] == marked { runEnd += 1 }
                let run = Self.escape(String(decoding: original[runStart..<runEnd].map { $0 == 0x0A ? 0x20 : $0 }, as: UTF16.self))
                out += marked ? "<mark>\(run)</mark>" : run
                runStart = runEnd
            }
            if end < entry.text.count && entry.text[end] != 0x0A { out += "…" }
            return out
        }

        static func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
    }
}
