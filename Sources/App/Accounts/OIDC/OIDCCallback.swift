import AVACore
import Fluent
import SQLKit
import Vapor

/// `GET /auth/{provider}/callback`: the provider sends the browser back here with `code` and `state`
/// (or `error`). The state must name a live flow of this provider, started by this browser, and is used
/// up at once; then the code is traded for an ID token, the token verified, and the user signed in.
/// Every failure sends the browser to a localized explanation, never to a bare error.
struct OIDCCallback {
    let request: Request
    let provider: OIDCProviderID

    private struct Query: Decodable {
        var code: String?
        var state: String?
        var error: String?
    }

    func handle() async throws -> Response {
        guard let client = provider.client(request.application.appConfig) else { throw AppError.notFound }
        try await request.limitAuthAttempt(route: "oidc-callback", identifier: nil)
        let query = (try? request.query.decode(Query.self)) ?? Query()
        var locale = request.appLocale
        do {
            let flow = try await claimFlow(state: query.state)
            locale = AppLocale(rawValue: flow.locale) ?? locale
            if let error = query.error { throw Self.failure(forProviderError: error) }
            guard let code = query.code, !code.isEmpty, code.utf8.count <= 4096 else { throw OIDCFailure.invalid }

            let http = request.oidcHTTP
            let directory = request.application.oidcDirectory
            let discovery = try await directory.discovery(at: client.discoveryURL, using: http)
            let idToken = try await http.exchange(code: code, at: discovery.tokenEndpoint, client: client,
                                                  redirectURI: provider.redirectURI(request.application.appConfig),
                                                  codeVerifier: flow.codeVerifier)
            let identity = try await OIDCTokenVerifier(provider: provider, discovery: discovery, clientID: client.clientID,
                                                       nonce: flow.nonce, http: http, directory: directory).verify(idToken)
            let user = try await OIDCAccounts(request: request).user(for: identity, locale: locale)
            return try await SignInFlow(request: request)
                .webResponse(for: user, rememberMe: flow.rememberMe, method: provider.signInMethod, locale: locale)
        } catch let failure as OIDCFailure {
            return OIDCController.redirect(request, to: failure, provider: provider, locale: locale)
        }
    }

    /// Finds the flow by the state's hash (the lookup reveals nothing of the state; the browser binding is
    /// compared in constant time) and marks it used in one conditional update, so a replay or a race loses.
    private func claimFlow(state: String?) async throws -> OIDCFlow {
        let now = Date()
        guard let state, !state.isEmpty, state.utf8.count <= 200,
              let flow = try await OIDCFlow.query(on: request.db).filter(\.$stateHash == sha256Hex(state)).first(),
              flow.provider == provider.rawValue, flow.usedAt == nil, flow.expiresAt > now
        else { throw OIDCFailure.expired }
        guard let browser = OIDCController.browserBinding(of: request),
              constantTimeEquals(sha256Hex(browser), flow.browserHash) else {
            request.logger.warning("OpenID callback from a browser that did not start the flow")
            throw OIDCFailure.expired
        }
        guard try await request.db.claimOnce(OIDCFlow.schema, id: flow.id!, at: now) else { throw OIDCFailure.expired }
        return flow
    }

    /// RFC 6749 §4.1.2.1 error codes, as the user should understand them.
    static func failure(forProviderError error: String) -> OIDCFailure {
        switch error {
        case "access_denied", "consent_required", "interaction_required", "login_required", "account_selection_required":
            .cancelled
        case "server_error", "temporarily_unavailable":
            .unavailable
        default:
            .invalid
        }
    }
}
