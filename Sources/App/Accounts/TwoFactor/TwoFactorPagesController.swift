import AVACore
import Vapor

/// The second-factor pages: the code asked at sign-in, and its settings (set up, recovery codes, turn off).
struct TwoFactorPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        routes.get("login", "2fa", use: challengePage)
        routes.post("login", "2fa", use: completeChallenge)
        let security = routes.grouped(RequireSignInPage()).grouped("settings", "security", "2fa")
        security.post("setup", use: setUp)
        security.post("enable", use: enable)
        security.post("disable", use: disable)
    }

    struct ChallengeExtra: Encodable { var formError: String? }
    struct SetupExtra: Encodable { var secret: String; var otpauthURL: String; var qrSVG: String?; var formError: String? }
    struct CodesExtra: Encodable { var recoveryCodes: [String] }
    struct CodeForm: Content { var code: String?; var password: String? }

    @Sendable func challengePage(req: Request) async throws -> Response {
        guard let pending = req.cookies[TwoFactorChallenge.cookieName]?.string, !pending.isEmpty else {
            return req.redirect(to: PageRenderer.path(locale, "/login"))
        }
        return try await PageRenderer.render(req, "login-2fa", page: "login", titleKey: "title_login_2fa", extra: ChallengeExtra())
    }

    @Sendable func completeChallenge(req: Request) async throws -> Response {
        let form = (try? req.content.decode(CodeForm.self)) ?? CodeForm()
        let secret = req.cookies[TwoFactorChallenge.cookieName]?.string ?? ""
        do {
            let (user, payload) = try await TwoFactorChallenge(request: req).complete(secret: secret, code: form.code ?? "")
            let response = try await SignInFlow(request: req).completeForWeb(user: user, rememberMe: payload.rememberMe, method: payload.method, locale: locale)
            TwoFactorChallenge.clearCookie(on: response, secure: req.application.appConfig.usesHTTPS)
            return response
        } catch let error as AppError {
            if error.code == AppError.challengeExpired.code {
                let response = try await PageRenderer.render(req, "login", page: "login", titleKey: "title_login", status: error.status,
                    extra: AuthPagesController.LoginExtra(req, locale: locale, formError: req.t(error.messageKey)))
                TwoFactorChallenge.clearCookie(on: response, secure: req.application.appConfig.usesHTTPS)
                return response
            }
            return try await PageRenderer.render(req, "login-2fa", page: "login", titleKey: "title_login_2fa", status: error.status,
                                                 extra: ChallengeExtra(formError: req.t(error.messageKey, error.messageArguments)), headers: error.headers)
        }
    }

    @Sendable func setUp(req: Request) async throws -> Response {
        let current = try req.requireUser()
        if current.user.twoFAEnabled { return req.redirect(to: PageRenderer.path(locale, "/settings"), redirectType: .normal) }
        let secret = try await TwoFactorService(request: req).setUp(current.user)
        return try await renderSetup(req, secret: secret, user: current.user)
    }

    @Sendable func enable(req: Request) async throws -> Response {
        let current = try req.requireUser()
        let form = (try? req.content.decode(CodeForm.self)) ?? CodeForm()
        let service = TwoFactorService(request: req)
        do {
            try await req.limitAuthAttempt(route: "2fa-enable", identifier: current.user.email)
            let codes = try await service.enable(current.user, code: form.code ?? "")
            return try await PageRenderer.render(req, "app/security-recovery-codes", page: "settings", titleKey: "title_security",
                                                 extra: CodesExtra(recoveryCodes: codes))
        } catch let error as AppError where error.code == "code_invalid" || error.code == "rate_limited" {
            return try await renderSetup(req, secret: try service.pendingSecret(current.user), user: current.user,
                                         error: req.t(error.messageKey, error.messageArguments), status: error.status)
        }
    }

    @Sendable func disable(req: Request) async throws -> Response {
        let current = try req.requireUser()
        let form = (try? req.content.decode(CodeForm.self)) ?? CodeForm()
        do {
            try await req.limitAuthAttempt(route: "2fa-disable", identifier: current.user.email)
            try await TwoFactorService(request: req).disable(current.user, code: form.code, password: form.password)
            return req.redirect(to: PageRenderer.path(locale, "/settings", flash: .twoFactorDisabled), redirectType: .normal)
        } catch let error as AppError {
            return try await SettingsPage.render(req, user: current.user, formError: req.t(error.messageKey, error.messageArguments), status: error.status)
        }
    }

    private func renderSetup(_ req: Request, secret: TOTPSecret, user: User, error: String? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let otpauthURL = secret.otpauthURL(account: user.email)
        // QRCode throws only past 2 331 bytes; without it the page still offers the link and the key.
        let qrSVG = try? QRCode(otpauthURL).svg(title: req.t("security_2fa_qr_title"))
        return try await PageRenderer.render(req, "app/security-2fa-setup", page: "settings", titleKey: "title_security", status: status,
            extra: SetupExtra(secret: secret.grouped, otpauthURL: otpauthURL, qrSVG: qrSVG, formError: error))
    }
}
