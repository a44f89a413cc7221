@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Settings: account, sessions, export, deletion")
struct SettingsAccountTests {
    typealias F = SettingsFixture

    @Test func passwordChangeNeedsTheCurrentOneAndSignsOtherDevicesOut() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let web = try await F.browser(app, owner)
            let wrong = try await web.post("/fr/settings/account/password", form: ["currentPassword": "not-my-password-1", "newPassword": "a-brand-new-password-7"],
                                           csrfFrom: "/fr/settings/account")
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.string.contains("Ce mot de passe n’est pas le bon."))
            web.acceptLanguage = "he"
            let weak = try await web.post("/he/settings/account/password", form: ["currentPassword": F.password, "newPassword": "short"],
                                          csrfFrom: "/he/settings/account")
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.body.string.contains("dir=\"rtl\""))

            let changed = try await web.post("/fr/settings/account/password", form: ["currentPassword": F.password, "newPassword": "a-brand-new-password-7"],
                                             csrfFrom: "/fr/settings/account")
            #expect(changed.status == .seeOther)
            // The API session (another device) is out; this browser stays in.
            #expect(try await F.api(app, .GET, "/api/v1/account/sessions", token: owner.token).status == .unauthorized)
            #expect(try await web.get("/fr/settings/account").status == .ok)
            let user = try #require(try await User.find(owner.userID, on: app.db))
            #expect(try Bcrypt.verify("a-brand-new-password-7", created: user.passwordHash))
        }
    }

    @Test func sessionsAreListedAndSignedOutOneByOneOrAllOthers() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let web = try await F.browser(app, owner)
            let list = try await F.api(app, .GET, "/api/v1/account/sessions", token: owner.token)
            #expect(list.status == .ok)
            struct Items: Decodable { struct Item: Decodable { var id: UUID; var current: Bool }; var items: [Item] }
            let items = try JSONDecoder().decode(Items.self, from: Data(list.body.utf8)).items
            #expect(items.count == 2 && items.filter(\.current).count == 1)
            let browserSession = try #require(items.first { !$0.current })

            let page = try await web.get("/fr/settings/account")
            #expect(page.body.string.contains("cet appareil"))
            // Someone else's session is "not found".
            let rival = try await F.owner(app)
            #expect(try await F.api(app, .DELETE, "/api/v1/account/sessions/\(browserSession.id)", token: rival.token).status == .notFound)
            #expect(try await F.api(app, .DELETE, "/api/v1/account/sessions/\(browserSession.id)", token: owner.token).status == .noContent)
            #expect(try await web.get("/fr/settings/account").status == .seeOther)  // signed out: sent to the login page

            let again = try await F.browser(app, owner)
            let out = try await again.post("/fr/settings/account/sessions/revoke-others", form: [:], csrfFrom: "/fr/settings/account")
            #expect(out.status == .seeOther)
            #expect(try await F.api(app, .GET, "/api/v1/account/sessions", token: owner.token).status == .unauthorized)
            #expect(try await again.get("/fr/settings/account").status == .ok)
        }
    }

    @Test func profileNameChangesAndEmailIsHonestlyReadOnly() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let web = try await F.browser(app, owner)
            let empty = try await web.post("/fr/settings/account/profile", form: ["name": "  "], csrfFrom: "/fr/settings/account")
            #expect(empty.status == .unprocessableEntity)
            let saved = try await web.post("/fr/settings/account/profile", form: ["name": "Camille Martin"], csrfFrom: "/fr/settings/account")
            #expect(saved.status == .seeOther)
            #expect(try await User.find(owner.userID, on: app.db)?.name == "Camille Martin")
            let page = try await web.get("/en/settings/account")
            // The address itself changes through its own form (EmailChangeTests).
            #expect(page.body.string.contains("action=\"/en/settings/account/email\""))
        }
    }

    @Test func theExportHasEverythingButNoSecret() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let member = try await F.join(app, owner: owner, role: "member")
            let orgID = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first()?.$org.id)
            // Secrets that must never appear: a Twilio auth token (sealed), the webhook path token, TOTP and tokens.
            let org = try #require(try await Org.find(orgID, on: app.db))
            let webhookToken = try await org.ensureWebhookToken(on: app.db)
            let number = PhoneNumberRecord()
            number.$org.id = orgID
            number.provider = .twilio
            number.e164 = "+33612345678"
            number.status = "active"
            number.twilioAccountSID = "AC0123456789abcdef0123456789abcdef"
            number.twilioAuthTokenEncrypted = "gAAAAA-sealed-twilio-token-SECRET"
            number.routingJSON = "{}"
            number.businessHoursJSON = "{}"
            number.voicemailJSON = "{}"
            try await number.create(on: app.db)
            let call = Call()
            call.$org.id = orgID
            call.status = "ended"
            call.statusRank = 3
            call.simulated = true
            call.transcript = "AI: Bonjour, =SUM(A1) \"cité\", merci"
            call.summary = "Rendez-vous demandé"
            try await call.create(on: app.db)
            try await OwnerMessage(orgID: orgID, callID: call.id, name: "Dana", phone: "+972501234567", reason: "Rappeler", urgency: .normal).create(on: app.db)
            let user = try #require(try await User.find(owner.userID, on: app.db))
            user.totpSecretEncrypted = "TOTP-SECRET-VALUE"
            try await user.save(on: app.db)

            let json = try await F.api(app, .GET, "/api/v1/export?format=json", token: owner.token)
            #expect(json.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
            let tables = try #require(document["tables"] as? [String: [[String: Any]]])
            #expect(Set(tables.keys) == Set(DataExport.tables.map(\.name)))
            #expect(tables["members"]?.count == 2 && tables["calls"]?.count == 1 && tables["messages"]?.count == 1)
            #expect(tables["calls"]?.first?["transcript"] as? String == call.transcript)
            #expect(tables["phone_numbers"]?.first?["e164"] as? String == "+33612345678")
            let secrets = [user.passwordHash, webhookToken, "sealed-twilio-token", "TOTP-SECRET-VALUE", "$2b$", "AC0123456789abcdef",
                           owner.token, "token_hash", "password"]
            for secret in secrets { #expect(!json.body.contains(secret), "export contains \(secret)") }

            let csv = try await F.api(app, .GET, "/api/v1/export?format=csv&table=calls", token: owner.token)
            #expect(csv.status == .ok)
            #expect(csv.body.contains("\"AI: Bonjour, '=SUM(A1) \"\"cité\"\", merci\"") || csv.body.contains("AI: Bonjour"))
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.count == 2 && lines[0].hasSuffix("simulated"))
            let membersCSV = try await F.api(app, .GET, "/api/v1/export?format=csv&table=members", token: owner.token)
            for secret in secrets { #expect(!membersCSV.body.contains(secret)) }
            #expect(try await F.api(app, .GET, "/api/v1/export?format=csv&table=users", token: owner.token).status == .unprocessableEntity)
            #expect(try await F.api(app, .GET, "/api/v1/export?format=xml", token: owner.token).status == .unprocessableEntity)
            // Members do not export; another organisation's export holds none of this one's data.
            #expect(try await F.api(app, .GET, "/api/v1/export", token: member.token).status == .forbidden)
            let rival = try await F.owner(app)
            let theirs = try await F.api(app, .GET, "/api/v1/export", token: rival.token)
            #expect(!theirs.body.contains("+33612345678") && !theirs.body.contains(owner.email))
            // The page's download links work with the browser's cookies.
            let web = try await F.browser(app, owner)
            let download = try await web.get("/fr/settings/account/export.csv?table=messages")
            #expect(download.status == .ok && download.body.string.contains("Dana"))
            #expect(download.headers.first(name: .contentDisposition)?.contains("ava-messages.csv") == true)
        }
    }

    @Test func deletingTheAccount() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let member = try await F.join(app, owner: owner, role: "member")
            let orgID = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first()?.$org.id)

            // The last owner with a team is refused, and says why.
            let ownerWeb = try await F.browser(app, owner)
            let blocked = try await ownerWeb.post("/fr/settings/account/delete", form: ["password": F.password], csrfFrom: "/fr/settings/account")
            #expect(blocked.status == .conflict)
            // A wrong password deletes nothing.
            let memberWeb = try await F.browser(app, member)
            let wrong = try await memberWeb.post("/fr/settings/account/delete", form: ["password": "nope-nope-nope"], csrfFrom: "/fr/settings/account")
            #expect(wrong.status == .unprocessableEntity)
            #expect(try await User.find(member.userID, on: app.db) != nil)
            // A member leaves: their account goes, the organisation stays.
            let gone = try await memberWeb.post("/fr/settings/account/delete", form: ["password": F.password], csrfFrom: "/fr/settings/account")
            #expect(gone.status == .seeOther && gone.headers.first(name: .location) == "/fr/login?flash=account_deleted")
            #expect(try await User.find(member.userID, on: app.db) == nil)
            #expect(try await Org.find(orgID, on: app.db) != nil)

            // Now alone, the owner deletes the organisation and its data (numbers released first).
            let number = try await F.api(app, .POST, "/api/v1/phone-numbers/create-us", token: owner.token, json: ["areaCode": "415", "name": "Front desk"])
            #expect(number.status == .created || number.status == .ok, "\(number.body)")
            try await Customer(orgID: orgID, phone: "+33611111111", name: "Client").create(on: app.db)
            let service = BookingService(orgID: orgID, name: "Coupe", durationMinutes: 30)
            try await service.create(on: app.db)
            #expect(try await PhoneNumberRecord.query(on: app.db).filter(\.$org.$id == orgID).count() == 1)
            let done = try await ownerWeb.post("/fr/settings/account/delete", form: ["password": F.password], csrfFrom: "/fr/settings/account")
            #expect(done.status == .seeOther)
            #expect(try await Org.find(orgID, on: app.db) == nil)
            #expect(try await User.find(owner.userID, on: app.db) == nil)
            #expect(try await Customer.query(on: app.db).filter(\.$org.$id == orgID).count() == 0)
            #expect(try await PhoneNumberRecord.query(on: app.db).filter(\.$org.$id == orgID).count() == 0)
            #expect(try await BookingService.query(on: app.db).filter(\.$org.$id == orgID).count() == 0)
            #expect(try await AuthSession.query(on: app.db).filter(\.$user.$id == owner.userID).count() == 0)
        }
    }

    @Test func theSettingsPagesAnswerInEveryLanguage() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let web = try await F.browser(app, owner)
            for locale in ["fr", "en", "he"] {
                for page in ["/settings", "/settings/assistant", "/settings/team", "/settings/account"] {
                    let res = try await web.get("/\(locale)\(page)")
                    #expect(res.status == .ok, "\(locale)\(page)")
                    #expect(res.body.string.contains("/\(locale)/settings/team") && res.body.string.contains("/\(locale)/settings/account"))
                }
            }
        }
    }
}
