@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("Sign in with Microsoft: tenants and email trust")
struct OIDCMicrosoftTests {
    let workTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

    @Test func aPersonalAccountIsTrustedAndTheTenantIssuerIsChecked() async throws {
        try await withOIDC(.microsoft) { app, microsoft in
            let person = FakeOIDCProvider.Person(emailVerified: nil, tenant: OIDCTokenVerifier.microsoftConsumerTenant)
            await microsoft.state.set(person: person)
            let web = WebClient(app)
            web.acceptLanguage = "he"
            try await expectSignedIn(try await web.signIn(with: microsoft, start: "/he/auth/microsoft"), web, locale: "he")
            let user = try #require(try await User.query(on: app.db).filter(\.$email == person.email!).first())
            #expect(user.isEmailVerified && user.locale == "he")
            #expect(try await OIDCIdentity.query(on: app.db).first()?.provider == "microsoft")
            // Google is not configured here: its button has no route behind it.
            #expect(try await web.get("/he/auth/google").status == .notFound)
        }
    }

    @Test func aWorkAccountLinksOnlyWhenTheTenantOwnsTheDomain() async throws {
        try await withOIDC(.microsoft) { app, microsoft in
            let email = uniqueEmail("work")
            try await signUp(app, SignupBody(email: email))
            await microsoft.state.set(person: .init(email: email, emailVerified: nil, tenant: workTenant, xmsEdov: false))
            let web = WebClient(app)
            try await expectRefused(try await web.signIn(with: microsoft, start: "/fr/auth/microsoft"), .emailInUse, web, provider: "Microsoft")

            await microsoft.state.set(person: .init(email: email, emailVerified: nil, tenant: workTenant, xmsEdov: true))
            try await expectSignedIn(try await web.signIn(with: microsoft, start: "/fr/auth/microsoft"), web)
            #expect(try await User.query(on: app.db).count() == 1)
            #expect(try await User.query(on: app.db).first()?.isEmailVerified == true)
        }
    }

    @Test func anUnprovenWorkAddressMakesAnUnverifiedAccountThatGetsTheUsualEmail() async throws {
        try await withOIDC(.microsoft) { app, microsoft in
            let person = FakeOIDCProvider.Person(emailVerified: nil, tenant: workTenant)
            await microsoft.state.set(person: person)
            let web = WebClient(app)
            try await expectSignedIn(try await web.signIn(with: microsoft, start: "/en/auth/microsoft"), web, locale: "en")
            let user = try #require(try await User.query(on: app.db).filter(\.$email == person.email!).first())
            #expect(!user.isEmailVerified)
            #expect(try await latestMail(app, to: person.email!) != nil)
        }
    }

    @Test func anIdentityWithoutAnEmailCannotMakeAnAccount() async throws {
        try await withOIDC(.microsoft) { app, microsoft in
            await microsoft.state.set(person: .init(email: nil, emailVerified: nil, tenant: workTenant))
            let web = WebClient(app)
            try await expectRefused(try await web.signIn(with: microsoft, start: "/fr/auth/microsoft"), .noEmail, web, provider: "Microsoft")
            #expect(try await User.query(on: app.db).count() == 0)
        }
    }

    @Test func aTokenWhoseIssuerNamesAnotherTenantIsRefused() async throws {
        try await withOIDC(.microsoft) { app, microsoft in
            await microsoft.state.set(person: .init(tenant: workTenant), fault: .wrongIssuer)
            let web = WebClient(app)
            try await expectRefused(try await web.signIn(with: microsoft, start: "/fr/auth/microsoft"), .invalid, web, provider: "Microsoft")
        }
    }
}
