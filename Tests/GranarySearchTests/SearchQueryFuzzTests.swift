import Foundation
import GranaryModel
import Testing

@testable import GranarySearch

/// A seeded fuzzer for the search query parser and the query it runs: any string a user can type (quotes of
/// every kind, full-width spaces, lone surrogates' replacement, emoji, combining marks, control characters, ten
/// thousand characters) parses and searches without a crash, and what it finds is exactly what a scan finds.
///
/// It runs for `GRANARY_FUZZ_SECONDS` (default 3, and at least `minimumCases` inputs) from `GRANARY_FUZZ_SEED` (default fixed, so CI repeats
/// itself); a failure names the seed and the query, and the same seed replays it.
@Suite struct SearchQueryFuzzTests {
    static let seconds = ProcessInfo.processInfo.environment["GRANARY_FUZZ_SECONDS"].flatMap(Double.init) ?? 3
    static let seed = ProcessInfo.processInfo.environment["GRANARY_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_129
    static let minimumCases = 300

    /// Pieces queries and documents are made of.
    static let pieces: [String] = [
        "焊", "接", "电", "弧", "焊接", "电弧", "保护焊", "气体", "熔化极", "超声", "检测", "CO2", "co2", "ＣＯ２", "MIG", "tig",
        "hanjie", "hj", "dianhu", "\"", "“", "”", " ", "　", "\t", "\n", "，", "。", "、", "(", ")", "-", "*", "?", "%", "_",
        "😀", "𠀋", "é", "e\u{301}", "\u{0}", "\u{7}", "\u{FEFF}", "\u{200B}", "\u{FFFD}", "\\", "'", "<mark>", "&amp;", "1", "2024",
    ]

    static func text(_ random: inout SplitMix, pieces count: Int) -> String {
        (0..<count).map { _ in Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] }.joined()
    }

    @Test func anyQueryParsesAndFindsExactlyWhatAScanFinds() throws {
        var random = SplitMix(seed: Self.seed)
        let index = SearchIndex()
        var documents: [SearchDocument] = []
        for number in 0..<300 {
            documents.append(
                SearchIndexTests.document(
                    "d\(number)",
                    Self.text(&random, pieces: 2 + Int(random.next() % 8)),
                    description: Self.text(&random, pieces: Int(random.next() % 30)),
                    points: [Self.text(&random, pieces: 1 + Int(random.next() % 3))],
                    tags: [Self.text(&random, pieces: Int(random.next() % 3))],
                    kind: ResourceKind.allCases[Int(random.next() % UInt64(ResourceKind.allCases.count))],
                    course: ["weld", "check"][Int(random.next() % 2)]
                )
            )
        }
        index.upsert(contentsOf: documents)
        let texts = Dictionary(uniqueKeysWithValues: documents.map { ($0.id, SearchText.fold($0.searchableText.text)) })

        let deadline = Date().addingTimeInterval(Self.seconds)
        var queries = 0
        var checked = 0
        // At least `minimumCases`, however busy the machine, so a run always covers the same ground first.
        while queries < Self.minimumCases || Date() < deadline {
            queries += 1
            var query = Self.text(&random, pieces: Int(random.next() % 12))
            switch random.next() % 20 {
            case 0: query = String(repeating: query, count: 1 + Int(random.next() % 400))  // very long
            case 1: query = String(decoding: (0..<Int(random.next() % 40)).map { _ in UInt8(truncatingIfNeeded: random.next()) }, as: UTF8.self)
            default: break
            }
            let sort = SearchQuery.Sort.allCases[Int(random.next() % 3)]
            let page = PageRequest(page: 1 + Int(random.next() % 3), pageSize: 1 + Int(random.next() % 30))
            let parsed = SearchQuery(query, viewer: SearchIndexTests.learner, sort: sort, page: page)
            let context = "seed \(Self.seed), query #\(queries) \(query.debugDescription)"

            // What the parser promises: at most ten distinct, non-empty terms, without quotes or unquoted spaces.
            #expect(parsed.terms.count <= 10, "\(context)")
            #expect(Set(parsed.terms).count == parsed.terms.count, "\(context)")
            #expect(parsed.terms.allSatisfy { !$0.isEmpty && !$0.contains(0x22) && !$0.contains(0x201C) && !$0.contains(0x201D) }, "\(context)")
            // Nor a line break, which separates a document's fields.
            #expect(parsed.terms.allSatisfy { !$0.contains(0x0A) && !$0.contains(0x0D) }, "\(context)")

            let found = index.search(parsed)
            #expect(found.hits.count <= page.pageSize, "\(context)")
            #expect(found.total >= found.hits.count, "\(context)")
            #expect(found.facets.kind.values.reduce(0, +) == found.total, "\(context)")
            #expect(found.facets.course.values.reduce(0, +) == found.total, "\(context)")
            #expect(Set(found.hits.map(\.document.id)).count == found.hits.count, "\(context)")
            for hit in found.hits {
                // Marks are in order, apart, non-empty and inside the text.
                let bounds = hit.snippet.marks.flatMap { [$0.lowerBound, $0.upperBound] }
                #expect(bounds == bounds.sorted() && Set(bounds).count == bounds.count, "\(context)")
                #expect(hit.snippet.marks.allSatisfy { !$0.isEmpty && $0.upperBound <= hit.snippet.text.utf16.count }, "\(context)")
                #expect(hit.snippet.pieces.map(\.text).joined() == hit.snippet.text, "\(context)")
            }
            // A term of Latin letters found nowhere is read as pinyin; the scan below knows text only.
            let pinyin = parsed.terms.contains { term in term.allSatisfy { (0x61...0x7A).contains($0) } }
            guard !parsed.terms.isEmpty, !pinyin else { continue }
            checked += 1
            let expected = texts.filter { _, text in
                parsed.terms.allSatisfy { !SearchText.occurrences(of: $0, in: text, range: 0..<text.count).isEmpty }
            }
            #expect(found.total == expected.count, "\(context)")
            #expect(Set(found.hits.map(\.document.id)).isSubset(of: Set(expected.keys)), "\(context)")
        }
        print("search fuzz: \(queries) queries, \(checked) checked against a scan, seed \(Self.seed), \(Self.seconds) s")
        #expect(checked > 0)
    }
}
