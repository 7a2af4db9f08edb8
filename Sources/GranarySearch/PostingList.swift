import Foundation
import Synchronization

/// The documents holding one key (a bigram or a character), in slot order, with the key's weight in each:
/// occurrences in the title count twice, capped at 255.
///
/// Every 64 postings form a block that remembers the highest BM25 term-frequency part among its documents
/// (`saturate`), computed with a reference average length; a query scales it up when the average has grown since.
/// A ranked query skips a whole block whose best possible score cannot enter the results.
///
/// A key held by one document in `denseShare` or more at the bulk build also keeps its slots as bits
/// (`SlotBits`), so another list's documents are found in it without a search.
struct PostingList {
    private(set) var slots: [Int32] = []
    private(set) var weights: [UInt8] = []
    /// Where in the document the key first occurs, modulo 256: with the weights, enough to tell whether a longer
    /// term occurs in a document shorter than 256 code units without reading its text.
    private(set) var positions: [UInt8] = []
    private(set) var blockBounds: [Double] = []
    /// The newest creation date in each block: a block whose best equals the worst kept loses every tie if older.
    private(set) var blockNewest: [Double] = []
    /// The highest block bound.
    private(set) var maxBound: Double = 0
    /// The slots as bits, for a key held by many documents; nil for the rest.
    private(set) var bits: SlotBits?

    static let blockSize = 64
    /// A list with at least this share of the slots keeps bits: at 200,000 documents each such list's bits take
    /// 37 KiB, and about 300 keys of Chinese teaching text are that common.
    static let denseShare = 16

    init() {}

    /// An empty list with room for exactly `capacity` postings, for the bulk build of `slots` slots; with bits when
    /// that is many of them.
    init(capacity: Int, slots: Int) {
        if capacity * Self.denseShare >= slots { self.bits = SlotBits(capacity: slots) }
        self.slots.reserveCapacity(capacity)
        self.weights.reserveCapacity(capacity)
        self.positions.reserveCapacity(capacity)
        self.blockBounds.reserveCapacity((capacity + Self.blockSize - 1) / Self.blockSize)
        self.blockNewest.reserveCapacity((capacity + Self.blockSize - 1) / Self.blockSize)
    }

    var count: Int { self.slots.count }

    /// BM25's saturated term frequency (k1 = 1.2, b = 0.75) of `weight` in a document of `length` code units.
    @inline(__always)
    static func saturate(_ weight: UInt8, length: Int32, averageLength: Double) -> Double {
        let weight = Double(weight)
        return weight * 2.2 / (weight + 1.2 * (1 - 0.75 + 0.75 * Double(length) / averageLength))
    }

    /// The bound a posting gives its block: exactly what `saturate` gives with the average `reference`, so never
    /// below what it gives with a smaller average.
    static func bound(_ weight: UInt8, length: Int32, reference: Double) -> Double {
        Self.saturate(weight, length: length, averageLength: reference)
    }

    /// Adds `weight` for `slot`, the key found at `position` of its text: to its posting when it is the last one (the
    /// same key again in the same document), else as a new posting. `slot` must not be below any slot in the list.
    mutating func add(slot: Int32, weight: UInt8, position: Int, length: Int32, created: Double, reference: Double) {
        let last = self.slots.count - 1
        var weight = weight
        if last >= 0 && self.slots[last] == slot {
            weight = UInt8(min(255, Int(self.weights[last]) + Int(weight)))
            self.weights[last] = weight
        } else {
            if self.slots.count % Self.blockSize == 0 {
                self.blockBounds.append(0)
                self.blockNewest.append(created)
            }
            self.bits?.append(slot, index: self.slots.count)
            self.slots.append(slot)
            self.weights.append(weight)
            self.positions.append(UInt8(truncatingIfNeeded: position))
        }
        let bound = Self.bound(weight, length: length, reference: reference)
        let block = self.blockBounds.count - 1
        self.blockBounds[block] = max(self.blockBounds[block], bound)
        self.blockNewest[block] = max(self.blockNewest[block], created)
        self.maxBound = max(self.maxBound, bound)
    }

    /// The first position at or after `start` whose slot is not below `slot`, or `count` when there is none: from
    /// the bits when the list has them, else galloping, then binary search.
    @inline(__always)
    func seek(_ slot: Int32, from start: Int) -> Int {
        guard start < self.slots.count else { return self.slots.count }
        if self.slots[start] >= slot { return start }
        if let bits = self.bits { return bits.rank(Int(slot)) ?? self.slots.count }
        var low = start
        var step = 1
        var high = start + 1
        while high < self.slots.count && self.slots[high] < slot {
            low = high
            step *= 2
            high = low + step
        }
        high = min(high, self.slots.count)
        while low < high {
            let middle = (low + high) / 2
            if self.slots[middle] < slot { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Computes every block bound again for a new reference average length.
    mutating func recomputeBounds(lengths: [Int32], reference: Double) {
        self.maxBound = 0
        for block in self.blockBounds.indices {
            var bound = 0.0
            for position in (block * Self.blockSize)..<min(self.slots.count, (block + 1) * Self.blockSize) {
                bound = max(bound, Self.bound(self.weights[position], length: lengths[Int(self.slots[position])], reference: reference))
            }
            self.blockBounds[block] = bound
            self.maxBound = max(self.maxBound, bound)
        }
    }
}

/// The slots of a posting list as one bit each, with the number of postings before every word of 64: whether a
/// list holds a slot is one bit, and where its posting is, a population count.
struct SlotBits {
    private(set) var words: [UInt64] = []
    /// Postings in the words before each word.
    private var before: [UInt32] = []

    /// Empty bits with room for slots `0..<capacity`.
    init(capacity: Int) {
        self.words.reserveCapacity(capacity / 64 + 1)
        self.before.reserveCapacity(capacity / 64 + 1)
    }

    /// The bits of `slots`, in ascending order.
    init(_ slots: [Int32]) {
        self.init(capacity: Int(slots.last ?? 0) + 1)
        for (index, slot) in slots.enumerated() { self.append(slot, index: index) }
    }

    /// Bytes held, for `SearchIndex.footprint`.
    var bytes: Int { self.words.capacity * 8 + self.before.capacity * 4 }

    /// Adds `slot`, the list's posting number `index`: above every slot added so far.
    mutating func append(_ slot: Int32, index: Int) {
        let word = Int(slot) >> 6
        while self.words.count <= word {
            self.words.append(0)
            self.before.append(UInt32(index))
        }
        self.words[word] |= 1 << (UInt64(slot) & 63)
    }

    /// How many postings have slots below `slot`, which is where the posting of `slot` is or would be; nil when no
    /// slot this high was added.
    @inline(__always)
    func rank(_ slot: Int) -> Int? {
        let word = slot >> 6
        guard word < self.words.count else { return nil }
        return Int(self.before[word]) + (self.words[word] & ((1 << UInt64(slot & 63)) &- 1)).nonzeroBitCount
    }
}

/// An open-addressing hash table from a 32-bit key to a list number: Swift's `Dictionary` hashes with SipHash,
/// several times slower for the tens of millions of look-ups of a build.
struct KeyTable {
    private var keys: [UInt32]
    /// List number + 1; 0 marks an empty bucket.
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        self.keys = [UInt32](repeating: 0, count: size)
        self.values = [Int32](repeating: 0, count: size)
        self.mask = size - 1
    }

    @inline(__always)
    private static func bucket(_ key: UInt32, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The list number of `key`, if it has one.
    @inline(__always)
    func value(_ key: UInt32) -> Int32? {
        var bucket = Self.bucket(key, self.mask)
        while true {
            let value = self.values[bucket]
            if value == 0 { return nil }
            if self.keys[bucket] == key { return value - 1 }
            bucket = (bucket + 1) & self.mask
        }
    }

    /// The list number of `key`, giving it `next()` when it has none.
    mutating func value(_ key: UInt32, orInsert next: () -> Int32) -> Int32 {
        var bucket = Self.bucket(key, self.mask)
        while true {
            let value = self.values[bucket]
            if value == 0 { break }
            if self.keys[bucket] == key { return value - 1 }
            bucket = (bucket + 1) & self.mask
        }
        let value = next()
        self.keys[bucket] = key
        self.values[bucket] = value + 1
        self.count += 1
        if self.count * 2 > self.values.count { self.grow() }
        return value
    }

    /// Every key with its list number.
    func forEachEntry(_ body: (UInt32, Int32) -> Void) {
        for bucket in self.values.indices where self.values[bucket] != 0 { body(self.keys[bucket], self.values[bucket] - 1) }
    }

    private mutating func grow() {
        let old = (self.keys, self.values)
        let size = self.values.count * 2
        self.keys = [UInt32](repeating: 0, count: size)
        self.values = [Int32](repeating: 0, count: size)
        self.mask = size - 1
        for bucket in old.1.indices where old.1[bucket] != 0 {
            var target = Self.bucket(old.0[bucket], self.mask)
            while self.values[target] != 0 { target = (target + 1) & self.mask }
            self.keys[target] = old.0[bucket]
            self.values[target] = old.1[bucket]
        }
    }
}

/// Posting lists by bigram key, and the lists of the bigrams each code unit is part of (a one-character term's
/// documents are the union of those).
struct PostingTable {
    private(set) var table = KeyTable()
    private(set) var lists: [PostingList] = []
    private(set) var byUnit: [UInt16: [Int32]] = [:]

    /// The list of `key`, if any document holds it.
    @inline(__always)
    func list(_ key: UInt32) -> PostingList? {
        self.table.value(key).map { self.lists[Int($0)] }
    }

    /// Adds one occurrence of `key` in `slot` (see `PostingList.add`).
    mutating func add(_ key: UInt32, slot: Int32, weight: UInt8, position: Int, length: Int32, created: Double, reference: Double) {
        let number = Int(self.table.value(key) { Int32(self.lists.count) })
        if number == self.lists.count {
            self.lists.append(PostingList())
            self.noteUnits(of: key, number: Int32(number))
        }
        self.lists[number].add(slot: slot, weight: weight, position: position, length: length, created: created, reference: reference)
    }

    private mutating func noteUnits(of key: UInt32, number: Int32) {
        let (first, second) = (UInt16(key >> 16), UInt16(truncatingIfNeeded: key))
        self.byUnit[first, default: []].append(number)
        if second != first { self.byUnit[second, default: []].append(number) }
    }

    /// The lists of every bigram holding `unit`.
    func lists(holding unit: UInt16) -> [PostingList] {
        (self.byUnit[unit] ?? []).map { self.lists[Int($0)] }
    }

    /// Computes every block bound again for a new reference average length.
    mutating func recomputeBounds(lengths: [Int32], reference: Double) {
        for number in self.lists.indices { self.lists[number].recomputeBounds(lengths: lengths, reference: reference) }
    }

    /// A table built in two passes over documents `0..<slots`: `keys(slot, emit)` calls `emit(key, weight, position)`
    /// for every occurrence of a key in a document, in text order. The first pass counts the documents of each key
    /// (`counted`, when the caller counted them as the documents arrived), so every list is allocated at its exact
    /// size and never grows. The keys are split into parts by a hash; each part's lists are filled on a core of their
    /// own (every part reads all the text but keeps only its keys), and the parts joined.
    static func build(
        slots: Int,
        lengths: [Int32],
        created: [Double],
        reference: Double,
        counted: PostingCounts? = nil,
        keys: (Int, (UInt32, UInt8, Int) -> Void) -> Void
    ) -> PostingTable {
        let parts = counted?.parts.count ?? PostingCounts.defaultParts
        let built = Mutex<[Int: (table: KeyTable, lists: [PostingList])]>([:])
        withoutActuallyEscaping(keys) { keys in
            let shared = SharedKeys(keys: keys)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let count = counted?.parts[part] ?? PostingCounts.count(part: part, of: parts, slots: slots, keys: shared.keys)
                let lists = Self.fill(
                    part,
                    of: parts,
                    count,
                    slots: slots,
                    lengths: lengths,
                    created: created,
                    reference: reference,
                    keys: shared.keys
                )
                built.withLock { $0[part] = (count.table, lists) }
            }
        }
        let pieces = built.withLock { done in (0..<parts).map { done[$0]! } }
        var table = KeyTable(capacity: pieces.reduce(0) { $0 + $1.table.count })
        var lists: [PostingList] = []
        lists.reserveCapacity(table.count)
        for piece in pieces {
            let offset = Int32(lists.count)
            piece.table.forEachEntry { key, number in _ = table.value(key) { number + offset } }
            lists.append(contentsOf: piece.lists)
        }
        var joined = PostingTable()
        joined.table = table
        joined.lists = lists
        table.forEachEntry { key, number in joined.noteUnits(of: key, number: number) }
        return joined
    }

    /// The second pass over one part's keys: every list at its counted size, filled in slot order.
    private static func fill(
        _ part: Int,
        of parts: Int,
        _ count: PostingCounts.Part,
        slots: Int,
        lengths: [Int32],
        created: [Double],
        reference: Double,
        keys: (Int, (UInt32, UInt8, Int) -> Void) -> Void
    ) -> [PostingList] {
        var lists = count.documents.map { PostingList(capacity: $0, slots: slots) }
        for slot in 0..<slots {
            let (length, date) = (lengths[slot], created[slot])
            let current = Int32(slot)
            keys(slot) { key, weight, position in
                guard PostingCounts.part(of: key, parts: parts) == part, let number = count.table.value(key) else { return }
                lists[Int(number)].add(
                    slot: current,
                    weight: weight,
                    position: position,
                    length: length,
                    created: date,
                    reference: reference
                )
            }
        }
        return lists
    }
}

/// The first pass of a posting build: how many documents hold each key, with the keys numbered per part. Counted
/// one document at a time, so a bulk load counts while the database is still being read.
struct PostingCounts {
    /// One part's keys, numbered from 0, and the documents holding each.
    struct Part {
        var table = KeyTable(capacity: 1 << 15)
        var documents: [Int] = []
        /// The last slot counted for each key, so a key twice in one document counts once.
        var lastSeen: [Int32] = []

        @inline(__always)
        mutating func count(_ key: UInt32, slot: Int32) {
            let number = Int(self.table.value(key) { Int32(self.documents.count) })
            if number == self.documents.count {
                self.documents.append(0)
                self.lastSeen.append(-1)
            }
            if self.lastSeen[number] != slot {
                self.lastSeen[number] = slot
                self.documents[number] += 1
            }
        }
    }

    /// As many parts as cores, up to 8.
    static let defaultParts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    private(set) var parts = [Part](repeating: Part(), count: Self.defaultParts)

    /// Which part a key belongs to: the high bits of a multiplicative hash spread bigrams evenly.
    @inline(__always)
    static func part(of key: UInt32, parts: Int) -> Int {
        parts == 1 ? 0 : Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 40) % parts
    }

    /// Counts the keys `keys` emits for `slot`; slots come in increasing order.
    mutating func count(slot: Int, keys: ((UInt32, UInt8, Int) -> Void) -> Void) {
        let current = Int32(slot)
        let parts = self.parts.count
        keys { key, _, _ in self.parts[Self.part(of: key, parts: parts)].count(key, slot: current) }
    }

    /// One part counted over documents `0..<slots` in a pass of its own.
    static func count(part: Int, of parts: Int, slots: Int, keys: (Int, (UInt32, UInt8, Int) -> Void) -> Void) -> Part {
        var counted = Part()
        for slot in 0..<slots {
            let current = Int32(slot)
            keys(slot) { key, _, _ in
                if Self.part(of: key, parts: parts) == part { counted.count(key, slot: current) }
            }
        }
        return counted
    }
}

/// The key source of a build, called from every part's thread: it only reads text that nothing changes while the
/// build runs (a fresh state not yet published, or one held under the exclusive lock).
private struct SharedKeys: @unchecked Sendable {
    let keys: (Int, (UInt32, UInt8, Int) -> Void) -> Void
}
