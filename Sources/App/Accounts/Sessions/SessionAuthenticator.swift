import Fluent
import JWT
import Vapor

/// Finds the signed-in user of a request: `Authorization: Bearer <access token>` (API clients) or the
/// access cookie (the web). When the web's access token has expired, the refresh cookie renews both
/// tokens transparently on this request.
struct SessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var renewed: SessionService.IssuedTokens?
        if let bearer = request.headers.bearerAuthorization?.token {
            try await authenticate(accessToken: bearer, request: request)
        } else if !cookiesAllowed(request) {
            // A cookie-carrying API call that changes state without the CSRF header: treat as signed out.
        } else if let cookie = request.cookies[AuthCookies.access]?.string, !cookie.isEmpty {
            try await authenticate(accessToken: cookie, request: request)
        }
        if !request.auth.has(CurrentUser.self), request.headers.bearerAuthorization == nil, cookiesAllowed(request),
           let refresh = request.cookies[AuthCookies.refresh]?.string, !refresh.isEmpty,
           request.url.path != "/api/v1/auth/refresh", request.url.path != "/api/v1/auth/logout" {
            if let tokens = try? await request.sessions.refresh(refresh, allowGrace: true) {
                try await authenticate(accessToken: tokens.accessToken, request: request)
                // Only a session that still stands gets its cookies renewed.
                if request.auth.has(CurrentUser.self) { renewed = tokens }
            }
        }
        let response = try await next.respond(to: request)
        if let renewed, !response.cookies.all.keys.contains(AuthCookies.access) {
            AuthCookies.set(renewed, on: response, secure: request.application.appConfig.usesHTTPS)
        }
        return response
    }

    /// Cookies ride along on cross-site requests too. Pages check a CSRF token on every form post; the
    /// API accepts the web's cookies for reading, and for changes only with the `X-CSRF-Token` header
    /// (which a cross-site form cannot set) matching the CSRF cookie.
    private func cookiesAllowed(_ request: Request) -> Bool {
        guard request.isAPI, ![.GET, .HEAD].contains(request.method) else { return true }
        guard let header = request.headers.first(name: "X-CSRF-Token"),
              let cookie = request.cookies[CSRFMiddleware.cookieName]?.string else { return false }
        return constantTimeEquals(header, cookie)
    }

    private func authenticate(accessToken: String, request: Request) async throws {
        guard let payload = try? await request.jwt.verify(accessToken, as: AccessTokenPayload.self),
              let userID = UUID(uuidString: payload.sub.value), let sessionID = UUID(uuidString: payload.sid)
        else { return }
        guard let session = try await AuthSession.find(sessionID, on: request.db), session.isActive(),
              session.$user.id == userID,
              let user = try await User.find(userID, on: request.db),
              let membership = try await OrgUser.query(on: request.db).filter(\.$user.$id == userID)
                .sort(\.$createdAt).first()
        else { return }
        request.auth.login(CurrentUser(user: user, sessionID: sessionID, orgID: membership.$org.id, role: membership.role))
    }
}

/// Pages behind sign-in: a signed-out visitor is sent to the login page of the page's language.
struct RequireSignInPage: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(CurrentUser.self) else {
            return request.redirect(to: PageRenderer.path(request.appLocale, "/login"))
        }
        return try await next.respond(to: request)
    }
}
