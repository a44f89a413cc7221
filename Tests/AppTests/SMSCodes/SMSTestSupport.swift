@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// One API answer, kept whole so tests can compare bodies and look for secrets in them.
struct SMSAnswer: Sendable {
    var status: HTTPStatus
    var headers: HTTPHeaders
    var body: String

    var errorCode: String? { (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.utf8)))?.error.code }
    var errorMessage: String? { (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.utf8)))?.error.message }
}

/// POSTs `json` to `path` and returns the answer.
func postJSON(_ app: Application, _ path: String, _ json: [String: String], headers: HTTPHeaders = [:]) async throws -> SMSAnswer {
    var answer: SMSAnswer?
    try await app.testing().test(.POST, path, headers: headers, beforeRequest: { req in
        try req.content.encode(json, as: .json)
    }, afterResponse: { res throws in
        answer = SMSAnswer(status: res.status, headers: res.headers, body: res.body.string)
    })
    return try #require(answer)
}

func requestCode(_ app: Application, _ phone: String, language: String = "en") async throws -> SMSAnswer {
    try await postJSON(app, "/api/v1/auth/sms-code", ["phone": phone], headers: ["Accept-Language": language])
}

func submitCode(_ app: Application, _ phone: String, _ code: String, language: String = "en") async throws -> SMSAnswer {
    try await postJSON(app, "/api/v1/auth/sms-code/verify", ["phone": phone, "code": code], headers: ["Accept-Language": language])
}

/// The code of the last SMS the development outbox kept for `phone`.
func outboxCode(_ app: Application, _ phone: String) async throws -> String? {
    guard let text = try await latestMail(app, to: phone)?.textBody else { return nil }
    return text.range(of: #"[0-9]{6}"#, options: .regularExpression).map { String(text[$0]) }
}

/// A code that is not `code`.
func wrongCode(_ code: String) -> String { code == "000000" ? "111111" : "000000" }

/// Moves every code row of `phone` `seconds` into the past, as if that time had gone by.
func ageCodes(_ app: Application, phone: String, by seconds: TimeInterval) async throws {
    for row in try await SMSCode.query(on: app.db).filter(\.$phone == phone).all() {
        row.createdAt = row.createdAt.addingTimeInterval(-seconds)
        row.expiresAt = row.expiresAt.addingTimeInterval(-seconds)
        try await row.save(on: app.db)
    }
}

func userWithPhone(_ app: Application, phone: String) async throws -> User {
    try #require(try await User.query(on: app.db).filter(\.$phone == phone).first())
}

/// An account with this phone number, signed up through the API (its phone not yet verified).
@discardableResult
func signUpWithPhone(_ app: Application, _ phone: String = "+33612345678", locale: String? = "fr") async throws -> AuthResponse {
    let response = try await signUp(app, SignupBody(email: uniqueEmail("sms"), phone: phone, locale: locale))
    #expect(response.user.phoneVerified == false)
    return response
}
