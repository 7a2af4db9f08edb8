import Foundation
import NIOConcurrencyHelpers

/// Mandarin readings of Chinese characters, from ICU's Han-Latin transliteration (as Foundation ships it),
/// without tones: 焊 → "han". Looked up once per distinct character and kept.
///
/// Pinyin needs no index of its own: a Latin query is matched against the characters themselves, whole syllables
/// of consecutive characters (`hanjie`, the last one may be cut short: `hanj`) or their initials (`hj`).
final class Pinyin: Sendable {
    private let cache = NIOLockedValueBox<[UInt16: [UInt16]]>([:])

    /// The toneless readings of `units` (ideographs), lowercase ASCII; empty for a character ICU has none for.
    func syllables(_ units: some Sequence<UInt16>) -> [UInt16: [UInt16]] {
        var known = self.cache.withLockedValue { $0 }
        var learned: [UInt16: [UInt16]] = [:]
        for unit in units where known[unit] == nil && learned[unit] == nil {
            let character = String(utf16CodeUnits: [unit], count: 1)
            let latin = character.applyingTransform(StringTransform("Han-Latin; Latin-ASCII"), reverse: false) ?? ""
            learned[unit] = latin.utf16.filter { (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) }.map(SearchText.fold)
        }
        if !learned.isEmpty {
            known.merge(learned) { old, _ in old }
            self.cache.withLockedValue { $0.merge(learned) { old, _ in old } }
        }
        return known
    }

    /// How `letters` may be spelled from one character onward.
    enum Spelling {
        /// Whole syllables of consecutive characters; the last may be cut short.
        case syllables
        /// The first letter of each consecutive character's syllable.
        case initials
    }

    /// How many letters of `letters`, from `offset`, the character with reading `syllable` accounts for; nil when it
    /// does not fit. A reading longer than what is left fits when what is left is its beginning (the query ends there).
    static func consumed(_ syllable: [UInt16], _ letters: [UInt16], from offset: Int, _ spelling: Spelling) -> Int? {
        guard !syllable.isEmpty, offset < letters.count else { return nil }
        switch spelling {
        case .initials:
            return syllable[0] == letters[offset] ? 1 : nil
        case .syllables:
            let left = letters.count - offset
            let compared = min(left, syllable.count)
            for index in 0..<compared where syllable[index] != letters[offset + index] { return nil }
            return compared
        }
    }

    /// Whether the characters of `text` starting at `start` (and before `end`) spell all of `letters`.
    static func spells(
        _ letters: [UInt16],
        in text: ArraySlice<UInt16>,
        at start: Int,
        end: Int,
        _ spelling: Spelling,
        readings: [UInt16: [UInt16]]
    )
        -> Bool
    {
        var offset = 0
        var index = start
        while offset < letters.count {
            guard index < end, let syllable = readings[text[index]], let used = Self.consumed(syllable, letters, from: offset, spelling) else {
                return false
            }
            offset += used
            index += 1
        }
        return true
    }
}
