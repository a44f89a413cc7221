import AVACore
import Fluent
import Vapor

/// `/{locale}/signup`, `/{locale}/login`, logout and "resend the verification email": plain HTML forms
/// that work without JavaScript. Errors re-render the form with the user's input and the right status.
struct AuthPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        routes.get("signup", use: signupPage)
        routes.post("signup", use: signup)
        routes.get("login", use: loginPage)
        routes.post("login", use: login)
        routes.post("logout", use: logout)
        routes.post("verify-email", "resend", use: resendVerification)
    }

    // MARK: Sign-up

    struct SignupForm: Content {
        var name: String?
        var email: String?
        var phone: String?
        var password: String?
        var acceptTerms: String?
        var newsletter: String?
    }

    struct SignupExtra: Encodable {
        struct Values: Encodable { var name = ""; var email = ""; var phone = ""; var acceptTerms = false; var newsletter = false }
        var form = Values()
        var errors: [String: String]?
        var formError: String?
        var defaultCountry: String
    }

    @Sendable func signupPage(req: Request) async throws -> Response {
        if req.auth.has(CurrentUser.self) { return req.redirect(to: PageRenderer.path(locale, "/dashboard")) }
        return try await renderSignup(req, SignupExtra(defaultCountry: locale.defaultCountry.rawValue))
    }

    @Sendable func signup(req: Request) async throws -> Response {
        let form = (try? req.content.decode(SignupForm.self)) ?? SignupForm()
        var extra = SignupExtra(
            form: .init(name: form.name ?? "", email: form.email ?? "", phone: form.phone ?? "",
                        acceptTerms: Self.checked(form.acceptTerms), newsletter: Self.checked(form.newsletter)),
            defaultCountry: locale.defaultCountry.rawValue)
        let input = SignupService.Input(
            email: form.email ?? "", phone: form.phone, name: form.name ?? "", password: form.password ?? "",
            acceptTerms: Self.checked(form.acceptTerms), newsletter: Self.checked(form.newsletter), locale: locale)
        if case .failure(let errors) = SignupService.validate(input) {
            extra.errors = errors.messages(req)
            return try await renderSignup(req, extra, status: .unprocessableEntity)
        }
        do {
            let user = try await SignupService(request: req).signUp(input)
            return try await SignInFlow(request: req).completeForWeb(user: user, rememberMe: false, method: .password,
                                                                     locale: locale, flash: .welcome)
        } catch let error as AppError {
            if let field = error.field {
                extra.errors = [field: req.t(error.messageKey, error.messageArguments)]
            } else {
                extra.formError = req.t(error.messageKey, error.messageArguments)
            }
            return try await renderSignup(req, extra, status: error.status, headers: error.headers)
        }
    }

    private func renderSignup(_ req: Request, _ extra: SignupExtra, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]) async throws -> Response {
        try await PageRenderer.render(req, "signup", page: "signup", titleKey: "title_signup", status: status, extra: extra, headers: headers)
    }

    // MARK: Login

    struct LoginForm: Content {
        var identifier: String?
        var password: String?
        var rememberMe: String?
    }

    struct LoginExtra: Encodable {
        struct Values: Encodable { var identifier = ""; var rememberMe = false }
        var form = Values()
        var formError: String?
        var defaultCountry: String
        /// Each provider's button shows only when its client id and secret are configured.
        var oauthGoogle: Bool
        var oauthMicrosoft: Bool

        init(_ req: Request, locale: AppLocale, form: Values = Values(), formError: String? = nil) {
            self.form = form
            self.formError = formError
            defaultCountry = locale.defaultCountry.rawValue
            oauthGoogle = req.application.appConfig.google != nil
            oauthMicrosoft = req.application.appConfig.microsoft != nil
        }
    }

    @Sendable func loginPage(req: Request) async throws -> Response {
        if req.auth.has(CurrentUser.self) { return req.redirect(to: PageRenderer.path(locale, "/dashboard")) }
        return try await PageRenderer.render(req, "login", page: "login", titleKey: "title_login", extra: LoginExtra(req, locale: locale))
    }

    @Sendable func login(req: Request) async throws -> Response {
        let form = (try? req.content.decode(LoginForm.self)) ?? LoginForm()
        do {
            let user = try await LoginService(request: req).authenticate(
                identifier: form.identifier ?? "", password: form.password ?? "", locale: locale)
            return try await SignInFlow(request: req).webResponse(for: user, rememberMe: Self.checked(form.rememberMe),
                                                                  method: .password, locale: locale)
        } catch let error as AppError {
            return try await renderLogin(req, form: form, error: error)
        }
    }

    /// The login page again, with what the user typed and what went wrong (status kept).
    func renderLogin(_ req: Request, form: LoginForm, error: AppError) async throws -> Response {
        let values = LoginExtra.Values(identifier: form.identifier ?? "", rememberMe: Self.checked(form.rememberMe))
        return try await PageRenderer.render(req, "login", page: "login", titleKey: "title_login", status: error.status,
                                             extra: LoginExtra(req, locale: locale, form: values, formError: req.t(error.messageKey, error.messageArguments)),
                                             headers: error.headers)
    }

    // MARK: Logout and verification

    @Sendable func logout(req: Request) async throws -> Response {
        if let current = req.auth.get(CurrentUser.self) {
            try await req.sessions.revoke(sessionID: current.sessionID, reason: "logout")
        }
        req.auth.logout(CurrentUser.self)
        let response = req.redirect(to: PageRenderer.path(locale, "/login", flash: .signedOut), redirectType: .normal)
        AuthCookies.clear(on: response, secure: req.application.appConfig.usesHTTPS)
        return response
    }

    @Sendable func resendVerification(req: Request) async throws -> Response {
        guard let current = req.auth.get(CurrentUser.self) else {
            return req.redirect(to: PageRenderer.path(locale, "/login"), redirectType: .normal)
        }
        if !current.user.isEmailVerified {
            try await req.limitAuthAttempt(route: "verify-email-resend", identifier: current.user.email)
            await EmailVerification(request: req).send(to: current.user)
        }
        return req.redirect(to: PageRenderer.path(locale, "/dashboard", flash: .verificationSent), redirectType: .normal)
    }

    // MARK: Helpers

    static func checked(_ value: String?) -> Bool {
        guard let value = value?.lowercased() else { return false }
        return ["true", "on", "1", "yes"].contains(value)
    }
}

extension Request {
    func t(_ key: String, _ arguments: [String]) -> String {
        application.translations.text(key, appLocale, arguments)
    }
}
