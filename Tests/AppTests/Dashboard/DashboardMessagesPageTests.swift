@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// `/{locale}/messages`: the list, the read rule, done/undone forms, and other organisations' messages.
@Suite("Dashboard messages page")
struct DashboardMessagesPageTests {
    typealias F = DashboardFixture

    @Test func listsNewestFirstAndMarksThemRead() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "fr")
            let call = try await F.call(app, org: org, .init(at: Date().addingTimeInterval(-7200)))
            let older = try await F.message(app, org: org, name: "Paul Girard", reason: "Question sur la facture",
                                            createdAt: Date().addingTimeInterval(-7200))
            let newer = try await F.message(app, org: org, name: "Lucie Martin", reason: "Rappeler avant midi", urgency: .high,
                                            callID: call, createdAt: Date().addingTimeInterval(-60))

            let dashboard = try await web.get("/fr/dashboard").body.string
            #expect(dashboard.contains("class=\"nav-badge\" aria-hidden=\"true\">2<"), "two unread in the navigation")
            #expect(dashboard.contains("2 messages non lus"))

            let page = try await web.get("/fr/messages")
            #expect(page.status == .ok)
            let html = page.body.string
            let lucie = try #require(html.range(of: "Lucie Martin"))
            let paul = try #require(html.range(of: "Paul Girard"))
            #expect(lucie.lowerBound < paul.lowerBound, "newest first")
            #expect(html.components(separatedBy: ">Nouveau<").count - 1 == 2, "both shown as new this once")
            #expect(html.contains("Urgent"))
            #expect(html.contains("href=\"tel:+33612345678\""))
            #expect(html.contains("href=\"/fr/calls/\(call.uuidString)\""))
            #expect(html.contains("aria-current=\"page\">Messages") || html.contains("href=\"/fr/messages\" aria-current=\"page\""))
            #expect(!html.contains("class=\"nav-badge\""), "read once shown")

            let again = try await web.get("/fr/messages").body.string
            #expect(!again.contains(">Nouveau<"))
            for id in [older, newer] {
                #expect(try await OwnerMessage.find(id, on: app.db)?.readAt != nil)
            }
        }
    }

    @Test func doneAndUndoneWithPlainForms() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "he")
            let id = try await F.message(app, org: org, name: "דנה כהן", reason: "לחזור אליה לגבי התור", createdAt: Date())
            let done = try await web.post("/he/messages/\(id.uuidString)/done", form: [:], csrfFrom: "/he/messages")
            #expect(done.status == .seeOther)
            #expect(done.headers.first(name: .location)?.hasPrefix("/he/messages?changed=done") == true)
            #expect(try await OwnerMessage.find(id, on: app.db)?.doneAt != nil)
            let page = try await web.get("/he/messages?changed=done").body.string
            #expect(page.contains("ההודעה סומנה כטופלה."))
            #expect(page.contains("/he/messages/\(id.uuidString)/undone"))
            let open = try await web.get("/he/messages?show=open").body.string
            #expect(open.contains("הכול טופל"), "nothing left to handle")
            #expect(!open.contains("דנה כהן"))

            let undone = try await web.post("/he/messages/\(id.uuidString)/undone", form: ["show": "open"], csrfFrom: "/he/messages")
            #expect(undone.status == .seeOther)
            #expect(undone.headers.first(name: .location)?.hasPrefix("/he/messages?show=open&changed=undone") == true)
            #expect(try await OwnerMessage.find(id, on: app.db)?.doneAt == nil)

            // Without the CSRF field the post is refused and nothing changes.
            let forged = try await web.post("/he/messages/\(id.uuidString)/done", form: [:])
            #expect(forged.status == .forbidden || forged.status == .badRequest)
            #expect(try await OwnerMessage.find(id, on: app.db)?.doneAt == nil)
        }
    }

    @Test func anotherOrganisationsMessageIsNotFound() async throws {
        try await withAVA { app in
            let (_, org) = try await F.signedIn(app, locale: "en")
            let id = try await F.message(app, org: org, name: "Private Caller", reason: "Confidential", createdAt: Date())
            let (stranger, _) = try await F.signedIn(app, locale: "en", name: "Other Owner")
            let attempt = try await stranger.post("/en/messages/\(id.uuidString)/done", form: [:], csrfFrom: "/en/messages")
            #expect(attempt.status == .notFound)
            let made = try await stranger.post("/en/messages/not-a-uuid/done", form: [:], csrfFrom: "/en/messages")
            #expect(made.status == .notFound)
            let message = try #require(try await OwnerMessage.find(id, on: app.db))
            #expect(message.doneAt == nil)
            #expect(message.readAt == nil, "the stranger's visit read nothing of it")
        }
    }

    @Test func emptyStateExplainsWhereMessagesComeFrom() async throws {
        try await withAVA { app in
            let (web, _) = try await F.signedIn(app, locale: "fr")
            let html = try await web.get("/fr/messages").body.string
            #expect(html.contains("Aucun message pour l’instant"))
            #expect(html.contains("en dehors de vos horaires"))
            #expect(html.contains("href=\"/fr/simulator\""))
        }
    }
}
