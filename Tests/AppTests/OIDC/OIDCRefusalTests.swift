@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("Sign in with Google and Microsoft: what is refused")
struct OIDCRefusalTests {
    @Test func aForgedOrMissingStateIsRefused() async throws {
        try await withOIDC { app, google in
            let web = WebClient(app)
            let callback = try await web.authorize(at: google, start: "/fr/auth/google")
            let forged = callback.replacingOccurrences(of: "state=", with: "state=x")
            try await expectRefused(try await web.get(forged), .expired, web)
            let code = try #require(URLComponents(string: callback)?.queryItems?.first { $0.name == "code" }?.value)
            try await expectRefused(try await web.get("/auth/google/callback?code=\(code)"), .expired, web)
            // A state is for the provider it was made for.
            let microsoft = callback.replacingOccurrences(of: "/auth/google/", with: "/auth/microsoft/")
            #expect(try await web.get(microsoft).status == .notFound)  // Microsoft is not configured here
            try await expectSignedIn(try await web.get(callback), web)  // the real one still works
        }
    }

    @Test func aCallbackInAnotherBrowserIsRefused() async throws {
        try await withOIDC { app, google in
            let victim = WebClient(app)
            // Login CSRF: an attacker starts a flow, then gets someone else's browser to open its callback.
            let attacker = WebClient(app)
            let callback = try await attacker.authorize(at: google, start: "/fr/auth/google")
            try await expectRefused(try await victim.get(callback), .expired, victim)
            attacker.cookies[OIDCController.cookieName] = nil
            try await expectRefused(try await attacker.get(callback), .expired, attacker)
            #expect(try await User.query(on: app.db).count() == 0)
        }
    }

    @Test func aStateWorksOnce() async throws {
        try await withOIDC { app, google in
            let web = WebClient(app)
            let callback = try await web.authorize(at: google, start: "/fr/auth/google")
            try await expectSignedIn(try await web.get(callback), web)
            try await expectRefused(try await web.get(callback), .expired, web)
            #expect(try await AuthSession.query(on: app.db).count() == 1)
        }
    }

    @Test("a token that fails a check is refused", arguments: [
        FakeOIDCProvider.Fault.badSignature, .wrongAudience, .wrongIssuer, .expired, .wrongNonce,
    ])
    func spoiledTokensAreRefused(fault: FakeOIDCProvider.Fault) async throws {
        try await withOIDC { app, google in
            await google.state.set(fault: fault)
            let web = WebClient(app)
            try await expectRefused(try await web.signIn(with: google), .invalid, web)
            #expect(try await User.query(on: app.db).count() == 0)
            #expect(try await AuthSession.query(on: app.db).count() == 0)
        }
    }

    @Test func anUnknownKeyIsLookedUpAgainAndARotatedKeyIsAccepted() async throws {
        try await withOIDC { app, google in
            let web = WebClient(app)
            try await expectSignedIn(try await web.signIn(with: google), web)
            #expect(await google.state.jwksFetches == 1)
            let again = WebClient(app)
            try await expectSignedIn(try await again.signIn(with: google), again)
            #expect(await google.state.jwksFetches == 1)  // cached

            await google.state.set(fault: .unknownKid)
            let refused = WebClient(app)
            try await expectRefused(try await refused.signIn(with: google), .invalid, refused)
            #expect(await google.state.jwksFetches == 2)  // looked again before refusing

            await google.state.clearFault()
            await google.state.rotate(to: "key-2", key: TestKeys.second)
            let rotated = WebClient(app)
            try await expectSignedIn(try await rotated.signIn(with: google), rotated)
            #expect(await google.state.jwksFetches == 3)
        }
    }

    @Test func cancellingAtTheProviderExplainsItself() async throws {
        try await withOIDC { app, google in
            await google.state.set(authorizeError: "access_denied")
            let web = WebClient(app)
            web.acceptLanguage = "en"  // the flow's language wins over the browser's
            try await expectRefused(try await web.signIn(with: google, start: "/he/auth/google"), .cancelled, web, locale: .he)
            #expect(try await OIDCFlow.query(on: app.db).filter(\.$usedAt == nil).count() == 0)  // used up
        }
    }

    @Test func aProviderThatIsDownIsExplainedNotA500() async throws {
        // Nothing listens on port 1.
        try await withAVA(settings: ["GOOGLE_CLIENT_ID": "id", "GOOGLE_CLIENT_SECRET": "secret",
                                     "GOOGLE_DISCOVERY_URL": "http://127.0.0.1:1/.well-known/openid-configuration"]) { app in
            let web = WebClient(app)
            let res = try await web.get("/en/auth/google")
            try await expectRefused(res, .unavailable, web, locale: .en)
        }
        // Down between the redirect and the callback: the code cannot be exchanged.
        try await withOIDC { app, google in
            let web = WebClient(app)
            let callback = try await web.authorize(at: google, start: "/fr/auth/google")
            await google.app.server.shutdown()
            try await expectRefused(try await web.get(callback), .unavailable, web)
        }
    }

    @Test func aWrongClientSecretIsRefusedByTheProvider() async throws {
        try await withOIDC(settings: ["GOOGLE_CLIENT_SECRET": "not-the-secret"]) { app, google in
            let web = WebClient(app)
            try await expectRefused(try await web.signIn(with: google), .invalid, web)
        }
    }

    @Test func discoveryURLsHaveDefaultsAndAreChecked() throws {
        let noKey: (String) throws -> String = { _ in "generated-development-key-0123456789abcdef" }
        let config = try AppConfig.load(from: ["GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "s",
                                               "MICROSOFT_CLIENT_ID": "m", "MICROSOFT_CLIENT_SECRET": "s"],
                                        isProduction: false, generatedSecretKey: noKey)
        #expect(config.google?.discoveryURL == "https://accounts.google.com/.well-known/openid-configuration")
        #expect(config.microsoft?.discoveryURL == "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration")
        let error = try #require(throws: ConfigurationErrors.self) {
            try AppConfig.load(from: ["GOOGLE_DISCOVERY_URL": "accounts.google.com"], isProduction: false, generatedSecretKey: noKey)
        }
        #expect(error.description.contains("GOOGLE_DISCOVERY_URL"))
    }
}
