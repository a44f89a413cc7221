import AVACore
import Crypto
import Fluent
import SQLKit
import Vapor

/// Sign in with Google or Microsoft: OpenID Connect's authorization-code flow with PKCE (S256), `state`
/// and `nonce`.
///
/// `GET /{locale}/auth/{provider}[?rememberMe=true]` records the flow and sends the browser to the
/// provider; the provider sends it back to `GET /auth/{provider}/callback?code&state` (one address,
/// registered at the provider, whatever the language). Failures land on
/// `GET /{locale}/auth/{provider}/error?reason=...`, a localized page whose URL no longer carries the code.
struct OIDCController {
    /// Binds a flow to the browser that started it, so a state sent to someone else's browser (login CSRF)
    /// is refused. One random value per browser, reused, so two sign-ins started in two tabs both work.
    static let cookieName = "ava_oidc"
    static let scope = "openid email profile"

    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        for provider in OIDCProviderID.allCases {
            routes.get("auth", PathComponent(stringLiteral: provider.rawValue)) { req in try await start(req, provider) }
            routes.get("auth", PathComponent(stringLiteral: provider.rawValue), "error") { req in
                try await failurePage(req, provider)
            }
        }
    }

    /// The callback carries no locale, so it is registered once, outside the per-language routes.
    static func registerCallbacks(on routes: any RoutesBuilder) {
        for provider in OIDCProviderID.allCases {
            routes.get("auth", PathComponent(stringLiteral: provider.rawValue), "callback") { req in
                try await OIDCCallback(request: req, provider: provider).handle()
            }
        }
    }

    // MARK: Start

    private func start(_ req: Request, _ provider: OIDCProviderID) async throws -> Response {
        let config = req.application.appConfig
        guard let client = provider.client(config) else { throw AppError.notFound }
        if req.auth.has(CurrentUser.self) { return req.redirect(to: PageRenderer.path(locale, "/dashboard")) }
        try await req.limitAuthAttempt(route: "oidc-start", identifier: nil)

        let discovery: OIDCDiscovery
        do {
            discovery = try await req.application.oidcDirectory.discovery(at: client.discoveryURL, using: req.oidcHTTP)
        } catch let failure as OIDCFailure {
            return Self.redirect(req, to: failure, provider: provider, locale: locale)
        }
        guard var url = URLComponents(string: discovery.authorizationEndpoint), url.host != nil else {
            req.logger.warning("OpenID discovery has no usable authorization endpoint", metadata: ["provider": "\(provider.rawValue)"])
            return Self.redirect(req, to: .unavailable, provider: provider, locale: locale)
        }
        let state = Self.randomToken(), nonce = Self.randomToken(), verifier = Self.randomToken()
        let browser = Self.browserBinding(of: req) ?? Self.randomToken()
        let now = Date()
        try await OIDCFlow.query(on: req.db).filter(\.$expiresAt < now).delete()
        try await OIDCFlow(
            stateHash: sha256Hex(state), browserHash: sha256Hex(browser), provider: provider, nonce: nonce,
            codeVerifier: verifier, locale: locale.rawValue,
            rememberMe: AuthPagesController.checked(try? req.query.get(String.self, at: "rememberMe")),
            expiresAt: now.addingTimeInterval(OIDCFlow.lifetime)
        ).create(on: req.db)

        url.queryItems = (url.queryItems ?? []) + [
            .init(name: "client_id", value: client.clientID),
            .init(name: "response_type", value: "code"),
            .init(name: "scope", value: Self.scope),
            .init(name: "redirect_uri", value: provider.redirectURI(config)),
            .init(name: "state", value: state),
            .init(name: "nonce", value: nonce),
            .init(name: "code_challenge", value: Self.codeChallenge(for: verifier)),
            .init(name: "code_challenge_method", value: "S256"),
            // People often have several Google or Microsoft accounts: let them pick rather than guess.
            .init(name: "prompt", value: "select_account"),
        ]
        let response = req.redirect(to: url.string ?? discovery.authorizationEndpoint, redirectType: .normal)
        response.cookies[Self.cookieName] = HTTPCookies.Value(
            string: browser, expires: now.addingTimeInterval(OIDCFlow.lifetime), maxAge: Int(OIDCFlow.lifetime),
            domain: nil, path: "/auth", isSecure: config.usesHTTPS, isHTTPOnly: true, sameSite: .lax)
        return response
    }

    // MARK: Failures

    private func failurePage(_ req: Request, _ provider: OIDCProviderID) async throws -> Response {
        let failure = (try? req.query.get(String.self, at: "reason")).flatMap(OIDCFailure.init(rawValue:)) ?? .expired
        return try await PageRenderer.errorPage(req, status: failure.status, message: req.t(failure.messageKey, provider.displayName))
    }

    /// 303 to the failure page: a reload there shows the message again instead of replaying the callback.
    static func redirect(_ req: Request, to failure: OIDCFailure, provider: OIDCProviderID, locale: AppLocale) -> Response {
        req.redirect(to: PageRenderer.path(locale, "/auth/\(provider.rawValue)/error") + "?reason=\(failure.rawValue)",
                     redirectType: .normal)
    }

    // MARK: Helpers

    static func browserBinding(of req: Request) -> String? {
        guard let value = req.cookies[cookieName]?.string, value.count == 43 else { return nil }
        return value
    }

    static func randomToken() -> String { Data([UInt8].random(count: 32)).base64URLEncodedString() }

    /// RFC 7636: BASE64URL(SHA256(verifier)).
    static func codeChallenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString()
    }
}

extension Request {
    var oidcHTTP: OIDCHTTP { OIDCHTTP(client: client, logger: logger) }
}
