@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor

/// The dashboard's figures from known rows: counts against the previous period, answer rate, satisfaction,
/// appointments, days and hours in the organisation's time zone, and nothing from another organisation.
@Suite("Dashboard stats")
struct DashboardStatsTests {
    typealias F = DashboardFixture

    @Test func figuresAgainstThePreviousPeriod() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("stats"))).organisation.id
            let other = try await signUp(app, SignupBody(email: uniqueEmail("other"))).organisation.id
            try await F.setTimeZone(app, org: org, "Europe/Paris")
            let now = F.date("2026-11-27T12:00:00Z")
            // This period (7 days: Paris, 21 to 27 November): 4 calls, one of them not answered.
            try await F.call(app, org: org, .init(at: F.date("2026-11-27T08:00:00Z"), evaluation: "true", outcome: "booked"))
            try await F.call(app, org: org, .init(at: F.date("2026-11-25T09:10:00Z"), evaluation: "8"))
            try await F.call(app, org: org, .init(at: F.date("2026-11-21T07:00:00Z"), evaluation: "60%"))
            try await F.call(app, org: org, .init(at: F.date("2026-11-24T10:00:00Z"), endedReason: "customer-busy", evaluation: "a comment"))
            // The previous 7 days: 2 answered calls, one rated "false".
            try await F.call(app, org: org, .init(at: F.date("2026-11-20T10:00:00Z"), evaluation: "false"))
            try await F.call(app, org: org, .init(at: F.date("2026-11-14T10:00:00Z")))
            // Too old, and another organisation's: never counted.
            try await F.call(app, org: org, .init(at: F.date("2026-11-10T10:00:00Z")))
            for _ in 0..<3 { try await F.call(app, org: other, .init(at: F.date("2026-11-26T10:00:00Z"))) }
            // Appointments: two booked by AVA and one by hand this week, one by AVA the week before.
            try await F.appointment(app, org: org, createdAt: F.date("2026-11-26T10:00:00Z"), source: .call)
            try await F.appointment(app, org: org, createdAt: F.date("2026-11-22T10:00:00Z"), source: .call)
            try await F.appointment(app, org: org, createdAt: F.date("2026-11-23T10:00:00Z"), source: .manual)
            try await F.appointment(app, org: org, createdAt: F.date("2026-11-18T10:00:00Z"), source: .call)
            try await F.appointment(app, org: other, createdAt: F.date("2026-11-26T10:00:00Z"), source: .call)

            let figures = try await DashboardStats(db: app.db, orgID: org)
                .figures(period: .week, timeZone: TimeZone(identifier: "Europe/Paris")!, now: now)
            #expect(figures.calls == .init(current: 4, previous: 2))
            #expect(figures.calls.changePercent == 100)
            #expect(figures.answerRate.current == 75)
            #expect(figures.answerRate.previous == 100)
            #expect(figures.answerRate.changePoints == -25)
            // (100 + 80 + 60) / 3; "a comment" is not a score.
            #expect(figures.satisfaction.current == 80)
            #expect(figures.satisfaction.basis == 3)
            #expect(figures.satisfaction.previous == 0)
            #expect(figures.satisfaction.changePoints == 80)
            #expect(figures.appointmentsBooked == .init(current: 2, previous: 1))
            #expect(figures.appointmentsCreated == 3)
            #expect(figures.callsPerDay.map(\.date) == ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"])
            #expect(figures.callsPerDay.map(\.calls) == [1, 0, 0, 1, 1, 0, 1])
            #expect(figures.callsByHour.reduce(0, +) == 4)
            #expect(figures.callsByHour[9] == 1)  // 08:00 UTC is 09:00 in Paris
            #expect(figures.recentCalls.count == 6)
            #expect(figures.recentCalls.first?.outcome == "booked")
            #expect(figures.recentCalls.contains { $0.outcome == "missed" })

            // 30 days: everything of this organisation since 28 October; the previous 30 days are empty.
            let month = try await DashboardStats(db: app.db, orgID: org)
                .figures(period: .month, timeZone: TimeZone(identifier: "Europe/Paris")!, now: now)
            #expect(month.calls == .init(current: 7, previous: 0))
            #expect(month.calls.changePercent == nil)
            #expect(month.callsPerDay.count == 30)
            #expect(month.answerRate.changePoints == nil)
        }
    }

    @Test func daysAndHoursAreTheOrganisationsOwn() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("tz"))).organisation.id
            let zone = TimeZone(identifier: "Asia/Jerusalem")!
            // 23:30 UTC on 26 November is 01:30 on the 27th in Jerusalem (UTC+2 in winter).
            try await F.call(app, org: org, .init(at: F.date("2026-11-26T23:30:00Z")))
            // 21:30 UTC is still the 26th there (23:30).
            try await F.call(app, org: org, .init(at: F.date("2026-11-26T21:30:00Z")))
            let now = F.date("2026-11-27T10:00:00Z")
            let stats = DashboardStats(db: app.db, orgID: org)
            let today = try await stats.figures(period: .today, timeZone: zone, now: now)
            #expect(today.calls == .init(current: 1, previous: 1))
            #expect(today.callsByHour[1] == 1)
            #expect(today.callsPerDay == [.init(date: "2026-11-27", calls: 1)])
            let week = try await stats.figures(period: .week, timeZone: zone, now: now)
            #expect(week.callsPerDay.suffix(2).map(\.calls) == [1, 1])
            #expect(week.callsPerDay.last?.date == "2026-11-27")
            #expect(week.callsByHour[23] == 1)
            #expect(week.callsByHour[1] == 1)
            // The same calls seen from Paris (UTC+1) fall on the 27th at 00:30 and the 26th at 22:30.
            let paris = try await stats.figures(period: .week, timeZone: TimeZone(identifier: "Europe/Paris")!, now: now)
            #expect(paris.callsByHour[0] == 1)
            #expect(paris.callsByHour[22] == 1)
        }
    }

    @Test func nothingYet() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("none"))).organisation.id
            let figures = try await DashboardStats(db: app.db, orgID: org).figures(period: .week, timeZone: .gmt)
            #expect(figures.calls == .init(current: 0, previous: 0))
            #expect(figures.answerRate.current == nil)
            #expect(figures.satisfaction.current == nil)
            #expect(figures.recentCalls.isEmpty)
            #expect(figures.callsByHour == Array(repeating: 0, count: 24))
            #expect(figures.callsPerDay.count == 7)
        }
    }

    @Test func callsInProgressAreListed() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("live"))).organisation.id
            let now = Date()
            let live = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-60), statusRank: 4, status: "in-progress", endedReason: nil))
            // Unfinished but from yesterday: stale, not "in progress".
            try await F.call(app, org: org, .init(at: now.addingTimeInterval(-86_400), statusRank: 4, status: "in-progress", endedReason: nil))
            let figures = try await DashboardStats(db: app.db, orgID: org).figures(period: .today, timeZone: .gmt, now: now)
            #expect(figures.inProgress.map(\.id) == [live])
            #expect(figures.inProgress.first?.outcome == "in-progress")
        }
    }

    @Test func satisfactionIsNormalisedToPercent() {
        #expect(SatisfactionScore.percent("true") == 100)
        #expect(SatisfactionScore.percent("False") == 0)
        #expect(SatisfactionScore.percent("8") == 80)
        #expect(SatisfactionScore.percent("10") == 100)
        #expect(SatisfactionScore.percent("1") == 10)
        #expect(SatisfactionScore.percent("7.5") == 75)
        #expect(SatisfactionScore.percent("85%") == 85)
        #expect(SatisfactionScore.percent("85") == 85)
        #expect(SatisfactionScore.percent("4/5") == 80)
        #expect(SatisfactionScore.percent("Excellent") == 100)
        #expect(SatisfactionScore.percent("Poor") == 25)
        #expect(SatisfactionScore.percent("\"true\"") == 100)
        #expect(SatisfactionScore.percent("150") == nil)
        #expect(SatisfactionScore.percent("120%") == nil)
        #expect(SatisfactionScore.percent("the caller was happy") == nil)
        #expect(SatisfactionScore.percent("") == nil)
        #expect(SatisfactionScore.percent(nil) == nil)
    }

    @Test func answeredFollowsTheEndedReason() {
        #expect(DashboardStats.isAnswered(statusRank: 6, endedReason: "customer-ended-call"))
        #expect(DashboardStats.isAnswered(statusRank: 6, endedReason: "assistant-forwarded-call"))
        #expect(DashboardStats.isAnswered(statusRank: 6, endedReason: nil))
        #expect(DashboardStats.isAnswered(statusRank: 4, endedReason: nil))
        #expect(!DashboardStats.isAnswered(statusRank: 3, endedReason: nil))
        #expect(!DashboardStats.isAnswered(statusRank: 6, endedReason: "customer-busy"))
        #expect(!DashboardStats.isAnswered(statusRank: 6, endedReason: "pipeline-error-openai-llm-failed"))
        #expect(!DashboardStats.isAnswered(statusRank: 6, endedReason: "twilio-failed-to-connect-call"))
        #expect(!DashboardStats.isAnswered(statusRank: 6, endedReason: "voicemail"))
    }
}

/// The SVG bar chart: accessible, escaped, mirrored for Hebrew, with readable axes.
@Suite("Dashboard chart")
struct DashboardChartTests {
    @Test func drawsAnAccessibleChart() {
        let bars = (0..<24).map { BarChartSVG.Bar(label: String($0), value: $0 == 9 ? 7 : 1, title: "\($0)h: <calls> & co") }
        let svg = BarChartSVG(bars: bars, title: "Busiest \"hours\"", description: "Peak at 9", id: "c1").svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("aria-labelledby=\"c1-title c1-desc\""))
        #expect(svg.contains("<title id=\"c1-title\">Busiest &quot;hours&quot;</title>"))
        #expect(svg.contains("<desc id=\"c1-desc\">Peak at 9</desc>"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 24)
        #expect(svg.contains("&lt;calls&gt; &amp; co"))
        #expect(!svg.contains("<calls>"))
        #expect(!svg.contains("style="), "no inline styles: the CSP forbids them")
        #expect(svg.contains("chart-bar is-peak"))
        // Axis ticks 0…top, labels thinned so they do not collide (24 two-digit labels on 360 units).
        #expect(svg.contains(">0</text>"))
        let labels = svg.components(separatedBy: "text-anchor=\"middle\"").count - 1
        #expect(labels > 4 && labels < 24)
    }

    @Test func scaleIsNice() {
        #expect(BarChartSVG.scale(maximum: 0) == (4, 1))
        #expect(BarChartSVG.scale(maximum: 7).top >= 7)
        #expect(BarChartSVG.scale(maximum: 7).step == 2)
        #expect(BarChartSVG.scale(maximum: 38) == (40, 10))
        #expect(BarChartSVG.scale(maximum: 1234).top == 1500)
    }

    @Test func rightToLeftPutsTheFirstBarOnTheRight() {
        let bars = [BarChartSVG.Bar(label: "a", value: 1, title: "first"), BarChartSVG.Bar(label: "b", value: 2, title: "second")]
        func x(of title: String, _ svg: String) -> Double {
            let part = svg.components(separatedBy: "<title>\(title)</title>")[0]
            let rect = part.components(separatedBy: "<rect").last!
            let value = rect.components(separatedBy: "x=\"")[1].components(separatedBy: "\"")[0]
            return Double(value)!
        }
        let ltr = BarChartSVG(bars: bars, title: "t", description: "d", id: "l").svg()
        let rtl = BarChartSVG(bars: bars, title: "t", description: "d", id: "r", rightToLeft: true).svg()
        #expect(x(of: "first", ltr) < x(of: "second", ltr))
        #expect(x(of: "first", rtl) > x(of: "second", rtl))
    }
}
