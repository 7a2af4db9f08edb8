import Crypto
import Foundation
import GranaryModel

/// The key personal information and authenticator secrets are sealed with (AES-256-GCM), kept outside the database.
///
/// 等保三级 (数据保密性) and 个人信息保护法 ask that a copy of the database alone — a stolen backup, a standby's
/// disk, a dump — gives away no one's phone number or two-step secret. So the key lives in a file of its own
/// (`--secrets FILE`; by default `secrets.key` in the data folder, which `granary backup` does not copy), every node of
/// a cluster reads the same file, and the database holds only the key's fingerprint, so that a library opened with
/// another key refuses at once instead of sealing new values with a second key.
public struct SealingKey: Sendable {
    /// The key's 32 bytes (swift-crypto's key type is not `Sendable`; one is made for each use).
    private let bytes: Data
    private var key: SymmetricKey { SymmetricKey(data: self.bytes) }
    /// A digest of the key that reveals nothing about it; the database keeps it to recognise its key.
    public let fingerprint: String
    /// Where the key was read from, for messages.
    public let path: String

    /// The key's file in the data folder when no other is named.
    public static let defaultFile = "secrets.key"

    /// The format's marker at the start of every sealed value.
    static let marker = "v1:"

    init(key: SymmetricKey, path: String) {
        self.bytes = key.withUnsafeBytes { Data($0) }
        self.path = path
        let check = HMAC<SHA256>.authenticationCode(for: Data("granary sealing key check".utf8), using: key)
        self.fingerprint = check.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The key in `path` (32 bytes, Base64 on one line); with `creating`, a new random key is written there first
    /// when there is no file (readable by its owner only).
    public static func file(_ path: String, creating: Bool = false) throws -> SealingKey {
        if !FileManager.default.fileExists(atPath: path) {
            guard creating else { throw Problem.missing(path) }
            try SealingKey(key: SymmetricKey(size: .bits256), path: path).write(to: path)
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32
        else { throw Problem.unreadable(path) }
        return SealingKey(key: SymmetricKey(data: bytes), path: path)
    }

    /// Writes the key to `path`, a new file readable by its owner only (a library copied into a folder takes it).
    public func write(to path: String) throws {
        let text = self.bytes.base64EncodedString() + "\n"
        guard !FileManager.default.fileExists(atPath: path),
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw Problem.unwritable(path) }
    }

    /// A new random key kept in memory only, for accounts that never outlive the process (tests of other things).
    public static func ephemeral() -> SealingKey {
        SealingKey(key: SymmetricKey(size: .bits256), path: "(memory)")
    }

    /// `text` sealed for `field` (the column it goes in, authenticated with it, so a value moved to another column
    /// does not open): `v1:` and the nonce, ciphertext and tag in Base64.
    public func seal(_ text: String, field: String) throws -> String {
        let box = try AES.GCM.seal(Data(text.utf8), using: self.key, authenticating: Data(field.utf8))
        guard let combined = box.combined else { throw Problem.unreadable(self.path) }
        return Self.marker + combined.base64EncodedString()
    }

    /// The text `sealed` holds. A value from before sealing (no `v1:`) is returned as it is, until it is sealed.
    public func open(_ sealed: String, field: String) throws -> String {
        guard sealed.hasPrefix(Self.marker) else { return sealed }
        guard let combined = Data(base64Encoded: String(sealed.dropFirst(Self.marker.count))),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let bytes = try? AES.GCM.open(box, using: self.key, authenticating: Data(field.utf8)),
            let text = String(data: bytes, encoding: .utf8)
        else { throw Problem.wrongKey(self.path) }
        return text
    }

    /// Checks, inside a transaction, that the library's values are sealed with this key; a write records the key's
    /// fingerprint when the library has none yet.
    func check(_ db: any SQLConnection, recording: Bool) throws {
        if let known = try db.fetchOne(String.self, sql: "SELECT fingerprint FROM sealingKey WHERE id = 1") {
            guard known == self.fingerprint else { throw Problem.wrongKey(self.path) }
        } else if recording {
            try db.execute(sql: "INSERT INTO sealingKey (id, fingerprint) VALUES (1, ?)", arguments: [self.fingerprint])
        }
    }

    /// Why a key cannot be used.
    public enum Problem: Error, CustomStringConvertible {
        case missing(String)
        case unwritable(String)
        case unreadable(String)
        /// The library's values were sealed with another key.
        case wrongKey(String)

        public var description: String {
            switch self {
            case .missing(let path):
                "no sealing key at \(path): every node of a cluster reads the same key file (--secrets or GRANARY_SECRETS); copy it from where the library was first served"
            case .unwritable(let path): "cannot write a new sealing key at \(path)"
            case .unreadable(let path): "\(path) does not hold a sealing key (32 bytes in Base64 on one line)"
            case .wrongKey(let path):
                "the key in \(path) is not the one this library's personal information was sealed with: give the library's own key (--secrets)"
            }
        }
    }
}
