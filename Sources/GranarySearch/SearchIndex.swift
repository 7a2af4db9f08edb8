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
        var slots: [String: Int32] = [:]
        var live = 0
        var totalLength = 0
        var bigrams: [UInt32: [Int32]] = [:]
        var unigrams: [UInt16: [Int32]] = [:]
        var pinyinBigrams: [UInt32: [Int32]] = [:]
        var initialBigrams: [UInt32: [Int32]] = [:]

        mutating func insert(_ entry: Entry) {
            self.remove(id: entry.document.id)
            let slot = Int32(self.entries.count)
            self.entries.append(entry)
            self.slots[entry.document.id] = slot
            self.live += 1
            self.totalLength += entry.text.count
            // Document ids only grow, so every posting list stays sorted.
            for key in Self.bigramKeys(entry.text) { self.bigrams[key, default: []].append(slot) }
            for unit in Set(entry.text) { self.unigrams[unit, default: []].append(slot) }
            for key in Self.bigramKeys(entry.pinyin) { self.pinyinBigrams[key, default: []].append(slot) }
            for key in Self.bigramKeys(entry.initials) { self.initialBigrams[key, default: []].append(slot) }
        }

        /// A removed document's slot stays in the postings and is skipped when read.
        mutating func remove(id: String) {
            guard let slot = self.slots.removeValue(forKey: id), let entry = self.entries[Int(slot)] else { return }
            self.entries[Int(slot)] = nil
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
            // Every term narrows the result; each document remembers how strongly each term hit it.
            var matched: [Int32: [Double]]? = nil
            var frequencies: [Int] = []
            for term in query.terms {
                let hits = self.hits(for: term)
                frequencies.append(hits.count)
                if let current = matched {
                    var next: [Int32: [Double]] = [:]
                    next.reserveCapacity(min(current.count, hits.count))
                    for (slot, weights) in current {
                        if let weight = hits[slot] { next[slot] = weights + [weight] }
                    }
                    matched = next
                } else {
                    matched = hits.mapValues { [$0] }
                }
                if matched?.isEmpty == true { break }
            }

            let candidates: [(Int32, [Double])]
            if let matched {
                candidates = Array(matched)
            } else {
                // No terms: browse everything the filters allow.
                candidates = self.entries.indices.compactMap { self.entries[$0] == nil ? nil : (Int32($0), []) }
            }

            let averageLength = self.live > 0 ? Double(self.totalLength) / Double(self.live) : 1
            var results: [(entry: Entry, score: Double)] = []
            var facets = SearchResults.Facets()
            for (slot, weights) in candidates {
                guard let entry = self.entries[Int(slot)], query.admits(entry.document) else { continue }
                var score = 0.0
                for (index, weight) in weights.enumerated() {
                    score += Self.bm25(
                        weight: weight,
                        documentFrequency: frequencies[index],
                        documents: self.live,
                        length: entry.text.count,
                        averageLength: averageLength
                    )
                }
                results.append((entry, score))
                facets.count(entry.document)
            }

            switch query.sort {
            case .relevance where !query.terms.isEmpty:
                results.sort { $0.score != $1.score ? $0.score > $1.score : $0.entry.document.createdAt > $1.entry.document.createdAt }
            case .relevance, .newest:
                results.sort {
                    $0.entry.document.createdAt != $1.entry.document.createdAt
                        ? $0.entry.document.createdAt > $1.entry.document.createdAt : $0.entry.document.id < $1.entry.document.id
                }
            case .popular:
                results.sort {
                    let left = $0.entry.document
                    let right = $1.entry.document
                    if left.ratings != right.ratings { return left.ratings > right.ratings }
                    if left.averageStars != right.averageStars { return left.averageStars > right.averageStars }
                    return $0.score > $1.score
                }
            }
            let page = results.dropFirst(query.page.offset).prefix(query.page.pageSize)
            let hits = page.map { result in
                SearchResults.Hit(document: result.entry.document, score: result.score, snippet: Self.snippet(result.entry, terms: query.terms))
            }
            return SearchResults(total: results.count, hits: hits, facets: facets)
        }

        /// Documents containing `term`, each with the term's weight there: occurrences in the title count double;
        /// a pinyin or initials match counts as one title occurrence.
        func hits(for term: [UInt16]) -> [Int32: Double] {
            var hits: [Int32: Double] = [:]
            for slot in self.candidates(term, bigrams: self.bigrams, unigrams: self.unigrams) {
                guard let entry = self.entries[Int(slot)] else { continue }
                let places = SearchText.occurrences(of: term, in: entry.text, range: 0..<entry.text.count)
                guard !places.isEmpty else { continue }
                let inTitle = places.filter { $0 + term.count <= entry.titleLength }.count
                hits[slot] = Double(2 * inTitle + (places.count - inTitle))
            }
            // Pinyin for plain Latin letters (`hanjie`, `hj`), when the letters themselves occur nowhere: a Latin
            // word that is in the text (`mig`, `tig`) is meant as written, not as syllables.
            guard hits.isEmpty, term.count >= 2, term.allSatisfy({ (0x61...0x7A).contains($0) }) else { return hits }
            for (postings, field) in [(self.pinyinBigrams, \Entry.pinyin), (self.initialBigrams, \Entry.initials)] {
                for slot in self.candidates(term, bigrams: postings, unigrams: [:]) where hits[slot] == nil {
                    guard let entry = self.entries[Int(slot)] else { continue }
                    let text = entry[keyPath: field]
                    if !SearchText.occurrences(of: term, in: text, range: 0..<text.count).isEmpty { hits[slot] = 2 }
                }
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

        /// Okapi BM25 with k1 = 1.2, b = 0.75.
        static func bm25(weight: Double, documentFrequency: Int, documents: Int, length: Int, averageLength: Double) -> Double {
            let idf = log(1 + (Double(documents) - Double(documentFrequency) + 0.5) / (Double(documentFrequency) + 0.5))
            let norm = 1.2 * (1 - 0.75 + 0.75 * Double(length) / averageLength)
            return idf * weight * 2.2 / (weight + norm)
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
