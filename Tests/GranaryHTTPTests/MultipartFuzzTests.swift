import Crypto
import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import NIOCore
import Testing

@testable import GranaryHTTP

/// A seeded fuzzer for the multipart reader: valid bodies, mutated byte by byte and at the places parsers break
/// (delimiters cut or doubled, headers garbled, CRLFs lost, bytes above 0x7F in names), fed in random chunks.
/// Every body is either read or refused with `invalid_multipart` / `payload_too_large`: no crash, no other error,
/// no file left in `tmp/`, and an unmutated body always gives back its exact bytes.
///
/// It runs for `GRANARY_FUZZ_SECONDS` (default 3, and at least `minimumCases` inputs) from `GRANARY_FUZZ_SEED` (default fixed); a failure names
/// the seed and the case, and the same seed replays it.
@Suite struct MultipartFuzzTests {
    static let seconds = ProcessInfo.processInfo.environment["GRANARY_FUZZ_SECONDS"].flatMap(Double.init) ?? 3
    static let seed = ProcessInfo.processInfo.environment["GRANARY_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_129
    static let minimumCases = 300
    static let boundary = "fuzz-boundary-Q9x"
    static let maximumFileSize: Int64 = 48 * 1024

    /// Well-formed bodies: metadata then file, file then metadata, a preamble and an epilogue, an ignored part,
    /// an empty file, a file full of near-delimiters.
    static func seeds(_ random: inout SeededGenerator) -> [(body: [UInt8], file: [UInt8]?)] {
        let near = Array("\r\n--\(Self.boundary)".utf8)
        var tricky: [UInt8] = []
        while tricky.count < 4_000 {
            if random.next() % 3 == 0 {
                tricky += near.prefix(Int(random.next() % UInt64(near.count)))
            } else {
                tricky += (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
        }
        let metadata =
            "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n\(validMetadata)\r\n"
        func file(_ bytes: [UInt8], name: String = "焊接.txt") -> [UInt8] {
            Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n\r\n".utf8) + bytes
                + Array("\r\n".utf8)
        }
        let end = Array("--\(Self.boundary)--\r\n".utf8)
        let text = Array("电弧是气体放电现象。\r\n--not-the-boundary\r\n".utf8)
        return [
            (Array(metadata.utf8) + file(text) + end, text),
            (file(tricky) + Array(metadata.utf8) + end, tricky),
            (Array("preamble\r\n".utf8) + Array(metadata.utf8) + file([]) + end + Array("epilogue".utf8), []),
            (
                Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n".utf8) + Array(metadata.utf8)
                    + file(text, name: "a.txt") + end, text
            ),
            (Array(metadata.utf8) + end, nil),
        ]
    }

    /// One to eight mutations, each of a kind that has broken multipart parsers before.
    static func mutate(_ body: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = body
        let fragments: [[UInt8]] = [
            Array("\r\n".utf8), Array("\r\n--".utf8), Array("--\(Self.boundary)".utf8), Array("\r\n--\(Self.boundary)--".utf8),
            Array("\r\n\r\n".utf8), Array("Content-Disposition: form-data; name=\"file\"\r\n".utf8), [0xC3, 0xB5], [0xFF], [0], [0x0D],
            Array(String(repeating: "a", count: 17_000).utf8), Array("; filename=\"../x\"".utf8),
        ]
        for _ in 0..<(1 + Int(random.next() % 8)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 7 {
            case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1) << UInt8(random.next() % 8)
            case 1 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: random.next())
            case 2: bytes.insert(contentsOf: fragments[Int(random.next() % UInt64(fragments.count))], at: position)
            case 3 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + 1 + Int(random.next() % 40)))
            case 4: bytes = Array(bytes.prefix(position))
            case 5 where !bytes.isEmpty:
                let length = min(bytes.count - position, 1 + Int(random.next() % 200))
                bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
            default: bytes.append(UInt8(truncatingIfNeeded: random.next()))
            }
        }
        return bytes
    }

    @Test func anyBodyIsReadOrRefusedCleanly() async throws {
        let root = TestFolders.make("multipart-fuzz")
        let blobs = try BlobStore(root: root)
        var random = SeededGenerator(seed: Self.seed)
        let seeds = Self.seeds(&random)
        let deadline = Date().addingTimeInterval(Self.seconds)
        var cases = 0
        var read = 0
        // At least `minimumCases`, however busy the machine, so a run always covers the same ground first.
        while cases < Self.minimumCases || Date() < deadline {
            cases += 1
            let seed = seeds[Int(random.next() % UInt64(seeds.count))]
            let intact = random.next() % 8 == 0
            let body = intact ? seed.body : Self.mutate(seed.body, &random)
            let chunking = [1 + Int(random.next() % 7), 1 + Int(random.next() % 300), 1 + Int(random.next() % 70_000)]
            let context = "seed \(Self.seed), case #\(cases) (\(intact ? "intact" : "mutated"), \(body.count) bytes)"
            let reader = MultipartReader(boundary: Self.boundary, blobs: blobs, maximumFileSize: Self.maximumFileSize, check: { _ in })
            do {
                var offset = 0
                var index = 0
                while offset < body.count {
                    let size = min(body.count - offset, chunking[index % chunking.count])
                    try await reader.consume(ByteBuffer(bytes: body[offset..<(offset + size)]))
                    offset += size
                    index += 1
                }
                let upload = try await reader.finish()
                read += 1
                if let file = upload.file {
                    #expect(file.size <= Int64(body.count), "\(context)")
                    if intact, let expected = seed.file {
                        let stored = try await file.finish()
                        #expect(stored.sha256 == SHA256.hash(data: expected).map { String(format: "%02x", $0) }.joined(), "\(context)")
                    } else {
                        file.abandon()  // storing (two fsyncs) would only slow the fuzzer down
                    }
                }
            } catch let error as GranaryError {
                reader.abandon()
                #expect([.invalidMultipart, .payloadTooLarge].contains(error.code), "\(context): \(error.code)")
                #expect(!intact, "\(context): an intact body was refused: \(error.detail.en)")
            } catch {
                reader.abandon()
                Issue.record("\(context): unexpected \(error)")
            }
        }
        print("multipart fuzz: \(cases) bodies, \(read) read, the rest refused; seed \(Self.seed), \(Self.seconds) s")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
        #expect(read > 0 && read < cases)
    }
}
