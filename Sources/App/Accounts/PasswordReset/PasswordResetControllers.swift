import AVACore
import Vapor

/// `POST /api/v1/auth/password-reset` and `/password-reset/confirm`.
struct PasswordResetAPIController: RouteCollection {
    struct ResetRequest: Content { var email: String? }
    struct ConfirmRequest: Content { var token: String?; var password: String? }

    func boot(routes: any RoutesBuilder) throws {
        let reset = routes.grouped("auth", "password-reset")
        reset.post { req async throws -> Response in
            let body = try req.decodeJSON(ResetRequest.self)
            try await PasswordResetService(request: req).requestReset(email: body.email ?? "")
            return try await AcceptedResponse(accepted: true).encodeResponse(status: .accepted, for: req)
        }
        reset.post("confirm") { req async throws -> HTTPStatus in
            let body = try req.decodeJSON(ConfirmRequest.self)
            _ = try await PasswordResetService(request: req).reset(secret: body.token ?? "", newPassword: body.password ?? "")
            return .noContent
        }
    }
}

/// `/{locale}/forgot-password` and `/{locale}/reset-password?token=`.
struct PasswordResetPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        routes.get("forgot-password", use: forgotPage)
        routes.post("forgot-password", use: requestReset)
        routes.get("reset-password", use: resetPage)
        routes.post("reset-password", use: reset)
    }

    struct ForgotForm: Content { var email: String? }
    struct ForgotExtra: Encodable {
        struct Values: Encodable { var email = "" }
        var form = Values(); var formError: String?; var sent = false
    }
    struct ResetForm: Content { var token: String?; var password: String? }
    struct ResetExtra: Encodable { var token: String; var errors: [String: String]?; var formError: String? }

    @Sendable func forgotPage(req: Request) async throws -> Response {
        try await PageRenderer.render(req, "forgot-password", page: "login", titleKey: "title_forgot_password", extra: ForgotExtra())
    }

    @Sendable func requestReset(req: Request) async throws -> Response {
        let form = (try? req.content.decode(ForgotForm.self)) ?? ForgotForm()
        var extra = ForgotExtra(form: .init(email: (form.email ?? "").trimmingCharacters(in: .whitespaces)))
        do {
            try await PasswordResetService(request: req).requestReset(email: form.email ?? "")
            extra.sent = true
            return try await PageRenderer.render(req, "forgot-password", page: "login", titleKey: "title_forgot_password", extra: extra)
        } catch let error as AppError {
            extra.formError = req.t(error.messageKey, error.messageArguments)
            return try await PageRenderer.render(req, "forgot-password", page: "login", titleKey: "title_forgot_password",
                                                 status: error.status, extra: extra, headers: error.headers)
        }
    }

    @Sendable func resetPage(req: Request) async throws -> Response {
        let secret = (try? req.query.get(String.self, at: "token")) ?? ""
        let (token, user) = try await PasswordResetService(request: req).check(secret: secret)
        guard token != nil else {
            return try await MagicLinkPagesController.invalidLink(req, kind: "password_reset", email: user?.email ?? "")
        }
        return try await PageRenderer.render(req, "reset-password", page: "login", titleKey: "title_reset_password",
                                             extra: ResetExtra(token: secret))
    }

    @Sendable func reset(req: Request) async throws -> Response {
        let form = (try? req.content.decode(ResetForm.self)) ?? ResetForm()
        let secret = form.token ?? ""
        do {
            _ = try await PasswordResetService(request: req).reset(secret: secret, newPassword: form.password ?? "")
            let response = req.redirect(to: PageRenderer.path(locale, "/login", flash: .passwordReset), redirectType: .normal)
            AuthCookies.clear(on: response, secure: req.application.appConfig.usesHTTPS)
            return response
        } catch let error as AppError where error.code == AppError.linkInvalid.code {
            return try await MagicLinkPagesController.invalidLink(req, kind: "password_reset", email: "")
        } catch let error as AppError {
            let message = req.t(error.messageKey, error.messageArguments)
            let extra = error.field == "password" ? ResetExtra(token: secret, errors: ["password": message])
                                                  : ResetExtra(token: secret, formError: message)
            return try await PageRenderer.render(req, "reset-password", page: "login", titleKey: "title_reset_password",
                                                 status: error.status, extra: extra, headers: error.headers)
        }
    }
}
