@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("Password reset")
struct PasswordResetTests {
    let newPassword = "a-brand-new-passphrase-7"

    @Test func resetChangesThePasswordRevokesEverySessionAndNotifies() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let tokens = try await signUp(app, SignupBody(email: email, locale: "he")).tokens
            let web = WebClient(app)
            let asked = try await web.post("/he/forgot-password", form: ["email": email], csrfFrom: "/he/forgot-password")
            #expect(asked.status == .ok)
            let path = try #require(linkPath(in: try await waitForMail(app, to: email, count: 2).textBody))
            #expect(path.hasPrefix("/he/reset-password?token="))
            let secret = try #require(token(inLinkOf: "http://x\(path)"))
            let stored = try #require(try await OneTimeToken.query(on: app.db).filter(\.$purpose == "password_reset").first())
            #expect(stored.tokenHash == sha256Hex(secret))
            #expect(abs(stored.expiresAt.timeIntervalSinceNow - 3600) < 60)

            #expect(try await web.get(path).status == .ok)
            let weak = try await web.post("/he/reset-password", form: ["token": secret, "password": "123"], csrfFrom: path)
            #expect(weak.status == .unprocessableEntity)
            let done = try await web.post("/he/reset-password", form: ["token": secret, "password": newPassword], csrfFrom: path)
            #expect(done.status == .seeOther)
            #expect(done.headers.first(name: .location) == "/he/login?flash=password_reset")

            // Every earlier session is gone; the notification went out; the link is used up.
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer(tokens.accessToken), afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
            _ = try await waitForMail(app, to: email, count: 3)
            #expect(try await WebClient(app).get(path).status == .gone)
            try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
                try req.content.encode(["identifier": email, "password": newPassword], as: .json)
            }, afterResponse: { res throws in #expect(res.status == .ok) })
        }
    }

    @Test func apiResetAndNoEnumeration() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            var bodies: [String] = []
            for address in [email, "ghost@example.com"] {
                try await app.testing().test(.POST, "/api/v1/auth/password-reset", beforeRequest: { req in
                    try req.content.encode(["email": address], as: .json)
                }, afterResponse: { res throws in
                    #expect(res.status == .accepted)
                    bodies.append(res.body.string)
                })
            }
            #expect(bodies[0] == bodies[1])
            let secret = try #require(token(inLinkOf: try await waitForMail(app, to: email, count: 2).textBody))
            try await app.testing().test(.POST, "/api/v1/auth/password-reset/confirm", beforeRequest: { req in
                try req.content.encode(["token": secret, "password": "password123"], as: .json)
            }, afterResponse: { res throws in
                #expect(res.status == .unprocessableEntity)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "password_common")
            })
            try await app.testing().test(.POST, "/api/v1/auth/password-reset/confirm", beforeRequest: { req in
                try req.content.encode(["token": secret, "password": newPassword], as: .json)
            }, afterResponse: { res throws in #expect(res.status == .noContent) })
            try await app.testing().test(.POST, "/api/v1/auth/password-reset/confirm", beforeRequest: { req in
                try req.content.encode(["token": secret, "password": newPassword], as: .json)
            }, afterResponse: { res throws in
                #expect(res.status == .gone)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "link_invalid")
            })
        }
    }
}
