import AVACore
import Foundation

/// How a call reads on a page: times in the organisation's zone and the page's language, durations, Vapi's
/// ended reasons in words, the cost.
struct CallHistoryPresenter {
    let locale: AppLocale
    let timeZone: TimeZone
    let translations: Translations

    static func timeZone(of org: Org) -> TimeZone {
        TimeZone(identifier: org.timezone) ?? TimeZone(identifier: WeeklyHours.defaultTimeZone(country: org.country)) ?? .gmt
    }

    func t(_ key: String, _ arguments: String...) -> String { translations.text(key, locale, arguments) }

    private func formatter(_ template: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        formatter.timeZone = timeZone
        formatter.setLocalizedDateFormatFromTemplate(template)
        return formatter
    }

    /// "jeu. 26 nov., 14:05" (the year only when it is not this one).
    func when(_ date: Date, now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let sameYear = calendar.component(.year, from: date) == calendar.component(.year, from: now)
        return formatter(sameYear ? "EEEdMMMjmm" : "yMMMdjmm").string(from: date)
    }

    /// "2 min 05 s", "45 s".
    func duration(_ seconds: Int?) -> String? {
        guard let seconds else { return nil }
        if seconds < 60 { return t("calls_duration_seconds", String(seconds)) }
        return t("calls_duration_minutes", String(seconds / 60), String(format: "%02d", seconds % 60))
    }

    /// Vapi's cost is in US dollars.
    func cost(_ value: Double?) -> String? {
        guard let value else { return nil }
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        formatter.numberStyle = .currency
        formatter.currencyCode = "USD"
        formatter.maximumFractionDigits = value < 1 ? 3 : 2
        return formatter.string(from: NSNumber(value: value))
    }

    func outcomeLabel(_ outcome: String?) -> String {
        switch outcome {
        case "booked", "message", "transferred": t("calls_outcome_\(outcome!)")
        default: t("calls_outcome_none")
        }
    }

    /// The common reasons Vapi gives for a call's end, in words; anything else as Vapi's code.
    static let knownEndedReasons: Set<String> = [
        "customer-ended-call", "assistant-ended-call", "assistant-said-end-call-phrase", "assistant-forwarded-call",
        "silence-timed-out", "exceeded-max-duration", "customer-did-not-answer", "customer-busy", "voicemail",
        "manually-canceled", "assistant-error", "phone-call-provider-closed-websocket", "twilio-failed-to-connect-call",
    ]

    func endedReason(_ code: String?) -> (text: String, isCode: Bool)? {
        guard let code, !code.isEmpty else { return nil }
        if Self.knownEndedReasons.contains(code) {
            let key = "calls_ended_" + code.replacingOccurrences(of: "-", with: "_")
            return (translations.text(key, locale), false)
        }
        if code.hasPrefix("pipeline-error") || code.hasPrefix("call.in-progress.error") { return (t("calls_ended_technical_error"), false) }
        return (code, true)
    }
}
