import AVACore
import Vapor

/// Every route of AVA, by capability.
func routes(_ app: Application) throws {
    // /healthz, /readyz, /metrics: no session, no CSRF, cheap (Platform/Observability).
    registerObservabilityRoutes(app)
    // JSON API: bearer tokens (or the web's cookies), JSON bodies only, JSON errors.
    let api = app.grouped("api", "v1").grouped(SessionAuthenticator())
    try api.register(collection: AuthAPIController())
    try api.register(collection: MagicLinkAPIController())
    try api.register(collection: PasswordResetAPIController())
    try api.register(collection: TwoFactorAPIController())
    try api.register(collection: SMSCodeAPIController())
    try api.register(collection: OpenAPIController())
    try api.register(collection: BookingSettingsAPIController())
    try api.register(collection: AppointmentsAPIController())
    try api.register(collection: OwnerMessagesAPIController())
    try api.register(collection: PhoneNumberAPIController())
    try api.register(collection: AssistantAPIController())
    try api.register(collection: OnboardingAPIController())
    // Vapi's server messages: authenticated by the organisation's path token (and secrets), not by a session.
    try app.grouped("api", "v1").register(collection: VapiWebhookController())
    try api.register(collection: CalendarFeedAPIController())
    try api.register(collection: LiveCallsController())
    try api.register(collection: CallHistoryAPIController())
    try api.register(collection: SimulatorAPIController())
    try api.register(collection: DashboardAPIController())
    try api.register(collection: TeamAPIController())
    try api.register(collection: AccountAPIController())
    try api.register(collection: EmailChangeAPIController())

    // Pages: cookies, CSRF-protected forms, localized under /{locale}.
    let web = app.grouped(CSRFMiddleware(secureCookies: app.appConfig.usesHTTPS), SessionAuthenticator())
    LandingController.register(root: web)
    for locale in AppLocale.allCases {
        let localized = web.grouped(PathComponent(stringLiteral: locale.rawValue))
        LandingController.register(localized: localized)
        AuthPagesController(locale: locale).register(on: localized)
        MagicLinkPagesController(locale: locale).register(on: localized)
        PasswordResetPagesController(locale: locale).register(on: localized)
        TwoFactorPagesController(locale: locale).register(on: localized)
        SMSLoginPagesController(locale: locale).register(on: localized)
        OIDCController(locale: locale).register(on: localized)
        ShellController().register(on: localized)
        PhoneNumberPagesController(locale: locale).register(on: localized)
        OnboardingPagesController(locale: locale).register(on: localized)
        OperatorFunnelPage().register(on: localized)
        BookingSettingsPagesController(locale: locale).register(on: localized)
        StaffHoursPagesController(locale: locale).register(on: localized)
        AppointmentPagesController(locale: locale).register(on: localized)
        SimulatorPagesController(locale: locale).register(on: localized)
        MessagesPageController(locale: locale).register(on: localized)
        AssistantSettingsPage(locale: locale).register(on: localized)
        TeamPagesController(locale: locale).register(on: localized)
        AccountPagesController(locale: locale).register(on: localized)
        EmailChangePagesController(locale: locale).register(on: localized)
        CallHistoryPagesController(locale: locale).register(on: localized)
    }

    OIDCController.registerCallbacks(on: web)
    // Calendar apps fetch the private feed with no cookie and no CSRF token: the address is the key.
    CalendarFeedController.register(on: app)

    if !app.appConfig.isProduction && app.appConfig.smtpURL == nil {
        try web.register(collection: OutboxController())
    }
}
