@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("Sign-up through the API")
struct SignupAPITests {
    @Test func createsUserOrganisationMembershipAndSendsVerification() async throws {
        try await withAVA { app in
            // act
            let email = uniqueEmail()
            let answer = try await signUp(app, SignupBody(email: "  \(email.uppercased()) ", phone: "06 12 34 56 78", locale: "fr"))

            // check
            #expect(answer.user.email == email)
            #expect(answer.user.phone == "+33612345678")
            #expect(answer.user.emailVerified == false)
            #expect(answer.user.locale == "fr")
            #expect(answer.organisation.role == "owner")
            #expect(answer.organisation.country == "FR")
            #expect(answer.organisation.timezone == "Europe/Paris")
            #expect(!answer.tokens.accessToken.isEmpty && !answer.tokens.refreshToken.isEmpty)
            let user = try #require(try await User.find(answer.user.id, on: app.db))
            #expect(user.passwordHash.hasPrefix("$2b$12$"))
            #expect(try await OrgUser.query(on: app.db).filter(\.$user.$id == answer.user.id).count() == 1)
            #expect(try await PlanSubscription.query(on: app.db).count() == 1)
            let mail = try #require(try await latestMail(app, to: email))
            #expect(mail.htmlBody?.contains("dir=\"ltr\"") == true)
            #expect(token(inLinkOf: mail.textBody) != nil)
        }
    }

    @Test func hebrewSignupNormalisesIsraeliPhoneAndWritesHebrewEmail() async throws {
        try await withAVA { app in
            let email = uniqueEmail("he")
            let answer = try await signUp(app, SignupBody(email: email, phone: "050-123-4567", name: "דנה כהן", locale: "he"))
            #expect(answer.user.phone == "+972501234567")
            #expect(answer.organisation.timezone == "Asia/Jerusalem")
            let mail = try #require(try await latestMail(app, to: email))
            #expect(mail.htmlBody?.contains("dir=\"rtl\"") == true)
            #expect(mail.subject.unicodeScalars.contains { (0x0590...0x05FF).contains($0.value) })
        }
    }

    @Test func duplicateEmailOrPhoneIsAConflict() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email, phone: "+14155550123"))
            try await app.testing().test(.POST, "/api/v1/auth/signup", beforeRequest: { req in
                try req.content.encode(SignupBody(email: email.uppercased()), as: .json)
            }, afterResponse: { res throws in
                #expect(res.status == .conflict)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "email_taken")
            })
            try await app.testing().test(.POST, "/api/v1/auth/signup", beforeRequest: { req in
                try req.content.encode(SignupBody(email: uniqueEmail(), phone: "(415) 555-0123", locale: "en"), as: .json)
            }, afterResponse: { res throws in
                #expect(res.status == .conflict)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "phone_taken")
            })
            #expect(try await User.query(on: app.db).count() == 1)
            #expect(try await Org.query(on: app.db).count() == 1)
        }
    }

    @Test(arguments: [
        (SignupBody(email: "not-an-email"), "invalid_email", "email"),
        (SignupBody(email: "a@b.co", phone: "12"), "invalid_phone", "phone"),
        (SignupBody(email: "a@b.co", name: "   "), "name_required", "name"),
        (SignupBody(email: "a@b.co", password: "short"), "password_too_short", "password"),
        (SignupBody(email: "a@b.co", password: "password123"), "password_common", "password"),
        (SignupBody(email: "a@b.co", password: "azertyuiop"), "password_common", "password"),
        (SignupBody(email: "a@b.co", acceptTerms: false), "terms_required", "acceptTerms"),
    ])
    func invalidInputIsRefusedWithALocalizedFieldError(body: SignupBody, code: String, field: String) async throws {
        try await withAVA { app in
            try await app.testing().test(.POST, "/api/v1/auth/signup", headers: ["Accept-Language": "fr-FR"], beforeRequest: { req in
                try req.content.encode(body, as: .json)
            }, afterResponse: { res throws in
                #expect(res.status == .unprocessableEntity)
                let error = try res.content.decode(ErrorEnvelope.self).error
                #expect(error.code == code)
                #expect(error.field == field)
                #expect(!error.message.isEmpty && error.message != "error_\(code)")
            })
            #expect(try await User.query(on: app.db).count() == 0)
            #expect(try await Org.query(on: app.db).count() == 0)
        }
    }

    @Test func malformedBodiesAreClearClientErrors() async throws {
        try await withAVA { app in
            try await app.testing().test(.POST, "/api/v1/auth/signup", headers: ["Content-Type": "application/json"],
                                         body: ByteBuffer(string: "{\"email\": "), afterResponse: { res throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "invalid_json")
            })
            try await app.testing().test(.POST, "/api/v1/auth/signup", headers: ["Content-Type": "text/plain"],
                                         body: ByteBuffer(string: "hello"), afterResponse: { res throws in
                #expect(res.status == .unsupportedMediaType)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "unsupported_media_type")
            })
            try await app.testing().test(.POST, "/api/v1/auth/signup", headers: ["Content-Type": "application/json"],
                                         body: ByteBuffer(string: "[1, 2]"), afterResponse: { res throws in
                #expect(res.status == .badRequest)
            })
            let huge = "{\"email\": \"" + String(repeating: "a", count: 1_100_000) + "\"}"
            try await app.testing(method: .running(port: 0)).test(.POST, "/api/v1/auth/signup", headers: ["Content-Type": "application/json"],
                                         body: ByteBuffer(string: huge), afterResponse: { res throws in
                #expect(res.status == .payloadTooLarge)
            })
            try await app.testing().test(.POST, "/api/v1/auth/signup", headers: ["Content-Type": "application/json"],
                                         body: ByteBuffer(string: "{\"email\": 42, \"acceptTerms\": \"yes\"}"), afterResponse: { res throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "invalid_json")
            })
        }
    }

    @Test func errorMessagesFollowTheRequestLanguage() async throws {
        try await withAVA { app in
            var messages: [String] = []
            for language in ["fr", "en", "he"] {
                try await app.testing().test(.POST, "/api/v1/auth/signup", headers: ["Accept-Language": language], beforeRequest: { req in
                    try req.content.encode(SignupBody(email: "nope"), as: .json)
                }, afterResponse: { res throws in
                    messages.append(try res.content.decode(ErrorEnvelope.self).error.message)
                })
            }
            #expect(Set(messages).count == 3)
        }
    }
}
