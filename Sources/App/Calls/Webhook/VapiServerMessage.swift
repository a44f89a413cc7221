import Foundation

/// The body of every request Vapi posts to AVA's server URL: `{"message": {...}}`. Only the fields AVA reads
/// are declared; anything else is ignored, and every field is optional so that a message missing one gets a
/// clear answer instead of a decoding failure. Names as in `vapi-openapi.json` (ServerMessage*).
struct VapiWebhookEnvelope: Decodable, Sendable {
    var message: VapiServerMessage
}

struct VapiServerMessage: Decodable, Sendable {
    var type: String
    /// Milliseconds since 1970.
    var timestamp: Double?
    var call: CallInfo?
    var phoneNumber: PhoneNumberInfo?
    var customer: CustomerInfo?

    // status-update
    var status: String?
    var endedReason: String?
    // transcript
    var role: String?
    var transcriptType: String?
    var transcript: String?
    // end-of-call-report
    var artifact: Artifact?
    var analysis: Analysis?
    var cost: Double?
    var startedAt: String?
    var endedAt: String?
    var summary: String?
    // tool-calls
    var toolCallList: [ToolCall]?
    var toolWithToolCallList: [ToolWithToolCall]?
    // conversation-update
    var messages: [JSONValue]?

    struct CallInfo: Decodable, Sendable {
        var id: String?
        var phoneNumberId: String?
        var assistantId: String?
        var status: String?
        var customer: CustomerInfo?
        var phoneNumber: PhoneNumberInfo?
        var startedAt: String?
        var endedAt: String?
        var createdAt: String?
    }

    struct PhoneNumberInfo: Decodable, Sendable {
        var id: String?
        var number: String?
    }

    struct CustomerInfo: Decodable, Sendable {
        var number: String?
        var name: String?
    }

    struct Artifact: Decodable, Sendable {
        var transcript: String?
        var recordingUrl: String?
        var messages: [JSONValue]?
        var recording: Recording?
        struct Recording: Decodable, Sendable { var mono: Mono?; struct Mono: Decodable, Sendable { var combinedUrl: String? } }
    }

    struct Analysis: Decodable, Sendable {
        var summary: String?
        var successEvaluation: JSONValue?
    }

    /// `{id, name, parameters}`, `{id, name, arguments}` or `{id, type: "function", function: {name, arguments}}`,
    /// arguments being an object or a JSON string: every shape Vapi's documents show.
    struct ToolCall: Decodable, Sendable {
        var id: String?
        var name: String?
        var parameters: JSONValue?
        var arguments: JSONValue?
        var function: Function?
        struct Function: Decodable, Sendable { var name: String?; var arguments: JSONValue?; var parameters: JSONValue? }

        var toolName: String? { function?.name ?? name }

        /// The arguments as an object, whichever way they came.
        var argumentObject: [String: JSONValue]? {
            for candidate in [function?.arguments, function?.parameters, arguments, parameters] {
                switch candidate {
                case .object(let object)?: return object
                case .string(let text)?:
                    if text.trimmingCharacters(in: .whitespaces).isEmpty { return [:] }
                    if let data = text.data(using: .utf8), let value = try? JSONDecoder().decode(JSONValue.self, from: data),
                       case .object(let object) = value { return object }
                    return nil
                case .null?, nil: continue
                default: return nil
                }
            }
            return [:]
        }
    }

    struct ToolWithToolCall: Decodable, Sendable {
        var toolCall: ToolCall?
        var name: String?
        var function: ToolCall.Function?
    }

    /// The tool calls, in call order, from whichever list Vapi filled.
    var allToolCalls: [ToolCall] {
        if let list = toolCallList, !list.isEmpty { return list }
        return (toolWithToolCallList ?? []).compactMap { item in
            guard var call = item.toolCall else { return nil }
            if call.toolName == nil { call.name = item.function?.name ?? item.name }
            return call
        }
    }

    var callID: String? { call?.id }
    var callerNumber: String? { customer?.number ?? call?.customer?.number }
    var callerName: String? { customer?.name ?? call?.customer?.name }
    /// The number the caller dialled.
    var dialledNumber: String? { phoneNumber?.number ?? call?.phoneNumber?.number }
    var phoneNumberID: String? { phoneNumber?.id ?? call?.phoneNumberId }
    var eventDate: Date? { timestamp.map { Date(timeIntervalSince1970: $0 / 1000) } }
}
