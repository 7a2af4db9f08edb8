import Foundation
import GranaryModel
import MCP

/// One tool of the assistant: what a client lists (name, Chinese description, JSON Schema of its arguments), the
/// roles it is offered to, and what it does for the caller.
///
/// The roles only decide what is listed and what is refused before any work; every rule of what an account may
/// see or change is the store's own, the same the API obeys (a learner's search never holds a draft whatever the tool
/// list says).
struct AssistantTool: Sendable {
    let definition: Tool
    let roles: Set<Role>
    let run: @Sendable (ToolArguments, Caller) async throws -> ToolOutput

    init(
        name: String,
        title: String,
        description: String,
        properties: [String: Value] = [:],
        required: [String] = [],
        roles: Set<Role>,
        readOnly: Bool = true,
        run: @escaping @Sendable (ToolArguments, Caller) async throws -> ToolOutput
    ) {
        self.definition = Tool(
            name: name,
            title: title,
            description: description,
            inputSchema: .object([
                "type": "object",
                "properties": .object(properties),
                "required": .array(required.map { .string($0) }),
                "additionalProperties": false,
            ]),
            annotations: Tool.Annotations(title: title, readOnlyHint: readOnly, destructiveHint: false, openWorldHint: false)
        )
        self.roles = roles
        self.run = run
    }
}

/// What a tool answers: a few Chinese lines for the model and the person, and the data itself.
struct ToolOutput: Sendable {
    let summary: String
    let data: Value

    init<Data: Encodable>(_ summary: String, _ data: Data) throws {
        self.summary = summary
        self.data = try JSONValues.value(of: data)
    }

    /// The MCP result: the summary and the data as JSON text (for clients that read only text), and the data as
    /// structured content.
    var result: CallTool.Result {
        let json = (try? JSONValues.text(of: self.data)) ?? "{}"
        return CallTool.Result(
            content: [.text(text: self.summary + "\n\n" + json, annotations: nil, _meta: nil)],
            structuredContent: Optional(self.data),
            isError: false
        )
    }

    /// A refusal or a mistake in the arguments as a tool result the model can read and act on (the protocol's
    /// advice: errors of the tool are results, not protocol errors), with the same code and fields as the API's
    /// problem body.
    static func failure(_ error: GranaryError) -> CallTool.Result {
        var problem: [String: Value] = [
            "code": .string(error.code.rawValue),
            "detail": .string(error.detail.zh),
        ]
        if !error.errors.isEmpty {
            problem["errors"] = .array(error.errors.map { .object(["field": .string($0.field), "message": .string($0.message.zh)]) })
        }
        let fields = error.errors.map { "\($0.field)：\($0.message.zh)" }.joined(separator: "；")
        return CallTool.Result(
            content: [.text(text: "未完成：\(error.detail.zh)" + (fields.isEmpty ? "" : "（\(fields)）"), annotations: nil, _meta: nil)],
            structuredContent: Optional(.object(problem)),
            isError: true
        )
    }
}

/// JSON as the API writes it (ISO 8601 dates, keys sorted), turned into the protocol's values.
enum JSONValues {
    static func value<Data: Encodable>(of data: Data) throws -> Value {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try JSONDecoder().decode(Value.self, from: try encoder.encode(data))
    }

    static func text(of value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// JSON Schema pieces for the tools' arguments.
enum Schema {
    static func string(_ description: String, choices: [String]? = nil) -> Value {
        var schema: [String: Value] = ["type": "string", "description": .string(description)]
        if let choices { schema["enum"] = .array(choices.map { .string($0) }) }
        return .object(schema)
    }

    static func integer(_ description: String, minimum: Int, maximum: Int, default fallback: Int) -> Value {
        .object([
            "type": "integer", "description": .string(description), "minimum": .int(minimum), "maximum": .int(maximum),
            "default": .int(fallback),
        ])
    }

    static func object(_ description: String, properties: [String: Value], required: [String]) -> Value {
        .object([
            "type": "object", "description": .string(description), "properties": .object(properties),
            "required": .array(required.map { .string($0) }),
        ])
    }

    static func array(_ description: String, of items: Value) -> Value {
        .object(["type": "array", "description": .string(description), "items": items])
    }
}
