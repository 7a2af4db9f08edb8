import Foundation

/// JSON written straight into bytes, for the answers where Foundation's `JSONEncoder` cost more than the work
/// behind them (a search page: the encoder took a quarter of the time under load). Writes what `JSONEncoder.api`
/// would: the caller gives keys in sorted order, dates as ISO 8601 in UTC without fractions, `/` unescaped.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the next value in the current object or array needs a comma before it.
    private var needsComma = false

    init(capacity: Int = 4096) {
        self.bytes.reserveCapacity(capacity)
    }

    /// `{ ... }`; `body` writes the members with `key(_:)` and a value each.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        self.separate()
        self.bytes.append(UInt8(ascii: "{"))
        self.needsComma = false
        body(&self)
        self.bytes.append(UInt8(ascii: "}"))
        self.needsComma = true
    }

    /// `[ ... ]`; `body` writes the elements.
    mutating func array(_ body: (inout JSONWriter) -> Void) {
        self.separate()
        self.bytes.append(UInt8(ascii: "["))
        self.needsComma = false
        body(&self)
        self.bytes.append(UInt8(ascii: "]"))
        self.needsComma = true
    }

    /// A member's name; its value follows.
    mutating func key(_ name: String) {
        self.string(name)
        self.bytes.append(UInt8(ascii: ":"))
        self.needsComma = false
    }

    mutating func string(_ value: String) {
        self.separate()
        self.bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            // Runs that need no escaping (nearly all text) are copied whole.
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                self.escape(byte)
                runStart = index + 1
            }
            self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        self.bytes.append(UInt8(ascii: "\""))
        self.needsComma = true
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): self.bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): self.bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x0A: self.bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0D: self.bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x09: self.bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        default:
            let hex = Array("0123456789abcdef".utf8)
            self.bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        }
    }

    mutating func number(_ value: Int) {
        self.raw(String(value))
    }

    /// A finite number as Swift prints it (the shortest form that reads back the same), as `JSONEncoder` does.
    mutating func number(_ value: Double) {
        guard value.isFinite else { return self.raw("null") }
        if value == value.rounded(), abs(value) < 1e15 {
            self.raw(String(Int(value)))
        } else {
            self.raw(String(value))
        }
    }

    mutating func bool(_ value: Bool) {
        self.raw(value ? "true" : "false")
    }

    /// `2026-11-29T10:00:00Z`.
    mutating func date(_ value: Date) {
        var seconds = time_t(value.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ number: Int32) -> String { number < 10 ? "0\(number)" : "\(number)" }
        self.string(
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
        )
    }

    /// An object of counts, keys sorted.
    mutating func counts(_ values: [String: Int]) {
        self.object { writer in
            for (name, count) in values.sorted(by: { $0.key < $1.key }) {
                writer.key(name)
                writer.number(count)
            }
        }
    }

    private mutating func raw(_ text: String) {
        self.separate()
        self.bytes += text.utf8
        self.needsComma = true
    }

    private mutating func separate() {
        if self.needsComma { self.bytes.append(UInt8(ascii: ",")) }
    }
}
