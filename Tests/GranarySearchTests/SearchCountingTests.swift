import Foundation
import GranaryModel
import Testing

@testable import GranarySearch

/// The counting pass (bits of every list, first occurrences by slot, looks at the text) and the ranked pass (bits or
/// seeks, evidence from first positions) against a brute-force scan: the same totals, facets, page and scores.
@Suite struct SearchCountingTests {
    /// Few characters, so many bigrams are in more than one document in `PostingList.denseShare` (their lists keep
    /// bits) and many repeat within a document; every eighth document is longer than 256 code units.
    static func corpus(_ random: inout SplitMix, count: Int, from first: Int = 0) -> [SearchDocument] {
        let alphabet = Array("焊接电弧气体保护熔化极钨")
        let rare = Array("氩铝铜钛锆")
        func text(_ length: Int) -> String {
            String(
                (0..<length).map { _ in
                    random.next() % 40 == 0 ? rare[Int(random.next() % UInt64(rare.count))] : alphabet[Int(random.next() % UInt64(alphabet.count))]
                }
            )
        }
        return (first..<(first + count)).map { number in
            let long = number % 8 == 0
            return SearchIndexTests.document(
                "d\(number)",
                text(2 + Int(random.next() % 10)),
                description: text(long ? 260 + Int(random.next() % 300) : Int(random.next() % 80)),
                kind: ResourceKind.allCases[number % ResourceKind.allCases.count],
                course: ["weld", "check", "cnc"][number % 3],
                createdAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(number))
            )
        }
    }

    /// How `term` weighs in `text` as the index counts it: a bigram at every place it starts (overlapping), a longer
    /// term or a character without overlap; twice within the first `titleLength` code units.
    static func weight(_ term: [UInt16], in text: [UInt16], titleLength: Int) -> Int {
        var (title, body) = (0, 0)
        var index = 0
        while index + term.count <= text.count {
            if text[index..<(index + term.count)].elementsEqual(term) {
                if index + term.count <= titleLength { title += 1 } else { body += 1 }
                index += term.count == 2 ? 1 : term.count
            } else {
                index += 1
            }
        }
        return min(255, 2 * title + body)
    }

    /// Runs `terms` counted and ranked and compares both with a scan of `documents`.
    static func check(_ index: SearchIndex, _ documents: [String: SearchDocument], _ terms: [String], pageSize: Int = 10) {
        let query = terms.joined(separator: " ")
        var counted = SearchQuery(query, viewer: SearchIndexTests.learner, page: PageRequest(pageSize: pageSize))
        counted.counts = true
        var ranked = counted
        ranked.counts = false
        let folded = counted.terms
        let (plans, average) = index.state.read { state in (folded.map { state.plan($0, readings: [:]) }, state.averageLength) }
        var scored: [(id: String, score: Double, created: Date)] = []
        var kinds: [String: Int] = [:]
        var courses: [String: Int] = [:]
        for document in documents.values {
            let (text, titleLength, _) = document.searchableText
            let units = SearchText.fold(text)
            let weights = folded.map { Self.weight($0, in: units, titleLength: titleLength) }
            guard weights.allSatisfy({ $0 > 0 }) else { continue }
            var score = 0.0
            for (term, weight) in weights.enumerated() {
                score += plans[term]!.idf * PostingList.saturate(UInt8(weight), length: Int32(units.count), averageLength: average)
            }
            scored.append((document.id, score, document.createdAt))
            kinds[document.kind.rawValue, default: 0] += 1
            courses[document.course, default: 0] += 1
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.created > $1.created }
        let expected = scored.prefix(pageSize)

        let all = index.search(counted)
        #expect(all.total == scored.count, "\(query)")
        #expect(all.facets.kind == kinds, "\(query)")
        #expect(all.facets.course == courses, "\(query)")
        for results in [all, index.search(ranked)] {
            #expect(results.hits.map(\.document.id) == expected.map(\.id), "\(query)")
            #expect(zip(results.hits.map(\.score), expected.map(\.score)).allSatisfy { abs($0 - $1) < 1e-9 }, "\(query)")
        }
    }

    /// Terms cut from the documents (one to five characters, at any place, so at title ends and past 256 code units),
    /// some in pairs, and terms whose bigrams repeat within them.
    static func queries(_ random: inout SplitMix, _ documents: [SearchDocument], count: Int) -> [[String]] {
        func cut() -> String {
            let units = Array(documents[Int(random.next() % UInt64(documents.count))].searchableText.text.utf16)
            let length = 1 + Int(random.next() % 5)
            let start = Int(random.next() % UInt64(max(1, units.count - length)))
            let term = String(decoding: units[start..<min(units.count, start + length)], as: UTF16.self)
            return String(term.split(separator: "\n").max { $0.count < $1.count } ?? "")
        }
        var queries: [[String]] = [["焊接焊接"], ["焊焊焊"], ["电弧电"], ["接电弧气"], ["焊接", "电弧"], ["氩"], ["焊接电弧气体保护"]]
        while queries.count < count {
            let term = cut()
            guard !term.isEmpty else { continue }
            queries.append(random.next() % 3 == 0 ? [term, cut()].filter { !$0.isEmpty } : [term])
        }
        return queries
    }

    @Test func countsFacetsAndPagesEqualAScanBeforeAndAfterChanges() {
        var random = SplitMix(seed: 29)
        var documents = Self.corpus(&random, count: 480)
        let index = SearchIndex()
        index.upsert(contentsOf: documents)
        // Both kinds of list are there: with bits and without.
        let kinds = index.state.read { state in (state.bigrams.lists.contains { $0.bits != nil }, state.bigrams.lists.contains { $0.bits == nil }) }
        #expect(kinds == (true, true))
        var byID = Dictionary(uniqueKeysWithValues: documents.map { ($0.id, $0) })
        for terms in Self.queries(&random, documents, count: 120) { Self.check(index, byID, terms) }

        // Replaced texts take new slots (appended to lists that have bits), removed ones leave dead slots.
        let replacements = Self.corpus(&random, count: 96, from: 1000)
        for (number, replacement) in zip(stride(from: 0, to: 480, by: 5), replacements) {
            let document = SearchIndexTests.document(
                "d\(number)",
                replacement.title,
                description: replacement.description,
                kind: replacement.kind,
                course: replacement.course,
                createdAt: replacement.createdAt
            )
            index.upsert(document)
            byID[document.id] = document
        }
        for number in stride(from: 3, to: 480, by: 7) {
            index.remove(id: "d\(number)")
            byID.removeValue(forKey: "d\(number)")
        }
        documents = Array(byID.values).sorted { $0.id < $1.id }
        #expect(index.statistics.deadSlots > 0)
        for terms in Self.queries(&random, documents, count: 120) { Self.check(index, byID, terms) }

        index.compact()
        for terms in Self.queries(&random, documents, count: 80) { Self.check(index, byID, terms, pageSize: 25) }
    }

    @Test func slotBitsRankEveryListAndSeekAsTheSlotsDo() {
        var random = SplitMix(seed: 41)
        var slots: [Int32] = []
        var slot: Int32 = 0
        for _ in 0..<400 {
            slot += Int32(1 + random.next() % (random.next() % 4 == 0 ? 150 : 3))
            slots.append(slot)
        }
        let bits = SlotBits(slots)
        for probe in 0...(Int(slot) + 130) {
            #expect((bits.rank(probe) ?? slots.count) == slots.count { Int($0) < probe }, "\(probe)")
        }
        // The same postings with bits (a list as long as the index is) and without.
        var dense = PostingList(capacity: slots.count, slots: slots.count)
        var sparse = PostingList()
        for posting in slots {
            dense.add(slot: posting, weight: 1, position: 0, length: 10, created: 0, reference: 10)
            sparse.add(slot: posting, weight: 1, position: 0, length: 10, created: 0, reference: 10)
        }
        #expect(dense.bits != nil && sparse.bits == nil)
        for _ in 0..<2000 {
            let target = Int32(random.next() % UInt64(slot + 20))
            let start = Int(random.next() % UInt64(slots.count + 1))
            #expect(dense.seek(target, from: start) == sparse.seek(target, from: start), "\(target) from \(start)")
        }
    }
}
