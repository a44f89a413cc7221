@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("Sessions: access and refresh tokens")
struct SessionTests {
    func refresh(_ app: Application, _ token: String, check: (TestingHTTPResponse) throws -> Void) async throws {
        try await app.testing().test(.POST, "/api/v1/auth/refresh", beforeRequest: { req in
            try req.content.encode(["refreshToken": token], as: .json)
        }, afterResponse: { res throws in try check(res) })
    }

    @Test func bearerTokenOpensTheAccount() async throws {
        try await withAVA { app in
            let answer = try await signUp(app, SignupBody(email: uniqueEmail()))
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer(answer.tokens.accessToken), afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(try res.content.decode(AccountDTO.self).organisation.id == answer.organisation.id)
            })
            try await app.testing().test(.GET, "/api/v1/me", afterResponse: { res throws in #expect(res.status == .unauthorized) })
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer("garbage"), afterResponse: { res throws in #expect(res.status == .unauthorized) })
        }
    }

    @Test func accessTokensLastFifteenMinutesAndRefreshTokensSevenDays() async throws {
        try await withAVA { app in
            let tokens = try await signUp(app, SignupBody(email: uniqueEmail())).tokens
            #expect(abs(tokens.accessTokenExpiresAt.timeIntervalSinceNow - 900) < 30)
            #expect(abs(tokens.refreshTokenExpiresAt.timeIntervalSinceNow - 7 * 86400) < 30)
        }
    }

    @Test func refreshRotatesAndReplayRevokesTheFamily() async throws {
        try await withAVA { app in
            let first = try await signUp(app, SignupBody(email: uniqueEmail())).tokens
            var second: SessionTokensDTO?
            try await refresh(app, first.refreshToken) { res throws in
                #expect(res.status == .ok)
                second = try res.content.decode(SessionTokensDTO.self)
            }
            let rotated = try #require(second)
            #expect(rotated.refreshToken != first.refreshToken)
            // Replaying the used token: refused, and the whole session dies...
            try await refresh(app, first.refreshToken) { res throws in #expect(res.status == .unauthorized) }
            // ...so its newest token and access token stop working as well.
            try await refresh(app, rotated.refreshToken) { res throws in #expect(res.status == .unauthorized) }
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer(rotated.accessToken), afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
            let session = try #require(try await AuthSession.query(on: app.db).first())
            #expect(session.revokedReason == "refresh_token_reuse")
        }
    }

    @Test func logoutEndsTheSession() async throws {
        try await withAVA { app in
            let tokens = try await signUp(app, SignupBody(email: uniqueEmail())).tokens
            try await app.testing().test(.POST, "/api/v1/auth/logout", headers: .bearer(tokens.accessToken), afterResponse: { res throws in
                #expect(res.status == .noContent)
            })
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer(tokens.accessToken), afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
            try await refresh(app, tokens.refreshToken) { res throws in #expect(res.status == .unauthorized) }
        }
    }

    @Test func unknownRefreshTokenIsRefused() async throws {
        try await withAVA { app in
            try await refresh(app, "not-a-token") { res throws in
                #expect(res.status == .unauthorized)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "refresh_invalid")
            }
        }
    }
}

@Suite("The web's cookies on the API")
struct CookieAPITests {
    @Test func cookiesReadButChangeStateOnlyWithTheCSRFHeader() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            let web = WebClient(app)
            _ = try await web.post("/en/login", form: ["identifier": email, "password": "correct-horse-battery-42"], csrfFrom: "/en/login")
            let cookie = web.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            try await app.testing().test(.GET, "/api/v1/me", headers: ["Cookie": cookie], afterResponse: { res throws in
                #expect(res.status == .ok)
            })
            // A cross-site form could post this with the cookies; without the header it is not signed in.
            try await app.testing().test(.POST, "/api/v1/auth/logout", headers: ["Cookie": cookie], afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
            let csrf = try #require(web.cookies[CSRFMiddleware.cookieName])
            try await app.testing().test(.POST, "/api/v1/auth/logout", headers: ["Cookie": cookie, "X-CSRF-Token": csrf], afterResponse: { res throws in
                #expect(res.status == .noContent)
            })
        }
    }
}
