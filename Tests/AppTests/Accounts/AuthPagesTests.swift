@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("Sign-up and sign-in pages (no JavaScript)")
struct AuthPagesTests {
    let password = "correct-horse-battery-42"

    @Test func rootSendsVisitorsToTheirLanguage() async throws {
        try await withAVA { app in
            for (header, target) in [("he-IL,he;q=0.9,en;q=0.8", "/he"), ("fr-FR,fr;q=0.9", "/fr"), ("de-DE", "/en"), ("", "/en")] {
                try await app.testing().test(.GET, "/", headers: ["Accept-Language": header], afterResponse: { res throws in
                    #expect(res.status == .seeOther)
                    #expect(res.headers.first(name: .location) == target)
                })
            }
        }
    }

    @Test func pagesAreLocalizedAndHebrewIsRightToLeft() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            for (locale, dir) in [("fr", "ltr"), ("en", "ltr"), ("he", "rtl")] {
                for path in ["", "/signup", "/login"] {
                    let res = try await web.get("/\(locale)\(path)")
                    #expect(res.status == .ok, "/\(locale)\(path)")
                    #expect(res.body.string.contains("lang=\"\(locale)\""))
                    #expect(res.body.string.contains("dir=\"\(dir)\""))
                }
            }
        }
    }

    @Test func signupFormCreatesTheAccountAndSignsIn() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            let email = uniqueEmail()
            let res = try await web.post("/fr/signup", form: [
                "name": "Camille Durand", "email": email, "phone": "06 11 22 33 44", "password": password, "acceptTerms": "true",
            ], csrfFrom: "/fr/signup")
            #expect(res.status == .seeOther)
            // A new owner starts with onboarding.
            #expect(res.headers.first(name: .location) == "/fr/onboarding?flash=welcome")
            let cookies = res.headers.setCookie
            #expect(cookies?[AuthCookies.access]?.isHTTPOnly == true)
            #expect(cookies?[AuthCookies.access]?.sameSite == .lax)
            #expect(cookies?[AuthCookies.refresh]?.expires == nil)  // no "remember me": a browser-session cookie
            let dashboard = try await web.get("/fr/dashboard")
            #expect(dashboard.status == .ok)
            #expect(dashboard.body.string.contains("Camille"))
            #expect(dashboard.body.string.contains("/fr/verify-email/resend"))  // the unverified banner
            #expect(try await User.query(on: app.db).filter(\.$phone == "+33611223344").count() == 1)
        }
    }

    @Test func invalidSignupRerendersTheFormWithErrorsAndInput() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            let res = try await web.post("/he/signup", form: ["name": "דנה", "email": "bad", "password": "123"], csrfFrom: "/he/signup")
            #expect(res.status == .unprocessableEntity)
            let html = res.body.string
            #expect(html.contains("value=\"דנה\""))
            #expect(html.contains("aria-invalid=\"true\""))
            #expect(try await User.query(on: app.db).count() == 0)
        }
    }

    @Test func formsWithoutTheCSRFTokenAreRefused() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            _ = try await web.get("/en/signup")
            let res = try await web.post("/en/signup", form: [
                "name": "Eve", "email": uniqueEmail(), "password": password, "acceptTerms": "true", "_csrf": "forged",
            ])
            #expect(res.status == .forbidden)
            #expect(res.headers.contentType == .html)
            #expect(try await User.query(on: app.db).count() == 0)
        }
    }

    @Test func loginLogoutAndRememberMe() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email, phone: "+972521234567", locale: "he"))
            let web = WebClient(app)
            web.acceptLanguage = "he"

            let wrong = try await web.post("/he/login", form: ["identifier": email, "password": "nope-nope-nope"], csrfFrom: "/he/login")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.string.contains("value=\"\(email)\""))

            let byPhone = try await web.post("/he/login", form: ["identifier": "052-123-4567", "password": password], csrfFrom: "/he/login")
            #expect(byPhone.status == .seeOther)
            #expect(try await web.get("/he/dashboard").status == .ok)

            let out = try await web.post("/he/logout", form: [:], csrfFrom: "/he/dashboard")
            #expect(out.status == .seeOther)
            #expect(out.headers.first(name: .location) == "/he/login?flash=signed_out")
            let after = try await web.get("/he/dashboard")
            #expect(after.status == .seeOther)
            #expect(try await AuthSession.query(on: app.db).filter(\.$revokedAt != nil).count() == 1)

            let remembered = try await web.post("/he/login", form: ["identifier": email, "password": password, "rememberMe": "true"], csrfFrom: "/he/login")
            #expect(remembered.status == .seeOther)
            let refreshCookie = try #require(remembered.headers.setCookie?[AuthCookies.refresh])
            #expect(refreshCookie.maxAge.map { $0 > 6 * 86400 } == true)
        }
    }

    @Test func expiredAccessCookieIsRenewedFromTheRefreshCookie() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            let web = WebClient(app)
            _ = try await web.post("/en/login", form: ["identifier": email, "password": password], csrfFrom: "/en/login")
            web.cookies[AuthCookies.access] = nil  // the browser dropped the 15-minute cookie
            let res = try await web.get("/en/dashboard")
            #expect(res.status == .ok)
            #expect(res.headers.setCookie?[AuthCookies.access] != nil)
        }
    }

    @Test func signedInShellRequiresSignIn() async throws {
        try await withAVA { app in
            for page in ["dashboard", "calls", "settings"] {
                try await app.testing().test(.GET, "/fr/\(page)", afterResponse: { res throws in
                    #expect(res.status == .seeOther)
                    #expect(res.headers.first(name: .location) == "/fr/login")
                })
            }
        }
    }

    @Test func unknownPagesAreLocalized404sAndAPIErrorsAreJSON() async throws {
        try await withAVA { app in
            try await app.testing().test(.GET, "/he/nowhere", afterResponse: { res throws in
                #expect(res.status == .notFound)
                #expect(res.body.string.contains("dir=\"rtl\""))
            })
            try await app.testing().test(.GET, "/api/v1/nowhere", afterResponse: { res throws in
                #expect(res.status == .notFound)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "not_found")
            })
        }
    }

    @Test func securityHeadersAreSent() async throws {
        try await withAVA { app in
            try await app.testing().test(.GET, "/en/login", afterResponse: { res throws in
                let csp = res.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(csp.contains("script-src 'self'"))
                #expect(res.headers.first(name: "Referrer-Policy") == "strict-origin-when-cross-origin")
                #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(res.headers.first(name: "Strict-Transport-Security") == nil)  // development over http
            })
        }
        try await withAVA(settings: ["AVA_PUBLIC_URL": "https://ava.example.com"]) { app in
            try await app.testing().test(.GET, "/en/login", afterResponse: { res throws in
                #expect(res.headers.first(name: "Strict-Transport-Security")?.contains("max-age=") == true)
                #expect(res.headers.setCookie?[CSRFMiddleware.cookieName]?.isSecure == true)
            })
        }
    }

    @Test func developmentOutboxShowsTheVerificationEmail() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            let web = WebClient(app)
            let index = try await web.get("/dev/outbox")
            #expect(index.status == .ok)
            #expect(index.body.string.contains(email))
            let message = try #require(try await latestMail(app, to: email))
            let page = try await web.get("/dev/outbox/\(message.id!.uuidString)")
            #expect(page.body.string.contains("class=\"outbox-link\""))
        }
    }
}
