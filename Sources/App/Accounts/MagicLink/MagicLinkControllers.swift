import AVACore
import Vapor

/// `POST /api/v1/auth/magic-link`: API clients ask for a link (the link itself opens a page).
struct MagicLinkAPIController: RouteCollection {
    struct MagicLinkRequest: Content { var email: String?; var rememberMe: Bool? }

    func boot(routes: any RoutesBuilder) throws {
        routes.post("auth", "magic-link") { req async throws -> Response in
            let body = try req.decodeJSON(MagicLinkRequest.self)
            try await MagicLinkService(request: req).requestLink(email: body.email ?? "", rememberMe: body.rememberMe ?? false)
            return try await AcceptedResponse(accepted: true).encodeResponse(status: .accepted, for: req)
        }
    }
}

/// The pages: asking from the login form, "check your inbox", and opening the link.
struct MagicLinkPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        routes.post("login", "magic-link", use: requestLink)
        routes.get("auth", "magic", use: open)
    }

    struct SentExtra: Encodable { var email: String }
    struct InvalidExtra: Encodable { var heading: String; var message: String; var kind: String; var email: String }

    @Sendable func requestLink(req: Request) async throws -> Response {
        let form = (try? req.content.decode(AuthPagesController.LoginForm.self)) ?? AuthPagesController.LoginForm()
        let identifier = (form.identifier ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            guard identifier.contains("@") else { throw AppError.validation("magic_link_email", field: "identifier") }
            try await MagicLinkService(request: req).requestLink(email: identifier, rememberMe: AuthPagesController.checked(form.rememberMe))
        } catch let error as AppError {
            return try await AuthPagesController(locale: locale).renderLogin(req, form: form, error: error)
        }
        return try await PageRenderer.render(req, "magic-link-sent", page: "login", titleKey: "title_magic_link_sent",
                                             extra: SentExtra(email: identifier.lowercased()))
    }

    @Sendable func open(req: Request) async throws -> Response {
        let secret = (try? req.query.get(String.self, at: "token")) ?? ""
        try await req.limitAuthAttempt(route: "magic-link-open", identifier: nil)
        switch try await MagicLinkService(request: req).redeem(secret: secret) {
        case .signIn(let user, let rememberMe):
            return try await SignInFlow(request: req).webResponse(for: user, rememberMe: rememberMe, method: .magicLink, locale: locale)
        case .invalid(let email):
            return try await Self.invalidLink(req, kind: "magic_link", email: email ?? "")
        }
    }

    static func invalidLink(_ req: Request, kind: String, email: String) async throws -> Response {
        try await PageRenderer.render(req, "link-invalid", page: "login", titleKey: "title_link_invalid", status: .gone,
            extra: InvalidExtra(heading: req.t("link_invalid_heading"), message: req.t("error_link_invalid"), kind: kind, email: email))
    }
}
