@testable import App
import Fluent
import SQLKit
import Testing
import VaporTesting

@Suite("Signing in through the API")
struct LoginAPITests {
    func login(_ app: Application, _ identifier: String, _ password: String, headers: HTTPHeaders = [:],
               check: (TestingHTTPResponse) throws -> Void) async throws {
        try await app.testing().test(.POST, "/api/v1/auth/login", headers: headers, beforeRequest: { req in
            try req.content.encode(["identifier": identifier, "password": password], as: .json)
        }, afterResponse: { res throws in try check(res) })
    }

    @Test func signsInByEmailOrByNationalPhoneNumber() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email, phone: "+33612345678"))
            try await login(app, email.uppercased(), "correct-horse-battery-42") { res throws in
                #expect(res.status == .ok)
                #expect(try res.content.decode(AuthResponse.self).user.email == email)
            }
            try await login(app, "06 12 34 56 78", "correct-horse-battery-42", headers: ["Accept-Language": "fr"]) { res throws in
                #expect(res.status == .ok)
            }
            try await login(app, "+33 6 12 34 56 78", "correct-horse-battery-42") { res throws in
                #expect(res.status == .ok)
            }
        }
    }

    @Test func israeliNationalNumberInHebrew() async throws {
        try await withAVA { app in
            try await signUp(app, SignupBody(email: uniqueEmail(), phone: "+972501234567", locale: "he"))
            try await login(app, "050-123-4567", "correct-horse-battery-42", headers: ["Accept-Language": "he-IL"]) { res throws in
                #expect(res.status == .ok)
            }
        }
    }

    @Test func unknownAccountAndWrongPasswordGetTheSameAnswer() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            var bodies: [String] = []
            try await login(app, email, "wrong-password-123") { res throws in
                #expect(res.status == .unauthorized)
                bodies.append(res.body.string)
            }
            try await login(app, "nobody@example.com", "wrong-password-123") { res throws in
                #expect(res.status == .unauthorized)
                bodies.append(res.body.string)
            }
            try await login(app, "+14155550199", "wrong-password-123") { res throws in
                #expect(res.status == .unauthorized)
                bodies.append(res.body.string)
            }
            #expect(Set(bodies).count == 1, "\(bodies)")
            #expect(bodies[0].contains("invalid_credentials"))
        }
    }

    @Test func fiveAttemptsAMinuteThenRetryAfter() async throws {
        try await withAVA(settings: ["AVA_AUTH_RATE_LIMIT": "5"]) { app in
            for _ in 0..<5 {
                try await login(app, "someone@example.com", "wrong-password-123") { res throws in #expect(res.status == .unauthorized) }
            }
            try await login(app, "someone@example.com", "wrong-password-123") { res throws in
                #expect(res.status == .tooManyRequests)
                let retryAfter = try #require(res.headers.first(name: "Retry-After").flatMap(Int.init))
                #expect((1...60).contains(retryAfter))
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "rate_limited")
            }
            // The per-address limit holds for another identifier too.
            try await login(app, "other@example.com", "wrong-password-123") { res throws in #expect(res.status == .tooManyRequests) }
            // Counts live in the database (shared by every AVA process).
            #expect(try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM rate_limit_hits").first()?.decode(column: "n", as: Int.self) ?? 0 >= 2)
        }
    }

    @Test func signupIsRateLimitedToo() async throws {
        try await withAVA(settings: ["AVA_AUTH_RATE_LIMIT": "2"]) { app in
            var statuses: [HTTPStatus] = []
            for _ in 0..<3 {
                try await app.testing().test(.POST, "/api/v1/auth/signup", beforeRequest: { req in
                    try req.content.encode(SignupBody(email: uniqueEmail()), as: .json)
                }, afterResponse: { res throws in statuses.append(res.status) })
            }
            #expect(statuses == [.created, .created, .tooManyRequests])
        }
    }

    @Test func missingFieldsAreValidationErrors() async throws {
        try await withAVA { app in
            try await login(app, "", "x") { res throws in
                #expect(res.status == .unprocessableEntity)
                #expect(try res.content.decode(ErrorEnvelope.self).error.field == "identifier")
            }
        }
    }
}
