import AVACore
import Fluent
import Foundation
import Vapor

/// Shared pieces of the booking pages: local dates and times in the organisation's zone, labels, errors.
struct BookingPageClock {
    let timeZone: TimeZone
    let locale: AppLocale
    let country: String

    init(org: Org, locale: AppLocale) {
        timeZone = TimeZone(identifier: org.timezone) ?? TimeZone(identifier: WeeklyHours.defaultTimeZone(country: org.country))!
        self.locale = locale
        country = org.country.uppercased()
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Israel and the US start the week on Sunday, France on Monday.
        calendar.firstWeekday = (country == "FR") ? 2 : 1
        return calendar
    }

    private func formatter(_ template: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        formatter.timeZone = timeZone
        formatter.setLocalizedDateFormatFromTemplate(template)
        return formatter
    }

    func time(_ date: Date) -> String { formatter("jmm").string(from: date) }
    func dayHeading(_ date: Date) -> String { formatter("EEEEdMMMM").string(from: date) }
    func shortDay(_ date: Date) -> String { formatter("EEEdMMM").string(from: date) }
    func long(_ date: Date) -> String { BookingTexts.when(date, locale: locale, timeZoneID: timeZone.identifier) }

    /// "2026-03-14" and "09:30" as the instant they name in the organisation's zone.
    func instant(date: String, time: String) -> Date? {
        guard let day = LocalDate(date.trimmingCharacters(in: .whitespaces)),
              let clock = LocalTime(time.trimmingCharacters(in: .whitespaces)) else { return nil }
        let parts = day.components
        return calendar.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day,
                                                  hour: clock.hour, minute: clock.minute))
    }

    func localDate(_ date: Date) -> String { LocalDate(date, in: timeZone).description }
    func localTime(_ date: Date) -> String {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }

    /// The first day of the week holding `date` (local midnight).
    func weekStart(containing date: Date) -> Date {
        calendar.dateInterval(of: .weekOfYear, for: date)?.start ?? calendar.startOfDay(for: date)
    }

    /// Weekdays in this organisation's order, with their names in the page's language.
    var orderedWeekdays: [(day: Weekday, name: String)] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        let names = formatter.standaloneWeekdaySymbols ?? formatter.weekdaySymbols ?? []
        let first = calendar.firstWeekday
        return (0..<7).map { offset in
            let index = (first - 1 + offset) % 7
            let day = Weekday.allCases[index]
            let name = index < names.count ? names[index] : day.rawValue
            return (day, name.prefix(1).uppercased() + name.dropFirst())
        }
    }
}

extension Request {
    /// An `AppError`'s message in the page's language.
    func message(for error: AppError) -> String {
        application.translations.text(error.messageKey, appLocale, error.messageArguments)
    }
}

enum BookingCurrency {
    static func code(country: String) -> String {
        switch country.uppercased() {
        case "IL": "ILS"
        case "US": "USD"
        default: "EUR"
        }
    }

    static func format(cents: Int?, currency: String?, locale: AppLocale) -> String? {
        guard let cents else { return nil }
        let formatter = NumberFormatter()
        formatter.numberStyle = .currency
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        formatter.currencyCode = currency ?? "EUR"
        return formatter.string(from: NSNumber(value: Double(cents) / 100))
    }
}
