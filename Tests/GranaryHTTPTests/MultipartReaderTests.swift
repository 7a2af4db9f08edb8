import Crypto
import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import NIOCore
import Testing

@testable import GranaryHTTP

/// The multipart reader hands long runs of file bytes past MultipartKit; whatever the chunking, it must read
/// exactly what the parser alone would.
@Suite struct MultipartReaderTests {
    private static let boundary = "granary-boundary-7MA4YWxk"

    /// File bytes full of near-delimiters: CR, CRLF, "\r\n--", the boundary minus its last byte.
    private static func trickyFile(seed: UInt64, length: Int) -> [UInt8] {
        var random = SeededGenerator(seed: seed)
        let near = Array("\r\n--\(Self.boundary)".utf8)
        var bytes: [UInt8] = []
        while bytes.count < length {
            switch random.next() % 5 {
            case 0: bytes += near.prefix(Int(random.next() % UInt64(near.count)))
            case 1: bytes.append(13)
            default: bytes += (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
        }
        return bytes
    }

    private func read(_ body: ByteBuffer, chunkSizes: [Int], blobs: BlobStore) async throws -> MultipartUpload {
        let reader = MultipartReader(boundary: Self.boundary, blobs: blobs, maximumFileSize: 1 << 30, check: { _ in })
        var body = body
        var index = 0
        while body.readableBytes > 0 {
            let size = min(body.readableBytes, chunkSizes[index % chunkSizes.count])
            try await reader.consume(body.readSlice(length: size)!)
            index += 1
        }
        return try await reader.finish()
    }

    @Test(arguments: [1, 2, 7, 29, 30, 31, 64, 1000, 65_536])
    func everyChunkingYieldsTheSameFile(chunkSize: Int) async throws {
        let root = TestFolders.make("multipart")
        let blobs = try BlobStore(root: root)
        for seed in UInt64(1)...4 {
            let file = Self.trickyFile(seed: seed, length: chunkSize < 8 ? 20_000 : 300_000)
            let (body, _) = multipart(metadata: validMetadata, file: file, boundary: Self.boundary)
            var random = SeededGenerator(seed: seed)
            let sizes = [chunkSize, chunkSize + Int(random.next() % 50), max(1, chunkSize - Int(random.next() % 20))]
            let upload = try await self.read(body, chunkSizes: sizes, blobs: blobs)
            #expect(upload.metadata == Data(validMetadata.utf8))
            let stored = try await #require(upload.file).finish()
            #expect(stored.size == Int64(file.count))
            #expect(stored.sha256 == SHA256.hash(data: file).map { String(format: "%02x", $0) }.joined())
        }
    }

    @Test func aFileBeforeItsMetadataAndAnEmptyFileAreReadToo() async throws {
        let root = TestFolders.make("multipart")
        let blobs = try BlobStore(root: root)
        var body = ByteBuffer()
        body.writeString("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n")
        body.writeString("\r\n--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}\r\n--\(Self.boundary)--\r\n")
        let upload = try await self.read(body, chunkSizes: [5], blobs: blobs)
        #expect(upload.metadata == Data("{}".utf8))
        let file = try #require(upload.file)
        try await file.close()
        #expect(file.size == 0)
        file.abandon()
    }

    @Test func aBodyThatStopsInsideTheFileIsIncomplete() async throws {
        let root = TestFolders.make("multipart")
        let blobs = try BlobStore(root: root)
        let (full, _) = multipart(metadata: validMetadata, file: Self.trickyFile(seed: 9, length: 50_000), boundary: Self.boundary)
        for cut in [200, 30_000, full.readableBytes - 10, full.readableBytes - 4] {
            await #expect(throws: GranaryError.self) {
                _ = try await self.read(full.getSlice(at: 0, length: cut)!, chunkSizes: [4096], blobs: blobs)
            }
        }
    }
}

extension MultipartReaderTests {
    private func readRaw(_ text: [UInt8], chunkSize: Int = 3) async throws -> MultipartUpload {
        let root = TestFolders.make("multipart")
        return try await self.read(ByteBuffer(bytes: text), chunkSizes: [chunkSize], blobs: try BlobStore(root: root))
    }

    @Test func aPreambleAndTransportPaddingAreIgnored() async throws {
        let body =
            "This is a preamble.\r\n--\(Self.boundary)  \t\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"a\":1}\r\n--\(Self.boundary)--\r\nepilogue"
        let upload = try await self.readRaw(Array(body.utf8))
        #expect(upload.metadata == Data(#"{"a":1}"#.utf8))
    }

    @Test func malformedPartHeadersAreRefusedNotFatal() async throws {
        let cases: [[UInt8]] = [
            // A header name byte above 0x7F: MultipartKit 4.7.1 trapped on exactly this.
            Array("--\(Self.boundary)\r\n".utf8) + [0xC3, 0xB5] + Array(": x\r\n\r\nbody\r\n--\(Self.boundary)--\r\n".utf8),
            Array("--\(Self.boundary)\r\nõ--\(Self.boundary)--\r\n".utf8),
            Array("--\(Self.boundary)\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--\(Self.boundary)--\r\n".utf8),
            Array("--\(Self.boundary)\r\nX: \(String(repeating: "a", count: MultipartReader.headerLimit))\r\n\r\n".utf8),
            Array("--\(Self.boundary)xx\r\n".utf8),
        ]
        for body in cases {
            await #expect {
                _ = try await self.readRaw(body, chunkSize: 7)
            } throws: { error in
                (error as? GranaryError)?.code == .invalidMultipart
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so failures repeat.
struct SeededGenerator: RandomNumberGenerator {
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
