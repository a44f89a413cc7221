import AVACore
import Vapor

/// `/{locale}/login/sms`: signing in with a texted code, as plain forms that work without JavaScript.
/// Step one takes the number (`phone`, or the login form's `identifier`) and sends the code; step two
/// takes the code. Errors re-render the step with the visitor's input and the right status.
struct SMSLoginPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        routes.get("login", "sms", use: phonePage)
        routes.post("login", "sms", use: sendCode)
        routes.post("login", "sms", "verify", use: verifyCode)
    }

    struct SendForm: Content { var phone: String?; var identifier: String?; var rememberMe: String? }
    struct VerifyForm: Content { var phone: String?; var code: String?; var rememberMe: String? }

    struct Extra: Encodable {
        /// "phone" (type the number) or "code" (type the code).
        var step: String
        var phone = ""
        var phoneE164 = "" {
            // A number has no letter to set its direction: the mark keeps "+972…" reading left to right in Hebrew.
            didSet { phoneShown = "\u{200E}" + phoneE164 }
        }
        var phoneShown = ""
        var rememberMe = false
        var errors: [String: String]?
        var formError: String?
        var defaultCountry: String
        /// Development without Twilio: the text is in the outbox, and the page says where.
        var outboxHint: Bool
    }

    @Sendable func phonePage(req: Request) async throws -> Response {
        if req.auth.has(CurrentUser.self) { return req.redirect(to: PageRenderer.path(locale, "/dashboard")) }
        // `?phone=` carries the number over from the login page's link.
        var page = extra(step: "phone", req)
        page.phone = (try? req.query.get(String.self, at: "phone")).map { String($0.prefix(32)) } ?? ""
        return try await render(req, page)
    }

    @Sendable func sendCode(req: Request) async throws -> Response {
        let form = (try? req.content.decode(SendForm.self)) ?? SendForm()
        let typed = form.phone ?? form.identifier ?? ""
        var page = extra(step: "phone", req)
        page.phone = typed
        page.rememberMe = AuthPagesController.checked(form.rememberMe)
        let phone: PhoneNumber
        do {
            phone = try SMSSignIn.parsePhone(typed, country: locale.defaultCountry)
        } catch let error as AppError {
            return try await render(req, page, error: error)
        }
        page.phoneE164 = phone.e164
        do {
            try await SMSSignIn(request: req).sendCode(to: phone, locale: locale)
        } catch let error as AppError {
            // Asked again too soon: the code already sent still works, so stay on the code step.
            if error.code == "sms_resend_wait" { page.step = "code" }
            return try await render(req, page, error: error)
        }
        page.step = "code"
        return try await render(req, page)
    }

    @Sendable func verifyCode(req: Request) async throws -> Response {
        let form = (try? req.content.decode(VerifyForm.self)) ?? VerifyForm()
        var page = extra(step: "code", req)
        page.rememberMe = AuthPagesController.checked(form.rememberMe)
        let phone: PhoneNumber
        do {
            phone = try SMSSignIn.parsePhone(form.phone, country: locale.defaultCountry)
        } catch let error as AppError {
            page.step = "phone"
            page.phone = form.phone ?? ""
            return try await render(req, page, error: error)
        }
        page.phone = phone.e164
        page.phoneE164 = phone.e164
        do {
            let user = try await SMSSignIn(request: req).verify(phone: phone, code: form.code ?? "")
            return try await SignInFlow(request: req).webResponse(for: user, rememberMe: page.rememberMe, method: .smsCode, locale: locale)
        } catch let error as AppError {
            return try await render(req, page, error: error)
        }
    }

    private func extra(step: String, _ req: Request) -> Extra {
        let config = req.application.appConfig
        let outbox: Bool = if case .outbox = SMSRoute(config) { config.smtpURL == nil } else { false }
        return Extra(step: step, defaultCountry: locale.defaultCountry.rawValue, outboxHint: outbox)
    }

    /// The page, with `error` shown beside its field (or above the form) and its status and headers.
    private func render(_ req: Request, _ page: Extra, error: AppError? = nil) async throws -> Response {
        var page = page
        if let error {
            let message = req.t(error.messageKey, error.messageArguments)
            if let field = error.field, field == (page.step == "code" ? "code" : "phone") {
                page.errors = [field: message]
            } else {
                page.formError = message
            }
        }
        let response = try await PageRenderer.render(req, "login-sms", page: "login", titleKey: "sms_title",
                                                     status: error?.status ?? .ok, extra: page)
        for (name, value) in error?.headers ?? [:] { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}
