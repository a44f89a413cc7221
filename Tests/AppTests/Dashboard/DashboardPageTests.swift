@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// `/{locale}/dashboard` and `GET /api/v1/dashboard`.
@Suite("Dashboard page")
struct DashboardPageTests {
    typealias F = DashboardFixture

    @Test func emptyStateLeadsToTheTestCallAndNumbers() async throws {
        try await withAVA { app in
            for (locale, words) in [("fr", "Pas encore d’appel"), ("en", "No calls yet"), ("he", "עדיין אין שיחות")] {
                let (web, _) = try await F.signedIn(app, locale: locale)
                let page = try await web.get("/\(locale)/dashboard")
                #expect(page.status == .ok)
                let html = page.body.string
                #expect(html.contains(words), "\(locale)")
                #expect(html.contains("href=\"/\(locale)/simulator\""))
                #expect(html.contains("href=\"/\(locale)/settings/phone-numbers\""))
                #expect(html.contains("href=\"/\(locale)/messages\""), "the navigation links to the messages")
                #expect(!html.contains("<svg class=\"chart\""), "no empty charts")
                #expect(html.contains("data-dashboard-live"))
            }
        }
    }

    @Test func figuresChartsAndRecentCalls() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "fr")
            let now = Date()
            let call = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-3600), evaluation: "9", outcome: "message",
                                                             summary: "Lucie veut être rappelée pour son devis.\nDeuxième ligne", callerName: "Lucie <b>Martin</b>"))
            try await F.call(app, org: org, .init(at: now.addingTimeInterval(-2 * 86_400), endedReason: "customer-busy"))
            try await F.call(app, org: org, .init(at: now.addingTimeInterval(-10 * 86_400)))
            let live = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-30), statusRank: 4, status: "in-progress", endedReason: nil))

            let page = try await web.get("/fr/dashboard")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("Taux de réponse"))
            #expect(html.contains("Satisfaction"))
            #expect(html.contains("Appels par jour"))
            #expect(html.contains("Heures les plus chargées"))
            #expect(html.contains("role=\"img\""))
            #expect(html.contains("class=\"visually-hidden\""))
            #expect(html.contains("href=\"/fr/calls/\(call.uuidString)\""))
            #expect(html.contains("href=\"/fr/calls/\(live.uuidString)\""), "the call in progress is listed")
            #expect(html.contains("Lucie veut être rappelée pour son devis."))
            #expect(!html.contains("Deuxième ligne"), "one line of summary")
            #expect(html.contains("Lucie &lt;b&gt;Martin&lt;/b&gt;"), "names are escaped")
            #expect(html.contains("Message pris"))
            #expect(html.contains("Sans réponse"))
            #expect(html.contains("aria-current=\"page\">7 jours"))
            #expect(html.contains("/js/dashboard.js"))

            let today = try await web.get("/fr/dashboard?period=today")
            #expect(today.body.string.contains("aria-current=\"page\">Aujourd’hui"))
            #expect(today.body.string.contains("heure par heure"))
            #expect(!today.body.string.contains("Heures les plus chargées"))
            let month = try await web.get("/fr/dashboard?period=30d")
            #expect(month.status == .ok)
            #expect(month.body.string.contains("aria-current=\"page\">30 jours"))
            // An unknown period falls back to 7 days.
            #expect(try await web.get("/fr/dashboard?period=forever").status == .ok)

            let hebrew = try await web.get("/he/dashboard")
            #expect(hebrew.status == .ok)
            #expect(hebrew.body.string.contains("dir=\"rtl\""))
            #expect(hebrew.body.string.contains("שיעור מענה"))
        }
    }

    @Test func apiGivesTheSameFiguresAsJSON() async throws {
        try await withAVA { app in
            let auth = try await signUp(app, SignupBody(email: uniqueEmail("api")))
            let org = auth.organisation.id
            try await F.call(app, org: org, .init(at: Date().addingTimeInterval(-600), evaluation: "true"))
            try await F.call(app, org: org, .init(at: Date().addingTimeInterval(-700), endedReason: "voicemail"))
            let headers = HTTPHeaders.bearer(auth.tokens.accessToken)
            try await app.testing().test(.GET, "/api/v1/dashboard?period=7d", headers: headers, afterResponse: { res throws in
                #expect(res.status == .ok, "\(res.body.string)")
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let figures = try decoder.decode(DashboardFigures.self, from: Data(res.body.string.utf8))
                #expect(figures.period == "7d")
                #expect(figures.calls.current == 2)
                #expect(figures.answerRate.current == 50)
                #expect(figures.satisfaction.current == 100)
                #expect(figures.callsByHour.count == 24)
                #expect(figures.callsPerDay.count == 7)
                #expect(figures.recentCalls.count == 2)
                #expect(res.body.string.contains("\"changePercent\"") == false, "no previous period: no change")
            })
            try await app.testing().test(.GET, "/api/v1/dashboard", headers: headers, afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("\"period\":\"7d\""))
            })
            try await app.testing().test(.GET, "/api/v1/dashboard?period=1y", headers: headers, afterResponse: { res throws in
                #expect(res.status == .unprocessableEntity)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "dashboard_period_invalid")
            })
            try await app.testing().test(.GET, "/api/v1/dashboard", afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
        }
    }

    @Test func anotherOrganisationSeesNothing() async throws {
        try await withAVA { app in
            let (_, org) = try await F.signedIn(app, locale: "en")
            let call = try await F.call(app, org: org, .init(at: Date().addingTimeInterval(-600), summary: "Secret of the first business"))
            try await F.message(app, org: org, name: "Private Caller", reason: "Confidential", createdAt: Date())
            let (stranger, _) = try await F.signedIn(app, locale: "en", name: "Other Owner")
            let html = try await stranger.get("/en/dashboard").body.string
            #expect(html.contains("No calls yet"))
            #expect(!html.contains(call.uuidString))
            #expect(!html.contains("Secret of the first business"))
            let messages = try await stranger.get("/en/messages").body.string
            #expect(!messages.contains("Private Caller"))
            #expect(messages.contains("No messages yet"))

            let auth = try await signUp(app, SignupBody(email: uniqueEmail("api-other")))
            try await app.testing().test(.GET, "/api/v1/dashboard?period=30d", headers: .bearer(auth.tokens.accessToken), afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("\"current\":0"))
                #expect(!res.body.string.contains(call.uuidString))
            })
        }
    }
}
