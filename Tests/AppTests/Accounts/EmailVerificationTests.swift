@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("Email verification")
struct EmailVerificationTests {
    @Test func linkVerifiesOnceAndIsStoredOnlyAsAHash() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let answer = try await signUp(app, SignupBody(email: email))
            let secret = try #require(token(inLinkOf: try await mailText(app, to: email)))
            let stored = try #require(try await OneTimeToken.query(on: app.db).first())
            #expect(stored.tokenHash == sha256Hex(secret) && stored.tokenHash != secret)
            #expect(abs(stored.expiresAt.timeIntervalSinceNow - 86400) < 60)

            try await app.testing().test(.GET, "/api/v1/auth/verify-email?token=\(secret)", headers: ["Accept": "application/json"], afterResponse: { res throws in
                #expect(res.status == .ok)
            })
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer(answer.tokens.accessToken), afterResponse: { res throws in
                #expect(try res.content.decode(AccountDTO.self).user.emailVerified)
            })
            try await app.testing().test(.GET, "/api/v1/auth/verify-email?token=\(secret)", headers: ["Accept": "application/json"], afterResponse: { res throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "token_invalid")
            })
        }
    }

    @Test func browsersAreSentToAPageAndExpiredLinksExplainThemselves() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email, locale: "he"))
            let secret = try #require(token(inLinkOf: try await mailText(app, to: email)))
            try await app.testing().test(.GET, "/api/v1/auth/verify-email?token=\(secret)&locale=he", headers: ["Accept": "text/html"], afterResponse: { res throws in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/he/login?flash=email_verified")
            })
            // An expired link.
            let other = uniqueEmail()
            try await signUp(app, SignupBody(email: other, locale: "fr"))
            let expired = try #require(token(inLinkOf: try await mailText(app, to: other)))
            try await OneTimeToken.query(on: app.db).filter(\.$tokenHash == sha256Hex(expired))
                .set(\.$expiresAt, to: Date().addingTimeInterval(-1)).update()
            try await app.testing().test(.GET, "/api/v1/auth/verify-email?token=\(expired)&locale=fr", headers: ["Accept": "text/html"], afterResponse: { res throws in
                #expect(res.status == .badRequest)
                #expect(res.headers.contentType == .html)
                #expect(res.body.string.contains("lang=\"fr\""))
            })
        }
    }

    @Test func resendSendsAFreshLink() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let tokens = try await signUp(app, SignupBody(email: email)).tokens
            try await app.testing().test(.POST, "/api/v1/auth/verify-email/resend", headers: .bearer(tokens.accessToken), afterResponse: { res throws in
                #expect(res.status == .accepted)
            })
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$recipients == email).count() == 2)
            try await app.testing().test(.POST, "/api/v1/auth/verify-email/resend", afterResponse: { res throws in #expect(res.status == .unauthorized) })
        }
    }
}

@Suite("Unverified owners")
struct UnverifiedOwnerTests {
    @Test func cannotPutANumberLiveUntilVerified() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let answer = try await signUp(app, SignupBody(email: email))
            let user = try #require(try await User.find(answer.user.id, on: app.db))
            let current = CurrentUser(user: user, sessionID: UUID(), orgID: answer.organisation.id, role: .owner)
            let error = try #require(throws: AppError.self) { try current.requireVerifiedEmail() }
            #expect(error.status == .forbidden && error.code == "email_unverified")
            user.emailVerifiedAt = Date()
            #expect(throws: Never.self) { try CurrentUser(user: user, sessionID: UUID(), orgID: answer.organisation.id, role: .owner).requireVerifiedEmail() }
        }
    }
}
