import Foundation
import GranaryModel

extension SearchIndex.State {
    /// One term of a query: the posting lists every match is in, and whether the text must still be checked.
    struct TermPlan {
        var lists: [PostingList]
        /// The term, when being in all of `lists` does not prove it occurs (three or more characters).
        var verify: [UInt16]? = nil
        /// Where in the term each list's bigram starts.
        var offsets: [Int] = []
        var idf: Double

        /// Whether each bigram of the term occurs once in it, so first positions can prove or refute the term.
        var positional: Bool {
            guard let verify else { return false }
            return self.lists.count == verify.count - 1
        }
    }

    static let empty = SearchResults(total: 0, hits: [], facets: SearchResults.Facets())

    /// The documents of `ids` that `query`'s viewer and filters admit, in the order given, each with the start of its
    /// text: for a ranking made elsewhere (by meaning) shown under the same rules as a search by words.
    func admitted(_ ids: [String], _ query: SearchQuery) -> [SearchResults.Hit] {
        let filter = CompiledFilter(query, columns: self.columns)
        guard filter.satisfiable else { return [] }
        return ids.compactMap { id in
            guard let slot = self.slots[id].map(Int.init), self.columns.alive[slot], filter.admits(slot, self.columns) else { return nil }
            return SearchResults.Hit(document: self.document(slot), score: 0, snippet: self.snippet(slot, terms: []))
        }
    }

    func search(_ query: SearchQuery, readings: [UInt16: [UInt16]]) -> SearchResults {
        var plans: [TermPlan] = []
        for term in query.terms {
            guard let plan = self.plan(term, readings: readings) else { return Self.empty }
            plans.append(plan)
        }
        let filter = CompiledFilter(query, columns: self.columns)
        guard filter.satisfiable else { return Self.empty }
        var best = TopK(capacity: query.page.offset + query.page.pageSize, order: query.sort, hasTerms: !plans.isEmpty)
        var facets = FacetCounter(columns: self.columns)
        var total = 0
        let counting = query.counts || query.sort != .relevance || plans.isEmpty
        if plans.isEmpty {
            for slot in self.columns.alive.indices where filter.admits(slot, self.columns) {
                total += 1
                facets.count(slot, self.columns)
                best.offer(self.scored(slot, 0))
            }
        } else {
            if counting { self.countMatches(plans, filter: filter, total: &total, facets: &facets) }
            self.rankMatches(plans, filter: filter, byRelevance: query.sort == .relevance, best: &best)
        }
        let hits = best.sorted().dropFirst(query.page.offset).map { scored in
            SearchResults.Hit(
                document: self.document(Int(scored.slot)),
                score: scored.score,
                snippet: self.snippet(Int(scored.slot), terms: query.terms)
            )
        }
        return SearchResults(
            total: counting ? total : hits.count,
            hits: Array(hits),
            facets: counting ? facets.facets(self.columns) : SearchResults.Facets()
        )
    }

    /// The plan of one term; nil when no document holds it.
    func plan(_ term: [UInt16], readings: [UInt16: [UInt16]]) -> TermPlan? {
        var plan: TermPlan?
        if term.count == 1 {
            plan = self.characterPlan(term[0])
        } else if term.count == 2 {
            plan = self.bigrams.list(SearchText.bigram(term[0], term[1])).map { TermPlan(lists: [$0], idf: self.idf($0.count)) }
        } else {
            var lists: [PostingList] = []
            var offsets: [Int] = []
            var keys = Set<UInt32>()
            for index in 0..<(term.count - 1) where keys.insert(SearchText.bigram(term[index], term[index + 1])).inserted {
                guard let list = self.bigrams.list(SearchText.bigram(term[index], term[index + 1])) else { break }
                lists.append(list)
                offsets.append(index)
            }
            if lists.count == keys.count {
                // The documents holding the whole term are at most those of its rarest bigram: that idf is a floor.
                plan = TermPlan(lists: lists, verify: term, offsets: offsets, idf: lists.map { self.idf($0.count) }.max()!)
            }
        }
        // Plain Latin letters that occur nowhere as written are read as pinyin (`hanjie`, `hj`): a Latin word that is
        // in the text (`mig`, `tig`) is meant as written.
        if SearchIndex.mayBePinyin(term), plan.map({ !self.occursAnywhere($0) }) ?? true {
            return self.pinyinPlan(term, readings: readings)
        }
        return plan
    }

    /// A one-character term: the live documents in any list of a bigram holding the character, each weighed by
    /// counting the character in its text.
    func characterPlan(_ unit: UInt16) -> TermPlan? {
        let lists = self.bigrams.lists(holding: unit)
        guard !lists.isEmpty else { return nil }
        var seen = [UInt64](repeating: 0, count: self.ids.count / 64 + 1)
        for list in lists {
            for slot in list.slots { seen[Int(slot) >> 6] |= 1 << (UInt64(slot) & 63) }
        }
        var found = PostingList()
        self.text.withUnsafeBufferPointer { text in
            for (word, bits) in seen.enumerated() where bits != 0 {
                var bits = bits
                while bits != 0 {
                    let slot = word << 6 + bits.trailingZeroBitCount
                    bits &= bits - 1
                    guard self.columns.alive[slot] else { continue }
                    let range = self.textRange(slot)
                    let (inTitle, inBody) = SearchText.count(
                        [unit],
                        in: text,
                        range: range,
                        titleEnd: range.lowerBound + Int(self.titleLengths[slot])
                    )
                    let weight = UInt8(min(255, 2 * inTitle + inBody))
                    found.add(
                        slot: Int32(slot),
                        weight: weight,
                        position: 0,
                        length: self.columns.lengths[slot],
                        created: self.columns.created[slot],
                        reference: self.boundReference
                    )
                }
            }
        }
        return found.count == 0 ? nil : TermPlan(lists: [found], idf: self.idf(found.count))
    }

    /// BM25's inverse document frequency.
    func idf(_ documentFrequency: Int) -> Double {
        log(1 + (Double(self.live) - Double(documentFrequency) + 0.5) / (Double(documentFrequency) + 0.5))
    }

    /// Every list of every term, shortest first, with the term each belongs to and where its bigram starts in it.
    struct Sources {
        let lists: [PostingList]
        let terms: [Int]
        let offsets: [Int]

        init(_ plans: [TermPlan]) {
            var sources: [(list: PostingList, term: Int, offset: Int)] = []
            for (term, plan) in plans.enumerated() {
                for (index, list) in plan.lists.enumerated() { sources.append((list, term, plan.offsets.isEmpty ? 0 : plan.offsets[index])) }
            }
            sources.sort { $0.list.count < $1.list.count }
            self.lists = sources.map(\.list)
            self.terms = sources.map(\.term)
            self.offsets = sources.map(\.offset)
        }
    }

    /// What the first occurrences of a longer term's bigrams say of it in one document.
    enum Evidence {
        case absent
        /// It occurs; `weight` is its weight when it occurs once, nil when it may occur more often.
        case present(weight: UInt8?)
        /// It occurs, once and with `weight`, if and only if the text holds it at `start` from the document's start.
        case pinned(start: Int, weight: UInt8)
        /// Only a search of the text can tell.
        case unknown
    }

    /// Whether a bigram whose first occurrence is at `position` of a document, weighing `weight`, occurs there once:
    /// once after the title weighs 1, once within it 2.
    @inline(__always)
    static func once(weight: UInt8, position: Int, titleLength: Int) -> Bool {
        weight == 1 || (weight == 2 && position + 2 <= titleLength)
    }

    /// What the first occurrences of `plan`'s bigrams say of its term in a document of `length` code units:
    /// `first(k)` is where the first occurrence of the term's k-th distinct bigram would put the term's start, and
    /// whether that bigram occurs once in the document.
    ///
    /// Positions are exact below 256 code units, and speak only when no bigram repeats within the term. A bigram
    /// that occurs once pins where the term would start: if another bigram first occurs after that, the term is
    /// absent; if all first occur there, it is present; else one look at the text there tells. Without such a
    /// bigram, first occurrences that line up prove the term there.
    @inline(__always)
    static func evidence(_ plan: TermPlan, length: Int, titleLength: Int, first: (Int) -> (start: Int, once: Bool)) -> Evidence {
        guard length < 256, let needle = plan.verify, plan.positional else { return .unknown }
        var pinned: Int?
        var latest = Int.min
        var aligned = true
        for bigram in plan.lists.indices {
            let (start, once) = first(bigram)
            if latest != Int.min && start != latest { aligned = false }
            latest = max(latest, start)
            if once {
                if let pinned, pinned != start { return .absent }
                pinned = start
            }
        }
        guard let pinned else { return aligned ? .present(weight: nil) : .unknown }
        guard latest == pinned, pinned >= 0, pinned + needle.count <= length else { return .absent }
        let weight: UInt8 = pinned + needle.count <= titleLength ? 2 : 1
        return aligned ? .present(weight: weight) : .pinned(start: pinned, weight: weight)
    }

    /// Whether `needle` is at `start` of `text`.
    @inline(__always)
    static func holds(_ needle: [UInt16], in text: UnsafeBufferPointer<UInt16>, at start: Int) -> Bool {
        for offset in needle.indices where text[start + offset] != needle[offset] { return false }
        return true
    }

    /// Counts the documents that pass `filter` and hold every term, with their facets: exactly, skipping nothing.
    ///
    /// The documents in every list are the bits set in all their `SlotBits`, 64 at a time (a list without bits
    /// gets them for the query); each longer term then clears those that do not hold it (`keepHolding`).
    func countMatches(_ plans: [TermPlan], filter: CompiledFilter, total: inout Int, facets: inout FacetCounter) {
        let words = plans.flatMap(\.lists).map { $0.bits?.words ?? SlotBits($0.slots).words }
        var found = words.dropFirst().reduce(words[0]) { found, words in zip(found, words).map { $0 & $1 } }
        for plan in plans where plan.verify != nil { self.keepHolding(plan, &found) }
        let columns = self.columns
        for (word, bits) in found.enumerated() where bits != 0 {
            var bits = bits
            while bits != 0 {
                let slot = word << 6 | bits.trailingZeroBitCount
                bits &= bits - 1
                guard filter.admits(slot, columns) else { continue }
                total += 1
                facets.count(slot, columns)
            }
        }
    }

    /// Clears from `found` (bits by slot) the documents that do not hold `plan`'s longer term.
    ///
    /// Each of the term's lists first writes, by slot, where its bigram's first occurrence would put the term's start
    /// and whether it occurs once: reading the lists in order, not seeking each document in them. Then each
    /// document's `evidence` is read from those. The looks at the text it leaves are gathered and made a few hundred
    /// at a time, in a loop short enough that the processor waits for many of those reads at once, each being a
    /// cache miss.
    private func keepHolding(_ plan: TermPlan, _ found: inout [UInt64]) {
        let needle = plan.verify!
        // By bigram, then by slot: the first position << 2, plus 1 for weight 1 and 2 for weight 2. Every slot of a
        // list is below `slots`, so the writes go through a buffer without checks.
        let slots = self.ids.count
        var firsts = [UInt16](repeating: 0, count: plan.positional ? plan.lists.count * slots : 0)
        firsts.withUnsafeMutableBufferPointer { firsts in
            for (bigram, list) in plan.lists.enumerated() where plan.positional {
                for index in list.slots.indices {
                    let weight = list.weights[index]
                    firsts[bigram * slots + Int(list.slots[index])] = UInt16(list.positions[index]) << 2 | (weight == 1 ? 1 : weight == 2 ? 2 : 0)
                }
            }
        }
        // Where the text must be looked at: an index into all of it, or -1 for the whole document.
        var looks: [(slot: Int, start: Int)] = []
        looks.reserveCapacity(Self.looksAtOnce)
        self.text.withUnsafeBufferPointer { text in
            func look() {
                for (slot, start) in looks {
                    let holds =
                        start >= 0 ? Self.holds(needle, in: text, at: start) : SearchText.contains(needle, in: text, range: self.textRange(slot))
                    if !holds { found[slot >> 6] &= ~(1 << UInt64(slot & 63)) }
                }
                looks.removeAll(keepingCapacity: true)
            }
            for word in found.indices where found[word] != 0 {
                var candidates = found[word]
                while candidates != 0 {
                    let slot = word << 6 | candidates.trailingZeroBitCount
                    candidates &= candidates - 1
                    let range = self.textRange(slot)
                    let titleLength = Int(self.titleLengths[slot])
                    let evidence = Self.evidence(plan, length: range.count, titleLength: titleLength) { bigram in
                        let first = Int(firsts[bigram * slots + slot])
                        let position = first >> 2
                        return (position - plan.offsets[bigram], first & 3 == 1 || (first & 3 == 2 && position + 2 <= titleLength))
                    }
                    switch evidence {
                    case .absent: found[word] &= ~(1 << UInt64(slot & 63))
                    case .present: continue
                    case .pinned(let start, _): looks.append((slot, range.lowerBound + start))
                    case .unknown: looks.append((slot, -1))
                    }
                }
                if looks.count >= Self.looksAtOnce { look() }
            }
            look()
        }
    }

    /// How many looks at the text `keepHolding` gathers before making them.
    static let looksAtOnce = 256

    /// Walks the documents in every list of every term (led by the shortest list, seeking each of its documents in
    /// the others), checks longer terms, scores with BM25 and offers each match to `best`.
    ///
    /// A longer term is weighed by the first positions of its bigrams where they tell (`evidence`), else by counting
    /// it in the text. By relevance only the best matter: a block of the leading list whose best possible score is
    /// below the worst kept is skipped whole, and so is a document whose bound is, before it is checked. In any other
    /// order every match is offered.
    func rankMatches(_ plans: [TermPlan], filter: CompiledFilter, byRelevance: Bool, best: inout TopK) {
        let sources = Sources(plans)
        let lists = sources.lists
        let lead = lists[0]
        let termOf = sources.terms
        let ownSources = plans.indices.map { term in sources.terms.indices.filter { sources.terms[$0] == term } }
        var at = [Int](repeating: 0, count: lists.count)
        let averageLength = self.averageLength
        // s(w, l, a) = w·2.2 / (w + 1.2·(0.25 + 0.75·l/a)) grows with the average a at most in proportion to it, so
        // bounds computed with an older average hold when scaled by how much it has grown (and a hair for rounding).
        let blockBounds = byRelevance && self.boundReference > 0
        let boundScale = averageLength <= self.boundReference ? 1 : averageLength / self.boundReference * (1 + 1e-9)
        let idfs = plans.map(\.idf)
        let maxBounds = plans.map { $0.lists.map(\.maxBound).min()! * boundScale }
        var weights = [UInt8](repeating: 0, count: plans.count)
        var termBounds = [Double](repeating: 0, count: plans.count)
        let columns = self.columns

        func score(_ weights: [UInt8], length: Int32) -> Double {
            var score = 0.0
            for term in weights.indices { score += idfs[term] * PostingList.saturate(weights[term], length: length, averageLength: averageLength) }
            return score
        }

        // The blocks with the highest bounds go first, so the heap soon holds good matches and the bound prunes
        // the rest. The order of the blocks does not change the page: ties are broken by date, not by arrival.
        var order = Array(lead.blockBounds.indices)
        // One list: blocks from the highest bound down, and stop at the first that cannot enter.
        let bestFirst = blockBounds && lists.count == 1 && lead.blockBounds.count > 32
        if bestFirst {
            order.sort { lead.blockBounds[$0] > lead.blockBounds[$1] }
        } else if blockBounds && lead.blockBounds.count > 32 {
            var first: [Int] = []
            for block in lead.blockBounds.indices {
                if first.count < 8 {
                    first.append(block)
                } else if let weakest = first.indices.min(by: { lead.blockBounds[first[$0]] < lead.blockBounds[first[$1]] }),
                    lead.blockBounds[block] > lead.blockBounds[first[weakest]]
                {
                    first[weakest] = block
                }
            }
            first.sort()
            let chosen = Set(first)
            order = first + lead.blockBounds.indices.filter { !chosen.contains($0) }
        }
        var previous = -1

        // Each list's bits, when every list of several has them.
        let everyListsWords = lists.count > 1 && lists.allSatisfy({ $0.bits != nil }) ? lists.map { $0.bits!.words } : nil

        self.text.withUnsafeBufferPointer { text in
            blocks: for block in order {
                // Going back to an earlier block: the other lists are sought from their start again.
                if block < previous && lists.count > 1 { at = [Int](repeating: 0, count: lists.count) }
                previous = block
                let begin = block * PostingList.blockSize
                let end = min(begin + PostingList.blockSize, lead.count)
                // Each other list's postings within this block's slots: none means no document here holds every
                // term; otherwise their blocks' bounds cap that term here.
                for term in termBounds.indices { termBounds[term] = maxBounds[term] }
                termBounds[termOf[0]] = min(termBounds[termOf[0]], lead.blockBounds[block] * boundScale)
                if lists.count > 1 {
                    let (firstSlot, lastSlot) = (lead.slots[begin], lead.slots[end - 1])
                    for source in 1..<lists.count {
                        at[source] = lists[source].seek(firstSlot, from: at[source])
                        guard at[source] < lists[source].count, lists[source].slots[at[source]] <= lastSlot else { continue blocks }
                        let through = lists[source].seek(lastSlot + 1, from: at[source]) - 1
                        var listBound = 0.0
                        for listBlock in (at[source] / PostingList.blockSize)...(through / PostingList.blockSize) {
                            listBound = max(listBound, lists[source].blockBounds[listBlock])
                        }
                        termBounds[termOf[source]] = min(termBounds[termOf[source]], listBound * boundScale)
                    }
                }
                if blockBounds, let worst = best.worst {
                    var blockBound = 0.0
                    for term in idfs.indices { blockBound += idfs[term] * termBounds[term] }
                    if bestFirst && blockBound < worst.score { break }
                    // Below the worst kept, or equal to it and older (ties go to the newer): nothing here can enter.
                    if blockBound < worst.score || (blockBound == worst.score && lead.blockNewest[block] < worst.created) { continue }
                }
                posting: for position in begin..<end {
                    let slot = Int(lead.slots[position])
                    guard filter.admits(slot, columns) else { continue }
                    at[0] = position
                    if let words = everyListsWords {
                        // The bits tell which documents are in every list; only those are sought, each in one step.
                        let (word, bit) = (slot >> 6, UInt64(slot & 63))
                        for source in 1..<lists.count where word >= words[source].count || words[source][word] >> bit & 1 == 0 {
                            continue posting
                        }
                        for source in 1..<lists.count { at[source] = lists[source].bits!.rank(slot)! }
                    } else {
                        for source in 1..<lists.count {
                            at[source] = lists[source].seek(Int32(slot), from: at[source])
                            // A list run out: no later document of this block is in it either.
                            guard at[source] < lists[source].count else { continue blocks }
                            if lists[source].slots[at[source]] != slot { continue posting }
                        }
                    }
                    for term in weights.indices { weights[term] = 255 }
                    for source in lists.indices { weights[termOf[source]] = min(weights[termOf[source]], lists[source].weights[at[source]]) }
                    let length = columns.lengths[slot]
                    if byRelevance, let worst = best.worst, score(weights, length: length) < worst.score { continue }
                    let range = self.textRange(slot)
                    let titleLength = Int(self.titleLengths[slot])
                    for (term, plan) in plans.enumerated() {
                        guard let needle = plan.verify else { continue }
                        let evidence = Self.evidence(plan, length: range.count, titleLength: titleLength) { bigram in
                            let source = ownSources[term][bigram]
                            let position = Int(lists[source].positions[at[source]])
                            let once = Self.once(weight: lists[source].weights[at[source]], position: position, titleLength: titleLength)
                            return (position - sources.offsets[source], once)
                        }
                        switch evidence {
                        case .absent:
                            continue posting
                        case .present(let weight?):
                            weights[term] = weight
                        case .pinned(let start, let weight):
                            guard Self.holds(needle, in: text, at: range.lowerBound + start) else { continue posting }
                            weights[term] = weight
                        case .present(weight: nil), .unknown:
                            let (inTitle, inBody) = SearchText.count(needle, in: text, range: range, titleEnd: range.lowerBound + titleLength)
                            if inTitle + inBody == 0 { continue posting }
                            weights[term] = UInt8(min(255, 2 * inTitle + inBody))
                        }
                    }
                    best.offer(self.scored(slot, score(weights, length: length)))
                }
            }
        }
    }

    /// Whether any live document holds the term: the first of its rarest list's documents that does.
    func occursAnywhere(_ plan: TermPlan) -> Bool {
        let rarest = plan.lists.min { $0.count < $1.count }!
        return self.text.withUnsafeBufferPointer { text in
            rarest.slots.contains { slot in
                guard self.columns.alive[Int(slot)] else { return false }
                guard let term = plan.verify else { return true }
                return SearchText.contains(term, in: text, range: self.textRange(Int(slot)))
            }
        }
    }

    func scored(_ slot: Int, _ score: Double) -> Scored {
        Scored(
            slot: Int32(slot),
            score: score,
            created: self.columns.created[slot],
            ratings: self.columns.ratings[slot],
            stars: self.columns.stars[slot]
        )
    }

    // MARK: - Pinyin

    /// The documents whose title, point names or tags spell `letters` in pinyin or its initials, as one list.
    func pinyinPlan(_ letters: [UInt16], readings: [UInt16: [UInt16]]) -> TermPlan? {
        var found = Set<Int32>()
        for spelling in [Pinyin.Spelling.syllables, .initials] {
            for slot in self.pinyinCandidates(letters, spelling, readings: readings) where !found.contains(slot) && self.columns.alive[Int(slot)] {
                let start = self.textStarts[Int(slot)]
                let regions = [
                    start..<(start + Int(self.titleLengths[Int(slot)])),
                    (start + Int(self.nameStarts[Int(slot)]))..<(start + Int(self.nameEnds[Int(slot)])),
                ]
                let text = self.text[...]
                let spelled = regions.contains { region in
                    region.contains { Pinyin.spells(letters, in: text, at: $0, end: region.upperBound, spelling, readings: readings) }
                }
                if spelled { found.insert(slot) }
            }
        }
        guard !found.isEmpty else { return nil }
        var list = PostingList()
        for slot in found.sorted() {
            list.add(
                slot: slot,
                weight: 2,
                position: 0,
                length: self.columns.lengths[Int(slot)],
                created: self.columns.created[Int(slot)],
                reference: self.boundReference
            )
        }
        return TermPlan(lists: [list], idf: self.idf(list.count))
    }

    /// Documents holding a character (or a pair of characters) that starts the spelling of `letters`, sorted.
    func pinyinCandidates(_ letters: [UInt16], _ spelling: Pinyin.Spelling, readings: [UInt16: [UInt16]]) -> [Int32] {
        var firsts: [(unit: UInt16, used: Int)] = []
        for (unit, syllable) in readings {
            if let used = Pinyin.consumed(syllable, letters, from: 0, spelling) { firsts.append((unit, used)) }
        }
        var seconds: [Int: [UInt16]] = [:]
        var slots: [Int32] = []
        for (first, used) in firsts {
            if used == letters.count {
                for list in self.bigrams.lists(holding: first) { slots += list.slots }
                continue
            }
            if seconds[used] == nil {
                seconds[used] = readings.compactMap { Pinyin.consumed($0.value, letters, from: used, spelling) == nil ? nil : $0.key }
            }
            for second in seconds[used]! {
                slots += self.bigrams.list(SearchText.bigram(first, second))?.slots ?? []
            }
        }
        slots.sort()
        var unique: [Int32] = []
        unique.reserveCapacity(slots.count)
        for slot in slots where unique.last != slot { unique.append(slot) }
        return unique
    }

    // MARK: - Results

    /// The unfolded code units of `range` (absolute) of a slot's text.
    private func originalUnits(_ slot: Int, _ range: Range<Int>) -> [UInt16] {
        var units = Array(self.text[range])
        let start = self.textStarts[slot]
        for change in self.unfolded[Int32(slot)] ?? [] {
            let index = start + Int(change >> 16)
            if range.contains(index) { units[index - range.lowerBound] = UInt16(truncatingIfNeeded: change) }
        }
        return units
    }

    /// What a hit shows of a document: its facts and title (the long texts stay in the index).
    func document(_ slot: Int) -> SearchDocument {
        let start = self.textStarts[slot]
        let title = self.originalUnits(slot, start..<(start + Int(self.titleLengths[slot])))
        let columns = self.columns
        return SearchDocument(
            id: self.ids[slot],
            title: SearchText.string(title),
            description: nil,
            pointNames: [],
            knowledgePoints: columns.points[slot].map { columns.pointNames.names[Int($0)] },
            tags: [],
            kind: SearchColumns.kinds[Int(columns.kinds[slot])],
            course: columns.courseNames.names[Int(columns.courses[slot])],
            major: columns.majorNames.names[Int(columns.majors[slot])],
            original: columns.originals[slot],
            status: SearchColumns.statuses[Int(columns.statuses[slot])],
            published: columns.published[slot],
            author: columns.authorNames.names[Int(columns.authors[slot])],
            createdAt: Date(timeIntervalSince1970: columns.created[slot]),
            ratings: Int(columns.ratings[slot]),
            averageStars: columns.stars[slot]
        )
    }

    /// About 60 characters of the text after the title around the first hit, and where the terms are in it.
    func snippet(_ slot: Int, terms: [[UInt16]]) -> Snippet {
        let range = self.textRange(slot)
        let bodyStart = min(range.upperBound, range.lowerBound + Int(self.titleLengths[slot]) + 1)
        let body = bodyStart..<range.upperBound
        let first = terms.compactMap { SearchText.occurrences(of: $0, in: self.text, range: body, limit: 1).first }.min() ?? bodyStart
        let start = max(bodyStart, first - 20)
        var end = min(range.upperBound, start + 60)
        if let newline = self.text[start..<end].firstIndex(of: 0x0A), newline > first { end = newline }
        var marked = [Bool](repeating: false, count: end - start)
        for term in terms {
            for place in SearchText.occurrences(of: term, in: self.text, range: start..<end) {
                for index in place..<(place + term.count) where index < end { marked[index - start] = true }
            }
        }
        // Show the original characters (folding changed case and width), marked where the folded text hit; built
        // as code units, because Foundation's string replacing costs more than the whole search.
        let original = self.originalUnits(slot, start..<end)
        var out: [UInt16] = start > bodyStart ? [0x2026] : []
        out.reserveCapacity(end - start + 2)
        var marks: [Range<Int>] = []
        var index = start
        while index < end {
            let hit = marked[index - start]
            let from = out.count
            while index < end && marked[index - start] == hit {
                let unit = original[index - start]
                out.append(unit == 0x0A ? 0x20 : unit)
                index += 1
            }
            if hit { marks.append(from..<out.count) }
        }
        if end < range.upperBound && self.text[end] != 0x0A { out.append(0x2026) }
        return Snippet(text: SearchText.string(out), marks: marks)
    }
}
