@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The simulator page with plain forms (no JavaScript): start, speak, book, hang up; French and Hebrew.
@Suite("Call simulator page")
struct SimulatorPageTests {
    private func signedIn(_ app: Application, locale: String) async throws -> (WebClient, UUID) {
        let web = WebClient(app)
        web.acceptLanguage = locale
        let email = uniqueEmail("simpage")
        _ = try await web.post("/\(locale)/signup", form: ["name": "Dana Levi", "email": email, "password": "correct-horse-battery-42",
                                                          "acceptTerms": "true"], csrfFrom: "/\(locale)/signup")
        let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
        let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
        let orgID = membership.$org.id
        try await SimulatorOwner.openAroundTheClock(app, orgID: orgID)
        try await BookingService(orgID: orgID, name: "Coupe", durationMinutes: 30).create(on: app.db)
        return (web, orgID)
    }

    /// The conversation page a form post leads to.
    private func follow(_ web: WebClient, _ response: TestingHTTPResponse) async throws -> String {
        #expect(response.status == .seeOther, "\(response.body.string.prefix(400))")
        let location = try #require(response.headers.first(name: .location))
        let page = try await web.get(location)
        #expect(page.status == .ok)
        return page.body.string
    }

    private func callID(in html: String) throws -> String {
        let range = try #require(html.range(of: "data-simulator=\""))
        return String(html[range.upperBound...].prefix(36))
    }

    @Test func frenchBookingWithoutJavaScript() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "fr")
            let dashboard = try await web.get("/fr/dashboard")
            #expect(dashboard.body.string.contains("href=\"/fr/simulator\""), "the dashboard links to the simulator")
            let empty = try await web.get("/fr/simulator")
            #expect(empty.status == .ok)
            let html = empty.body.string
            #expect(html.contains("Appelez votre AVA") && html.contains("Simulation") && html.contains("Réponses scriptées"))
            #expect(html.contains("/js/simulator.js"))

            var page = try await follow(web, try await web.post("/fr/simulator/start", form: ["callerName": "Léa Martin"], csrfFrom: "/fr/simulator"))
            let id = try callID(in: page)
            #expect(page.contains("Comment puis-je vous aider"))
            #expect(page.contains("data-live-call=\"\(id)\""), "the live transcript is wired for JavaScript")

            let conversation = "/fr/simulator?call=\(id)"
            page = try await follow(web, try await web.post("/fr/simulator/\(id)/say", form: ["text": "Je voudrais un rendez-vous demain"], csrfFrom: conversation))
            #expect(page.contains("Je voudrais un rendez-vous demain") && page.contains("Les prochains créneaux libres sont demain"), "\(page)")

            // Empty text: the page answers 422 with the message, and the conversation stays.
            let refused = try await web.post("/fr/simulator/\(id)/say", form: ["text": "  "], csrfFrom: conversation)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("Écrivez ce que vous voulez dire.") && refused.body.string.contains("Les prochains créneaux"))

            page = try await follow(web, try await web.post("/fr/simulator/\(id)/say", form: ["text": "le premier"], csrfFrom: conversation))
            #expect(page.contains("Puis-je faire autre chose pour vous ?"), "\(page)")
            page = try await follow(web, try await web.post("/fr/simulator/\(id)/hang-up", form: [:], csrfFrom: conversation))
            #expect(page.contains("Fin de l’appel") && page.contains("Rendez-vous réservé"), "\(page)")
            #expect(page.contains("Nouvel appel"))
            let appointment = try #require(try await Appointment.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(appointment.source == .call)
            #expect(try await Call.find(appointment.callID, on: app.db)?.outcome == "booked")

            // A post without the CSRF token is refused.
            let forged = try await web.post("/fr/simulator/start", form: [:])
            #expect(forged.status == .forbidden)
        }
    }

    @Test func hebrewPageIsRightToLeftAndTakesAMessage() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "he")
            let empty = try await web.get("/he/simulator")
            #expect(empty.body.string.contains("dir=\"rtl\"") && empty.body.string.contains("התקשרו ל-AVA שלכם"))
            var page = try await follow(web, try await web.post("/he/simulator/start", form: ["callerName": "דנה לוי"], csrfFrom: "/he/simulator"))
            let id = try callID(in: page)
            #expect(page.contains("שלום"))
            let conversation = "/he/simulator?call=\(id)"
            page = try await follow(web, try await web.post("/he/simulator/\(id)/say", form: ["text": "אפשר להשאיר הודעה?"], csrfFrom: conversation))
            #expect(page.contains("מה ההודעה"), "\(page)")
            page = try await follow(web, try await web.post("/he/simulator/\(id)/say", form: ["text": "שיחזרו אליי לגבי החשבונית"], csrfFrom: conversation))
            page = try await follow(web, try await web.post("/he/simulator/\(id)/say", form: ["text": "לא, תודה. להתראות"], csrfFrom: conversation))
            #expect(page.contains("נרשמה הודעה") && page.contains("סיכום השיחה"), "\(page)")
            let message = try #require(try await OwnerMessage.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(message.name == "דנה לוי" && message.reason == "שיחזרו אליי לגבי החשבונית")
        }
    }

    /// The onboarding's test call can embed the conversation: forms come back to it, and only to it.
    @Test func formsReturnOnlyToTheOnboarding() async throws {
        try await withAVA { app in
            let (web, _) = try await signedIn(app, locale: "en")
            let back = try await web.post("/en/simulator/start", form: ["returnTo": "/en/onboarding"], csrfFrom: "/en/simulator")
            let location = try #require(back.headers.first(name: .location))
            #expect(location.hasPrefix("/en/onboarding?call="), "\(location)")
            for hostile in ["https://evil.example/en/onboarding", "//evil.example", "/en/onboarding/../../logout", "/en/settings"] {
                let elsewhere = try await web.post("/en/simulator/start", form: ["returnTo": hostile], csrfFrom: "/en/simulator")
                #expect(elsewhere.headers.first(name: .location)?.hasPrefix("/en/simulator?call=") == true, "\(hostile)")
            }
        }
    }

    @Test func signedOutVisitorsAreSentToSignIn() async throws {
        try await withAVA { app in
            let page = try await WebClient(app).get("/fr/simulator")
            #expect(page.status == .seeOther || page.status == .found)
        }
    }
}
