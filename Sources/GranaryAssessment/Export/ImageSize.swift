/// The size in pixels a PNG, GIF, JPEG or BMP says it has, read from its header (a Word paper draws a picture at it).
enum ImageSize {
    static func pixels(of bytes: [UInt8]) -> (width: Int, height: Int)? {
        func big(_ at: Int, _ count: Int) -> Int? {
            guard at >= 0, at + count <= bytes.count else { return nil }
            return bytes[at..<at + count].reduce(0) { $0 << 8 | Int($1) }
        }
        func little(_ at: Int, _ count: Int) -> Int? {
            guard at >= 0, at + count <= bytes.count else { return nil }
            return bytes[at..<at + count].reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        func valid(_ width: Int?, _ height: Int?) -> (Int, Int)? {
            guard let width, let height, (1...100_000).contains(width), (1...100_000).contains(abs(height)) else { return nil }
            return (width, abs(height))
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return valid(big(16, 4), big(20, 4)) }
        if bytes.starts(with: Array("GIF8".utf8)) { return valid(little(6, 2), little(8, 2)) }
        if bytes.starts(with: Array("BM".utf8)) {
            guard let width = little(18, 4), let raw = little(22, 4) else { return nil }
            return valid(width, raw >= 1 << 31 ? raw - (1 << 32) : raw)
        }
        guard bytes.starts(with: [0xFF, 0xD8]) else { return nil }
        // JPEG: walk the segments to the first start of frame (SOF0–SOF15 but DHT, JPG and DAC).
        var at = 2
        while at + 9 < bytes.count {
            guard bytes[at] == 0xFF else { return nil }
            let marker = bytes[at + 1]
            if marker == 0xFF {
                at += 1
                continue
            }
            guard let length = big(at + 2, 2), length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) { return valid(big(at + 7, 2), big(at + 5, 2)) }
            at += 2 + length
        }
        return nil
    }
}
