import Foundation

// Vapi's request and answer bodies, with only the fields AVA uses. Every name below is the one
// `vapi-openapi.json` declares (CreateAssistantDTO, UpdateAssistantDTO, CreateVapiPhoneNumberDTO,
// CreateTwilioPhoneNumberDTO, Update*PhoneNumberDTO, Assistant, *PhoneNumber, Call); the tests validate
// every body the client sends against those schemas. Optional fields left nil are not sent.
// Answers are decoded leniently: unknown fields are ignored, and only `id` is required.

// MARK: Assistant (CreateAssistantDTO / UpdateAssistantDTO)

/// An assistant as AVA declares it. The same body creates (`POST /assistant`) and patches
/// (`PATCH /assistant/{id}`): AVA always sends its whole profile, so a patch never leaves stale parts behind.
struct VapiAssistantRequest: Encodable, Sendable, Equatable {
    /// At most 40 characters (Vapi's limit).
    var name: String?
    /// What the assistant says when it picks up.
    var firstMessage: String?
    /// The language model, with the system prompt in `messages` and AVA's tools in `tools`.
    var model: VapiModel
    var voice: VapiVoice?
    var transcriber: VapiTranscriber?
    /// Where Vapi sends server messages (tool calls, status updates, end-of-call reports).
    var server: VapiServer?
    /// Always set: Vapi's default (600 s) would cut every call at ten minutes. Vapi allows 10…43200.
    var maxDurationSeconds: Int
    /// The post-call summary (`analysisPlan.summaryPlan`, as the schema names it).
    var analysisPlan: VapiAnalysisPlan?
}

/// `model`: one of Vapi's provider models (`OpenAIModel` for `provider: "openai"`).
struct VapiModel: Codable, Sendable, Equatable {
    var provider: String
    var model: String
    /// The system prompt is `[{role: "system", content: …}]`; Vapi has no `systemPrompt` field.
    var messages: [VapiMessage]
    var tools: [VapiTool]?
    var temperature: Double?
    var maxTokens: Int?

    init(provider: String = "openai", model: String = "gpt-4o", systemPrompt: String, tools: [VapiTool]? = nil,
         temperature: Double? = nil, maxTokens: Int? = nil) {
        self.provider = provider
        self.model = model
        self.messages = [VapiMessage(role: "system", content: systemPrompt)]
        self.tools = tools
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    var systemPrompt: String? { messages.first { $0.role == "system" }?.content }
}

struct VapiMessage: Codable, Sendable, Equatable {
    var role: String
    var content: String
}

/// A function tool (`CreateFunctionToolDTO`): Vapi asks AVA's server to run it with arguments that
/// follow `function.parameters`.
struct VapiTool: Codable, Sendable, Equatable {
    var type: String = "function"
    var function: VapiFunction
    /// `false`: the assistant waits for AVA's answer before speaking on.
    var async: Bool?

    init(name: String, description: String, parameters: VapiJSONSchema, async: Bool? = false) {
        self.function = VapiFunction(name: name, description: description, parameters: parameters)
        self.async = async
    }
}

struct VapiFunction: Codable, Sendable, Equatable {
    /// `^[a-zA-Z0-9_-]{1,64}$`.
    var name: String
    var description: String?
    /// A JSON schema of `type: "object"` (`OpenAIFunctionParameters`).
    var parameters: VapiJSONSchema
}

/// The JSON-schema subset Vapi accepts for tool parameters (`JsonSchema`).
struct VapiJSONSchema: Codable, Sendable, Equatable {
    var type: String
    var description: String?
    var enumValues: [String]?
    var format: String?
    var properties: [String: VapiJSONSchema]?
    var required: [String]?
    private var itemsBox: [VapiJSONSchema]?

    var items: VapiJSONSchema? {
        get { itemsBox?.first }
        set { itemsBox = newValue.map { [$0] } }
    }

    init(type: String, description: String? = nil, enumValues: [String]? = nil, format: String? = nil,
         properties: [String: VapiJSONSchema]? = nil, required: [String]? = nil, items: VapiJSONSchema? = nil) {
        self.type = type
        self.description = description
        self.enumValues = enumValues
        self.format = format
        self.properties = properties
        self.required = required
        self.itemsBox = items.map { [$0] }
    }

    static func object(_ properties: [String: VapiJSONSchema], required: [String] = []) -> VapiJSONSchema {
        VapiJSONSchema(type: "object", properties: properties, required: required)
    }

    static func string(_ description: String, enumValues: [String]? = nil, format: String? = nil) -> VapiJSONSchema {
        VapiJSONSchema(type: "string", description: description, enumValues: enumValues, format: format)
    }

    enum CodingKeys: String, CodingKey { case type, description, enumValues = "enum", format, properties, required, items }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        enumValues = try container.decodeIfPresent([String].self, forKey: .enumValues)
        format = try container.decodeIfPresent(String.self, forKey: .format)
        properties = try container.decodeIfPresent([String: VapiJSONSchema].self, forKey: .properties)
        required = try container.decodeIfPresent([String].self, forKey: .required)
        itemsBox = try container.decodeIfPresent(VapiJSONSchema.self, forKey: .items).map { [$0] }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encodeIfPresent(enumValues, forKey: .enumValues)
        try container.encodeIfPresent(format, forKey: .format)
        try container.encodeIfPresent(properties, forKey: .properties)
        try container.encodeIfPresent(required, forKey: .required)
        try container.encodeIfPresent(items, forKey: .items)
    }
}

/// `voice`: a provider and its voice (e.g. `azure` with `fr-FR-DeniseNeural`, `he-IL-HilaNeural`).
struct VapiVoice: Codable, Sendable, Equatable {
    var provider: String
    var voiceId: String
    var model: String?
}

/// `transcriber`: a provider and the caller's language (`deepgram` with `fr`, `en`, `he`; `azure` with `he-IL`).
/// No model by default: Deepgram's `model` is a `oneOf` of a named list and any string, which a named
/// model matches twice.
struct VapiTranscriber: Codable, Sendable, Equatable {
    var provider: String
    var language: String?
    var model: String?

    /// Deepgram in the caller's language (AVA's locales fr, en, he).
    static func deepgram(language: String) -> VapiTranscriber { VapiTranscriber(provider: "deepgram", language: language) }
}

/// `server` (`Server`): AVA's webhook. Vapi's default timeout is 20 s.
struct VapiServer: Codable, Sendable, Equatable {
    var url: String
    var timeoutSeconds: Int?
    var credentialId: String?
    /// Sent by Vapi with every server message (AVA puts `X-Vapi-Secret` here when `VAPI_WEBHOOK_SECRET` is set).
    var headers: [String: String]?
}

/// `analysisPlan` (`AnalysisPlan`, marked deprecated in the August 2026 document but still the only
/// place the schema names a summary plan).
struct VapiAnalysisPlan: Codable, Sendable, Equatable {
    var summaryPlan: VapiSummaryPlan?

    static let summary = VapiAnalysisPlan(summaryPlan: VapiSummaryPlan(enabled: true))
}

struct VapiSummaryPlan: Codable, Sendable, Equatable {
    var enabled: Bool
    var timeoutSeconds: Int?
}

/// `Assistant`, as Vapi answers it.
struct VapiAssistant: Decodable, Sendable {
    var id: String
    var orgId: String?
    var name: String?
    var firstMessage: String?
    var maxDurationSeconds: Double?
    var model: VapiModelAnswer?
    var server: VapiServerAnswer?
    var createdAt: String?
    var updatedAt: String?

    struct VapiModelAnswer: Decodable, Sendable {
        var provider: String?
        var model: String?
        var messages: [VapiMessage]?
        var systemPrompt: String? { messages?.first { $0.role == "system" }?.content }
    }

    struct VapiServerAnswer: Decodable, Sendable { var url: String? }
}

// MARK: Phone numbers

enum VapiPhoneNumberProvider: String, Codable, Sendable {
    case vapi, twilio
    case byo = "byo-phone-number"
    case vonage, telnyx
}

/// `POST /phone-number` for a free Vapi number (`CreateVapiPhoneNumberDTO`). US area codes only.
struct VapiFreeNumberRequest: Encodable, Sendable, Equatable {
    var provider: VapiPhoneNumberProvider = .vapi
    /// Three digits.
    var numberDesiredAreaCode: String
    var assistantId: String?
    /// At most 40 characters.
    var name: String?
    var server: VapiServer?
}

/// `POST /phone-number` importing a number from the owner's Twilio account (`CreateTwilioPhoneNumberDTO`).
/// Vapi then points the number's voice (and SMS) URL at itself. The token is a password: it is only
/// ever encoded into the request body, never described.
struct VapiTwilioImportRequest: Encodable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    var provider: VapiPhoneNumberProvider = .twilio
    /// E.164.
    var number: String
    var twilioAccountSid: String
    var twilioAuthToken: String
    var assistantId: String?
    var name: String?
    /// `false` leaves the number's SMS URL alone (Vapi takes it over otherwise).
    var smsEnabled: Bool?

    var description: String { "Twilio import of \(number) from \(twilioAccountSid)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["number": number, "twilioAccountSid": twilioAccountSid]) }
}

/// `PATCH /phone-number/{id}` (`UpdateVapiPhoneNumberDTO` / `UpdateTwilioPhoneNumberDTO`). `provider` is
/// required in practice: the body is a `oneOf` discriminated by it.
struct VapiPhoneNumberUpdate: Encodable, Sendable, Equatable {
    var provider: VapiPhoneNumberProvider
    var name: String?
    var assistantId: String?
    var server: VapiServer?
}

/// A phone number as Vapi answers it (any provider). The Twilio auth token Vapi echoes back is not read.
struct VapiPhoneNumber: Decodable, Sendable {
    var id: String
    var provider: String?
    /// `activating` (a new free number, for minutes), `active` or `blocked`.
    var status: String?
    /// E.164; a free number may have none yet while activating.
    var number: String?
    var name: String?
    var assistantId: String?
    var numberDesiredAreaCode: String?
    var twilioAccountSid: String?
    var createdAt: String?
    var updatedAt: String?

    var isActive: Bool { status == nil || status == "active" }
}

// MARK: Calls

/// `GET /call` filters.
struct VapiCallFilter: Sendable, Equatable {
    var assistantId: String?
    var phoneNumberId: String?
    /// 0…1000.
    var limit: Int?
    /// Calls created strictly after this instant.
    var createdAtGt: Date?

    init(assistantId: String? = nil, phoneNumberId: String? = nil, limit: Int? = nil, createdAtGt: Date? = nil) {
        self.assistantId = assistantId
        self.phoneNumberId = phoneNumberId
        self.limit = limit
        self.createdAtGt = createdAtGt
    }

    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let assistantId { items.append(("assistantId", assistantId)) }
        if let phoneNumberId { items.append(("phoneNumberId", phoneNumberId)) }
        if let limit { items.append(("limit", String(min(max(limit, 0), 1000)))) }
        if let createdAtGt { items.append(("createdAtGt", VapiDate.format(createdAtGt))) }
        return items
    }
}

/// `Call`: transcript, recording and summary live in `artifact` and `analysis`, not at the top level.
struct VapiCall: Decodable, Sendable {
    var id: String
    var type: String?
    /// scheduled, queued, ringing, in-progress, forwarding, ended.
    var status: String?
    var endedReason: String?
    var assistantId: String?
    var phoneNumberId: String?
    var customer: Customer?
    var createdAt: String?
    var startedAt: String?
    var endedAt: String?
    var cost: Double?
    var artifact: Artifact?
    var analysis: Analysis?

    struct Customer: Decodable, Sendable { var number: String?; var name: String? }
    struct Artifact: Decodable, Sendable { var transcript: String?; var recordingUrl: String? }
    struct Analysis: Decodable, Sendable { var summary: String? }

    var transcript: String? { artifact?.transcript }
    var recordingURL: String? { artifact?.recordingUrl }
    var summary: String? { analysis?.summary }
    var callerNumber: String? { customer?.number }
    var createdDate: Date? { createdAt.flatMap(VapiDate.parse) }
    var startedDate: Date? { startedAt.flatMap(VapiDate.parse) }
    var endedDate: Date? { endedAt.flatMap(VapiDate.parse) }
}

/// Vapi's timestamps: ISO 8601 with milliseconds (`2026-08-01T12:00:00.000Z`).
enum VapiDate {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
