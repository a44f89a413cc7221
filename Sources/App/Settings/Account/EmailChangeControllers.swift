import AVACore
import Vapor

/// `POST /api/v1/account/email` (ask, signed in) and `POST /api/v1/account/email/confirm` (the emailed token:
/// no session needed, as the link may be opened on another device).
struct EmailChangeAPIController: RouteCollection {
    struct ChangeRequest: Content { var newEmail: String?; var password: String? }
    struct ChangePending: Content { var pendingEmail: String; var expiresAt: Date }
    struct ConfirmRequest: Content { var token: String? }
    struct Confirmed: Content { var email: String }

    func boot(routes: any RoutesBuilder) throws {
        let email = routes.grouped("account", "email")
        email.post { req async throws -> Response in
            let current = try req.requireUser()
            let body = try req.decodeJSON(ChangeRequest.self)
            let pending = try await EmailChangeService(req: req).request(user: current, newEmail: body.newEmail ?? "", password: body.password ?? "")
            return try await ChangePending(pendingEmail: pending.email, expiresAt: pending.expiresAt).encodeResponse(status: .accepted, for: req)
        }
        email.post("confirm") { req async throws -> Confirmed in
            let body = try req.decodeJSON(ConfirmRequest.self)
            let user = try await EmailChangeService(req: req).confirm(secret: body.token ?? "", signedIn: req.auth.get(CurrentUser.self))
            return Confirmed(email: user.email)
        }
    }
}

/// `/{locale}/account/email/confirm?token=`: the emailed link shows what will change and a button (a plain
/// POST form: mail scanners that open links must not use the token up), then the result.
struct EmailChangePagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let confirm = routes.grouped("account", "email", "confirm")
        confirm.get { req in try await show(req) }
        confirm.post { req in try await confirmPost(req) }
    }

    struct Extra: Encodable {
        /// "confirm", "done" or "invalid".
        var state: String
        var token: String?
        var newEmail: String?
        var heading: String
        var message: String?
        var formError: String?
        var signedIn: Bool
    }

    private func show(_ req: Request) async throws -> Response {
        let secret = (try? req.query.get(String.self, at: "token")) ?? ""
        guard let pending = try await EmailChangeService(req: req).pending(secret: secret) else { return try await invalid(req) }
        return try await render(req, Extra(state: "confirm", token: secret, newEmail: pending.email, heading: req.t("email_change_page_heading"),
                                           message: req.t("email_change_page_lead", pending.email), signedIn: req.auth.has(CurrentUser.self)))
    }

    private func confirmPost(_ req: Request) async throws -> Response {
        let secret = (try? req.content.get(String.self, at: "token")) ?? ""
        let signedIn = req.auth.get(CurrentUser.self)
        do {
            let user = try await EmailChangeService(req: req).confirm(secret: secret, signedIn: signedIn)
            // The page is drawn for the account as it is now (its banner named the old, unverified address).
            if let signedIn, signedIn.user.id == user.id {
                req.auth.login(CurrentUser(user: user, sessionID: signedIn.sessionID, orgID: signedIn.orgID, role: signedIn.role))
            }
            return try await render(req, Extra(state: "done", newEmail: user.email, heading: req.t("email_change_done_heading"),
                                               message: req.t("email_change_done_text", user.email), signedIn: signedIn != nil))
        } catch let error as AppError where error.code == AppError.linkInvalid.code {
            return try await invalid(req)
        } catch let error as AppError where error.status.code < 500 {
            let pending = try await EmailChangeService(req: req).pending(secret: secret)
            return try await render(req, Extra(state: pending == nil ? "invalid" : "confirm", token: pending == nil ? nil : secret,
                                               newEmail: pending?.email, heading: req.t("email_change_page_heading"),
                                               message: pending.map { req.t("email_change_page_lead", $0.email) },
                                               formError: req.message(for: error), signedIn: signedIn != nil), status: error.status)
        }
    }

    private func invalid(_ req: Request) async throws -> Response {
        try await render(req, Extra(state: "invalid", heading: req.t("link_invalid_heading"), message: req.t("error_email_change_link_invalid"),
                                    signedIn: req.auth.has(CurrentUser.self)), status: .gone)
    }

    private func render(_ req: Request, _ extra: Extra, status: HTTPResponseStatus = .ok) async throws -> Response {
        try await PageRenderer.render(req, "email-change", page: "login", titleKey: "title_email_change", status: status, extra: extra)
    }
}
