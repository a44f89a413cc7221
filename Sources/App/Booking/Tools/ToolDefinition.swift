import Foundation

/// A JSON Schema, as much of it as tool parameters need.
struct JSONSchema: Codable, Sendable, Equatable {
    var type: String
    var description: String?
    var properties: [String: JSONSchema]?
    var required: [String]?
    var `enum`: [String]?
    var format: String?

    static func object(_ properties: [String: JSONSchema], required: [String] = []) -> JSONSchema {
        JSONSchema(type: "object", properties: properties, required: required)
    }

    static func string(_ description: String, enum values: [String]? = nil, format: String? = nil) -> JSONSchema {
        JSONSchema(type: "string", description: description, enum: values, format: format)
    }
}

/// A function the assistant may call during a call, declared to Vapi as a `model.tools` entry of type "function".
struct ToolDefinition: Codable, Sendable, Equatable {
    var name: String
    var description: String
    var parameters: JSONSchema
}
