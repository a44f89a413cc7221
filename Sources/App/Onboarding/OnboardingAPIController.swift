import AVACore
import Fluent
import Vapor

/// `/api/v1/onboarding…`: where the owner stands in the wizard, the industry presets, and finishing.
struct OnboardingAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let onboarding = routes.grouped("onboarding")
        onboarding.get(use: state)
        onboarding.get("preset", use: preset)
        onboarding.post("industry", use: applyIndustry)
        onboarding.post("complete", use: complete)
    }

    struct State: Content {
        var step: Int
        var stepKey: String
        var completed: Bool
        var industries: [String]
    }

    struct IndustryRequest: Content { var industry: String? }

    @Sendable func state(req: Request) async throws -> State {
        let user = try req.requireUser()
        let step = OnboardingFlow(db: req.db, user: user).current(asked: nil)
        return State(step: step.rawValue, stepKey: step.key, completed: user.user.onboardingCompleted,
                     industries: req.application.industryPresets.industries)
    }

    /// `?industry=health&locale=he`: the preset in that language (the request's language by default), with the
    /// hours of the signed-in organisation's country (or the language's country without a session).
    @Sendable func preset(req: Request) async throws -> ResolvedPreset {
        let industry = (try? req.query.get(String.self, at: "industry")) ?? ""
        let locale = (try? req.query.get(String.self, at: "locale")).flatMap(AppLocale.init(rawValue:)) ?? req.appLocale
        if let raw = try? req.query.get(String.self, at: "locale"), AppLocale(rawValue: raw) == nil {
            throw AppError.validation("locale_invalid", field: "locale")
        }
        var country = locale.defaultCountry.rawValue
        if let user = req.auth.get(CurrentUser.self), let org = try await Org.find(user.orgID, on: req.db) { country = org.country }
        guard let preset = req.application.industryPresets.resolved(industry, locale: locale, country: country) else {
            throw AppError.validation("industry_required", field: "industry")
        }
        return preset
    }

    /// Applies the industry's preset (assistant, services, hours) and syncs the assistant; completes step 3.
    @Sendable func applyIndustry(req: Request) async throws -> AssistantDTO {
        let user = try req.requireUser()
        guard user.role == .owner || user.role == .admin else { throw AppError.forbiddenRole }
        let body = try req.decodeJSON(IndustryRequest.self)
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        guard let preset = req.application.industryPresets.resolved(body.industry ?? "", locale: AppLocale(rawValue: org.locale) ?? .fallback,
                                                                     country: org.country) else {
            throw AppError.validation("industry_required", field: "industry")
        }
        let assistant = try await PresetApplier.apply(preset, org: org, on: req.db)
        try await AssistantSync(req).sync(assistant, org: org)
        let flow = OnboardingFlow(db: req.db, user: user)
        if user.user.onboardingStep >= OnboardingFlow.Step.industry.rawValue { try await flow.completed(.industry) }
        return AssistantDTO(assistant, sandbox: req.telephony.isSandbox)
    }

    @Sendable func complete(req: Request) async throws -> State {
        let user = try req.requireUser()
        try await OnboardingFlow(db: req.db, user: user).finish()
        return try await state(req: req)
    }
}
