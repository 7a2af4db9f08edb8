import Foundation
import NIOConcurrencyHelpers

/// Mandarin readings of Chinese characters, from ICU's Han-Latin transliteration (as Foundation ships it),
/// without tones: 焊 → "han". Looked up once per distinct character and kept.
final class Pinyin: Sendable {
    private let cache = NIOLockedValueBox<[UInt16: [UInt16]]>([:])

    /// The toneless reading of one ideograph, lowercase ASCII; empty when ICU has none.
    func syllable(_ unit: UInt16) -> [UInt16] {
        if let known = self.cache.withLockedValue({ $0[unit] }) { return known }
        let character = String(utf16CodeUnits: [unit], count: 1)
        let latin = character.applyingTransform(StringTransform("Han-Latin; Latin-ASCII"), reverse: false) ?? ""
        let syllable = latin.utf16.filter { (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) }.map(SearchText.fold)
        self.cache.withLockedValue { $0[unit] = syllable }
        return syllable
    }

    /// Full pinyin and initials of a folded text: `焊接 CO2` → ("hanjie co2", "hj co2"). Ideographs become their
    /// syllables run together; everything else stays, so a pinyin query matches across a run of characters.
    func spell(_ text: [UInt16]) -> (full: [UInt16], initials: [UInt16]) {
        var full: [UInt16] = []
        var initials: [UInt16] = []
        full.reserveCapacity(text.count * 3)
        initials.reserveCapacity(text.count)
        for unit in text {
            if SearchText.isIdeograph(unit) {
                let syllable = self.syllable(unit)
                full += syllable
                if let first = syllable.first { initials.append(first) }
            } else {
                full.append(unit)
                initials.append(unit)
            }
        }
        return (full, initials)
    }
}
