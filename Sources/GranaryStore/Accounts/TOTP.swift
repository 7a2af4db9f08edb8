import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA-1, 30-second steps, six digits.
public struct TOTP: Sendable, Equatable {
    /// The shared secret: 20 random bytes, as RFC 4226 recommends for SHA-1.
    public let secret: [UInt8]
    public static let step: TimeInterval = 30
    public static let digits = 6

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// A new random secret.
    public static func generate() -> TOTP {
        var generator = SystemRandomNumberGenerator()
        return TOTP(secret: (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The secret as Base32 (RFC 4648, no padding), the form apps and operators type in.
    public var base32: String { Base32.encode(self.secret) }

    /// The step a moment falls in: seconds since 1970 over 30.
    public static func counter(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / Self.step).rounded(.down))
    }

    /// The code of one step (RFC 4226's HOTP of the counter), with `digits` digits.
    public func code(counter: Int64, digits: Int = TOTP.digits) -> String {
        self.code(counter: counter, digits: digits, hash: Insecure.SHA1.self)
    }

    /// The code of one step with another hash, for RFC 6238's SHA-256 and SHA-512 vectors.
    func code<H: HashFunction>(counter: Int64, digits: Int, hash: H.Type) -> String {
        let message = withUnsafeBytes(of: UInt64(bitPattern: counter).bigEndian) { Array($0) }
        let mac = Array(HMAC<H>.authenticationCode(for: message, using: SymmetricKey(data: self.secret)))
        // Dynamic truncation: four bytes from the offset the last nibble names, top bit cleared.
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let number = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(number % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step whose code `code` is, among the step of `date` and one either side (a phone's clock may be a little
    /// off, and a code typed at the end of its step arrives in the next); nil when it is none of them.
    public func matchingCounter(_ code: String, at date: Date) -> Int64? {
        let code = code.filter { !$0.isWhitespace }
        guard code.count == Self.digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        let now = Self.counter(at: date)
        return [now, now - 1, now + 1].first { counter in Self.constantTimeEqual(self.code(counter: counter), code) }
    }

    /// The address an authenticator app reads from the QR code: `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…`.
    public func uri(account: String, issuer: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(self.base32)&issuer=\(escape(issuer))"
            + "&algorithm=SHA1&digits=\(Self.digits)&period=\(Int(Self.step))"
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// RFC 4648 Base32, upper case, without padding on output; decoding ignores case, spaces and padding.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(Self.alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(Self.alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of `text`, or nil when it holds a character outside the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: " ") && character != UInt8(ascii: "=") {
            guard let value = Self.alphabet.firstIndex(of: character) else { return nil }
            buffer = ((buffer << 5) | value) & 0xFFFF
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return output
    }
}
