@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// An owner signed up through the API, with a verified email (numbers need one) unless told otherwise.
struct Owner {
    var auth: AuthResponse
    var headers: HTTPHeaders
    var orgID: UUID
    var userID: UUID

    static func create(_ app: Application, locale: String = "fr", verified: Bool = true) async throws -> Owner {
        let auth = try await signUp(app, SignupBody(email: uniqueEmail("owner"), locale: locale))
        let userID = auth.user.id
        if verified, let user = try await User.find(userID, on: app.db) {
            user.emailVerifiedAt = Date()
            try await user.save(on: app.db)
        }
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: auth.tokens.accessToken)
        headers.replaceOrAdd(name: .acceptLanguage, value: locale)
        return Owner(auth: auth, headers: headers, orgID: auth.organisation.id, userID: userID)
    }
}

/// AVA with both fakes: Vapi (operator key) and Twilio (owners' accounts, plus the platform's).
func withTelephonyFakes(vapi useVapi: Bool = true,
                        _ body: (Application, FakeVapi, FakeTwilio) async throws -> Void) async throws {
    let vapi = try await FakeVapi.start()
    let twilio = try await FakeTwilio.start()
    var settings = twilio.settings(.messages)
    if useVapi { settings.merge(vapi.settings()) { _, new in new } }
    do {
        try await withAVA(settings: settings) { app in try await body(app, vapi, twilio) }
    } catch {
        try await vapi.shutdown()
        try await twilio.shutdown()
        throw error
    }
    let vapiViolations = await vapi.violations
    let twilioViolations = await twilio.violations
    try await vapi.shutdown()
    try await twilio.shutdown()
    #expect(vapiViolations.isEmpty, "requests broke Vapi's contract: \(vapiViolations)")
    #expect(twilioViolations.isEmpty, "requests broke Twilio's contract: \(twilioViolations)")
}

/// Sends a JSON request and returns status and body.
@discardableResult
func send(_ app: Application, _ method: HTTPMethod, _ path: String, _ owner: Owner, json: [String: Any]? = nil)
    async throws -> (status: HTTPStatus, body: String) {
    var result: (HTTPStatus, String) = (.internalServerError, "")
    try await app.testing().test(method, path, headers: owner.headers, beforeRequest: { req in
        if let json {
            req.headers.contentType = .json
            req.body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
        }
    }, afterResponse: { res throws in
        result = (res.status, res.body.string)
    })
    return result
}

func jsonObject(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
}

func errorCode(_ text: String) -> String? { (jsonObject(text)["error"] as? [String: Any])?["code"] as? String }
