import Foundation
import GranaryModel
import Testing

@Suite struct QRCodeTests {
    /// The symbol drawn four pixels a module with the quiet zone, as a PGM image, read back by zbar (Debian's
    /// zbar-tools), a decoder that shares no code with this encoder.
    static func decode(_ code: QRCode) throws -> String {
        let scale = 4
        let side = (code.size + 8) * scale
        var image = "P2\n\(side) \(side)\n1\n"
        for y in 0..<side {
            let row = (0..<side).map { x -> String in
                let (mx, my) = (x / scale - 4, y / scale - 4)
                let dark = mx >= 0 && my >= 0 && mx < code.size && my < code.size && code[mx, my]
                return dark ? "0" : "1"
            }
            image += row.joined(separator: " ") + "\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).pgm").path
        try image.write(toFile: path, atomically: true, encoding: .ascii)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
        process.arguments = ["--raw", "-q", "-Sbinary", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw QRDecodeFailure(status: process.terminationStatus) }
        return String(decoding: data, as: UTF8.self)
    }

    struct QRDecodeFailure: Error {
        let status: Int32
    }

    @Test func zbarReadsBackWhatWasEncodedAtEverySizeWeUse() throws {
        let payloads = [
            "",
            "HELLO",
            "otpauth://totp/Granary:zhang.laoshi?secret=GRANARYDEMOTOTPADMIN234567ABCDEF&issuer=Granary&algorithm=SHA1&digits=6&period=30",
            "otpauth://totp/Granary:" + String(repeating: "焊接工艺", count: 16).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
            String((0..<1200).map { index in Character(UnicodeScalar(UInt8(33 + index * 7 % 90))) }),
        ]
        var versions: [Int] = []
        for payload in payloads {
            let code = try QRCode(payload)
            #expect(code.size == 17 + 4 * code.version)
            versions.append(code.version)
            #expect(try Self.decode(code) == payload, "version \(code.version)")
        }
        // Small symbols, one with version information (7 and up), one with many interleaved blocks.
        #expect(versions[0] == 1 && versions.last! >= 20)
    }

    @Test func eachMaskMakesAReadableSymbol() throws {
        for mask in 0..<8 {
            let code = try QRCode(Array("otpauth://totp/Granary:wang.shenhe?secret=ABC".utf8), mask: mask)
            #expect(code.mask == mask)
            #expect(try Self.decode(code) == "otpauth://totp/Granary:wang.shenhe?secret=ABC")
        }
    }

    @Test func theSmallestVersionThatHoldsTheBytesIsChosen() throws {
        // Bytes a version holds at level M (ISO/IEC 18004, table 7).
        for (version, capacity) in [(1, 14), (2, 26), (3, 42), (5, 84), (7, 122), (10, 213), (27, 1_125), (40, 2_331)] {
            #expect(try QRCode([UInt8](repeating: 0x41, count: capacity)).version == version)
            if version < 40 { #expect(try QRCode([UInt8](repeating: 0x41, count: capacity + 1)).version == version + 1) }
        }
        #expect(throws: QRCode.Failure.tooLong(2_332)) { try QRCode([UInt8](repeating: 0, count: 2_332)) }
    }

    @Test func theSVGAndTheTerminalLinesDrawTheSameModules() throws {
        let code = try QRCode("granary")
        let svg = code.svg()
        let side = code.size + 8
        #expect(svg.contains(#"viewBox="0 0 \#(side) \#(side)""#))
        #expect(svg.components(separatedBy: "h1v1h-1z").count - 1 == code.modules.filter { $0 }.count)
        let lines = code.textLines()
        #expect(lines.count == (code.size + 4 + 1) / 2)
        #expect(lines.allSatisfy { $0.count == code.size + 4 })
    }
}
