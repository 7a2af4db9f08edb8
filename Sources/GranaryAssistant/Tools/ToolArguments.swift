import Foundation
import GranaryModel
import MCP

/// A tool call's arguments, read with the same checks and Chinese messages as the API's query and body fields: a
/// missing or malformed argument is `validation_failed` naming it, never a guess.
struct ToolArguments: Sendable {
    let values: [String: Value]

    init(_ values: [String: Value]?) {
        self.values = values ?? [:]
    }

    /// A non-empty string (trimmed), or nil when absent or null.
    func string(_ name: String, maximumLength: Int = 200) throws -> String? {
        guard let value = self.values[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw Self.invalid(name, "应为字符串", "must be a string") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        guard trimmed.count <= maximumLength else {
            throw Self.invalid(name, "不能超过 \(maximumLength) 个字符", "at most \(maximumLength) characters")
        }
        return trimmed
    }

    /// A string that must be there.
    func required(_ name: String, maximumLength: Int = 200) throws -> String {
        guard let text = try self.string(name, maximumLength: maximumLength) else {
            throw Self.invalid(name, "必填", "required")
        }
        return text
    }

    /// An integer within `range`, or `fallback` when absent. `1.0` counts as 1, as JSON has one number type.
    func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let value = self.values[name], !value.isNull else { return fallback }
        let number: Int? =
            switch value {
            case .int(let int): int
            case .double(let double) where double.rounded() == double && abs(double) < 1e15: Int(double)
            default: nil
            }
        guard let number, range.contains(number) else {
            throw Self.invalid(
                name,
                "应为 \(range.lowerBound)–\(range.upperBound) 的整数",
                "must be an integer from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return number
    }

    /// One of an enumeration's raw values, or nil when absent.
    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, as _: Choice.Type) throws -> Choice?
    where Choice.RawValue == String {
        guard let text = try self.string(name) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: "、")
            throw Self.invalid(name, "应为 \(allowed) 之一", "must be one of \(allowed)")
        }
        return choice
    }

    /// An argument decoded as the API decodes the same JSON body field; nil when absent.
    func decoded<Body: Decodable>(_ name: String, as _: Body.Type) throws -> Body? {
        guard let value = self.values[name], !value.isNull else { return nil }
        do {
            return try JSONDecoder().decode(Body.self, from: try JSONEncoder().encode(value))
        } catch {
            throw Self.invalid(name, "结构不符合说明", "does not match the schema")
        }
    }

    static func invalid(_ name: String, _ zh: String, _ en: String) -> GranaryError {
        GranaryError(
            .validationFailed,
            LocalizedText(zh: "参数 \(name) \(zh)", en: "Argument \(name) \(en)"),
            errors: [FieldError(field: name, message: LocalizedText(zh: zh, en: en))]
        )
    }
}
