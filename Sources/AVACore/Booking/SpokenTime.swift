import Foundation

/// Says a slot the way a receptionist would on the phone: "mardi 14 à 10 h", "Tuesday the 14th at 10 am",
/// "יום שלישי ה-14 בשעה 10:00". Today and tomorrow are named; the month is said only when it is not this one.
/// Written by hand rather than with DateFormatter so the words are the same on every platform.
public enum SpokenTime {
    public static func phrase(date: LocalDate, minuteOfDay: Int, locale: AppLocale, today: LocalDate) -> String {
        let (_, month, day) = date.components
        let sameMonth = today.components.month == month && date.dayNumber - today.dayNumber < 28
        let hour = minuteOfDay / 60, minute = minuteOfDay % 60
        switch locale {
        case .fr:
            let time = minute == 0 ? "\(hour) h" : String(format: "%d h %02d", hour, minute)
            if date == today { return "aujourd’hui à \(time)" }
            if date == today.adding(days: 1) { return "demain à \(time)" }
            let dayText = day == 1 ? "1er" : "\(day)"
            let monthText = sameMonth ? "" : " " + frenchMonths[month - 1]
            return "\(frenchDays[date.weekday]!) \(dayText)\(monthText) à \(time)"
        case .en:
            let twelve = hour % 12 == 0 ? 12 : hour % 12
            let suffix = hour < 12 ? "am" : "pm"
            let time = minute == 0 ? "\(twelve) \(suffix)" : String(format: "%d:%02d %@", twelve, minute, suffix)
            if date == today { return "today at \(time)" }
            if date == today.adding(days: 1) { return "tomorrow at \(time)" }
            let monthText = sameMonth ? "" : " of \(englishMonths[month - 1])"
            return "\(englishDays[date.weekday]!) the \(ordinal(day))\(monthText) at \(time)"
        case .he:
            let time = String(format: "%d:%02d", hour, minute)
            if date == today { return "היום בשעה \(time)" }
            if date == today.adding(days: 1) { return "מחר בשעה \(time)" }
            let monthText = sameMonth ? "" : " ב\(hebrewMonths[month - 1])"
            return "\(hebrewDays[date.weekday]!) ה-\(day)\(monthText) בשעה \(time)"
        }
    }

    /// A list as said aloud: "a, b or c" / "a, b ou c" / "a, b או c".
    public static func list(_ items: [String], locale: AppLocale) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        let or: String = switch locale {
        case .fr: " ou "
        case .en: " or "
        case .he: " או "
        }
        return items.dropLast().joined(separator: ", ") + or + items.last!
    }

    static func ordinal(_ day: Int) -> String {
        let suffix: String
        switch day % 100 {
        case 11, 12, 13: suffix = "th"
        default:
            switch day % 10 {
            case 1: suffix = "st"
            case 2: suffix = "nd"
            case 3: suffix = "rd"
            default: suffix = "th"
            }
        }
        return "\(day)\(suffix)"
    }

    static let frenchDays: [Weekday: String] = [.mon: "lundi", .tue: "mardi", .wed: "mercredi", .thu: "jeudi", .fri: "vendredi", .sat: "samedi", .sun: "dimanche"]
    static let englishDays: [Weekday: String] = [.mon: "Monday", .tue: "Tuesday", .wed: "Wednesday", .thu: "Thursday", .fri: "Friday", .sat: "Saturday", .sun: "Sunday"]
    static let hebrewDays: [Weekday: String] = [.sun: "יום ראשון", .mon: "יום שני", .tue: "יום שלישי", .wed: "יום רביעי", .thu: "יום חמישי", .fri: "יום שישי", .sat: "שבת"]
    static let frenchMonths = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
    static let englishMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let hebrewMonths = ["ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר", "אוקטובר", "נובמבר", "דצמבר"]
}
