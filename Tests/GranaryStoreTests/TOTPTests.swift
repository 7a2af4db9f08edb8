import Crypto
import Foundation
import Testing

@testable import GranaryStore

@Suite struct TOTPTests {
    /// RFC 6238, appendix B: the seeds are ASCII digits repeated to the hash's length; eight digits.
    @Test func theRFCsTestVectorsComeOut() {
        let sha1 = TOTP(secret: Array("12345678901234567890".utf8))
        let sha256 = TOTP(secret: Array("12345678901234567890123456789012".utf8))
        let sha512 = TOTP(secret: Array("1234567890123456789012345678901234567890123456789012345678901234".utf8))
        let vectors: [(TimeInterval, String, String, String)] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ]
        for (time, one, two, five) in vectors {
            let counter = TOTP.counter(at: Date(timeIntervalSince1970: time))
            #expect(sha1.code(counter: counter, digits: 8) == one)
            #expect(sha256.code(counter: counter, digits: 8, hash: SHA256.self) == two)
            #expect(sha512.code(counter: counter, digits: 8, hash: SHA512.self) == five)
        }
        // Six digits, as apps show: the last six of the eight.
        #expect(sha1.code(counter: TOTP.counter(at: Date(timeIntervalSince1970: 59))) == "287082")
    }

    @Test func aCodeMatchesItsStepAndOneEitherSideOnly() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = TOTP.counter(at: now)
        for offset in -1...1 { #expect(totp.matchingCounter(totp.code(counter: step + Int64(offset)), at: now) == step + Int64(offset)) }
        #expect(totp.matchingCounter(totp.code(counter: step - 2), at: now) == nil)
        #expect(totp.matchingCounter(totp.code(counter: step + 2), at: now) == nil)
        #expect(totp.matchingCounter(" " + totp.code(counter: step).prefix(3) + " " + totp.code(counter: step).suffix(3), at: now) == step)
        #expect(totp.matchingCounter("１２３４５６", at: now) == nil)
        #expect(totp.matchingCounter("12345", at: now) == nil)
    }

    /// RFC 4648, section 10.
    @Test func base32FollowsTheRFC() {
        let vectors = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base32.decode("mzxw 6ytb oi======") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW1") == nil)
        let secret = TOTP.generate()
        #expect(Base32.decode(secret.base32) == secret.secret && secret.base32.count == 32)
    }
}
