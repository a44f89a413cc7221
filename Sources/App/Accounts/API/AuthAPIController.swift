import AVACore
import Fluent
import Vapor

/// `/api/v1/auth/...` and `/api/v1/me`: accounts for API clients, with tokens in JSON.
struct AuthAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let auth = routes.grouped("auth")
        auth.post("signup", use: signup)
        auth.post("login", use: login)
        auth.post("refresh", use: refresh)
        auth.post("logout", use: logout)
        auth.get("verify-email", use: verifyEmail)
        auth.post("verify-email", "resend", use: resendVerification)
        routes.get("me", use: me)
    }

    @Sendable func signup(req: Request) async throws -> Response {
        let body = try req.decodeJSON(SignupRequest.self)
        let locale = body.locale.flatMap(AppLocale.init(rawValue:)) ?? req.appLocale
        let user = try await SignupService(request: req).signUp(.init(
            email: body.email ?? "", phone: body.phone, name: body.name ?? "", password: body.password ?? "",
            acceptTerms: body.acceptTerms ?? false, newsletter: body.newsletter ?? false, locale: locale))
        return try await SignInFlow(request: req).completeForAPI(user: user, rememberMe: false, method: .password, status: .created)
    }

    @Sendable func login(req: Request) async throws -> Response {
        let body = try req.decodeJSON(LoginRequest.self)
        let user = try await LoginService(request: req).authenticate(
            identifier: body.identifier ?? "", password: body.password ?? "", locale: req.appLocale)
        return try await SignInFlow(request: req).apiResponse(for: user, rememberMe: body.rememberMe ?? false, method: .password)
    }

    @Sendable func refresh(req: Request) async throws -> SessionTokensDTO {
        let body = try req.decodeJSON(RefreshRequest.self)
        guard let token = body.refreshToken, !token.isEmpty else { throw AppError.refreshInvalid }
        return SessionTokensDTO(try await req.sessions.refresh(token))
    }

    /// Ends the session of the bearer token (or of the refresh token given in the body).
    @Sendable func logout(req: Request) async throws -> HTTPStatus {
        if let current = req.auth.get(CurrentUser.self) {
            try await req.sessions.revoke(sessionID: current.sessionID, reason: "logout")
            return .noContent
        }
        if req.headers.contentType != nil, let body = try? req.decodeJSON(RefreshRequest.self), let token = body.refreshToken,
           let stored = try await RefreshToken.query(on: req.db).filter(\.$tokenHash == sha256Hex(token)).first() {
            try await req.sessions.revoke(sessionID: stored.$session.id, reason: "logout")
            return .noContent
        }
        throw AppError.unauthorized
    }

    /// The link in the verification email. Browsers are sent on to a page; API clients get JSON.
    @Sendable func verifyEmail(req: Request) async throws -> Response {
        let secret = (try? req.query.get(String.self, at: "token")) ?? ""
        // Browsers send text/html first; `*/*` alone (curl) is not a request for JSON.
        let wantsJSON = req.headers.accept.mediaTypes.first.map { $0.type == "application" && $0.subType == "json" } ?? false
        try await req.limitAuthAttempt(route: "verify-email", identifier: nil)
        do {
            let user = try await EmailVerification(request: req).verify(secret: secret)
            if wantsJSON { return try await VerifyEmailResponse(emailVerified: true).encodeResponse(for: req) }
            let locale = req.appLocale
            let signedIn = req.auth.get(CurrentUser.self)?.userID == user.id
            return req.redirect(to: PageRenderer.path(locale, signedIn ? "/dashboard" : "/login", flash: .emailVerified))
        } catch let error as AppError where !wantsJSON && error.code == AppError.tokenInvalid.code {
            return try await VerificationPages.invalidLink(req)
        }
    }

    @Sendable func resendVerification(req: Request) async throws -> Response {
        let current = try req.requireUser()
        guard !current.user.isEmailVerified else {
            throw AppError(status: .conflict, code: "already_verified", messageKey: "error_already_verified")
        }
        try await req.limitAuthAttempt(route: "verify-email-resend", identifier: current.user.email)
        await EmailVerification(request: req).send(to: current.user)
        let response = Response(status: .accepted)
        try response.content.encode(AcceptedResponse(accepted: true))
        return response
    }

    @Sendable func me(req: Request) async throws -> AccountDTO {
        let current = try req.requireUser()
        return AccountDTO(user: UserDTO(current.user), organisation: try await OrganisationDTO.primary(of: current.user, on: req.db))
    }
}
