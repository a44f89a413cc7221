import AVACore
import Fluent
import Vapor

/// Makes the organisation's receptionist profile (`Assistant`, AVA's table `avas`) the assistant Vapi runs:
/// created at Vapi when first needed, patched with the whole profile whenever it changes, so Vapi never
/// keeps a stale part. In the sandbox the profile stays in AVA's database.
struct AssistantSync {
    let provider: any TelephonyProvider
    let db: any Database
    let publicURL: String
    let webhookSecret: String?
    let logger: Logger

    init(_ req: Request) {
        provider = req.telephony
        db = req.db
        publicURL = req.application.appConfig.publicURL
        webhookSecret = req.application.appConfig.vapiWebhookSecret
        logger = req.logger
    }

    /// Vapi cuts calls at 10 minutes unless told otherwise; a receptionist call rarely lasts 30.
    static let maxDurationSeconds = 1800
    /// Vapi waits this long for AVA's webhook answers (tool calls); AVA answers in milliseconds.
    static let serverTimeoutSeconds = 20

    /// Pushes the profile; returns the provider's assistant id (nil in the sandbox). On failure the reason is
    /// kept on the profile (`sync_error`) for the settings page, and the error is thrown as the user's error.
    @discardableResult
    func sync(_ assistant: Assistant, org: Org) async throws -> String? {
        let token = try await org.ensureWebhookToken(on: db)
        let request = Self.vapiRequest(assistant, org: org, webhookURL: Self.webhookURL(publicURL: publicURL, token: token),
                                       webhookSecret: webhookSecret)
        do {
            let id = try await provider.upsertAssistant(id: SandboxTelephony.isSandboxID(assistant.vapiAssistantID) ? nil
                                                            : assistant.vapiAssistantID, request)
            assistant.vapiAssistantID = id
            assistant.syncedAt = Date()
            assistant.syncError = nil
            try await assistant.save(on: db)
            return id
        } catch let error as VapiError {
            // The profile's new values are not saved (Vapi did not take them); only the failure is noted.
            if let id = assistant.id {
                try? await Assistant.query(on: db).filter(\.$id == id).set(\.$syncError, to: error.appError.code).update()
            }
            throw error.appError
        }
    }

    /// The assistant's provider id, syncing first when it has never reached the provider (a new
    /// organisation, or one that left the sandbox since).
    func ensureSynced(_ assistant: Assistant, org: Org) async throws -> String? {
        if provider.isSandbox { return nil }
        if let id = assistant.vapiAssistantID, !SandboxTelephony.isSandboxID(id) { return id }
        return try await sync(assistant, org: org)
    }

    static func webhookURL(publicURL: String, token: String) -> String {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        return "\(base)/api/v1/webhooks/vapi/\(token)"
    }

    /// The whole Vapi assistant for a profile: prompt in `model.messages`, AVA's tools in `model.tools`,
    /// voice and transcriber in the organisation's language, AVA's webhook, an explicit maximum duration
    /// and a post-call summary.
    static func vapiRequest(_ assistant: Assistant, org: Org, webhookURL: String, webhookSecret: String? = nil) -> VapiAssistantRequest {
        let locale = AppLocale(rawValue: org.locale) ?? .fallback
        let fill = { (text: String) in text.replacingOccurrences(of: "{business}", with: org.name)
            .replacingOccurrences(of: "{name}", with: assistant.name) }
        let prompt = fill(assistant.systemPrompt) + "\n\n" + DefaultAssistantProfile.toneInstruction(assistant.tone, locale)
            + "\n" + Self.timeContext(org: org, locale: locale)
        return VapiAssistantRequest(
            name: String(assistant.name.prefix(40)),
            firstMessage: fill(assistant.firstMessage),
            model: VapiModel(systemPrompt: prompt, tools: ReceptionistToolDeclarations.vapiTools(locale)),
            voice: VapiVoice(provider: "azure", voiceId: assistant.voice ?? DefaultAssistantProfile.voice(locale)),
            transcriber: .deepgram(language: locale.rawValue),
            server: VapiServer(url: webhookURL, timeoutSeconds: serverTimeoutSeconds,
                               headers: webhookSecret.map { ["X-Vapi-Secret": $0] }),
            maxDurationSeconds: maxDurationSeconds,
            analysisPlan: .summary)
    }

    /// The model does not know where the business is: tools speak local times, and so must it.
    private static func timeContext(org: Org, locale: AppLocale) -> String {
        switch locale {
        case .fr: "Les horaires sont ceux du fuseau \(org.timezone). Pour les disponibilités, utilise toujours les outils."
        case .en: "Times are in the \(org.timezone) time zone. Always use the tools for availability."
        case .he: "השעות הן לפי אזור הזמן \(org.timezone). לזמינות, השתמשי תמיד בכלים."
        }
    }
}

extension Org {
    /// The secret of this organisation's webhook path, made on first use (256 random bits, base64url).
    func ensureWebhookToken(on db: any Database) async throws -> String {
        if let webhookToken { return webhookToken }
        let token = Data([UInt8].random(count: 32)).base64URLEncodedString()
        webhookToken = token
        try await save(on: db)
        return token
    }
}

extension Assistant {
    /// The organisation's receptionist profile, made with the defaults of its language when it has none.
    static func forOrg(_ org: Org, on db: any Database) async throws -> Assistant {
        let orgID = try org.requireID()
        if let existing = try await Assistant.query(on: db).filter(\.$org.$id == orgID).first() { return existing }
        let locale = AppLocale(rawValue: org.locale) ?? .fallback
        let assistant = Assistant()
        assistant.$org.id = orgID
        assistant.name = DefaultAssistantProfile.name
        assistant.tone = DefaultAssistantProfile.tone
        assistant.voice = DefaultAssistantProfile.voice(locale)
        assistant.firstMessage = DefaultAssistantProfile.firstMessage(locale)
        assistant.systemPrompt = DefaultAssistantProfile.systemPrompt(locale)
        assistant.rulesJSON = "{}"
        do {
            try await assistant.create(on: db)
            return assistant
        } catch where (error as? any DatabaseError)?.isConstraintFailure == true {
            // Two requests made it at once; the unique index kept one.
            guard let winner = try await Assistant.query(on: db).filter(\.$org.$id == orgID).first() else { throw error }
            return winner
        }
    }
}
