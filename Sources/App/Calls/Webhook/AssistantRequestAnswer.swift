import AVACore
import Fluent
import Vapor

/// `assistant-request`: which assistant answers this call. Vapi gives up after 7.5 s; this reads cached settings.
struct AssistantRequestAnswer {
    let app: Application
    let db: any Database

    func answer(_ message: VapiServerMessage, org: WebhookOrg, locale: AppLocale) async throws -> WebhookAnswer {
        guard let profile = try await AnsweringProfile.load(orgID: org.id, on: db), numberBelongs(message, profile) else {
            return WebhookAnswer(error: AfterHoursRule.unknownNumber(locale))
        }
        let orgModel = profile.org
        let assistant = profile.assistant
        let open = try await BookingContext.load(orgID: org.id, on: db).isOpen(at: Date())
        let webhook = AssistantSync.webhookURL(publicURL: app.appConfig.publicURL, token: org.token)
        if open {
            if let id = assistant.vapiAssistantID, !SandboxTelephony.isSandboxID(id) { return WebhookAnswer(assistantId: id) }
            return WebhookAnswer(assistant: AssistantSync.vapiRequest(assistant, org: orgModel, webhookURL: webhook,
                                                                      webhookSecret: app.appConfig.vapiWebhookSecret))
        }
        let rule = AfterHoursRule.from(rulesJSON: assistant.rulesJSON)
        if rule.behaviour == .transfer, let number = rule.number, PhoneNumber(e164: number) != nil {
            return WebhookAnswer(destination: .init(number: number, message: AfterHoursRule.transferMessage(locale)))
        }
        var closed = AssistantSync.vapiRequest(assistant, org: orgModel, webhookURL: webhook,
                                               webhookSecret: app.appConfig.vapiWebhookSecret)
        closed.firstMessage = AfterHoursRule.greeting(locale).replacingOccurrences(of: "{business}", with: orgModel.name)
        if let prompt = closed.model.systemPrompt {
            closed.model.messages = [VapiMessage(role: "system", content: prompt + "\n" + AfterHoursRule.instruction(locale))]
        }
        return WebhookAnswer(assistant: closed)
    }

    /// The number called is one of the organisation's (by Vapi's id, or by the digits). A message that names
    /// no number at all (a web call) is the organisation's by its token.
    private func numberBelongs(_ message: VapiServerMessage, _ profile: AnsweringProfile) -> Bool {
        if message.phoneNumberID == nil, message.dialledNumber == nil { return true }
        return profile.number(vapiID: message.phoneNumberID, e164: message.dialledNumber) != nil
    }
}

/// `transfer-destination-request`: the human to reach now, or an error the assistant says.
struct TransferAnswer {
    let db: any Database

    func answer(org: WebhookOrg, callID: UUID?, locale: AppLocale) async throws -> WebhookAnswer {
        // One (cached) read gives both the number and the hours, as the booking engine's transferTarget tool sees them.
        let booking = try await BookingContext.load(orgID: org.id, on: db)
        guard let number = booking.transferNumber, PhoneNumber(e164: number) != nil, booking.isOpen(at: Date()) else {
            return WebhookAnswer(error: AfterHoursRule.nobodyAvailable(locale))
        }
        if let callID {
            try await Call.query(on: db).filter(\.$id == callID).set(\.$outcome, to: "transferred").update()
        }
        return WebhookAnswer(destination: .init(number: number, message: AfterHoursRule.transferMessage(locale)),
                             message: .init(content: AfterHoursRule.transferMessage(locale)))
    }
}
