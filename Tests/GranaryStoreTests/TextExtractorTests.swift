import Foundation
import GranaryTestSupport
import Testing

@testable import GranaryStore

@Suite struct TextExtractorTests {
    // MARK: - Plain text and HTML

    @Test func htmlLosesItsMarkupScriptsAndStyles() async throws {
        let path = try temporaryFile(
            Array("<html><head><title>课件</title><STYLE>p{}</STYLE></head><body><script>alert(1)</script><p>焊接&amp;切割</p><br>熔池</body></html>".utf8)
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await TextExtractor().text(ofFileAt: path, mime: "text/html") == "课件 焊接&切割 熔池")
        #expect(try await TextExtractor().text(ofFileAt: path, mime: "image/png") == nil)
    }

    @Test func plainTextLongerThanTheLimitIsCutToTheLimit() async throws {
        let path = try temporaryFile(Array(String(repeating: "焊", count: 100_000).utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try await TextExtractor(limit: 1000).text(ofFileAt: path, mime: "text/plain")
        #expect(text == String(repeating: "焊", count: 1000))
    }

    // MARK: - DOCX

    @Test func aDocxGivesTheTextOfItsRuns() async throws {
        let text = try await TextExtractor().text(ofFileAt: fixtures + "/process-card.docx", mime: TextExtractor.docx)
        #expect(text == "焊接工艺卡：熔化极气体保护焊，电流 180 A，电压 22 V。")
    }

    @Test func paragraphsBecomeLinesTabsSpacesAndTabStopsAndFallbacksNothing() async throws {
        let body = """
            <w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>\
            <w:r><w:t>电流</w:t><w:tab/><w:t xml:space="preserve">180 A &amp; 22 V</w:t></w:r></w:p>\
            <w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>文本框</w:t></mc:Choice>\
            <mc:Fallback><w:t>文本框</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>\
            <w:p><w:r><w:delText>删除</w:delText><w:t>&#x710A;缝</w:t></w:r></w:p>
            """
        let path = try temporaryFile(storedZip(["word/document.xml": wordDocument(body)]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.docx)
        #expect(text == "电流 180 A & 22 V\n文本框\n焊缝")
    }

    @Test func aDocxLongerThanTheLimitIsCutToTheLimit() async throws {
        let body = "<w:p><w:r><w:t>\(String(repeating: "焊", count: 5_000))</w:t></w:r></w:p>"
        let path = try temporaryFile(storedZip(["word/document.xml": wordDocument(body)]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try await TextExtractor(limit: 1000).text(ofFileAt: path, mime: TextExtractor.docx)
        #expect(text == String(repeating: "焊", count: 1000))
    }

    @Test func entitiesDeclaredInTheDocumentAreNeverExpanded() async throws {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\
            <!ENTITY secret SYSTEM "file:///etc/passwd">]><w:document xmlns:w="\(wordNamespace)"><w:body>\
            <w:p><w:r><w:t>焊接</w:t></w:r></w:p><w:p><w:r><w:t>&b;&secret;</w:t></w:r></w:p></w:body></w:document>
            """
        let path = try temporaryFile(storedZip(["word/document.xml": Array(laughs.utf8)]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.docx)
        #expect(text == "焊接")
    }

    // MARK: - PPTX

    @Test func aPptxGivesEverySlideInSlideNumberOrder() async throws {
        // The fixture's zip holds the slides last-first, so neither zip order nor name order passes.
        let text = try await TextExtractor().text(ofFileAt: fixtures + "/weld-lesson.pptx", mime: TextExtractor.pptx)
        let topics = ["安全防护", "焊前准备", "引弧", "运条", "收弧", "熔池观察", "焊缝成形", "常见缺陷", "气孔成因", "咬边处理", "质量检验", "总结"]
        let expected = topics.enumerated().map { index, topic in "第\(index + 1)讲 \(topic)\n要点\(index + 1)：熔化极气体保护焊\n第\(index + 1)页结束" }
        #expect(text == expected.joined(separator: "\n"))
    }

    @Test func aPptxLongerThanTheLimitIsCutToTheLimit() async throws {
        let text = try await TextExtractor(limit: 10).text(ofFileAt: fixtures + "/weld-lesson.pptx", mime: TextExtractor.pptx)
        #expect(text == "第1讲 安全防护\n要")
    }

    @Test func libmagicNamesTheDeckFixtureAsAPptx() async throws {
        #expect(try await ContentInspector().mimeType(ofFileAt: fixtures + "/weld-lesson.pptx") == TextExtractor.pptx)
    }

    // MARK: - PDF

    @Test func aPdfGivesItsTextThroughPdftotext() async throws {
        let text = try await TextExtractor().text(ofFileAt: fixtures + "/wps.pdf", mime: "application/pdf")
        #expect(text == "Welding procedure specification")
        let cut = try await TextExtractor(limit: 7).text(ofFileAt: fixtures + "/wps.pdf", mime: "application/pdf")
        #expect(cut == "Welding")
    }

    @Test func bytesThatAreNotAPdfGiveNoText() async throws {
        let path = try temporaryFile(Array("<html><body>焊接</body></html>".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await TextExtractor().text(ofFileAt: path, mime: "application/pdf") == nil)
    }

    @Test func aToolThatHangsIsKilledAtTheDeadline() throws {
        let started = ContinuousClock.now
        let result = try #require(BoundedProcess.run("sleep", arguments: ["30"], timeout: .milliseconds(300), maximumOutput: 1024))
        #expect(result.ending == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aToolThatFloodsItsOutputIsKilledAtTheCap() throws {
        let result = try #require(BoundedProcess.run("yes", arguments: ["焊接"], timeout: .seconds(10), maximumOutput: 100_000))
        #expect(result.ending == .outputCapped)
        #expect(result.output.count == 100_000)
    }

    @Test func aMissingToolGivesNil() {
        #expect(BoundedProcess.run("granary-no-such-tool", arguments: [], timeout: .seconds(1), maximumOutput: 1024) == nil)
    }

    @Test func aKilledToolsLastCutCharacterIsDropped() {
        let bytes = Array("焊接".utf8)
        #expect(TextExtractor.droppingCutCharacter(bytes[...]) == bytes[...])
        #expect(TextExtractor.droppingCutCharacter(bytes[..<5]) == bytes[..<3])
        #expect(TextExtractor.droppingCutCharacter(bytes[..<4]) == bytes[..<3])
    }

    // MARK: - Hostile packages

    @Test func aZipBombOfTextStopsInflatingOnceTheTextIsFull() async throws {
        // 1 GiB of "A" inside one w:t, in a 6.8 MB file.
        let bomb = bombDocument(prefix: "<w:p><w:r><w:t>A", gibibytes: 1, suffix: "</w:t></w:r></w:p>")
        let path = try temporaryFile(bomb)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The bound is proved by bytes, not by time: a busy machine must not fail it, a regression must.
        let text = try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.docx)
        #expect(text == String(repeating: "A", count: 256 * 1024))

        let archive = try #require(ZipArchive(path: path))
        let collector = OfficeXMLText(vocabulary: .wordprocessing, limit: 1000)
        let end = collector.read(try #require(archive.entry(named: "word/document.xml")), of: archive, maximumBytes: TextExtractor.maximumPartBytes)
        #expect(end == .stopped)
        #expect(collector.bytesRead <= 128 * 1024)
    }

    @Test func aZipBombOfMarkupIsInflatedOnlyUpToTheCap() async throws {
        // 1 GiB of spaces between two paragraphs: no text to fill, so only the cap stops it.
        let bomb = bombDocument(prefix: "<w:p><w:r><w:t>焊接</w:t></w:r></w:p> ", gibibytes: 1, suffix: "<w:p><w:r><w:t>尾</w:t></w:r></w:p>")
        let path = try temporaryFile(bomb)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The bound is proved by the bytes delivered below, not by the process's peak memory, which the suites
        // running beside this one move as much as this test does.
        let text = try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.docx)
        #expect(text == "焊接")

        let archive = try #require(ZipArchive(path: path))
        let entry = try #require(archive.entry(named: "word/document.xml"))
        #expect(entry.uncompressedSize > 30 * TextExtractor.maximumPartBytes)
        let delivered = Counter()
        #expect(archive.read(entry, maximumBytes: TextExtractor.maximumPartBytes) { delivered.add($0.count) } == .capped)
        #expect(delivered.value == TextExtractor.maximumPartBytes)
    }

    @Test func aTruncatedDocxGivesNil() async throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: fixtures + "/process-card.docx")))
        let path = try temporaryFile(Array(bytes[..<(bytes.count / 2)]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.docx) == nil)
    }

    @Test func everyCutOrFlippedByteOfADocxGivesNilOrTheTrueText() async throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: fixtures + "/process-card.docx")))
        let truth = TextExtractor.documentText(ofFileAt: fixtures + "/process-card.docx", limit: 1000)
        let path = TestFolders.make("text")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for length in 0..<bytes.count {
            FileManager.default.createFile(atPath: path, contents: Data(bytes[..<length]))
            #expect(TextExtractor.documentText(ofFileAt: path, limit: 1000) == nil, "cut at \(length)")
        }
        for position in bytes.indices {
            var flipped = bytes
            flipped[position] ^= 0xFF
            FileManager.default.createFile(atPath: path, contents: Data(flipped))
            let text = TextExtractor.documentText(ofFileAt: path, limit: 1000)
            #expect(text == nil || text == truth, "flipped at \(position)")
        }
    }

    @Test func randomBytesLabelledAsOfficeFilesGiveNil() async throws {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 21, 22, 4096, 70_000] {
            let path = try temporaryFile((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.docx) == nil)
            #expect(try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.pptx) == nil)
        }
    }

    @Test func zip64SizesAndOffsetsAreRead() async throws {
        let files: KeyValuePairs = [
            "[Content_Types].xml": Array("<Types/>".utf8), "word/document.xml": wordDocument("<w:p><w:r><w:t>焊接</w:t></w:r></w:p>"),
        ]
        let zip = storedZip(files, zip64: true)
        let path = try temporaryFile(zip)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let archive = try #require(ZipArchive(path: path))
        #expect(archive.entries.map(\.name) == ["[Content_Types].xml", "word/document.xml"])
        #expect(archive.entries.map(\.localHeaderOffset) == [0, 30 + 19 + 20 + 8])
        #expect(try await TextExtractor().text(ofFileAt: path, mime: TextExtractor.docx) == "焊接")
        // Without its Zip64 end record the archive is unreadable.
        let broken = try temporaryFile(Array(zip[..<(zip.count - 22 - 20 - 56)]) + Array(zip.suffix(22)))
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect(ZipArchive(path: broken) == nil)
    }

    @Test func aDirectoryPointingOutsideTheFileGivesNil() async throws {
        var zip = storedZip(["word/document.xml": wordDocument("<w:p><w:r><w:t>焊接</w:t></w:r></w:p>")])
        let path = try temporaryFile(zip)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(TextExtractor.documentText(ofFileAt: path, limit: 1000) == "焊接")
        // The end record's directory offset (bytes 16...19 of the last 22) now points past the end.
        zip[zip.count - 6] = 0xFF
        zip[zip.count - 5] = 0xFF
        FileManager.default.createFile(atPath: path, contents: Data(zip))
        #expect(TextExtractor.documentText(ofFileAt: path, limit: 1000) == nil)
    }
}

// MARK: - Helpers

private let wordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

/// A temporary file holding `bytes`; the caller removes it.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = TestFolders.make("text")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// `word/document.xml` with `body` inside `w:body`, declaring the namespaces the tests use.
private func wordDocument(_ body: String) -> [UInt8] {
    let open =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"\(wordNamespace)\" "
        + "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>"
    return Array((open + body + "</w:body></w:document>").utf8)
}

/// A DOCX whose `word/document.xml` is `prefix`, then about `gibibytes` GiB more of prefix's last byte, then `suffix`.
private func bombDocument(prefix: String, gibibytes: Int, suffix: String) -> [UInt8] {
    let head = wordDocument(prefix).dropLast("</w:body></w:document>".utf8.count)
    let tail = Array((suffix + "</w:body></w:document>").utf8)
    let repeats = (gibibytes << 30) / 258
    let stream = deflateRepeating(head: Array(head), repeats: repeats, tail: tail)
    let size = head.count + repeats * 258 + tail.count
    // The CRC is never reached: no reader may inflate this far.
    return zip([(name: "word/document.xml", method: 8, data: stream, crc: 0, size: size)])
}

/// A raw deflate stream, one block of fixed Huffman codes: `head` as literals, `repeats` copies of 258 bytes at
/// distance 1 (13 bits each, so about 160:1), `tail` as literals.
private func deflateRepeating(head: [UInt8], repeats: Int, tail: [UInt8]) -> [UInt8] {
    var writer = BitWriter()
    writer.write(0b011, count: 3)  // final block, fixed codes
    for byte in head { writer.literal(Int(byte)) }
    // Length 258 is symbol 285 (code 11000101), distance 1 is code 00000: both Huffman codes go most significant bit first.
    let match = UInt64(0b1010_0011)
    for _ in 0..<repeats { writer.write(match, count: 13) }
    for byte in tail { writer.literal(Int(byte)) }
    writer.write(0, count: 7)  // end of block
    return writer.finish()
}

/// Bits packed least significant first, as deflate wants them.
private struct BitWriter {
    private var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    mutating func write(_ bits: UInt64, count: Int) {
        self.buffer |= bits << UInt64(self.count)
        self.count += count
        while self.count >= 8 {
            self.bytes.append(UInt8(truncatingIfNeeded: self.buffer))
            self.buffer >>= 8
            self.count -= 8
        }
    }

    /// A literal byte in the fixed code: 8 bits from 0x30 for 0...143, 9 bits from 0x190 for 144...255.
    mutating func literal(_ value: Int) {
        let (code, length) = value < 144 ? (0x30 + value, 8) : (0x190 + value - 144, 9)
        var reversed: UInt64 = 0
        for bit in 0..<length { reversed |= UInt64((code >> bit) & 1) << UInt64(length - 1 - bit) }
        self.write(reversed, count: length)
    }

    mutating func finish() -> [UInt8] {
        if self.count > 0 { self.bytes.append(UInt8(truncatingIfNeeded: self.buffer)) }
        return self.bytes
    }
}

/// A zip of uncompressed entries, with true CRCs.
private func storedZip(_ files: KeyValuePairs<String, [UInt8]>, zip64: Bool = false) -> [UInt8] {
    zip(files.map { (name: $0.key, method: 0, data: $0.value, crc: crc32(of: $0.value), size: $0.value.count) }, zip64: zip64)
}

/// A zip archive of `entries`, data as given (already deflated for method 8); with `zip64`, every size and offset
/// lives in Zip64 extra fields and end records, as a writer does for files over 4 GiB.
private func zip(_ entries: [(name: String, method: UInt16, data: [UInt8], crc: UInt32, size: Int)], zip64: Bool = false) -> [UInt8] {
    let allOnes = 0xFFFF_FFFF
    var archive: [UInt8] = []
    var directory: [UInt8] = []
    for entry in entries {
        let offset = archive.count
        let name = Array(entry.name.utf8)
        archive.le(0x0403_4b50, 4)
        archive.le(zip64 ? 45 : 20, 2)
        archive.le(0, 2)
        archive.le(Int(entry.method), 2)
        archive.le(0, 4)  // time and date
        archive.le(Int(entry.crc), 4)
        archive.le(zip64 ? allOnes : entry.data.count, 4)
        archive.le(zip64 ? allOnes : entry.size, 4)
        archive.le(name.count, 2)
        archive.le(zip64 ? 20 : 0, 2)
        archive += name
        if zip64 {
            archive.le(1, 2)
            archive.le(16, 2)
            archive.le(entry.size, 8)
            archive.le(entry.data.count, 8)
        }
        archive += entry.data

        directory.le(0x0201_4b50, 4)
        directory.le(zip64 ? 45 : 20, 2)
        directory.le(zip64 ? 45 : 20, 2)
        directory.le(0, 2)
        directory.le(Int(entry.method), 2)
        directory.le(0, 4)
        directory.le(Int(entry.crc), 4)
        directory.le(zip64 ? allOnes : entry.data.count, 4)
        directory.le(zip64 ? allOnes : entry.size, 4)
        directory.le(name.count, 2)
        directory.le(zip64 ? 28 : 0, 2)  // extra
        directory.le(0, 2)  // comment
        directory.le(0, 2)  // disk
        directory.le(0, 2)  // internal attributes
        directory.le(0, 4)  // external attributes
        directory.le(zip64 ? allOnes : offset, 4)
        directory += name
        if zip64 {
            directory.le(1, 2)
            directory.le(24, 2)
            directory.le(entry.size, 8)
            directory.le(entry.data.count, 8)
            directory.le(offset, 8)
        }
    }
    let directoryOffset = archive.count
    archive += directory
    if zip64 {
        let recordOffset = archive.count
        archive.le(0x0606_4b50, 4)
        archive.le(44, 8)  // bytes after this field
        archive.le(45, 2)
        archive.le(45, 2)
        archive.le(0, 4)
        archive.le(0, 4)
        archive.le(entries.count, 8)
        archive.le(entries.count, 8)
        archive.le(directory.count, 8)
        archive.le(directoryOffset, 8)
        archive.le(0x0706_4b50, 4)
        archive.le(0, 4)
        archive.le(recordOffset, 8)
        archive.le(1, 4)
    }
    archive.le(0x0605_4b50, 4)
    archive.le(0, 2)
    archive.le(0, 2)
    archive.le(zip64 ? 0xFFFF : entries.count, 2)
    archive.le(zip64 ? 0xFFFF : entries.count, 2)
    archive.le(zip64 ? allOnes : directory.count, 4)
    archive.le(zip64 ? allOnes : directoryOffset, 4)
    archive.le(0, 2)
    return archive
}

extension [UInt8] {
    /// Appends the low `bytes` bytes of `value`, least significant first.
    fileprivate mutating func le(_ value: Int, _ bytes: Int) {
        for index in 0..<bytes { self.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}

/// CRC-32 (IEEE), bit by bit: the test files are small.
private func crc32(of bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// A total the zip reader's callback can add to.
private final class Counter {
    private(set) var value = 0

    func add(_ count: Int) -> Bool {
        self.value += count
        return true
    }
}
