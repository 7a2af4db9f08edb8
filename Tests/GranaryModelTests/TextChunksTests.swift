import Testing

@testable import GranaryModel

@Suite struct TextChunksTests {
    @Test func shortTextIsOnePassageWithItsWhitespaceFolded() {
        #expect(TextChunks.split("  焊接   电弧\n\n\n 是气体放电。 ") == [.init(index: 0, offset: 0, text: "焊接 电弧\n是气体放电。")])
        #expect(TextChunks.split(" \n\t ").isEmpty)
    }

    @Test func passagesEndAtSentencesAndCoverTheWholeText() {
        let sentence = "焊接变形的控制方法包括反变形法和刚性固定法。"  // 22 characters
        let text = String(repeating: sentence, count: 60)
        let chunks = TextChunks.split(text, size: 100, overlap: 10)
        #expect(chunks.count > 1)
        for chunk in chunks {
            #expect(chunk.text.count <= 100)
            #expect(chunk.text.hasSuffix("。"))
        }
        // Cut at sentence ends, the passages follow each other without overlap and lose nothing.
        #expect(chunks.map(\.text).joined() == text)
        #expect(chunks.map(\.index) == Array(0..<chunks.count))
    }

    @Test func aTextWithoutSentenceEndsIsCutWithOverlapAndNotInsideLatinWords() {
        let words = (0..<200).map { "word\($0)" }.joined(separator: " ")
        let chunks = TextChunks.split(words, size: 80, overlap: 20)
        for chunk in chunks {
            #expect(!chunk.text.hasPrefix(" ") && chunk.text.count <= 80)
            // Each passage ends with a whole word.
            #expect(words.contains(chunk.text) && chunk.text.split(separator: " ").allSatisfy { $0.hasPrefix("word") })
        }
        let unbroken = String(repeating: "焊", count: 250)
        let pieces = TextChunks.split(unbroken, size: 100, overlap: 20)
        #expect(pieces.map(\.offset) == [0, 80, 160])
        #expect(pieces.last?.text.count == 90)
    }
}
