@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("New-device notices")
struct DeviceNoticeTests {
    @Test func aSignInFromANewDeviceEmailsTheOwnerOnce() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let web = WebClient(app)
            _ = try await web.post("/fr/signup", form: ["name": "Léa Martin", "email": email, "password": "correct-horse-battery-42",
                                                        "acceptTerms": "true"], csrfFrom: "/fr/signup")
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$recipients == email).count() == 1)  // verification only
            // The same browser again: known.
            _ = try await web.post("/fr/logout", form: [:], csrfFrom: "/fr/dashboard")
            _ = try await web.post("/fr/login", form: ["identifier": email, "password": "correct-horse-battery-42"], csrfFrom: "/fr/login")
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$recipients == email).count() == 1)
            // Another browser: one email.
            let other = WebClient(app)
            _ = try await other.post("/fr/login", form: ["identifier": email, "password": "correct-horse-battery-42"], csrfFrom: "/fr/login")
            let mail = try #require(try await latestMail(app, to: email))
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$recipients == email).count() == 2)
            #expect(mail.textBody.contains("/fr/forgot-password"))
            #expect(try await KnownDevice.query(on: app.db).count() == 2)
        }
    }

    @Test func describesDevicesReadably() {
        #expect(DeviceNotice.describe("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36") == "Chrome · Android")
        #expect(DeviceNotice.describe("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1") == "Safari · iPhone")
        #expect(DeviceNotice.describe(nil) == "?")
    }
}
