import AVACore
import Foundation

/// Numbers, dates and plurals of the dashboard in the page's language and the organisation's time zone.
struct DashboardTexts {
    let locale: AppLocale
    let timeZone: TimeZone
    let translations: Translations

    static func timeZone(of org: Org) -> TimeZone {
        TimeZone(identifier: org.timezone) ?? TimeZone(identifier: WeeklyHours.defaultTimeZone(country: org.country)) ?? .gmt
    }

    func t(_ key: String, _ arguments: String...) -> String { translations.text(key, locale, arguments) }

    /// `{key}_one` for one (and zero in French), `{key}_other` otherwise; `{0}` is the number.
    func plural(_ key: String, _ count: Int) -> String {
        let one = count == 1 || (locale == .fr && count == 0)
        return translations.text(key + (one ? "_one" : "_other"), locale, [number(count)])
    }

    var localeIdentifier: String { BookingTexts.localeIdentifier(locale) }

    func formatter(_ template: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: localeIdentifier)
        formatter.timeZone = timeZone
        formatter.setLocalizedDateFormatFromTemplate(template)
        return formatter
    }

    func number(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: localeIdentifier)
        formatter.numberStyle = .decimal
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    /// "87 %" in French, "87%" in English and Hebrew.
    func percent(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: localeIdentifier)
        formatter.numberStyle = .percent
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value / 100)) ?? "\(Int(value.rounded()))%"
    }

    /// "+12 %", "−5 %" (the sign always shown).
    func signedPercent(_ value: Int) -> String {
        (value > 0 ? "+" : value < 0 ? "−" : "±") + percent(Double(abs(value)))
    }

    /// "+4 pts" for percentage points.
    func signedPoints(_ value: Double) -> String {
        let rounded = Int(value.rounded())
        return t("dash_points", (rounded > 0 ? "+" : rounded < 0 ? "−" : "±") + String(abs(rounded)))
    }

    /// "14:05" today, "mar. 24, 14:05" otherwise.
    func when(_ date: Date, now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        if calendar.isDate(date, inSameDayAs: now) { return t("dash_today_at", formatter("jmm").string(from: date)) }
        let sameYear = calendar.component(.year, from: date) == calendar.component(.year, from: now)
        return formatter(sameYear ? "EEEdMMMjmm" : "yMMMdjmm").string(from: date)
    }
}
