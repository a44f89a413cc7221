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
            return try await signIn(req, user: user, rememberMe: false, to: "/dashboard", flash: .welcome)
        } catch let error as AppError {
            if let field = error.field {
                extra.errors = [field: req.t(error.messageKey, error.messageArguments)]
            } else {
                extra.formError = req.t(error.messageKey, error.messageArguments)
            }
            let response = try await renderSignup(req, extra, status: error.status)
            for (name, value) in error.headers { response.headers.replaceOrAdd(name: name, value: value) }
            return response
        }
    }

    private func renderSignup(_ req: Request, _ extra: SignupExtra, status: HTTPResponseStatus = .ok) async throws -> Response {
        try await PageRenderer.render(req, "signup", page: "signup", titleKey: "title_signup", status: status, extra: extra)
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
    }

    @Sendable func loginPage(req: Request) async throws -> Response {
        if req.auth.has(CurrentUser.self) { return req.redirect(to: PageRenderer.path(locale, "/dashboard")) }
        return try await PageRenderer.render(req, "login", page: "login", titleKey: "title_login",
                                             extra: LoginExtra(defaultCountry: locale.defaultCountry.rawValue))
    }

    @Sendable func login(req: Request) async throws -> Response {
        let form = (try? req.content.decode(LoginForm.self)) ?? LoginForm()
        var extra = LoginExtra(form: .init(identifier: form.identifier ?? "", rememberMe: Self.checked(form.rememberMe)),
                               defaultCountry: locale.defaultCountry.rawValue)
        do {
            let user = try await LoginService(request: req).authenticate(
                identifier: form.identifier ?? "", password: form.password ?? "", locale: locale)
            return try await signIn(req, user: user, rememberMe: Self.checked(form.rememberMe), to: "/dashboard", flash: nil)
        } catch let error as AppError {
            extra.formError = req.t(error.messageKey, error.messageArguments)
            let response = try await PageRenderer.render(req, "login", page: "login", titleKey: "title_login",
                                                         status: error.status, extra: extra)
            for (name, value) in error.headers { response.headers.replaceOrAdd(name: name, value: value) }
            return response
        }
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

    private func signIn(_ req: Request, user: User, rememberMe: Bool, to path: String, flash: Flash?) async throws -> Response {
        let tokens = try await req.sessions.start(userID: user.id!, rememberMe: rememberMe)
        // 303: the browser follows with a GET, so a reload does not post the form again.
        let response = req.redirect(to: PageRenderer.path(locale, path, flash: flash), redirectType: .normal)
        AuthCookies.set(tokens, on: response, secure: req.application.appConfig.usesHTTPS)
        return response
    }

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
