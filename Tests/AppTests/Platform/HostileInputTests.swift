@testable import App
import Fluent
import SQLKit
import Testing
import VaporTesting

/// Requests found by fuzzing (schemathesis and by hand) that once answered 500 or misbehaved.
@Suite("Hostile input")
struct HostileInputTests {
    @Test func strangeStaticPathsAre404s() async throws {
        try await withAVA { app in
            for path in ["/favicon.svg/x", "/css/ava.css/..", "/js/app.js/.", "/favicon.svg%00.html"] {
                try await app.testing().test(.GET, path, afterResponse: { res throws in
                    #expect(res.status == .notFound, "\(path)")
                })
            }
            try await app.testing().test(.PUT, "/css/ava.css", afterResponse: { res throws in #expect(res.status == .notFound) })
            try await app.testing().test(.GET, "/css/ava.css", afterResponse: { res throws in #expect(res.status == .ok) })
        }
    }

    @Test func nulBytesAndHugeIdentifiersNeverReachTheDatabaseAsIs() async throws {
        try await withAVA { app in
            for identifier in ["a\u{0}@x.com", String(repeating: "z", count: 3000)] {
                try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
                    try req.content.encode(["identifier": identifier, "password": "whatever-123"], as: .json)
                }, afterResponse: { res throws in #expect(res.status == .unauthorized) })
            }
            try await app.testing().test(.POST, "/api/v1/auth/signup", beforeRequest: { req in
                try req.content.encode(SignupBody(email: "n\u{0}1@x.com"), as: .json)
            }, afterResponse: { res throws in #expect(res.status == .unprocessableEntity) })
            let answer = try await signUp(app, SignupBody(email: uniqueEmail(), name: "A\u{0}B"))
            #expect(answer.user.name == "AB")
            // Rate-limit keys are stored hashed: fixed size whatever was typed.
            let rows = try await (app.db as! any SQLDatabase).raw("SELECT bucket_key FROM rate_limit_hits").all()
            #expect(try rows.allSatisfy { try $0.decode(column: "bucket_key", as: String.self).count == 64 })
        }
    }

    @Test func twoTabsRenewingAtOnceStaySignedIn() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            let web = WebClient(app)
            _ = try await web.post("/en/login", form: ["identifier": email, "password": "correct-horse-battery-42"], csrfFrom: "/en/login")
            web.cookies[AuthCookies.access] = nil  // expired
            let first = WebClient(app), second = WebClient(app)
            first.cookies = web.cookies
            second.cookies = web.cookies
            #expect(try await first.get("/en/dashboard").status == .ok)
            #expect(try await second.get("/en/settings").status == .ok)  // same refresh cookie, seconds later
            #expect(try await first.get("/en/calls").status == .ok)
            #expect(try await AuthSession.query(on: app.db).filter(\.$revokedAt != nil).count() == 0)
        }
    }

    @Test func aPlantedCSRFCookieDoesNotCount() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            web.cookies[CSRFMiddleware.cookieName] = "x"
            let res = try await web.post("/en/login", form: ["identifier": "a@b.co", "password": "x", "_csrf": "x"])
            #expect(res.status == .forbidden)
        }
    }

    @Test func curlOpeningAVerificationLinkIsTreatedAsABrowser() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            let secret = try #require(token(inLinkOf: try await mailText(app, to: email)))
            try await app.testing().test(.GET, "/api/v1/auth/verify-email?token=\(secret)", headers: ["Accept": "*/*"], afterResponse: { res throws in
                #expect(res.status == .seeOther)
            })
        }
    }
}
