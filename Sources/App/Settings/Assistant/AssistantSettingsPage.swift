import AVACore
import Fluent
import Vapor

/// `/{locale}/settings/assistant`: the receptionist's profile after onboarding, the same fields and checks as
/// `PUT /api/v1/assistant` (`AssistantProfileInput`), saved through `AssistantSync` so Vapi is updated in the
/// same step. If Vapi refuses, nothing is saved and its reason is shown.
struct AssistantSettingsPage {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let page = routes.grouped(RequireSignInPage()).grouped("settings", "assistant")
        page.get { req in try await render(req) }
        page.post { req in try await save(req) }
    }

    struct Option: Encodable { var id: String; var label: String; var selected: Bool }
    struct Extra: Encodable {
        var section = "assistant"
        var form: [String: String]
        var voices: [Option]
        var tones: [Option]
        var language: String
        var canEdit: Bool
        var syncError: String?
        var syncedAt: String?
        var sandbox: Bool
        var errors: [String: String]?
        var formError: String?
        var saved: Bool
    }

    private func render(_ req: Request, form typed: [String: String]? = nil, error: AppError? = nil) async throws -> Response {
        let current = try req.requireUser()
        guard let org = try await Org.find(current.orgID, on: req.db) else { throw AppError.notFound }
        let assistant = try await Assistant.forOrg(org, on: req.db)
        let orgLocale = AppLocale(rawValue: org.locale) ?? .fallback
        let rule = AfterHoursRule.from(rulesJSON: assistant.rulesJSON)
        let form = typed ?? [
            "name": assistant.name, "firstMessage": assistant.firstMessage, "systemPrompt": assistant.systemPrompt,
            "voice": assistant.voice ?? DefaultAssistantProfile.voice(orgLocale), "tone": assistant.tone,
            "afterHours": rule.behaviour.rawValue, "afterHoursNumber": rule.number ?? "",
        ]
        let voices = OnboardingVoices.all(orgLocale).map { Option(id: $0.id, label: $0.label, selected: $0.id == form["voice"]) }
        let tones = DefaultAssistantProfile.tones.map { Option(id: $0, label: req.t("tone_\($0)", []), selected: $0 == form["tone"]) }
        var errors: [String: String]?
        var formError: String?
        if let error {
            if let field = error.field { errors = [field: req.message(for: error)] } else { formError = req.message(for: error) }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        formatter.timeZone = TimeZone(identifier: org.timezone)
        formatter.dateStyle = .medium
        formatter.timeStyle = .short
        let extra = Extra(
            form: form, voices: voices, tones: tones, language: req.t("lang_\(orgLocale.rawValue)", []),
            canEdit: current.role != .member,
            syncError: assistant.syncError.map { req.t("error_\($0)", []) },
            syncedAt: assistant.syncedAt.map(formatter.string(from:)), sandbox: req.telephony.isSandbox,
            errors: errors, formError: formError, saved: (try? req.query.get(String.self, at: "saved")) == "1")
        return try await PageRenderer.render(req, "app/settings-assistant", page: "settings", titleKey: "title_settings_assistant",
                                             status: error?.status ?? .ok, extra: extra)
    }

    private func save(_ req: Request) async throws -> Response {
        let current = try req.requireUser()
        var form = (try? req.content.decode([String: String].self)) ?? [:]
        form["_csrf"] = nil
        do {
            guard current.role == .owner || current.role == .admin else { throw AppError.forbiddenRole }
            guard let org = try await Org.find(current.orgID, on: req.db) else { throw AppError.notFound }
            let assistant = try await Assistant.forOrg(org, on: req.db)
            let body = AssistantAPIController.UpdateRequest(
                name: form["name"] ?? "", voice: form["voice"], tone: form["tone"], firstMessage: form["firstMessage"] ?? "",
                systemPrompt: form["systemPrompt"] ?? "", afterHours: form["afterHours"] ?? "message",
                afterHoursNumber: form["afterHoursNumber"] ?? "")
            try AssistantProfileInput.apply(body, to: assistant, defaultCountry: CountryCode(rawValue: org.country) ?? .US)
            try await AssistantSync(req).sync(assistant, org: org)
        } catch let error as AppError {  // a refusal by Vapi (502) too: shown on the form, nothing saved
            return try await render(req, form: form, error: error)
        }
        return req.redirect(to: PageRenderer.path(locale, "/settings/assistant") + "?saved=1", redirectType: .normal)
    }
}
