import Foundation
import GranaryModel
import Testing

@testable import GranarySearch

@Suite struct SearchIndexTests {
    static let learner = User(id: "learner-id", username: "learner", displayName: "学生", role: .learner, institution: nil, createdAt: Date())
    static let reviewer = User(id: "reviewer-id", username: "reviewer", displayName: "审核", role: .reviewer, institution: nil, createdAt: Date())
    static let teacher = User(id: "teacher-id", username: "teacher", displayName: "老师", role: .teacher, institution: nil, createdAt: Date())

    static func document(
        _ id: String,
        _ title: String,
        description: String? = nil,
        points: [String] = [],
        tags: [String] = [],
        kind: ResourceKind = .video,
        course: String = "weld",
        original: Bool = true,
        status: ReviewStatus = .approved,
        published: Bool = true,
        author: String = "teacher-id",
        createdAt: Date = Date(timeIntervalSince1970: 1_700_000_000)
    ) -> SearchDocument {
        SearchDocument(
            id: id,
            title: title,
            description: description,
            pointNames: points,
            knowledgePoints: points.map { "p-\($0)" },
            tags: tags,
            kind: kind,
            course: course,
            major: "460110",
            original: original,
            status: status,
            published: published,
            author: author,
            createdAt: createdAt,
            ratings: 0,
            averageStars: 0
        )
    }

    static func ids(_ index: SearchIndex, _ text: String, viewer: User = learner, status: ReviewStatus? = nil) -> Set<String> {
        Set(
            index.search(SearchQuery(text, viewer: viewer, page: PageRequest(pageSize: 100), filter: ResourceFilter(status: status))).hits.map(
                \.document.id
            )
        )
    }

    @Test func chineseTermsOfOneToFourCharactersAreFoundExactly() {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("a", "熔化极气体保护焊", description: "CO2气体保护焊的电弧特性"),
            Self.document("b", "焊条电弧焊", description: "焊接电源与焊条"),
            Self.document("c", "机械制图", description: "三视图，焊缝符号"),
        ])
        #expect(Self.ids(index, "焊") == ["a", "b", "c"])
        #expect(Self.ids(index, "电弧") == ["a", "b"])
        #expect(Self.ids(index, "保护焊") == ["a"])
        #expect(Self.ids(index, "焊缝符号") == ["c"])
        #expect(Self.ids(index, "弧焊条").isEmpty)
        // Terms never match across punctuation: "图，焊" is in c, "图焊" is not.
        #expect(Self.ids(index, "图焊").isEmpty)
    }

    /// Found by the query fuzzer: a line break inside quotes made a term that ran from one field into the next.
    @Test func aQuotedLineBreakIsASpaceSoNoTermCrossesFields() {
        let index = SearchIndex()
        index.upsert(Self.document("a", "焊接", description: "电弧"))
        index.upsert(Self.document("b", "焊接 电弧"))
        #expect(SearchQuery("\"焊接\n电弧\"", viewer: Self.learner).terms == [SearchText.fold("焊接 电弧")])
        #expect(Self.ids(index, "\"焊接\r\n电弧\"") == [])
        #expect(Self.ids(index, "\"焊接\n电弧\"") == ["b"])
    }

    @Test func latinAndFullWidthTextAreFoldedAlike() {
        let index = SearchIndex()
        index.upsert(Self.document("a", "CO2气体保护焊操作"))
        index.upsert(Self.document("b", "ＭＩＧ焊与ＴＩＧ焊"))
        #expect(Self.ids(index, "co2气体保护焊") == ["a"])
        #expect(Self.ids(index, "ＣＯ２") == ["a"])
        #expect(Self.ids(index, "mig") == ["b"])
        #expect(Self.ids(index, "tig焊") == ["b"])
    }

    /// Traditional and simplified characters are different text: folding them is a stated non-goal.
    @Test func traditionalCharactersAreNotFoldedIntoSimplified() {
        let index = SearchIndex()
        index.upsert(contentsOf: [Self.document("simplified", "焊接变形"), Self.document("traditional", "銲接變形")])
        #expect(Self.ids(index, "焊接") == ["simplified"])
        #expect(Self.ids(index, "變形") == ["traditional"])
    }

    @Test func allTermsMustOccurAndQuotesKeepAPhrase() {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("a", "焊接电弧", description: "电弧 温度"),
            Self.document("b", "焊接变形", description: "反变形法"),
        ])
        #expect(Self.ids(index, "焊接 电弧") == ["a"])
        #expect(Self.ids(index, "焊接 变形 电弧").isEmpty)
        #expect(Self.ids(index, "\"电弧 温度\"") == ["a"])
        #expect(Self.ids(index, "\"电弧温度\"").isEmpty)
        // Any string is a query: unbalanced quotes, symbols, nothing at all.
        #expect(Self.ids(index, "\"焊接").count == 2)
        #expect(Self.ids(index, "*:)(\\").isEmpty)
        #expect(Self.ids(index, "").count == 2)
    }

    @Test func pinyinAndInitialsFindTitlesPointsAndTags() {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("a", "焊接工艺评定"),
            Self.document("b", "数控编程", points: ["焊缝符号"]),
            Self.document("c", "机械制图", description: "焊接"),
        ])
        #expect(Self.ids(index, "hanjie") == ["a"])
        #expect(Self.ids(index, "hj") == ["a"])
        #expect(Self.ids(index, "hanfeng") == ["b"])
        #expect(Self.ids(index, "shukong") == ["b"])
        #expect(Self.ids(index, "zzz").isEmpty)
        // Whole syllables of consecutive characters, the last one may be cut short; not a run across syllables.
        #expect(Self.ids(index, "hanj") == ["a"])
        #expect(Self.ids(index, "jiegong") == ["a"])
        #expect(Self.ids(index, "anjie").isEmpty)
        #expect(Self.ids(index, "hjgy") == ["a"])
        #expect(Self.ids(index, "HanJie") == ["a"])
    }

    @Test func aLatinWordInTheTextIsNotReadAsPinyin() {
        let index = SearchIndex()
        index.upsert(contentsOf: [Self.document("a", "MIG焊"), Self.document("b", "民工")])
        #expect(Self.ids(index, "mig") == ["a"])
        #expect(Self.ids(index, "mg") == ["b"])
    }

    @Test func titleHitsRankFirstAndSnippetsMarkTheHit() {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("body", "机械制图基础", description: "本节讲解焊接变形的成因与控制"),
            Self.document("title", "焊接变形控制", description: "反变形法与刚性固定法"),
        ])
        let results = index.search(SearchQuery("焊接变形", viewer: Self.learner))
        #expect(results.hits.map(\.document.id) == ["title", "body"])
        let snippet = results.hits[1].snippet
        #expect(snippet.text == "本节讲解焊接变形的成因与控制")
        #expect(snippet.pieces.filter(\.hit).map(\.text) == ["焊接变形"])
        #expect(snippet.marks == [4..<8])
    }

    @Test func relatedDocumentsScoreSharedPointsNeighboursCourseAndCoRatersAndLeaveOutTheUnpublished() {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("base", "电弧", points: ["arc"]),
            Self.document("b-twin", "电弧二", points: ["arc", "gmaw"]),
            Self.document("a-twin", "电弧三", points: ["arc"]),
            Self.document("next", "气保焊", points: ["gmaw"]),
            Self.document("far", "超声", points: ["ut"], course: "check"),
            Self.document("rated", "射线", points: ["rt"], course: "check"),
            Self.document("draft", "电弧草稿", points: ["arc"], status: .draft, published: false),
            Self.document("nothing", "无关", points: ["x"], course: "other"),
        ])
        let signals = SearchIndex.Relatedness(
            id: "base",
            points: ["p-arc"],
            neighbours: ["p-gmaw"],
            course: "weld",
            coRated: ["rated": 2, "gone": 5]
        )
        let related = index.related(signals, limit: 10)
        // b-twin: shared 3 + neighbouring 1 + course 1; a-twin: 3 + 1 (ties by id); next: 1 + 1; rated: 2 raters.
        #expect(related.map(\.document.id) == ["b-twin", "a-twin", "next", "rated"])
        #expect(related.map(\.score) == [5, 4, 2, 2])
        #expect(related[0].reasons == ["neighbouring_point", "same_course", "shared_point"])
        #expect(related[3].reasons == ["co_rated"])
        #expect(index.related(signals, limit: 2).map(\.document.id) == ["b-twin", "a-twin"])
        index.remove(id: "b-twin")
        #expect(index.related(signals, limit: 1).map(\.document.id) == ["a-twin"])
    }

    @Test func livePointCountsLeaveOutDraftsRemovedDocumentsAndOtherPoints() {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("a", "电弧", points: ["arc", "gmaw"]),
            Self.document("b", "电弧二", points: ["arc"]),
            Self.document("c", "草稿", points: ["arc"], status: .draft, published: false),
            Self.document("d", "超声", points: ["ut"]),
        ])
        #expect(index.liveCounts(onPoints: ["p-arc", "p-gmaw", "p-unknown"]) == ["p-arc": 2, "p-gmaw": 1])
        index.remove(id: "b")
        #expect(index.liveCounts(onPoints: ["p-arc"]) == ["p-arc": 1])
        #expect(index.liveCounts(onPoints: []).isEmpty)
    }

    @Test func facetsSumToTheTotal() {
        let index = SearchIndex()
        let kinds: [ResourceKind] = [.video, .document, .image, .courseware]
        for number in 0..<40 {
            index.upsert(
                Self.document(
                    "d\(number)",
                    "焊接资源\(number)",
                    kind: kinds[number % 4],
                    course: number % 3 == 0 ? "weld" : "check",
                    original: number % 5 != 0
                )
            )
        }
        let results = index.search(SearchQuery("焊接", viewer: Self.learner, page: PageRequest(pageSize: 10)))
        #expect(results.total == 40)
        #expect(results.hits.count == 10)
        for facet in [results.facets.kind, results.facets.course, results.facets.major, results.facets.original] {
            #expect(facet.values.reduce(0, +) == results.total)
        }
        let videos = index.search(SearchQuery("焊接", viewer: Self.learner, filter: ResourceFilter(kind: .video)))
        #expect(videos.total == 10)
        #expect(videos.facets.kind == ["video": 10])
    }

    @Test func learnersSeePublishedItemsAndReviewersMayAskForOthers() {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("public", "焊接电弧"),
            Self.document("waiting", "焊接电弧二", status: .pending, published: false),
            Self.document("elsewhere", "焊接电弧三", status: .pending, published: false, author: "someone-else"),
        ])
        #expect(Self.ids(index, "焊接") == ["public"])
        #expect(Self.ids(index, "焊接", viewer: Self.reviewer, status: .pending) == ["waiting", "elsewhere"])
        #expect(Self.ids(index, "焊接", viewer: Self.teacher, status: .pending) == ["waiting"])
        #expect(Self.ids(index, "焊接", viewer: Self.learner, status: .pending).isEmpty)
    }

    @Test func replacingAndRemovingDocumentsKeepsTheIndexExact() {
        let index = SearchIndex()
        index.upsert(Self.document("a", "焊接电弧"))
        index.upsert(Self.document("a", "机械制图"))
        #expect(Self.ids(index, "焊接").isEmpty)
        #expect(Self.ids(index, "制图") == ["a"])
        index.remove(id: "a")
        #expect(Self.ids(index, "制图").isEmpty)
        #expect(index.count == 0)
    }

    @Test func aNewRatingOrDecisionChangesTheDocumentInPlace() {
        let index = SearchIndex()
        index.upsert(Self.document("a", "焊接电弧", status: .pending, published: false))
        index.upsert(Self.document("a", "焊接电弧"))
        #expect(index.statistics.deadSlots == 0)
        #expect(Self.ids(index, "电弧") == ["a"])
        index.upsert(Self.document("a", "焊接电弧与熔滴"))
        #expect(index.statistics.deadSlots == 1)
        index.compact()
        #expect(index.statistics.deadSlots == 0)
        #expect(Self.ids(index, "熔滴") == ["a"])
        #expect(index.search(SearchQuery("熔滴", viewer: Self.learner)).hits.first?.document.title == "焊接电弧与熔滴")
    }

    /// Totals are remembered per query until the index changes; later pages come from the ranked path alone.
    @Test func rememberedTotalsFollowEveryChange() {
        let documents = (0..<30).map { Self.document("d\($0)", "焊接资源\($0)", description: String(repeating: "焊接", count: $0 % 4)) }
        let index = SearchIndex()
        index.upsert(contentsOf: documents)
        let fresh = SearchIndex()
        fresh.upsert(contentsOf: documents)
        func page(_ index: SearchIndex, _ number: Int) -> SearchResults {
            index.search(SearchQuery("焊接", viewer: Self.learner, page: PageRequest(page: number, pageSize: 10)))
        }
        #expect(page(index, 1).total == 30)
        let second = page(index, 2)
        #expect(second.total == 30)
        #expect(second.facets == page(fresh, 2).facets)
        #expect(second.hits.map(\.document.id) == page(fresh, 2).hits.map(\.document.id))
        index.upsert(Self.document("new", "焊接新资源"))
        #expect(page(index, 1).total == 31)
        index.remove(id: "new")
        #expect(page(index, 1).total == 30)
        index.upsert(Self.document("d0", "焊接资源0", status: .pending, published: false))
        #expect(page(index, 1).total == 29)
        #expect(page(index, 1).facets.kind == ["video": 29])
    }

    /// Many documents over a small alphabet, so posting lists run to many blocks and ranked queries skip some.
    static func randomCorpus(_ random: inout SplitMix, count: Int) -> [SearchDocument] {
        let alphabet = Array("焊接电弧气体保护熔化极钨氩数控机床编程工艺评定变形检测超声射线，。、 COMIGTab12")
        func text(_ length: Int) -> String { String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }) }
        return (0..<count).map { number in
            Self.document(
                "d\(number)",
                text(4 + Int(random.next() % 12)),
                description: text(Int(random.next() % 60)),
                status: number % 7 == 0 ? .pending : .approved,
                published: number % 7 != 0,
                createdAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(random.next() % 1000))
            )
        }
    }

    /// Skipping what cannot reach the page never changes the page: ranked results with and without counting agree.
    @Test func rankedQueriesWithoutCountsReturnTheSamePage() {
        var random = SplitMix(seed: 11)
        let documents = Self.randomCorpus(&random, count: 3000)
        let index = SearchIndex()
        index.upsert(contentsOf: documents)
        let texts = documents.map { Array($0.searchableText.text.utf16) }
        var skipped = 0
        for round in 0..<200 {
            let source = texts[Int(random.next() % UInt64(texts.count))]
            let length = 1 + Int(random.next() % 4)
            let start = Int(random.next() % UInt64(max(1, source.count - length)))
            var term = String(decoding: source[start..<min(source.count, start + length)], as: UTF16.self)
            term = term.filter { !$0.isWhitespace && $0 != "\"" }
            guard !term.isEmpty else { continue }
            let text = round % 3 == 0 ? term + " " + String(term.prefix(1)) : term
            var counted = SearchQuery(text, viewer: Self.learner, page: PageRequest(pageSize: 10))
            var ranked = counted
            ranked.counts = false
            counted.counts = true
            let all = index.search(counted)
            let page = index.search(ranked)
            #expect(page.hits.map(\.document.id) == all.hits.map(\.document.id), "\(text)")
            #expect(page.hits.map(\.score) == all.hits.map(\.score), "\(text)")
            if all.total > 10 { skipped += 1 }
        }
        // The comparison meant something: most queries had more matches than the page holds.
        #expect(skipped > 100)
    }

    /// Whatever the query, the hits are exactly the documents whose folded text contains every term.
    @Test func randomQueriesFindWhatAScanFinds() {
        var random = SplitMix(seed: 7)
        let alphabet = Array("焊接电弧气体保护熔化极钨氩数控机床编程工艺评定变形检测超声射线，。、 COMIGTab12")
        func text(_ length: Int) -> String { String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }) }
        let index = SearchIndex()
        var documents: [SearchDocument] = []
        for number in 0..<400 {
            let document = Self.document("d\(number)", text(4 + Int(random.next() % 12)), description: text(Int(random.next() % 60)))
            documents.append(document)
        }
        index.upsert(contentsOf: documents)
        // Replace some texts and remove some documents; then check before and after compaction.
        for number in stride(from: 0, to: 400, by: 5) {
            documents[number] = Self.document("d\(number)", text(4 + Int(random.next() % 12)), description: text(Int(random.next() % 60)))
            index.upsert(documents[number])
        }
        for number in stride(from: 3, to: 400, by: 17) {
            index.remove(id: "d\(number)")
        }
        documents.removeAll { Int($0.id.dropFirst())! % 17 == 3 }
        for round in 0..<300 {
            if round == 150 { index.compact() }
            let source = documents[Int(random.next() % UInt64(documents.count))].searchableText.text
            let units = Array(source.utf16)
            let length = 1 + Int(random.next() % 4)
            let start = Int(random.next() % UInt64(max(1, units.count - length)))
            let term = String(decoding: units[start..<min(units.count, start + length)], as: UTF16.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !term.isEmpty, !term.contains("\""), !term.contains(" "), !term.contains("\n") else { continue }
            let folded = SearchText.fold(term)
            let expected = Set(
                documents.filter { document in
                    let text = SearchText.fold(document.searchableText.text)
                    return !SearchText.occurrences(of: folded, in: text, range: 0..<text.count).isEmpty
                }.map(\.id)
            )
            let found = index.search(SearchQuery(term, viewer: Self.learner, page: PageRequest(pageSize: 100)))
            #expect(found.total == expected.count, "\(term)")
            #expect(Set(found.hits.map(\.document.id)).isSubset(of: expected), "\(term)")
        }
    }
}

/// A small deterministic generator, so a failure repeats.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct SearchTextTests {
    @Test func codeUnitsBecomeTheSameStringAsTheStandardLibraryMakes() {
        let samples = ["", "焊接 CO2", "𠀋𡈽 emoji 😀 é", "a\u{0}b", String(repeating: "气体保护焊", count: 50)]
        for sample in samples {
            let units = Array(sample.utf16)
            #expect(SearchText.string(units) == sample)
            #expect(SearchText.string(units.dropFirst()) == String(decoding: units.dropFirst(), as: UTF16.self))
        }
        // Lone surrogates become U+FFFD, as the standard library does.
        for units: [UInt16] in [[0xD800], [0xDC00, 0x41], [0x41, 0xD83D], [0xD83D, 0xD83D, 0xDE00]] {
            #expect(SearchText.string(units) == String(decoding: units, as: UTF16.self))
        }
    }
}
