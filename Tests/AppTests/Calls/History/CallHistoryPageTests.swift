@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// `/{locale}/calls` and `/{locale}/calls/{id}`: plain HTML that works without JavaScript, in every language.
@Suite("CallHistory pages")
struct CallHistoryPageTests {
    typealias Fixture = CallHistoryFixture

    @Test func emptyListSaysWhatToDoNext() async throws {
        try await withAVA { app in
            for (locale, words) in [("fr", "Passer un appel d’essai"), ("en", "Make a test call"), ("he", "לשיחת ניסיון")] {
                let (web, _) = try await Fixture.browser(app, locale: locale)
                let page = try await web.get("/\(locale)/calls")
                #expect(page.status == .ok)
                let html = page.body.string
                #expect(html.contains(words), "\(locale)")
                #expect(html.contains("href=\"/\(locale)/simulator\""))
                #expect(html.contains("href=\"/\(locale)/settings/phone-numbers\""))
                if locale == "he" { #expect(html.contains("dir=\"rtl\"")) }
            }
        }
    }

    @Test func listShowsRowsFiltersAndOlderLink() async throws {
        try await withAVA { app in
            let (web, orgID) = try await Fixture.browser(app, locale: "fr")
            try await Fixture.paris(app, orgID: orgID)
            let now = Date()
            for index in 0..<30 {
                try await Fixture.call(app, orgID: orgID, at: now.addingTimeInterval(Double(-index * 600)), name: index == 0 ? "Léa Martin" : nil,
                                       outcome: index == 0 ? "booked" : nil, summary: index == 0 ? "Rendez-vous pour une coupe mardi." : "Question sur les horaires.")
            }
            let first = try await web.get("/fr/calls")
            #expect(first.status == .ok)
            let html = first.body.string
            #expect(html.components(separatedBy: "class=\"calls-row\"").count - 1 == 25)
            #expect(html.contains("Léa Martin"))
            #expect(html.contains("Rendez-vous pris"), "the outcome in words")
            #expect(html.contains("calls-outcome-booked"))
            #expect(html.contains("Rendez-vous pour une coupe mardi."))
            #expect(html.contains("1 min 35 s"), "the duration")
            #expect(html.contains("method=\"get\""), "a plain GET form")
            let older = try #require(html.range(of: "href=\"/fr/calls?cursor=").map { range -> String in
                let rest = html[range.lowerBound...].dropFirst(6)
                return String(rest[..<rest.firstIndex(of: "\"")!]).replacingOccurrences(of: "&amp;", with: "&")
            })
            let second = try await web.get(older)
            #expect(second.status == .ok)
            #expect(second.body.string.components(separatedBy: "class=\"calls-row\"").count - 1 == 5)
            #expect(!second.body.string.contains("Léa Martin"))
            #expect(second.body.string.contains("Revenir aux plus récents"))

            // Search and filters, echoed in the form.
            let searched = try await web.get("/fr/calls?q=coupe&outcome=booked")
            #expect(searched.body.string.components(separatedBy: "class=\"calls-row\"").count - 1 == 1)
            #expect(searched.body.string.contains("value=\"coupe\""))
            #expect(searched.body.string.contains("<option value=\"booked\" selected>"))
            let none = try await web.get("/fr/calls?q=introuvable")
            #expect(none.body.string.contains("Aucun appel ne correspond"))
        }
    }

    @Test func badFiltersAreExplainedNotA500() async throws {
        try await withAVA { app in
            let (web, orgID) = try await Fixture.browser(app, locale: "fr")
            try await Fixture.call(app, orgID: orgID, at: Date())
            for (query, words) in [("cursor=garbage", "Ce lien de page a expiré"), ("from=2026-02-31", "Date invalide"),
                                   ("from=2026-03-10&to=2026-03-01", "La date de fin doit suivre"), ("outcome=maybe", "Ce résultat n’existe pas")] {
                let page = try await web.get("/fr/calls?\(query)")
                #expect(page.status == .unprocessableEntity, "\(query)")
                #expect(page.body.string.contains(words), "\(query)")
            }
            let hebrew = try await web.get("/he/calls?to=nope")
            #expect(hebrew.status == .unprocessableEntity)
            #expect(hebrew.body.string.contains("התאריך לא תקין"))
        }
    }

    @Test func callPageShowsConversationSummaryRecordingAndResults() async throws {
        try await withAVA { app in
            let (web, orgID) = try await Fixture.browser(app, locale: "fr")
            try await Fixture.paris(app, orgID: orgID)
            let id = try await Fixture.call(app, orgID: orgID, at: Date().addingTimeInterval(-600), duration: 75, name: "Léa Martin",
                                            from: "+33698765432", outcome: "booked", summary: "Léa a réservé une coupe.")
            let call = try #require(try await Call.find(id, on: app.db))
            call.recordingURL = "https://storage.vapi.ai/rec-2.wav"
            call.endedReason = "customer-ended-call"
            call.cost = 0.12
            try await call.save(on: app.db)
            let base = Date().addingTimeInterval(-600)
            for (offset, role, text) in [(0, "assistant", "Bonjour, que puis-je pour vous ?"), (4, "user", "Une coupe mardi, s’il vous plaît.")] {
                let line = CallTranscriptLine()
                line.$org.id = orgID
                line.$call.id = id
                line.role = role
                line.text = text
                line.spokenAt = base.addingTimeInterval(Double(offset))
                line.lineKey = UUID().uuidString
                try await line.create(on: app.db)
            }
            let service = BookingService(orgID: orgID, name: "Coupe", durationMinutes: 30)
            try await service.create(on: app.db)
            let customer = Customer(orgID: orgID, phone: "+33698765432", name: "Léa Martin")
            try await customer.create(on: app.db)
            let startsAt = Date().addingTimeInterval(3 * 86_400)
            let appointment = Appointment(orgID: orgID, staffID: nil, serviceID: service.id!, customerID: customer.id!, startsAt: startsAt,
                                          endsAt: startsAt.addingTimeInterval(1800), blocksUntil: startsAt.addingTimeInterval(1800),
                                          source: .call, callID: id)
            try await appointment.create(on: app.db)
            try await OwnerMessage(orgID: orgID, callID: id, name: "Léa Martin", phone: "+33698765432",
                                   reason: "Demande une couleur aussi", urgency: .normal).create(on: app.db)

            let page = try await web.get("/fr/calls/\(id)")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("live-line--assistant"))
            #expect(html.contains("live-line--user"))
            #expect(html.contains("Une coupe mardi, s’il vous plaît."))
            #expect(html.contains("Léa a réservé une coupe."))
            #expect(html.contains("<audio class=\"call-audio\" controls"))
            #expect(html.contains("https://storage.vapi.ai/rec-2.wav"))
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("media-src 'self' https://storage.vapi.ai") == true)
            #expect(html.contains("L’appelant a raccroché"), "Vapi's ended reason in words")
            #expect(html.contains("1 min 15 s"))
            #expect(html.contains("href=\"tel:+33698765432\""))
            #expect(html.contains("href=\"/fr/appointments/\(appointment.id!.uuidString)\""))
            #expect(html.contains("Demande une couleur aussi"))
            #expect(html.contains("0,12"), "the cost, French style")
            #expect(!html.contains("data-live-call"), "an ended call is not live")

            // Its route to the appointment page exists.
            let appointmentPage = try await web.get("/fr/appointments/\(appointment.id!.uuidString)")
            #expect(appointmentPage.status == .ok)

            // Hebrew: same page, right to left, the reason in Hebrew; an unknown reason stays as Vapi's code.
            call.endedReason = "some-new-vapi-reason"
            try await call.save(on: app.db)
            let hebrew = try await web.get("/he/calls/\(id)")
            #expect(hebrew.body.string.contains("dir=\"rtl\""))
            #expect(hebrew.body.string.contains("<code dir=\"ltr\">some-new-vapi-reason</code>"))
            #expect(hebrew.body.string.contains("נקבע תור"))
        }
    }

    @Test func callInProgressIsLive() async throws {
        try await withAVA { app in
            let (web, orgID) = try await Fixture.browser(app, locale: "en")
            let id = try await Fixture.call(app, orgID: orgID, at: Date(), status: "in-progress")
            let page = try await web.get("/en/calls/\(id)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("data-live-call=\"\(id.uuidString)\""))
            #expect(page.body.string.contains("/js/call-page.js"))
            #expect(page.body.string.contains("In progress"))
        }
    }

    @Test func anotherOrganisationsCallOrABadIdIsA404Page() async throws {
        try await withAVA { app in
            let (web, _) = try await Fixture.browser(app, locale: "fr")
            let other = try await Owner.create(app)
            let theirs = try await Fixture.call(app, orgID: other.orgID, at: Date(), summary: "Confidentiel")
            for path in ["/fr/calls/\(theirs)", "/fr/calls/abc", "/fr/calls/\(UUID())"] {
                let page = try await web.get(path)
                #expect(page.status == .notFound, "\(path)")
                #expect(!page.body.string.contains("Confidentiel"))
                #expect(page.headers.contentType == .html, "\(path)")
            }
            let signedOut = try await WebClient(app).get("/fr/calls")
            #expect(signedOut.status == .seeOther || signedOut.status == .found)
        }
    }
}
