@testable import App
import CryptoExtras
import Foundation
import JWT
import Testing
import Vapor
import VaporTesting

/// An OpenID provider on loopback, in the test process: discovery, JWKS, an authorize endpoint that
/// answers at once for `person`, and a token endpoint that checks the code, the client secret and the PKCE
/// verifier before returning an ID token signed with a real RSA key. `fault` spoils the token on purpose.
final class FakeOIDCProvider: Sendable {
    enum Flavor: Sendable { case google, microsoft }
    enum Fault: Sendable { case badSignature, wrongAudience, wrongIssuer, expired, wrongNonce, unknownKid }

    struct Person: Sendable {
        var subject = UUID().uuidString
        var email: String? = uniqueEmail("oidc")
        var emailVerified: Bool? = true
        var name: String? = "Noa Levi"
        /// Microsoft only.
        var tenant: String? = nil
        var xmsEdov: Bool? = nil
    }

    /// What the provider knows and what it saw, behind an actor because the routes run concurrently.
    actor State {
        var person = Person()
        var fault: Fault?
        var authorizeError: String?
        /// Keys published in the JWKS, by kid; `signingKid` signs.
        var published: [String: RSAPrivateKey]
        var signingKid = "key-1"
        var jwksFetches = 0
        var lastAuthorize: [String: String] = [:]
        var grants: [String: (challenge: String, nonce: String, redirectURI: String)] = [:]

        let flavor: Flavor
        let clientID: String
        let clientSecret: String
        var baseURL = ""

        init(key: RSAPrivateKey, flavor: Flavor, clientID: String, clientSecret: String) {
            published = ["key-1": key]
            self.flavor = flavor; self.clientID = clientID; self.clientSecret = clientSecret
        }

        func listening(on port: Int) { baseURL = "http://127.0.0.1:\(port)" }

        func set(person: Person? = nil, fault: Fault?? = nil, authorizeError: String?? = nil) {
            if let person { self.person = person }
            if let fault { self.fault = fault }
            if let authorizeError { self.authorizeError = authorizeError }
        }

        func clearFault() { fault = nil }

        /// Key rotation: the provider now publishes and signs with this key only.
        func rotate(to kid: String, key: RSAPrivateKey) { published = [kid: key]; signingKid = kid }
        func countJWKSFetch() { jwksFetches += 1 }
        func authorized(_ query: [String: String]) { lastAuthorize = query }
        func grant(_ code: String, _ value: (String, String, String)) { grants[code] = value }
        func take(_ code: String) -> (challenge: String, nonce: String, redirectURI: String)? { grants.removeValue(forKey: code) }
    }

    let app: Application
    let port: Int
    let flavor: Flavor
    let clientID: String
    let clientSecret: String
    let state: State

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var discoveryURL: String { "\(baseURL)/.well-known/openid-configuration" }
    /// As Microsoft's `common` endpoint publishes it.
    var discoveryIssuer: String { flavor == .google ? baseURL : "\(baseURL)/{tenantid}/v2.0" }

    /// The settings that point AVA at this provider.
    var settings: [String: String] {
        let prefix = flavor == .google ? "GOOGLE" : "MICROSOFT"
        return ["\(prefix)_CLIENT_ID": clientID, "\(prefix)_CLIENT_SECRET": clientSecret, "\(prefix)_DISCOVERY_URL": discoveryURL]
    }

    private init(app: Application, port: Int, flavor: Flavor, clientID: String, clientSecret: String, state: State) {
        self.app = app; self.port = port; self.flavor = flavor; self.clientID = clientID; self.clientSecret = clientSecret; self.state = state
    }

    static func start(_ flavor: Flavor = .google) async throws -> FakeOIDCProvider {
        let app = try await Application.make(.testing)
        let clientID = "ava-\(flavor)-client.apps.example", clientSecret = "s3cret-\(UUID().uuidString)"
        let state = State(key: TestKeys.first, flavor: flavor, clientID: clientID, clientSecret: clientSecret)
        do {
            installRoutes(on: app, state: state)  // before the server starts: its responder is built then
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            await state.listening(on: port)
            return FakeOIDCProvider(app: app, port: port, flavor: flavor, clientID: clientID, clientSecret: clientSecret, state: state)
        } catch {
            await app.server.shutdown()
            try await app.asyncShutdown()
            throw error
        }
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    /// What the user's browser does at the provider: open the authorize URL, get redirected back.
    /// Returns AVA's callback path with its query.
    func authorize(_ url: String) async throws -> String {
        let components = try #require(URLComponents(string: url))
        #expect(components.port == port, "AVA sent the browser to \(url)")
        var location: String?
        try await app.testing().test(.GET, components.path + "?" + (components.percentEncodedQuery ?? ""), afterResponse: { res throws in
            #expect(res.status == .seeOther, "\(res.body.string)")
            location = res.headers.first(name: .location)
        })
        let target = try #require(location)
        let back = try #require(URLComponents(string: target))
        return back.path + "?" + (back.percentEncodedQuery ?? "")
    }
}
