/// A QR code (ISO/IEC 18004, model 2) of some bytes: byte mode, error correction level M (15% of the symbol may be
/// lost), the smallest of versions 1–40 that holds them, and the mask with the lowest penalty.
///
/// Authenticator apps read an `otpauth://` address from it; no package in reach draws one, and the standard is short.
public struct QRCode: Sendable, Equatable {
    /// Modules per side: 17 + 4 × version.
    public let size: Int
    /// 1 to 40.
    public let version: Int
    /// The mask applied to the data modules, 0 to 7.
    public let mask: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    /// Whether the module at column `x`, row `y` is dark.
    public subscript(x: Int, y: Int) -> Bool { self.modules[y * self.size + x] }

    public enum Failure: Error, Equatable {
        /// More than a version 40 symbol at level M holds (2,331 bytes).
        case tooLong(Int)
    }

    /// The code of `bytes`; `mask` forces one of the eight masks (the standard picks by penalty).
    public init(_ bytes: [UInt8], mask forced: Int? = nil) throws {
        guard let version = (1...40).first(where: { Self.dataCodewords($0) * 8 >= Self.bitsNeeded(bytes.count, version: $0) }) else {
            throw Failure.tooLong(bytes.count)
        }
        var grid = Grid(version: version)
        grid.drawFunctionPatterns()
        grid.drawCodewords(Self.codewords(bytes, version: version))
        let masks = forced.map { [$0] } ?? Array(0..<8)
        var best: (mask: Int, grid: Grid, penalty: Int)?
        for mask in masks {
            var masked = grid
            masked.apply(mask: mask)
            masked.drawFormat(mask: mask)
            let penalty = masked.penalty()
            if best == nil || penalty < best!.penalty { best = (mask, masked, penalty) }
        }
        self.size = grid.size
        self.version = version
        self.mask = best!.mask
        self.modules = best!.grid.dark
    }

    /// The code of a text's UTF-8 bytes.
    public init(_ text: String) throws {
        try self.init(Array(text.utf8))
    }

    /// The code as an SVG image: one path of dark squares on white, with the four-module quiet zone readers need.
    public func svg(moduleSize: Int = 4) -> String {
        let side = (self.size + 8) * moduleSize
        var path = ""
        for y in 0..<self.size {
            for x in 0..<self.size where self[x, y] { path += "M\(x + 4),\(y + 4)h1v1h-1z" }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(side)" height="\(side)" viewBox="0 0 \(self.size + 8) \(self.size + 8)" \
            shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }

    /// The code as lines of text for a terminal: two rows of modules a line in half blocks, dark on light.
    public func textLines() -> [String] {
        let quiet = 2
        func dark(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < self.size && y < self.size && self[x, y] }
        return stride(from: -quiet, to: self.size + quiet, by: 2).map { y in
            String(
                (-quiet..<self.size + quiet).map { x -> Character in
                    switch (dark(x, y), dark(x, y + 1)) {
                    case (false, false): "█"
                    case (true, false): "▄"
                    case (false, true): "▀"
                    case (true, true): " "
                    }
                }
            )
        }
    }

    // MARK: Codewords

    /// Error-correction codewords per block and blocks at level M, by version (index 0 unused).
    static let eccPerBlock = [
        -1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        28, 28, 28, 28, 28, 28, 28, 28,
    ]
    static let blocks = [
        -1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40,
        43, 45, 47, 49,
    ]

    /// Modules that carry data or error correction: everything but the function patterns and format/version bits.
    static func rawModules(_ version: Int) -> Int {
        var modules = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            modules -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { modules -= 36 }
        }
        return modules
    }

    static func dataCodewords(_ version: Int) -> Int {
        Self.rawModules(version) / 8 - Self.eccPerBlock[version] * Self.blocks[version]
    }

    /// Mode indicator, character count and the bytes.
    static func bitsNeeded(_ count: Int, version: Int) -> Int {
        let countBits = version <= 9 ? 8 : 16
        return count < 1 << countBits ? 4 + countBits + 8 * count : Int.max
    }

    /// The data codewords (with terminator and padding), split into blocks, each followed by its Reed–Solomon
    /// remainder, interleaved as the symbol carries them.
    static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, 4)
        bits.append(bytes.count, version <= 9 ? 8 : 16)
        for byte in bytes { bits.append(Int(byte), 8) }
        let capacity = Self.dataCodewords(version) * 8
        bits.append(0, min(4, capacity - bits.count))
        bits.append(0, (8 - bits.count % 8) % 8)
        var data = bits.bytes
        var pad: UInt8 = 0xEC
        while data.count < capacity / 8 {
            data.append(pad)
            pad ^= 0xEC ^ 0x11
        }

        let blockCount = Self.blocks[version]
        let ecc = Self.eccPerBlock[version]
        let raw = Self.rawModules(version) / 8
        let shortBlocks = blockCount - raw % blockCount
        let shortData = raw / blockCount - ecc
        let divisor = ReedSolomon.divisor(degree: ecc)
        var blocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blockCount {
            let length = shortData + (index < shortBlocks ? 0 : 1)
            let block = Array(data[start..<start + length])
            start += length
            blocks.append(block + ReedSolomon.remainder(block, divisor: divisor))
        }
        // Column by column across the blocks; short blocks have no codeword in the last data column.
        var result: [UInt8] = []
        for column in 0..<(shortData + 1 + ecc) {
            for (index, block) in blocks.enumerated() {
                if column == shortData && index < shortBlocks { continue }
                let position = column > shortData && index < shortBlocks ? column - 1 : column
                if position < block.count { result.append(block[position]) }
            }
        }
        return result
    }

    struct BitBuffer {
        private(set) var bits: [Bool] = []
        var count: Int { self.bits.count }

        mutating func append(_ value: Int, _ length: Int) {
            guard length > 0 else { return }
            for shift in stride(from: length - 1, through: 0, by: -1) { self.bits.append((value >> shift) & 1 == 1) }
        }

        var bytes: [UInt8] {
            stride(from: 0, to: self.bits.count, by: 8).map { start in
                (0..<8).reduce(UInt8(0)) { byte, offset in byte << 1 | (self.bits[start + offset] ? 1 : 0) }
            }
        }
    }

    /// Reed–Solomon over GF(2⁸) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1.
    enum ReedSolomon {
        static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
            var product: UInt8 = 0
            for bit in stride(from: 7, through: 0, by: -1) {
                product = (product << 1) ^ ((product >> 7) * 0x1D)
                if (y >> bit) & 1 == 1 { product ^= x }
            }
            return product
        }

        /// The generator polynomial (x − α⁰)…(x − α^(degree−1)), highest coefficient left out.
        static func divisor(degree: Int) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: degree)
            result[degree - 1] = 1
            var root: UInt8 = 1
            for _ in 0..<degree {
                for index in 0..<degree {
                    result[index] = Self.multiply(result[index], root)
                    if index + 1 < degree { result[index] ^= result[index + 1] }
                }
                root = Self.multiply(root, 0x02)
            }
            return result
        }

        static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: divisor.count)
            for byte in data {
                let factor = byte ^ result.removeFirst()
                result.append(0)
                for index in result.indices { result[index] ^= Self.multiply(divisor[index], factor) }
            }
            return result
        }
    }

    // MARK: The symbol

    struct Grid {
        let version: Int
        let size: Int
        var dark: [Bool]
        /// Modules of the function patterns and format/version areas, which masks and data leave alone.
        var reserved: [Bool]

        init(version: Int) {
            self.version = version
            self.size = 17 + 4 * version
            self.dark = Array(repeating: false, count: self.size * self.size)
            self.reserved = self.dark
        }

        mutating func set(_ x: Int, _ y: Int, _ isDark: Bool) {
            self.dark[y * self.size + x] = isDark
            self.reserved[y * self.size + x] = true
        }

        var alignmentCentres: [Int] {
            guard self.version > 1 else { return [] }
            let count = self.version / 7 + 2
            let step = self.version == 32 ? 26 : (self.version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
            var centres = [6]
            for index in 0..<(count - 1) { centres.append(self.size - 7 - (count - 2 - index) * step) }
            return centres
        }

        mutating func drawFunctionPatterns() {
            for index in 0..<self.size {
                self.set(6, index, index % 2 == 0)
                self.set(index, 6, index % 2 == 0)
            }
            for (cx, cy) in [(3, 3), (self.size - 4, 3), (3, self.size - 4)] {
                for dy in -4...4 {
                    for dx in -4...4 {
                        let (x, y) = (cx + dx, cy + dy)
                        guard x >= 0, y >= 0, x < self.size, y < self.size else { continue }
                        let distance = max(abs(dx), abs(dy))
                        self.set(x, y, distance != 2 && distance != 4)
                    }
                }
            }
            let centres = self.alignmentCentres
            for (i, cx) in centres.enumerated() {
                for (j, cy) in centres.enumerated() {
                    let last = centres.count - 1
                    if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                    for dy in -2...2 {
                        for dx in -2...2 { self.set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
                    }
                }
            }
            // Format areas, drawn for real once the mask is chosen; the dark module beside the lower finder.
            self.drawFormat(mask: 0)
            if self.version >= 7 {
                var remainder = self.version
                for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
                let bits = self.version << 12 | remainder
                for index in 0..<18 {
                    let bit = (bits >> index) & 1 == 1
                    let (a, b) = (self.size - 11 + index % 3, index / 3)
                    self.set(a, b, bit)
                    self.set(b, a, bit)
                }
            }
        }

        /// Level M's two bits and the mask, with their BCH code, in both copies.
        mutating func drawFormat(mask: Int) {
            let data = 0b00 << 3 | mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            for index in 0...5 { self.set(8, index, bit(index)) }
            self.set(8, 7, bit(6))
            self.set(8, 8, bit(7))
            self.set(7, 8, bit(8))
            for index in 9..<15 { self.set(14 - index, 8, bit(index)) }
            for index in 0..<8 { self.set(self.size - 1 - index, 8, bit(index)) }
            for index in 8..<15 { self.set(8, self.size - 15 + index, bit(index)) }
            self.set(8, self.size - 8, true)
        }

        /// The codewords' bits in the zigzag of two-module columns from the bottom right, skipping the timing column.
        mutating func drawCodewords(_ codewords: [UInt8]) {
            var index = 0
            var right = self.size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vertical in 0..<self.size {
                    for offset in 0..<2 {
                        let x = right - offset
                        let upward = (right + 1) & 2 == 0
                        let y = upward ? self.size - 1 - vertical : vertical
                        guard !self.reserved[y * self.size + x] else { continue }
                        if index < codewords.count * 8 {
                            self.dark[y * self.size + x] = (codewords[index >> 3] >> (7 - index & 7)) & 1 == 1
                            index += 1
                        }
                    }
                }
                right -= 2
            }
        }

        mutating func apply(mask: Int) {
            for y in 0..<self.size {
                for x in 0..<self.size where !self.reserved[y * self.size + x] {
                    let invert =
                        switch mask {
                        case 0: (x + y) % 2 == 0
                        case 1: y % 2 == 0
                        case 2: x % 3 == 0
                        case 3: (x + y) % 3 == 0
                        case 4: (x / 3 + y / 2) % 2 == 0
                        case 5: x * y % 2 + x * y % 3 == 0
                        case 6: (x * y % 2 + x * y % 3) % 2 == 0
                        default: ((x + y) % 2 + x * y % 3) % 2 == 0
                        }
                    if invert { self.dark[y * self.size + x].toggle() }
                }
            }
        }

        /// The standard's four penalty rules: long runs, 2×2 blocks, finder-like patterns, and imbalance.
        func penalty() -> Int {
            var score = 0
            func lines(_ vertical: Bool) -> [[Bool]] {
                (0..<self.size).map { a in (0..<self.size).map { b in vertical ? self.dark[b * self.size + a] : self.dark[a * self.size + b] } }
            }
            let finder: [Bool] = [true, false, true, true, true, false, true]
            let light = [Bool](repeating: false, count: 4)
            for line in lines(false) + lines(true) {
                var run = 1
                for index in 1...line.count {
                    if index < line.count && line[index] == line[index - 1] {
                        run += 1
                    } else {
                        if run >= 5 { score += run - 2 }
                        run = 1
                    }
                }
                // 1:1:3:1:1 with four light modules on either side (outside the symbol counts as light).
                let padded = light + line + light
                for start in 0...(padded.count - 11) {
                    let window = Array(padded[start..<start + 11])
                    if window == finder + light || window == light + finder { score += 40 }
                }
            }
            for y in 0..<(self.size - 1) {
                for x in 0..<(self.size - 1) {
                    let colour = self.dark[y * self.size + x]
                    if colour == self.dark[y * self.size + x + 1] && colour == self.dark[(y + 1) * self.size + x]
                        && colour == self.dark[(y + 1) * self.size + x + 1]
                    {
                        score += 3
                    }
                }
            }
            let darkCount = self.dark.filter { $0 }.count
            let total = self.size * self.size
            // Ten points for each full 5% the dark share lies away from half.
            score += max(0, (abs(darkCount * 20 - total * 10) + total - 1) / total - 1) * 10
            return score
        }
    }
}
