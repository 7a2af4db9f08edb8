import Foundation

/// Small but genuine files for the demo library, made in code so that the service ships no binary samples:
/// a PNG, a WAV, a PDF, SVG, HTML and plain text, each of which libmagic recognises and a browser can open.
enum DemoMedia {
    /// UTF-8 Chinese text.
    static func text(_ body: String) -> [UInt8] {
        Array(body.utf8)
    }

    /// A standalone HTML5 page.
    static func html(title: String, body: String) -> [UInt8] {
        Array(
            """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(title)</title></head>
            <body><h1>\(title)</h1>\(body)</body></html>

            """.utf8
        )
    }

    /// An SVG drawing; with `animated`, a moving arc along a seam.
    static func svg(title: String, animated: Bool) -> [UInt8] {
        let motion =
            animated
            ? ##"<circle r="8" fill="#ff7a00"><animateMotion dur="3s" repeatCount="indefinite" path="M40,120 L360,120"/></circle>"##
            : ##"<circle cx="200" cy="120" r="8" fill="#ff7a00"/>"##
        return Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
            <title>\(title)</title>
            <rect x="40" y="60" width="150" height="60" fill="#8aa"/><rect x="210" y="60" width="150" height="60" fill="#8aa"/>
            <path d="M190,60 L200,120 L210,60 Z" fill="#cc8"/>
            \(motion)
            <text x="200" y="170" font-size="18" text-anchor="middle">\(title)</text>
            </svg>

            """.utf8
        )
    }

    /// A true-colour PNG of a colour gradient (zlib stream of stored deflate blocks).
    static func png(width: Int, height: Int, seed: UInt8) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                raw += [UInt8(truncatingIfNeeded: x * 255 / max(1, width - 1)), UInt8(truncatingIfNeeded: y * 255 / max(1, height - 1)), seed]
            }
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65_535, raw.count - offset)
            let final: UInt8 = offset + count == raw.count ? 1 : 0
            zlib += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            zlib += raw[offset..<offset + count]
            offset += count
        } while offset < raw.count
        zlib += Self.bigEndian(Self.adler32(raw))

        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return Self.bigEndian(UInt32(data.count)) + body + Self.bigEndian(Self.crc32(body))
        }
        let header = Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    /// A mono 16-bit WAV of a tone.
    static func wav(seconds: Double, frequency: Double) -> [UInt8] {
        let rate = 16_000
        let samples = Int(seconds * Double(rate))
        var data: [UInt8] = []
        data.reserveCapacity(samples * 2)
        for index in 0..<samples {
            let value = Int16(8_000 * sin(2 * Double.pi * frequency * Double(index) / Double(rate)))
            data += [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
        }
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        return Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(rate)
            + le32(rate * 2) + le16(2) + le16(16) + Array("data".utf8) + le32(data.count) + data
    }

    /// A one-page PDF with a line of (ASCII) text and a correct cross-reference table.
    static func pdf(line: String) -> [UInt8] {
        let text = line.replacingOccurrences(of: "(", with: "[").replacingOccurrences(of: ")", with: "]")
        let stream = "BT /F1 18 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { out += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n" }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(out.utf8)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return (b << 16) | a
    }

    private static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
