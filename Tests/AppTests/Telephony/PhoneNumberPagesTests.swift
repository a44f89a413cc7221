@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The phone-number settings page: plain forms, localized errors, no secret echoed back.
@Suite("Phone-number pages")
struct PhoneNumberPagesTests {
    /// Signs up through the form, then marks the email verified.
    private func signedIn(_ app: Application, locale: String) async throws -> WebClient {
        let web = WebClient(app)
        let email = uniqueEmail("pages")
        _ = try await web.post("/\(locale)/signup", form: ["name": "Dana Levi", "email": email, "password": "correct-horse-battery-42",
                                                          "acceptTerms": "true"], csrfFrom: "/\(locale)/signup")
        let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
        user.emailVerifiedAt = Date()
        try await user.save(on: app.db)
        return web
    }

    @Test func rendersInEveryLanguageAndSaysItIsASandbox() async throws {
        try await withAVA { app in
            for (locale, words) in [("fr", "bac à sable"), ("en", "Sandbox mode"), ("he", "מצב ניסוי")] {
                let web = try await signedIn(app, locale: locale)
                let page = try await web.get("/\(locale)/settings/phone-numbers")
                #expect(page.status == .ok)
                #expect(page.body.string.contains(words), "\(locale)")
                #expect(page.body.string.contains("action=\"/\(locale)/settings/phone-numbers/import-twilio\""))
            }
            // The settings page links to it.
            let web = try await signedIn(app, locale: "fr")
            #expect(try await web.get("/fr/settings").body.string.contains("/fr/settings/phone-numbers"))
        }
    }

    @Test func formsAddAndReleaseANumberWithoutJavaScript() async throws {
        try await withAVA { app in
            let web = try await signedIn(app, locale: "en")
            let added = try await web.post("/en/settings/phone-numbers/create-us", form: ["areaCode": "415", "name": "Desk"],
                                           csrfFrom: "/en/settings/phone-numbers")
            #expect(added.status == .seeOther)
            #expect(added.headers.first(name: .location) == "/en/settings/phone-numbers?flash=number_added")
            let page = try await web.get("/en/settings/phone-numbers?flash=number_added")
            #expect(page.body.string.contains("+1 (415) 555-0100"))
            #expect(page.body.string.contains("Desk"))

            let record = try #require(try await PhoneNumberRecord.query(on: app.db).first())
            let released = try await web.post("/en/settings/phone-numbers/\(record.id!.uuidString)/release", form: [:],
                                              csrfFrom: "/en/settings/phone-numbers")
            #expect(released.status == .seeOther)
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func errorsAreLocalizedAndTheTokenIsNeverEchoed() async throws {
        try await withAVA { app in
            let web = try await signedIn(app, locale: "fr")
            let wrongArea = try await web.post("/fr/settings/phone-numbers/create-us", form: ["areaCode": "416"],
                                               csrfFrom: "/fr/settings/phone-numbers")
            #expect(wrongArea.status == .unprocessableEntity)
            #expect(wrongArea.body.string.contains("canadien"))

            let token = "0123456789abcdef0123456789abcdef"
            let badSID = try await web.post("/fr/settings/phone-numbers/import-twilio",
                                            form: ["accountSid": "AC12", "authToken": token, "phoneNumber": "06 12 34 56 78"],
                                            csrfFrom: "/fr/settings/phone-numbers")
            #expect(badSID.status == .unprocessableEntity)
            #expect(badSID.body.string.contains("Account SID commence par"))
            #expect(!badSID.body.string.contains(token))
            #expect(badSID.body.string.contains("06 12 34 56 78"))   // the rest is kept for the owner
        }
    }
}
