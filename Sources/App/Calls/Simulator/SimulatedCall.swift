import AVACore
import Foundation
import Vapor

/// One simulated call's conversation, keyed by AVA's call id. It lives in the database (`simulated_calls`,
/// `SimulatedCallStore`), not in a process: AVA runs as several stateless processes on one PostgreSQL, and a
/// call started through one may have its next turn, its hang-up or its page answered by another. Each turn
/// claims the call (a lease, so a process that dies mid-turn does not hold it for ever), reads the
/// conversation, answers, and writes it back.
struct SimulatedCall: Sendable {
    struct Line: Sendable, Equatable, Codable {
        /// `assistant` or `user`.
        var role: String
        var text: String
        var at: Date
    }

    struct ToolCallRecord: Sendable, Equatable, Codable {
        var id: String
        var name: String
        /// The arguments as compact JSON.
        var arguments: String
        var result: String?
        var error: String?
    }

    var callID: UUID
    var orgID: UUID
    var org: WebhookOrg
    var factory: VapiMessageFactory
    var locale: AppLocale
    var startedAt: Date
    var greeting: String
    var systemPrompt: String
    var scripted: Bool
    var lines: [Line] = []
    var toolCalls: [ToolCallRecord] = []
    /// The conversation in OpenAI's chat format (language-model mode).
    var chat: [ChatMessage] = []
    /// Where the scripted receptionist is in the conversation.
    var script = ScriptState()
    var ended = false
    var lastTimestamp: Date
    var lastActivity: Date
    var summary: String?
    var outcome: String?
    /// The claim this copy was taken under (not stored): `release` writes back only while it is still ours.
    var claimID: UUID?
}

// MARK: - Stored form

/// The conversation as the JSON of `simulated_calls.state`. Written by hand for two parts: the organisation
/// (`WebhookOrg`, the webhook's own type) and the message factory, whose clock is a closure: the instant it
/// gives is stored and the clock restored fixed at it, as the engine sets it.
extension SimulatedCall: Codable {
    private enum CodingKeys: String, CodingKey {
        case callID, orgID, org, factory, factoryClock, locale, startedAt, greeting, systemPrompt, scripted, lines, toolCalls, chat,
             script, ended, lastTimestamp, lastActivity, summary, outcome
    }

    private struct StoredOrg: Codable {
        var id: UUID; var name: String; var locale: String; var timezone: String; var country: String; var token: String
    }

    private struct StoredFactory: Codable {
        var callID: String; var phoneNumberID: String?; var dialledNumber: String?; var callerNumber: String
        var callerName: String?; var assistantID: String?
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        callID = try c.decode(UUID.self, forKey: .callID)
        orgID = try c.decode(UUID.self, forKey: .orgID)
        let org = try c.decode(StoredOrg.self, forKey: .org)
        self.org = WebhookOrg(id: org.id, name: org.name, locale: org.locale, timezone: org.timezone, country: org.country, token: org.token)
        let stored = try c.decode(StoredFactory.self, forKey: .factory)
        factory = VapiMessageFactory(callID: stored.callID, phoneNumberID: stored.phoneNumberID, dialledNumber: stored.dialledNumber,
                                     callerNumber: stored.callerNumber, callerName: stored.callerName, assistantID: stored.assistantID)
        if let clock = try c.decodeIfPresent(Date.self, forKey: .factoryClock) { factory.clock = { clock } }
        locale = try c.decode(AppLocale.self, forKey: .locale)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        greeting = try c.decode(String.self, forKey: .greeting)
        systemPrompt = try c.decode(String.self, forKey: .systemPrompt)
        scripted = try c.decode(Bool.self, forKey: .scripted)
        lines = try c.decode([Line].self, forKey: .lines)
        toolCalls = try c.decode([ToolCallRecord].self, forKey: .toolCalls)
        chat = try c.decode([ChatMessage].self, forKey: .chat)
        script = try c.decode(ScriptState.self, forKey: .script)
        ended = try c.decode(Bool.self, forKey: .ended)
        lastTimestamp = try c.decode(Date.self, forKey: .lastTimestamp)
        lastActivity = try c.decode(Date.self, forKey: .lastActivity)
        summary = try c.decodeIfPresent(String.self, forKey: .summary)
        outcome = try c.decodeIfPresent(String.self, forKey: .outcome)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(callID, forKey: .callID)
        try c.encode(orgID, forKey: .orgID)
        try c.encode(StoredOrg(id: org.id, name: org.name, locale: org.locale, timezone: org.timezone, country: org.country, token: org.token),
                     forKey: .org)
        try c.encode(StoredFactory(callID: factory.callID, phoneNumberID: factory.phoneNumberID, dialledNumber: factory.dialledNumber,
                                   callerNumber: factory.callerNumber, callerName: factory.callerName, assistantID: factory.assistantID),
                     forKey: .factory)
        try c.encode(factory.clock(), forKey: .factoryClock)
        try c.encode(locale, forKey: .locale)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(greeting, forKey: .greeting)
        try c.encode(systemPrompt, forKey: .systemPrompt)
        try c.encode(scripted, forKey: .scripted)
        try c.encode(lines, forKey: .lines)
        try c.encode(toolCalls, forKey: .toolCalls)
        try c.encode(chat, forKey: .chat)
        try c.encode(script, forKey: .script)
        try c.encode(ended, forKey: .ended)
        try c.encode(lastTimestamp, forKey: .lastTimestamp)
        try c.encode(lastActivity, forKey: .lastActivity)
        try c.encodeIfPresent(summary, forKey: .summary)
        try c.encodeIfPresent(outcome, forKey: .outcome)
    }

    /// Dates keep their full precision (the default `Double` form, not ISO 8601's seconds): each message has
    /// its own millisecond (`lastTimestamp`) and the page's live cursor is a line's instant.
    static func encoded(_ call: SimulatedCall) throws -> String {
        String(decoding: try JSONEncoder().encode(call), as: UTF8.self)
    }

    static func decoded(_ state: String) throws -> SimulatedCall {
        try JSONDecoder().decode(SimulatedCall.self, from: Data(state.utf8))
    }
}
