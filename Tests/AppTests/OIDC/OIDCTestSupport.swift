@testable import App
import AVACore
import Foundation
import Testing
import Vapor
import VaporTesting

/// Runs `body` with a fake provider and an AVA configured to use it (plus `settings`).
func withOIDC(
    _ flavor: FakeOIDCProvider.Flavor = .google, settings: [String: String] = [:],
    _ body: (Application, FakeOIDCProvider) async throws -> Void
) async throws {
    let provider = try await FakeOIDCProvider.start(flavor)
    do {
        try await withAVA(settings: provider.settings.merging(settings) { _, new in new }) { app in try await body(app, provider) }
    } catch {
        try await provider.stop()
        throw error
    }
    try await provider.stop()
}

extension WebClient {
    /// Clicks "Continue with …" on AVA and lets the provider answer; returns the callback path AVA gets back.
    func authorize(at provider: FakeOIDCProvider, start path: String) async throws -> String {
        let start = try await get(path)
        #expect(start.status == .seeOther, "\(start.body.string)")
        return try await provider.authorize(try #require(start.headers.first(name: .location)))
    }

    /// The whole round trip; returns AVA's answer to the callback.
    func signIn(with provider: FakeOIDCProvider, start path: String = "/fr/auth/google") async throws -> TestingHTTPResponse {
        try await get(try await authorize(at: provider, start: path))
    }
}

/// The callback answered with a session: cookies set, sent on to a signed-in page that opens.
func expectSignedIn(_ res: TestingHTTPResponse, _ web: WebClient, locale: String = "fr",
                    sourceLocation: SourceLocation = #_sourceLocation) async throws {
    #expect(res.status == .seeOther, sourceLocation: sourceLocation)
    let location = res.headers.first(name: .location) ?? ""
    #expect(location.hasPrefix("/\(locale)/") && !location.contains("/error"), "went to \(location)", sourceLocation: sourceLocation)
    #expect(res.headers.setCookie?[AuthCookies.access] != nil, sourceLocation: sourceLocation)
    #expect(try await web.get("/\(locale)/dashboard").status == .ok, sourceLocation: sourceLocation)
}

/// The callback refused: no session, and the browser is sent to a localized page that says why.
func expectRefused(_ res: TestingHTTPResponse, _ failure: OIDCFailure, _ web: WebClient, provider: String = "Google",
                   locale: AppLocale = .fr, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let slug = provider.lowercased()
    #expect(res.status == .seeOther, sourceLocation: sourceLocation)
    #expect(res.headers.first(name: .location) == "/\(locale.rawValue)/auth/\(slug)/error?reason=\(failure.rawValue)",
            sourceLocation: sourceLocation)
    #expect(res.headers.setCookie?[AuthCookies.access] == nil, sourceLocation: sourceLocation)
    let page = try await web.get("/\(locale.rawValue)/auth/\(slug)/error?reason=\(failure.rawValue)")
    #expect(page.status == failure.status, sourceLocation: sourceLocation)
    #expect(page.status.code < 500 || failure == .unavailable, sourceLocation: sourceLocation)
    let message = web.app.translations.text(failure.messageKey, locale, [provider])
    #expect(message != failure.messageKey, "missing translation \(failure.messageKey)", sourceLocation: sourceLocation)
    #expect(page.body.string.contains(htmlEscaped(message)), sourceLocation: sourceLocation)
    #expect(page.body.string.contains("lang=\"\(locale.rawValue)\""), sourceLocation: sourceLocation)
}

/// As Leaf escapes `#(...)` values.
func htmlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;")
}
