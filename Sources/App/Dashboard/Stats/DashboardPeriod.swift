import AVACore
import Foundation

/// The dashboard's period: today, the last 7 days or the last 30 days, in the organisation's time zone.
///
/// Each period is made of whole local days ending with today (so "7 days" is today and the six days before),
/// and is compared with the period of the same number of days just before it (today with yesterday). Days
/// are counted with the calendar, so a period crossing a daylight-saving change still has whole days.
enum DashboardPeriod: String, CaseIterable, Codable, Sendable {
    case today
    case week = "7d"
    case month = "30d"

    var days: Int {
        switch self {
        case .today: 1
        case .week: 7
        case .month: 30
        }
    }

    /// `?period=` as sent by the page's links and API clients; anything unknown means 7 days.
    init(query: String?) {
        self = query.flatMap(DashboardPeriod.init(rawValue:)) ?? .week
    }
}

/// The instants a period covers in one time zone.
struct DashboardWindow: Sendable {
    let period: DashboardPeriod
    let timeZone: TimeZone
    /// Local midnight of the first day.
    let start: Date
    /// Local midnight after today.
    let end: Date
    /// Local midnight of the first day of the previous period (which ends at `start`).
    let previousStart: Date
    /// The local midnights of each day of the period, in order.
    let dayStarts: [Date]

    init(period: DashboardPeriod, timeZone: TimeZone, now: Date) {
        self.period = period
        self.timeZone = timeZone
        let calendar = Self.calendar(timeZone)
        let today = calendar.startOfDay(for: now)
        let first = calendar.date(byAdding: .day, value: -(period.days - 1), to: today)!
        start = first
        end = calendar.date(byAdding: .day, value: 1, to: today)!
        previousStart = calendar.date(byAdding: .day, value: -period.days, to: first)!
        dayStarts = (0..<period.days).map { calendar.date(byAdding: .day, value: $0, to: first)! }
    }

    var calendar: Calendar { Self.calendar(timeZone) }

    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// "2026-11-27": the local day holding `date`.
    func localDay(_ date: Date) -> String { LocalDate(date, in: timeZone).description }
}
