import AVACore
import Foundation

/// Dates and times as customers read them: the organisation's language and time zone.
enum BookingTexts {
    /// "mardi 14 avril à 10:00", "Tuesday, April 14 at 10:00 AM", "יום שלישי, 14 באפריל ב-10:00".
    static func when(_ date: Date, locale: AppLocale, timeZoneID: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: localeIdentifier(locale))
        formatter.timeZone = TimeZone(identifier: timeZoneID) ?? TimeZone(identifier: locale.defaultTimezone)
        formatter.setLocalizedDateFormatFromTemplate("EEEEdMMMMjmm")
        return formatter.string(from: date)
    }

    static func localeIdentifier(_ locale: AppLocale) -> String {
        switch locale {
        case .fr: "fr_FR"
        case .en: "en_US"
        case .he: "he_IL"
        }
    }
}
