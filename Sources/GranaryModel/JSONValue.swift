import Foundation

/// Any JSON value, for inputs whose every field must be checked and reported one by one.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Decodes whatever JSON stands there.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value as it stands.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses a JSON object, or fails with `invalid_document` naming `what` for the person who sent it.
    public static func parseObject(_ data: Data, what: LocalizedText) throws(GranaryError) -> [String: JSONValue] {
        try Self.refuseNULCharacters(data)
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let object) = value else {
            throw GranaryError(
                .invalidDocument,
                LocalizedText(zh: "\(what.zh)不是合法的 JSON 对象", en: "\(what.en) is not a valid JSON object")
            )
        }
        return object
    }

    /// Fails with `invalid_document` when a string in the JSON text holds U+0000 (`\u0000`). No field of Granary
    /// means to hold one, and C-based readers downstream (SQLite's text functions, libxml2, file names) would cut
    /// the text there. A raw NUL byte is not JSON at all and the decoder refuses it.
    public static func refuseNULCharacters(_ data: Data) throws(GranaryError) {
        guard Self.containsNULCharacter(data) else { return }
        throw GranaryError(
            .invalidDocument,
            LocalizedText(zh: "JSON 文本中不能含空字符（\\u0000）", en: "JSON strings may not contain the NUL character (\\u0000)")
        )
    }

    /// Whether the JSON text escapes U+0000 (`\u0000`) anywhere; an escaped backslash before `u0000` does not count.
    public static func containsNULCharacter(_ data: Data) -> Bool {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            let zero = UInt8(ascii: "0")
            var index = 0
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == zero, bytes[index + 3] == zero,
                    bytes[index + 4] == zero, bytes[index + 5] == zero
                {
                    return true
                }
                index += 2  // the escaped character, whatever it is, cannot start another escape
            }
            return false
        }
    }
}
