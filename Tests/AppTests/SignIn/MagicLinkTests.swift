@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("Magic links")
struct MagicLinkTests {
    @Test func linkSignsInOnAnyDeviceOnceAndTheAnswerNeverTells() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email, locale: "fr"))
            var answers: [String] = []
            for address in [email, "nobody@example.com"] {
                try await app.testing().test(.POST, "/api/v1/auth/magic-link", beforeRequest: { req in
                    try req.content.encode(["email": address], as: .json)
                }, afterResponse: { res throws in
                    #expect(res.status == .accepted)
                    answers.append(res.body.string)
                })
            }
            #expect(answers[0] == answers[1])
            let mail = try await waitForMail(app, to: email, count: 2)  // verification, then the link
            let path = try #require(linkPath(in: mail.textBody))
            #expect(path.hasPrefix("/fr/auth/magic?token="))
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$recipients == "nobody@example.com").count() == 0)

            // Another device (no cookies at all) opens it: signed in, sent on with the session cookies.
            let other = WebClient(app)
            let opened = try await other.get(path)
            #expect(opened.status == .seeOther)
            #expect(opened.headers.first(name: .location)?.hasPrefix("/fr/dashboard") == true)
            #expect(other.cookies[AuthCookies.access] != nil)
            #expect(try await other.get("/fr/dashboard").status == .ok)

            // A second time: a clear page offering a new link to the same address.
            let again = try await WebClient(app).get(path)
            #expect(again.status == .gone)
            #expect(again.body.string.contains(email))
            #expect(again.body.string.contains("/fr/login/magic-link"))
        }
    }

    @Test func expiredLinkIsRefused() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            let web = WebClient(app)
            let sent = try await web.post("/en/login/magic-link", form: ["identifier": email, "rememberMe": "true"], csrfFrom: "/en/login")
            #expect(sent.status == .ok)
            #expect(sent.body.string.contains(email))
            let path = try #require(linkPath(in: try await waitForMail(app, to: email, count: 2).textBody))
            try await OneTimeToken.query(on: app.db).filter(\.$purpose == "magic_link").set(\.$expiresAt, to: Date().addingTimeInterval(-1)).update()
            #expect(try await WebClient(app).get(path).status == .gone)
        }
    }

    @Test func rememberMeCarriesThroughTheLink() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            try await app.testing().test(.POST, "/api/v1/auth/magic-link", beforeRequest: { req in
                try req.content.encode(MagicLinkAPIController.MagicLinkRequest(email: email, rememberMe: true), as: .json)
            }, afterResponse: { res throws in #expect(res.status == .accepted) })
            let path = try #require(linkPath(in: try await waitForMail(app, to: email, count: 2).textBody))
            let opened = try await WebClient(app).get(path)
            #expect(opened.headers.setCookie?[AuthCookies.refresh]?.maxAge.map { $0 > 86400 } == true)
        }
    }

    @Test func firstEverSignInGoesToOnboarding() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let answer = try await signUp(app, SignupBody(email: email))
            try await AuthSession.query(on: app.db).delete()  // as for an account created without a session
            _ = answer
            try await app.testing().test(.POST, "/api/v1/auth/magic-link", beforeRequest: { req in
                try req.content.encode(["email": email], as: .json)
            }, afterResponse: { _ in })
            let path = try #require(linkPath(in: try await waitForMail(app, to: email, count: 2).textBody))
            let web = WebClient(app)
            let opened = try await web.get(path)
            #expect(opened.headers.first(name: .location) == "/en/onboarding")
            #expect(try await web.get("/en/onboarding").status == .ok)
        }
    }

    @Test func aPhoneNumberCannotGetALink() async throws {
        try await withAVA { app in
            let res = try await WebClient(app).post("/fr/login/magic-link", form: ["identifier": "06 12 34 56 78"], csrfFrom: "/fr/login")
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("value=\"06 12 34 56 78\""))
        }
    }
}
