/// How text is prepared for search: UTF-16 code units, full-width letters and digits folded to ASCII, Latin letters
/// lowercased. Full-width punctuation (，。（）) stays as it is: every Chinese text is full of it, and keeping it
/// means the index stores no unfolded copy of those characters for snippets.
///
/// Every text and every query goes through the same fold, so a query matches wherever its folded form is a
/// substring of a document's folded text. Traditional and simplified Chinese are not folded into each other.
enum SearchText {
    /// The folded code units of `text`.
    static func fold(_ text: String) -> [UInt16] {
        var units: [UInt16] = []
        units.reserveCapacity(text.utf16.count)
        for unit in text.utf16 {
            units.append(Self.fold(unit))
        }
        return units
    }

    static func fold(_ unit: UInt16) -> UInt16 {
        switch unit {
        case 0x41...0x5A: unit + 0x20  // A–Z
        case 0xFF21...0xFF3A: unit - 0xFF21 + 0x61  // Ａ–Ｚ
        case 0xFF41...0xFF5A: unit - 0xFF41 + 0x61  // ａ–ｚ
        case 0xFF10...0xFF19: unit - 0xFF10 + 0x30  // ０–９
        case 0x3000: 0x20  // ideographic space
        default: unit
        }
    }

    /// A string of UTF-16 code units, transcoded by hand: `String(decoding:as: UTF16.self)` took a third of a
    /// search's time. A lone surrogate becomes U+FFFD, as there.
    static func string(_ units: some Collection<UInt16>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(units.count * 3)
        var index = units.startIndex
        while index != units.endIndex {
            let unit = units[index]
            units.formIndex(after: &index)
            switch unit {
            case 0..<0x80:
                bytes.append(UInt8(unit))
            case 0x80..<0x800:
                bytes.append(0xC0 | UInt8(unit >> 6))
                bytes.append(0x80 | UInt8(unit & 0x3F))
            case 0xD800..<0xDC00:
                guard index != units.endIndex, (0xDC00..<0xE000).contains(units[index]) else {
                    bytes += [0xEF, 0xBF, 0xBD]
                    continue
                }
                let scalar = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(units[index] - 0xDC00)
                units.formIndex(after: &index)
                bytes.append(0xF0 | UInt8(scalar >> 18))
                bytes.append(0x80 | UInt8((scalar >> 12) & 0x3F))
                bytes.append(0x80 | UInt8((scalar >> 6) & 0x3F))
                bytes.append(0x80 | UInt8(scalar & 0x3F))
            case 0xDC00..<0xE000:
                bytes += [0xEF, 0xBF, 0xBD]
            default:
                bytes.append(0xE0 | UInt8(unit >> 12))
                bytes.append(0x80 | UInt8((unit >> 6) & 0x3F))
                bytes.append(0x80 | UInt8(unit & 0x3F))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a code unit is a CJK ideograph (the part pinyin applies to).
    static func isIdeograph(_ unit: UInt16) -> Bool {
        (0x4E00...0x9FFF).contains(unit) || (0x3400...0x4DBF).contains(unit) || (0xF900...0xFAFF).contains(unit)
    }

    /// Whether a code unit separates terms in a query.
    static func isSpace(_ unit: UInt16) -> Bool {
        unit == 0x20 || unit == 0x09 || unit == 0x0A || unit == 0x0D
    }

    /// The key of two adjacent code units.
    @inline(__always)
    static func bigram(_ first: UInt16, _ second: UInt16) -> UInt32 {
        UInt32(first) << 16 | UInt32(second)
    }

    /// Where `needle` occurs (without overlap) in `haystack[range]`, first to last, at most `limit` places.
    static func occurrences(of needle: [UInt16], in haystack: [UInt16], range: Range<Int>, limit: Int = .max) -> [Int] {
        guard !needle.isEmpty, range.count >= needle.count else { return [] }
        var found: [Int] = []
        let first = needle[0]
        var index = range.lowerBound
        let last = range.upperBound - needle.count
        while index <= last && found.count < limit {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                found.append(index)
                index += needle.count
                continue
            }
            index += 1
        }
        return found
    }

    /// The first index in `from..<to` holding `unit`, or `to`: sixteen code units compared at a time.
    @inline(__always)
    static func next(_ unit: UInt16, in text: UnsafeBufferPointer<UInt16>, from: Int, to: Int) -> Int {
        var index = from
        if let base = text.baseAddress {
            let wanted = SIMD16<UInt16>(repeating: unit)
            while index + 16 <= to {
                let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt16>.self)
                let hits = chunk .== wanted
                if any(hits) {
                    for lane in 0..<16 where hits[lane] { return index + lane }
                }
                index += 16
            }
        }
        while index < to && text[index] != unit { index += 1 }
        return index
    }

    /// Whether `needle` occurs in `text[range]`.
    static func contains(_ needle: [UInt16], in text: UnsafeBufferPointer<UInt16>, range: Range<Int>) -> Bool {
        guard !needle.isEmpty, range.count >= needle.count else { return false }
        return needle.withUnsafeBufferPointer { needle in
            let last = range.upperBound - needle.count
            var index = Self.next(needle[0], in: text, from: range.lowerBound, to: last + 1)
            while index <= last {
                var offset = 1
                while offset < needle.count && text[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
                index = Self.next(needle[0], in: text, from: index + 1, to: last + 1)
            }
            return false
        }
    }

    /// How often `needle` occurs (without overlap) in `text[range]`, before and after `titleEnd`: the hot path of
    /// checking candidates, so it reads raw buffers.
    static func count(_ needle: [UInt16], in text: UnsafeBufferPointer<UInt16>, range: Range<Int>, titleEnd: Int) -> (title: Int, body: Int) {
        guard !needle.isEmpty, range.count >= needle.count else { return (0, 0) }
        return needle.withUnsafeBufferPointer { needle in
            var title = 0
            var body = 0
            let last = range.upperBound - needle.count
            var index = Self.next(needle[0], in: text, from: range.lowerBound, to: last + 1)
            while index <= last {
                var offset = 1
                while offset < needle.count && text[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count {
                    if index + needle.count <= titleEnd { title += 1 } else { body += 1 }
                    index = Self.next(needle[0], in: text, from: index + needle.count, to: last + 1)
                } else {
                    index = Self.next(needle[0], in: text, from: index + 1, to: last + 1)
                }
            }
            return (title, body)
        }
    }
}
