@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("Sign in with Google and Microsoft: accounts")
struct OIDCSignInTests {
    @Test func aNewGoogleUserGetsAnAccountAnOrganisationAndAVerifiedEmail() async throws {
        try await withOIDC { app, google in
            let person = FakeOIDCProvider.Person(name: "Noa Levi")
            await google.state.set(person: person)
            let web = WebClient(app)

            let start = try await web.get("/fr/auth/google?rememberMe=true")
            #expect(start.status == .seeOther)
            let cookie = try #require(start.headers.setCookie?[OIDCController.cookieName])
            #expect(cookie.isHTTPOnly && cookie.sameSite == .lax && cookie.path == "/auth")
            let callback = try await google.authorize(try #require(start.headers.first(name: .location)))
            let sent = await google.state.lastAuthorize
            #expect(sent["redirect_uri"] == "http://127.0.0.1:8080/auth/google/callback")
            #expect(sent["scope"] == "openid email profile")
            #expect(callback.hasPrefix("/auth/google/callback?code="))

            let res = try await web.get(callback)
            try await expectSignedIn(res, web)
            #expect(res.headers.setCookie?[AuthCookies.refresh]?.maxAge.map { $0 > 6 * 86400 } == true)  // remember me

            let user = try #require(try await User.query(on: app.db).filter(\.$email == person.email!).first())
            #expect(user.name == "Noa Levi")
            #expect(user.locale == "fr")
            #expect(user.isEmailVerified)
            #expect(user.passwordHash.isEmpty)
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
            #expect(membership.role == .owner)
            #expect(try await PlanSubscription.query(on: app.db).filter(\.$org.$id == membership.$org.id).count() == 1)
            let identity = try #require(try await OIDCIdentity.query(on: app.db).first())
            #expect(identity.provider == "google" && identity.subject == person.subject && identity.$user.id == user.id)
            #expect(!(try await mailText(app, to: person.email!)).contains("verify-email"))  // already verified
        }
    }

    @Test func eachButtonAppearsOnlyWhenItsProviderIsConfigured() async throws {
        try await withOIDC { app, _ in
            let html = try await WebClient(app).get("/fr/login").body.string
            #expect(html.contains("href=\"/fr/auth/google\""))
            #expect(!html.contains("/fr/auth/microsoft"))
        }
        try await withAVA { app in
            let web = WebClient(app)
            let login = try await web.get("/fr/login")
            #expect(!login.body.string.contains("/fr/auth/"))
            let start = try await web.get("/fr/auth/google")
            #expect(start.status == .notFound)
        }
    }

    @Test func anAccountWithoutAPasswordCannotSignInWithOne() async throws {
        try await withOIDC { app, google in
            let person = FakeOIDCProvider.Person()
            await google.state.set(person: person)
            let web = WebClient(app)
            try await expectSignedIn(try await web.signIn(with: google), web)

            // The stored hash is empty: verifying against it fails, which LoginService treats as a wrong password.
            for password in [" ", "any-password-at-all"] {
                try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
                    try req.content.encode(["identifier": person.email!, "password": password], as: .json)
                }, afterResponse: { res throws in
                    #expect(res.status == .unauthorized)
                    #expect(try res.content.decode(ErrorEnvelope.self).error.code == "invalid_credentials")
                })
            }
        }
    }

    @Test func aVerifiedEmailLinksTheExistingAccount() async throws {
        try await withOIDC { app, google in
            let email = uniqueEmail("camille")
            let signedUp = try await signUp(app, SignupBody(email: email))
            await google.state.set(person: .init(email: email.uppercased(), emailVerified: true))
            let web = WebClient(app)
            try await expectSignedIn(try await web.signIn(with: google), web)

            #expect(try await User.query(on: app.db).count() == 1)
            let user = try #require(try await User.find(signedUp.user.id, on: app.db))
            #expect(user.isEmailVerified)
            #expect(try await OIDCIdentity.query(on: app.db).filter(\.$user.$id == user.id!).count() == 1)
            // Whoever typed this address at sign-up never proved it: their password and sessions are gone.
            #expect(user.passwordHash.isEmpty)
            let oldSession = try #require(try await AuthSession.query(on: app.db).filter(\.$revokedAt != nil).first())
            #expect(oldSession.revokedReason == "email_proven_by_google")
        }
    }

    @Test func aConfirmedAccountKeepsItsPasswordWhenLinked() async throws {
        try await withOIDC { app, google in
            let email = uniqueEmail("dana")
            try await signUp(app, SignupBody(email: email))
            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            user.emailVerifiedAt = Date()
            try await user.save(on: app.db)
            await google.state.set(person: .init(email: email))
            let web = WebClient(app)
            try await expectSignedIn(try await web.signIn(with: google), web)
            #expect(try await OIDCIdentity.query(on: app.db).filter(\.$user.$id == user.id!).count() == 1)
            let password = try await WebClient(app).post("/fr/login", form: ["identifier": email, "password": SignupBody(email: email).password], csrfFrom: "/fr/login")
            #expect(password.status == .seeOther)
        }
    }

    @Test func aKnownIdentitySignsInAgainEvenWithANewEmail() async throws {
        try await withOIDC { app, google in
            var person = FakeOIDCProvider.Person()
            await google.state.set(person: person)
            let first = WebClient(app)
            try await expectSignedIn(try await first.signIn(with: google), first)
            person.email = uniqueEmail("renamed")
            await google.state.set(person: person)
            let again = WebClient(app)
            try await expectSignedIn(try await again.signIn(with: google, start: "/en/auth/google"), again, locale: "en")
            #expect(try await User.query(on: app.db).count() == 1)
            #expect(try await OIDCIdentity.query(on: app.db).count() == 1)
            #expect(try await AuthSession.query(on: app.db).count() == 2)
        }
    }

    @Test func aSecondFactorIsAskedForBeforeTheSessionStarts() async throws {
        try await withOIDC { app, google in
            let first = WebClient(app)
            try await expectSignedIn(try await first.signIn(with: google), first)
            let user = try #require(try await User.query(on: app.db).first())
            user.twoFAEnabled = true
            try await user.save(on: app.db)

            let web = WebClient(app)
            let res = try await web.signIn(with: google)
            #expect(res.status == .seeOther)
            #expect(res.headers.first(name: .location) == "/fr/login/2fa")
            #expect(res.headers.setCookie?[AuthCookies.access] == nil)
            #expect(try await AuthSession.query(on: app.db).count() == 1)
        }
    }

    @Test func anUnverifiedEmailNeverTakesOverAnAccount() async throws {
        try await withOIDC { app, google in
            let email = uniqueEmail("victim")
            try await signUp(app, SignupBody(email: email))
            await google.state.set(person: .init(email: email, emailVerified: false))
            let web = WebClient(app)
            try await expectRefused(try await web.signIn(with: google), .emailInUse, web)
            #expect(try await OIDCIdentity.query(on: app.db).count() == 0)
            #expect(try await User.query(on: app.db).count() == 1)
        }
    }
}
