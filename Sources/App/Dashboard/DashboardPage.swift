import AVACore
import Fluent
import Vapor

/// `/{locale}/dashboard`: the period's figures against the previous period, the calls over time, the busiest
/// hours, the calls in progress (updated live by Public/js/dashboard.js when JavaScript runs), the latest
/// calls, and while the owner is new, the steps left and the test call.
enum DashboardPage {
    struct PeriodLink: Encodable { var key: String; var label: String; var href: String; var current: Bool }

    struct Card: Encodable {
        var key: String
        var label: String
        var value: String
        /// "+12 %" or "+4 pts"; nil when there is nothing to compare with.
        var change: String?
        /// `up`, `down` or `flat`.
        var trend: String?
        /// "than the previous 7 days", for screen readers and the line under the figure.
        var comparison: String
        var note: String?
    }

    struct CallRow: Encodable {
        var id: String
        var href: String
        var who: String
        /// `who` is a phone number: shown left-to-right even in Hebrew.
        var whoIsNumber: Bool
        var number: String?
        var when: String
        var outcome: String
        var outcomeLabel: String
        var summary: String?
        var simulated: Bool
        /// The call's status as the live panel words it ("Ringing", "Call in progress", "Being transferred").
        var status: String
        var liveLabel: String
    }

    struct Extra: Encodable {
        var period: String
        var periods: [PeriodLink]
        var periodLabel: String
        var timezone: String
        var hasCalls: Bool
        var cards: [Card]
        var timeline: DashboardChart
        var busiest: DashboardChart?
        var recent: [CallRow]
        var live: [CallRow]
        var unread: Int
        var unreadText: String?
        var setupDone: Bool
        var emailVerified: Bool
        var hasNumber: Bool
        var onboardingDone: Bool
    }

    static func render(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let period = DashboardPeriod(query: try? req.query.get(String.self, at: "period"))
        let locale = req.appLocale
        let texts = DashboardTexts(locale: locale, timeZone: DashboardTexts.timeZone(of: org), translations: req.application.translations)
        let now = Date()
        let figures = try await DashboardStats(db: req.db, orgID: user.orgID).figures(period: period, timeZone: texts.timeZone, now: now)
        let hasNumber = try await PhoneNumberRecord.query(on: req.db).filter(\.$org.$id == user.orgID).count() > 0
        let comparison = texts.t("dash_vs_\(period == .today ? "today" : period == .week ? "7d" : "30d")")

        let cards: [Card] = [
            countCard("calls", figures.calls, comparison: comparison, texts: texts),
            countCard("appointments", figures.appointmentsBooked, comparison: comparison, texts: texts,
                      note: figures.appointmentsCreated > figures.appointmentsBooked.current
                        ? texts.plural("dash_appointments_all", figures.appointmentsCreated) : nil),
            rateCard("answer_rate", figures.answerRate, comparison: comparison, texts: texts,
                     note: figures.answerRate.current == nil ? nil : texts.plural("dash_answer_basis", figures.answerRate.basis)),
            rateCard("satisfaction", figures.satisfaction, comparison: comparison, texts: texts,
                     note: figures.satisfaction.current == nil ? texts.t("dash_satisfaction_none") : texts.plural("dash_satisfaction_basis", figures.satisfaction.basis)),
        ]
        let periods = DashboardPeriod.allCases.map {
            PeriodLink(key: $0.rawValue, label: texts.t("dash_period_\($0 == .today ? "today" : $0 == .week ? "7d" : "30d")"),
                       href: "/\(locale.rawValue)/dashboard?period=\($0.rawValue)", current: $0 == period)
        }
        let user0 = user.user
        let extra = Extra(
            period: period.rawValue, periods: periods, periodLabel: periods.first { $0.current }?.label ?? "",
            timezone: texts.timeZone.identifier, hasCalls: !figures.recentCalls.isEmpty, cards: cards,
            timeline: DashboardCharts.timeline(figures, period: period, texts: texts),
            busiest: period == .today ? nil : DashboardCharts.hours(figures.callsByHour, id: "chart-hours",
                                                                     title: texts.t("dash_chart_hours_title"), texts: texts),
            recent: figures.recentCalls.map { row($0, locale: locale, texts: texts, now: now) },
            live: figures.inProgress.map { row($0, locale: locale, texts: texts, now: now) },
            unread: figures.unreadMessages,
            unreadText: figures.unreadMessages > 0 ? texts.plural("dash_unread", figures.unreadMessages) : nil,
            setupDone: user0.isEmailVerified && hasNumber && user0.onboardingCompleted,
            emailVerified: user0.isEmailVerified, hasNumber: hasNumber, onboardingDone: user0.onboardingCompleted)
        return try await PageRenderer.render(req, "app/dashboard", page: "dashboard", titleKey: "title_dashboard", extra: extra)
    }

    static func countCard(_ key: String, _ count: DashboardFigures.Count, comparison: String, texts: DashboardTexts,
                          note: String? = nil) -> Card {
        Card(key: key, label: texts.t("dash_card_\(key)"), value: texts.number(count.current),
             change: count.changePercent.map(texts.signedPercent), trend: count.changePercent.map(trend),
             comparison: count.changePercent == nil ? texts.t("dash_no_previous") : comparison,
             note: note)
    }

    static func rateCard(_ key: String, _ rate: DashboardFigures.Rate, comparison: String, texts: DashboardTexts, note: String?) -> Card {
        Card(key: key, label: texts.t("dash_card_\(key)"), value: rate.current.map(texts.percent) ?? "—",
             change: rate.changePoints.map(texts.signedPoints), trend: rate.changePoints.map { trend(Int($0.rounded())) },
             comparison: rate.changePoints == nil ? texts.t("dash_no_previous") : comparison, note: note)
    }

    static func trend(_ change: Int) -> String { change > 0 ? "up" : change < 0 ? "down" : "flat" }

    static func row(_ call: DashboardFigures.CallSummary, locale: AppLocale, texts: DashboardTexts, now: Date) -> CallRow {
        let name = call.callerName.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let ringing = liveStatus(call.status) == "ringing"
        // A call still ringing with nothing known about the caller is just "Incoming call".
        let unknown = texts.t(ringing ? "dash_live_call" : "dash_unknown_caller")
        return CallRow(id: call.id.uuidString, href: "/\(locale.rawValue)/calls/\(call.id.uuidString)",
                       who: name ?? call.fromNumber ?? unknown, whoIsNumber: name == nil && call.fromNumber != nil,
                       number: name == nil ? nil : call.fromNumber, when: texts.when(call.startedAt, now: now),
                       outcome: call.outcome, outcomeLabel: texts.t("dash_outcome_\(call.outcome.replacingOccurrences(of: "-", with: "_"))"),
                       summary: call.summary, simulated: call.simulated, status: liveStatus(call.status),
                       liveLabel: texts.t("dash_live_status_\(liveStatus(call.status).replacingOccurrences(of: "-", with: "_"))"))
    }

    /// Vapi's statuses folded into what the live panel tells apart (Public/js/dashboard.js does the same):
    /// `ringing` (scheduled, queued, ringing), `in-progress`, `forwarding`, `ended`.
    static func liveStatus(_ status: String) -> String {
        switch status {
        case "scheduled", "queued", "ringing": "ringing"
        case "forwarding": "forwarding"
        case "ended": "ended"
        default: "in-progress"
        }
    }
}
