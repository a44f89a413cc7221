@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("Signing in with a texted code, from the browser without JavaScript")
struct SMSLoginPageTests {
    let phone = "+33612345678"

    @Test func twoFormsSignIn() async throws {
        try await withFakeTwilio(.messages) { app, fake in
            try await signUpWithPhone(app, phone)
            let web = WebClient(app)
            let start = try await web.get("/fr/login/sms?phone=06%2012%2034%2056%2078")
            #expect(start.status == .ok)
            #expect(start.body.string.contains(#"value="06 12 34 56 78""#))
            #expect(start.body.string.contains(#"name="phone""#) && start.body.string.contains(#"autocomplete="tel""#))

            let codePage = try await web.post("/fr/login/sms", form: ["phone": "06 12 34 56 78", "rememberMe": "true"], csrfFrom: "/fr/login/sms")
            #expect(codePage.status == .ok)
            let html = codePage.body.string
            for attribute in [#"name="code""#, #"inputmode="numeric""#, #"autocomplete="one-time-code""#, #"pattern="[0-9]{6}""#,
                              #"name="phone" value="+33612345678""#, #"name="rememberMe" value="true""#, #"action="/fr/login/sms/verify""#] {
                #expect(html.contains(attribute), "\(attribute)")
            }
            #expect(!html.contains("style="))
            let code = try #require(await fake.lastCode(sentTo: phone))

            let wrong = try await web.post("/fr/login/sms/verify", form: ["phone": phone, "code": wrongCode(code), "rememberMe": "true"],
                                           csrfFrom: "/fr/login/sms")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.string.contains(escapedForHTML(app.translations.text("error_code_invalid", .fr))))
            #expect(wrong.body.string.contains(#"name="code""#))

            let signedIn = try await web.post("/fr/login/sms/verify", form: ["phone": phone, "code": code, "rememberMe": "true"],
                                              csrfFrom: "/fr/login/sms")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers.first(name: .location)?.hasPrefix("/fr/") == true)
            #expect(web.cookies[AuthCookies.access] != nil)
            #expect(try await web.get("/fr/dashboard").status == .ok)
            #expect(try await userWithPhone(app, phone: phone).phoneVerified)
            // "Remember me" made it through both forms: a long session.
            let session = try #require(try await AuthSession.query(on: app.db).filter(\.$rememberMe == true).first())
            #expect(session.$user.id == (try await userWithPhone(app, phone: phone)).id)
        }
    }

    @Test func theLoginFormsIdentifierFieldWorksToo() async throws {
        try await withAVA { app in
            try await signUpWithPhone(app, "+972501234567", locale: "he")
            let web = WebClient(app)
            let page = try await web.post("/he/login/sms", form: ["identifier": "050-123-4567"], csrfFrom: "/he/login")
            #expect(page.status == .ok)
            #expect(page.body.string.contains(#"name="phone" value="+972501234567""#))
            // The development outbox is pointed out.
            #expect(page.body.string.contains("/dev/outbox"))
            let code = try #require(try await outboxCode(app, "+972501234567"))
            let signedIn = try await web.post("/he/login/sms/verify", form: ["phone": "+972501234567", "code": code], csrfFrom: "/he/login")
            #expect(signedIn.status == .seeOther)
        }
    }

    @Test func mistakesAreShownInPlace() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            let bad = try await web.post("/en/login/sms", form: ["phone": "12"], csrfFrom: "/en/login/sms")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains(escapedForHTML(app.translations.text("error_invalid_phone", .en))))
            #expect(bad.body.string.contains(#"value="12""#))

            // An unknown number gets the code page like any other.
            let unknown = try await web.post("/en/login/sms", form: ["phone": "(415) 555-0123"], csrfFrom: "/en/login/sms")
            #expect(unknown.status == .ok)
            #expect(unknown.body.string.contains(#"name="code""#))
            // Asking again at once: the code step, with the wait.
            let again = try await web.post("/en/login/sms", form: ["phone": "+14155550123"], csrfFrom: "/en/login/sms")
            #expect(again.status == .tooManyRequests)
            #expect(again.body.string.contains(#"name="code""#))
            #expect(again.headers.first(name: "Retry-After") != nil)

            let empty = try await web.post("/en/login/sms/verify", form: ["phone": "+14155550123", "code": ""], csrfFrom: "/en/login/sms")
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.body.string.contains(escapedForHTML(app.translations.text("error_code_required", .en))))
        }
    }

    @Test func formsNeedTheirCSRFToken() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            _ = try await web.get("/en/login/sms")
            #expect(try await web.post("/en/login/sms", form: ["phone": "+14155550123"]).status == .forbidden)
            #expect(try await web.post("/en/login/sms/verify", form: ["phone": "+14155550123", "code": "123456"]).status == .forbidden)
        }
    }
}

/// A text as Leaf writes it into a page.
private func escapedForHTML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}
