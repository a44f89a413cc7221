import AVACore
import Fluent
import Vapor

/// `/{locale}/onboarding`: the five steps from sign-up to the first call (welcome, number, industry,
/// customisation, test call), each a plain form that works without JavaScript. Progress lives on the server.
struct OnboardingPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("onboarding")
        pages.get { req in try await show(req) }
        pages.post(":step") { req in try await submit(req) }
    }

    struct StepView: Encodable { var number: Int; var label: String; var done: Bool; var current: Bool; var reachable: Bool }
    struct IndustryView: Encodable { var key: String; var label: String; var selected: Bool }
    struct VoiceView: Encodable { var id: String; var label: String; var selected: Bool }
    struct NumberView: Encodable { var number: String; var tel: String; var sandbox: Bool }

    struct Extra: Encodable {
        var step: Int
        var stepKey: String
        var steps: [StepView]
        var progress: Int
        var sandbox: Bool
        var recommended: String
        var numbers: [NumberView]
        var industries: [IndustryView]
        var assistant: AssistantForm
        var voices: [VoiceView]
        var tones: [VoiceView]
        var greetingPreview: String
        var businessName: String
        var canSkipTestCall: Bool
        /// Step 5: the call simulator, shown inside the page (its forms come back here).
        var simulator: SimulatorPagesController.Conversation?
        /// Step 5 with `VAPI_PUBLIC_KEY`: a real web call through Vapi's browser SDK.
        var vapiWebCall: VapiWebCall?
        var errors: [String: String]
        var formError: String?
        var form: [String: String]
    }

    struct AssistantForm: Encodable { var name: String; var firstMessage: String; var tone: String }

    /// What `Public/js/vapi-webcall.js` needs. The public key is meant for browsers (it can only start calls).
    struct VapiWebCall: Encodable {
        var publicKey: String
        var assistantId: String
        var sdk: String

        static let sdkURL = "https://cdn.jsdelivr.net/npm/@vapi-ai/web@2/+esm"

        /// The page's policy, widened for Vapi's SDK (its CDN, Vapi's API and the WebRTC service it uses) and for
        /// nothing else; every other page keeps the strict default.
        static let contentSecurityPolicy = [
            "default-src 'self'", "script-src 'self' https://cdn.jsdelivr.net", "style-src 'self'", "img-src 'self' data:",
            "font-src 'self'", "connect-src 'self' https://cdn.jsdelivr.net https://api.vapi.ai wss://*.vapi.ai https://*.daily.co wss://*.daily.co",
            "media-src 'self' blob:", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
            "frame-ancestors 'none'", "frame-src 'self'",
        ].joined(separator: "; ")
    }

    struct StepForm: Content {
        var action: String?
        var industry: String?
        var areaCode: String?
        var accountSid: String?
        var authToken: String?
        var phoneNumber: String?
        var name: String?
        var voice: String?
        var tone: String?
        var firstMessage: String?
    }

    private func show(_ req: Request, asked: Int? = nil, errors: [String: String] = [:], formError: String? = nil,
                      form: [String: String] = [:], status: HTTPStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        let flow = OnboardingFlow(db: req.db, user: user)
        let step = flow.current(asked: asked ?? (try? req.query.get(Int.self, at: "step")))
        try await flow.entered(step)
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let assistant = try await Assistant.forOrg(org, on: req.db)
        let reached = user.user.onboardingStep
        let steps = OnboardingFlow.Step.allCases.map {
            StepView(number: $0.rawValue, label: req.t("onb_step_\($0.key)"), done: $0.rawValue < reached || user.user.onboardingCompleted,
                     current: $0 == step, reachable: $0.rawValue <= reached)
        }
        let records = try await PhoneNumberRecord.query(on: req.db).filter(\.$org.$id == user.orgID).all()
        let country = TelephonyCountry.detect(orgCountry: org.country, acceptLanguage: req.headers.first(name: .acceptLanguage))
        let orgLocale = AppLocale(rawValue: org.locale) ?? locale
        let presets = req.application.industryPresets
        let industries = presets.industries.map { key in
            IndustryView(key: key, label: presets.resolved(key, locale: locale, country: org.country)?.label ?? key,
                         selected: assistant.industry == key)
        }
        let voices = OnboardingVoices.all(orgLocale).map {
            VoiceView(id: $0.id, label: $0.label, selected: ($0.id == (assistant.voice ?? DefaultAssistantProfile.voice(orgLocale))))
        }
        let tones = DefaultAssistantProfile.tones.map { VoiceView(id: $0, label: req.t("tone_\($0)"), selected: assistant.tone == $0) }
        var canSkip = false
        if step == .testCall, let entered = try await flow.enteredAt(.testCall) { canSkip = Date().timeIntervalSince(entered) > 300 }
        var simulator: SimulatorPagesController.Conversation?
        var webCall: VapiWebCall?
        if step == .testCall, let publicKey = req.application.appConfig.vapi?.publicKey,
           let id = assistant.vapiAssistantID, !SandboxTelephony.isSandboxID(id) {
            webCall = VapiWebCall(publicKey: publicKey, assistantId: id, sdk: VapiWebCall.sdkURL)
        }
        if step == .testCall {
            simulator = try await SimulatorPagesController.conversation(req, locale: locale, returnTo: PageRenderer.path(locale, "/onboarding"),
                                                                        embedded: true)
        }
        let preview = assistant.firstMessage.replacingOccurrences(of: "{business}", with: org.name)
            .replacingOccurrences(of: "{name}", with: assistant.name)
        let extra = Extra(
            step: step.rawValue, stepKey: step.key, steps: steps, progress: step.rawValue * 100 / OnboardingFlow.Step.allCases.count,
            sandbox: req.telephony.isSandbox, recommended: TelephonyCountry.recommendedPath(for: country),
            numbers: records.compactMap { record in record.number.map { NumberView(number: PhoneNumberPagesController.display($0),
                                                                                    tel: $0, sandbox: record.isSandbox) } },
            industries: industries, assistant: AssistantForm(name: assistant.name, firstMessage: assistant.firstMessage, tone: assistant.tone),
            voices: voices, tones: tones, greetingPreview: preview, businessName: org.name, canSkipTestCall: canSkip, simulator: simulator, vapiWebCall: webCall, errors: errors, formError: formError,
            form: form)
        let headers: HTTPHeaders = webCall == nil ? [:] : ["Content-Security-Policy": VapiWebCall.contentSecurityPolicy]
        return try await PageRenderer.render(req, "app/onboarding", page: "onboarding", titleKey: "title_onboarding",
                                             status: status, extra: extra, headers: headers)
    }

    private func submit(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let number = req.parameters.get("step", as: Int.self), let step = OnboardingFlow.Step(rawValue: number),
              step.rawValue <= user.user.onboardingStep else { throw AppError.notFound }
        let form = try req.content.decode(StepForm.self)
        let flow = OnboardingFlow(db: req.db, user: user)
        let here = PageRenderer.path(locale, "/onboarding")
        if form.action == "back" {
            return req.redirect(to: here + "?step=\(max(1, step.rawValue - 1))")
        }
        do {
            switch step {
            case .welcome:
                break
            case .number:
                try await numberStep(req, user: user, form: form)
            case .industry:
                guard let industry = form.industry, let org = try await Org.find(user.orgID, on: req.db),
                      let preset = req.application.industryPresets.resolved(industry, locale: AppLocale(rawValue: org.locale) ?? locale,
                                                                             country: org.country) else {
                    return try await show(req, asked: step.rawValue, errors: ["industry": req.t("error_industry_required")],
                                          status: .unprocessableEntity)
                }
                let assistant = try await PresetApplier.apply(preset, org: org, on: req.db)
                try await AssistantSync(req).sync(assistant, org: org)
            case .customise:
                guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
                let assistant = try await Assistant.forOrg(org, on: req.db)
                let body = AssistantAPIController.UpdateRequest(name: form.name, voice: form.voice, tone: form.tone,
                                                                firstMessage: form.firstMessage)
                try AssistantProfileInput.apply(body, to: assistant, defaultCountry: CountryCode(rawValue: org.country) ?? .US)
                try await AssistantSync(req).sync(assistant, org: org)
            case .testCall:
                try await flow.finish()
                return req.redirect(to: PageRenderer.path(locale, "/dashboard", flash: .onboardingDone))
            }
        } catch let error as AppError {
            let message = req.application.translations.text(error.messageKey, req.appLocale, error.messageArguments)
            var echo = ["areaCode": form.areaCode ?? "", "accountSid": form.accountSid ?? "", "phoneNumber": form.phoneNumber ?? "",
                        "name": form.name ?? "", "firstMessage": form.firstMessage ?? ""]
            echo = echo.filter { !$0.value.isEmpty }
            if let field = error.field { return try await show(req, asked: step.rawValue, errors: [field: message], form: echo, status: error.status) }
            return try await show(req, asked: step.rawValue, formError: message, form: echo, status: error.status)
        } catch let failure as TwilioNumberCheck.Failure {
            let error = failure.appError
            return try await show(req, asked: step.rawValue, errors: [error.field ?? "accountSid": req.t(error.messageKey)],
                                  status: .unprocessableEntity)
        }
        try await flow.completed(step)
        return req.redirect(to: here + "?step=\(min(step.rawValue + 1, OnboardingFlow.Step.testCall.rawValue))")
    }

    /// Step 2: a number now (sandbox, free US, or Twilio import), or "later" (with the plan's warning shown before).
    private func numberStep(_ req: Request, user: CurrentUser, form: StepForm) async throws {
        let service = PhoneNumberService(req: req, user: user)
        switch form.action {
        case "later", "next":
            return
        case "sandbox", "create-us":
            _ = try await service.createFreeUS(areaCode: form.areaCode?.isEmpty == false ? form.areaCode! : "415", name: form.name)
        case "import-twilio":
            guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
            let input = try TwilioImportInput.validate(accountSid: form.accountSid ?? "", authToken: form.authToken ?? "",
                                                       phoneNumber: form.phoneNumber ?? "",
                                                       defaultCountry: TelephonyCountry.defaultCountry(for: org.country)).get()
            _ = try await service.importTwilio(input, name: form.name)
        default:
            throw AppError.validation("onboarding_action_invalid", field: nil)
        }
    }
}

/// Voices offered in the customisation step: Azure neural voices native to each language.
enum OnboardingVoices {
    struct Voice { var id: String; var label: String }

    static func all(_ locale: AppLocale) -> [Voice] {
        switch locale {
        case .fr: [Voice(id: "fr-FR-DeniseNeural", label: "Denise"), Voice(id: "fr-FR-HenriNeural", label: "Henri"),
                   Voice(id: "fr-FR-EloiseNeural", label: "Éloïse")]
        case .en: [Voice(id: "en-US-JennyNeural", label: "Jenny"), Voice(id: "en-US-GuyNeural", label: "Guy"),
                   Voice(id: "en-US-AriaNeural", label: "Aria")]
        case .he: [Voice(id: "he-IL-HilaNeural", label: "הילה"), Voice(id: "he-IL-AvriNeural", label: "אברי")]
        }
    }
}
