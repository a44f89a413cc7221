@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Settings: services editing and the assistant page")
struct SettingsServicesAndAssistantTests {
    typealias F = SettingsFixture

    @Test func servicesAreEditedWithTheSameChecksAsAdding() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let orgID = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first()?.$org.id)
            let service = BookingService(orgID: orgID, name: "Coupe", durationMinutes: 30, bufferAfterMinutes: 5, priceCents: 2500,
                                         currency: "EUR", active: false, position: 3)
            try await service.create(on: app.db)
            let web = try await F.browser(app, owner)
            let page = try await web.get("/fr/settings/booking")
            #expect(page.body.string.contains("/fr/settings/booking/services/\(service.id!)\""))
            #expect(page.body.string.contains("value=\"25.00\""))

            let path = "/fr/settings/booking/services/\(service.id!)"
            let cases: [([String: String], String)] = [
                (["name": "", "duration": "30"], "service_name_required"),
                (["name": "Coupe", "duration": "3"], "service_duration_invalid"),
                (["name": "Coupe", "duration": "abc"], "service_duration_invalid"),
                (["name": "Coupe", "duration": "30", "buffer": "999"], "service_buffer_invalid"),
                (["name": "Coupe", "duration": "30", "price": "12,345"], "service_price_invalid"),
            ]
            for (form, code) in cases {
                let res = try await web.post(path, form: form, csrfFrom: "/fr/settings/booking")
                #expect(res.status == .unprocessableEntity, "\(form)")
                let message = app.translations.text("error_\(code)", .fr)
                #expect(res.body.string.contains(message.replacingOccurrences(of: "'", with: "&#39;")) || res.body.string.contains(message), "\(code)")
                #expect(res.body.string.contains("<details class=\"disclosure service-edit\" id=\"service-\(service.id!)\" open"))
            }
            #expect(try await BookingService.find(service.id, on: app.db)?.name == "Coupe")

            let saved = try await web.post(path, form: ["name": "Coupe longue", "duration": "45", "buffer": "10", "price": "32,50"], csrfFrom: "/fr/settings/booking")
            #expect(saved.status == .seeOther)
            let edited = try #require(try await BookingService.find(service.id, on: app.db))
            #expect(edited.name == "Coupe longue" && edited.durationMinutes == 45 && edited.bufferAfterMinutes == 10 && edited.priceCents == 3250)
            #expect(edited.active == false && edited.position == 3)  // on/off and order untouched

            // Another organisation's service is not found; members cannot edit.
            let rival = try await F.owner(app)
            let rivalWeb = try await F.browser(app, rival)
            let foreign = try await rivalWeb.post(path, form: ["name": "X", "duration": "30"], csrfFrom: "/fr/settings/booking")
            #expect(foreign.status == .notFound)
            let member = try await F.join(app, owner: owner, role: "member")
            let memberWeb = try await F.browser(app, member)
            #expect(try await memberWeb.post(path, form: ["name": "X", "duration": "30"], csrfFrom: "/fr/settings/booking").status == .forbidden)
        }
    }

    @Test func theAssistantPageSavesThroughTheSameChecks() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let web = try await F.browser(app, owner)
            let page = try await web.get("/fr/settings/assistant")
            #expect(page.status == .ok && page.body.string.contains("name=\"systemPrompt\""))
            let form = ["name": "Léa", "firstMessage": "Bonjour, {business}, {name} à l'appareil.", "voice": "fr-FR-HenriNeural",
                        "tone": "warm", "systemPrompt": "Tu es la réceptionniste.", "afterHours": "transfer", "afterHoursNumber": ""]
            let missing = try await web.post("/fr/settings/assistant", form: form, csrfFrom: "/fr/settings/assistant")
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("Léa"))  // what was typed stays
            var good = form
            good["afterHoursNumber"] = "06 12 34 56 78"
            let saved = try await web.post("/fr/settings/assistant", form: good, csrfFrom: "/fr/settings/assistant")
            #expect(saved.status == .seeOther)
            let orgID = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first()?.$org.id)
            let assistant = try #require(try await Assistant.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(assistant.name == "Léa" && assistant.voice == "fr-FR-HenriNeural" && assistant.tone == "warm")
            #expect(AfterHoursRule.from(rulesJSON: assistant.rulesJSON).number == "+33612345678")
            #expect(assistant.syncedAt != nil)
            let member = try await F.join(app, owner: owner, role: "member")
            let memberWeb = try await F.browser(app, member)
            #expect(try await memberWeb.post("/fr/settings/assistant", form: good, csrfFrom: "/fr/settings/assistant").status == .forbidden)
        }
    }

    @Test func aVapiRefusalIsShownAndNothingIsSaved() async throws {
        try await withFakeVapi { app, fake in
            let owner = try await F.owner(app)
            let web = try await F.browser(app, owner)
            await fake.failNext(.createAssistant, .error(status: 400, message: ["voice.voiceId is not supported"], array: true))
            let form = ["name": "Zoé", "firstMessage": "Bonjour !", "voice": "fr-FR-DeniseNeural", "tone": "warm",
                        "systemPrompt": "Tu es la réceptionniste.", "afterHours": "message", "afterHoursNumber": ""]
            let refused = try await web.post("/fr/settings/assistant", form: form, csrfFrom: "/fr/settings/assistant")
            #expect(refused.status.code >= 400 && refused.status.code < 600 && refused.status != .internalServerError)
            #expect(refused.body.string.contains("alert-error") && refused.body.string.contains("Zoé"))
            let orgID = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first()?.$org.id)
            let assistant = try #require(try await Assistant.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(assistant.name != "Zoé" && assistant.syncError != nil && assistant.syncedAt == nil)
            // Reloaded later, the page still says the voice service refused the last change.
            let page = try await web.get("/fr/settings/assistant")
            #expect(page.body.string.contains("alert-warning"))
            // The next try goes through.
            let saved = try await web.post("/fr/settings/assistant", form: form, csrfFrom: "/fr/settings/assistant")
            #expect(saved.status == .seeOther)
            let synced = try #require(try await Assistant.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(synced.name == "Zoé" && synced.syncError == nil && synced.vapiAssistantID != nil)
        }
    }
}
