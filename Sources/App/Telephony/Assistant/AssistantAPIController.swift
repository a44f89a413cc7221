import AVACore
import Fluent
import Vapor

/// `/api/v1/assistant`: the organisation's receptionist profile. Saving it updates the Vapi assistant in
/// the same step: if Vapi refuses, nothing is saved.
struct AssistantAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("assistant", use: show)
        routes.put("assistant", use: update)
    }

    struct UpdateRequest: Content {
        var name: String?
        var voice: String?
        var tone: String?
        var firstMessage: String?
        var systemPrompt: String?
        var industry: String?
        /// Outside business hours: `message` (AVA answers and takes a message) or `transfer` (to `afterHoursNumber`).
        var afterHours: String?
        var afterHoursNumber: String?
    }

    @Sendable func show(req: Request) async throws -> AssistantDTO {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        return AssistantDTO(try await Assistant.forOrg(org, on: req.db), sandbox: req.telephony.isSandbox)
    }

    @Sendable func update(req: Request) async throws -> AssistantDTO {
        let user = try req.requireUser()
        guard user.role == .owner || user.role == .admin else { throw AppError.forbiddenRole }
        let body = try req.decodeJSON(UpdateRequest.self)
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let assistant = try await Assistant.forOrg(org, on: req.db)
        try AssistantProfileInput.apply(body, to: assistant, defaultCountry: CountryCode(rawValue: org.country) ?? .US)
        try await AssistantSync(req).sync(assistant, org: org)  // saves the profile once the provider took it
        return AssistantDTO(assistant, sandbox: req.telephony.isSandbox)
    }
}

/// The checks on a profile change. Fields left out keep their value.
enum AssistantProfileInput {
    static func apply(_ body: AssistantAPIController.UpdateRequest, to assistant: Assistant,
                      defaultCountry: CountryCode = .US) throws {
        if let name = body.name {
            let name = clean(name)
            guard (1...40).contains(name.count) else { throw AppError.validation("assistant_name_invalid", field: "name", "40") }
            assistant.name = name
        }
        if let voice = body.voice {
            let voice = clean(voice)
            guard voice.count <= 100, voice.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else { throw AppError.validation("assistant_voice_invalid", field: "voice") }
            assistant.voice = voice.isEmpty ? nil : voice
        }
        if let tone = body.tone {
            guard DefaultAssistantProfile.tones.contains(tone) else { throw AppError.validation("assistant_tone_invalid", field: "tone") }
            assistant.tone = tone
        }
        if let first = body.firstMessage {
            let first = clean(first)
            guard (1...500).contains(first.count) else {
                throw AppError.validation("assistant_first_message_invalid", field: "firstMessage", "500")
            }
            assistant.firstMessage = first
        }
        if let prompt = body.systemPrompt {
            let prompt = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...8000).contains(prompt.count), !prompt.unicodeScalars.contains(where: { $0 == "\u{0}" }) else {
                throw AppError.validation("assistant_prompt_invalid", field: "systemPrompt", "8000")
            }
            assistant.systemPrompt = prompt
        }
        if body.afterHours != nil || body.afterHoursNumber != nil {
            var rule = AfterHoursRule.from(rulesJSON: assistant.rulesJSON)
            if let behaviour = body.afterHours {
                guard let value = AfterHoursRule.Behaviour(rawValue: behaviour) else {
                    throw AppError.validation("after_hours_invalid", field: "afterHours")
                }
                rule.behaviour = value
            }
            if let number = body.afterHoursNumber {
                let trimmed = number.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { rule.number = nil } else {
                    guard let phone = PhoneNumber(parsing: trimmed, defaultCountry: defaultCountry) else {
                        throw AppError.validation("invalid_phone", field: "afterHoursNumber")
                    }
                    rule.number = phone.e164
                }
            }
            if rule.behaviour == .transfer, rule.number == nil {
                throw AppError.validation("after_hours_number_required", field: "afterHoursNumber")
            }
            assistant.rulesJSON = try rule.mergedInto(rulesJSON: assistant.rulesJSON)
        }
        if let industry = body.industry {
            let industry = clean(industry)
            guard industry.count <= 40 else { throw AppError.validation("assistant_industry_invalid", field: "industry") }
            assistant.industry = industry.isEmpty ? nil : industry
        }
    }

    /// One line, no control characters.
    private static func clean(_ text: String) -> String {
        text.cleanedLine
    }
}

struct AssistantDTO: Content {
    var id: UUID
    var name: String
    var voice: String?
    var tone: String
    var firstMessage: String
    var systemPrompt: String
    var industry: String?
    /// `message` or `transfer`, and the number for `transfer`.
    var afterHours: String
    var afterHoursNumber: String?
    /// Vapi's id; null in the sandbox or before the first sync.
    var vapiAssistantId: String?
    var syncedAt: Date?
    /// The error code of the last failed sync, if the last attempt failed.
    var syncError: String?
    var sandbox: Bool

    init(_ assistant: Assistant, sandbox: Bool) {
        id = assistant.id!
        name = assistant.name
        voice = assistant.voice
        tone = assistant.tone
        firstMessage = assistant.firstMessage
        systemPrompt = assistant.systemPrompt
        industry = assistant.industry
        let rule = AfterHoursRule.from(rulesJSON: assistant.rulesJSON)
        afterHours = rule.behaviour.rawValue
        afterHoursNumber = rule.number
        vapiAssistantId = SandboxTelephony.isSandboxID(assistant.vapiAssistantID) ? nil : assistant.vapiAssistantID
        syncedAt = assistant.syncedAt
        syncError = assistant.syncError
        self.sandbox = sandbox
    }
}
