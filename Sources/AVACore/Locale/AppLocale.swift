/// The languages AVA speaks on its pages and in its emails.
public enum AppLocale: String, Sendable, Codable, CaseIterable {
    case fr, en, he

    public static let fallback: AppLocale = .en

    public var isRightToLeft: Bool { self == .he }
    public var direction: String { isRightToLeft ? "rtl" : "ltr" }

    /// The country assumed for national phone numbers typed on a page in this language.
    public var defaultCountry: CountryCode {
        switch self {
        case .fr: .FR
        case .he: .IL
        case .en: .US
        }
    }

    public var defaultTimezone: String {
        switch self {
        case .fr: "Europe/Paris"
        case .he: "Asia/Jerusalem"
        case .en: "America/New_York"
        }
    }

    /// Picks the best supported language from an `Accept-Language` header ("he-IL,he;q=0.9,en;q=0.8").
    /// `iw` is the old code for Hebrew that some systems still send.
    public static func negotiate(acceptLanguage header: String?) -> AppLocale {
        guard let header, !header.isEmpty else { return fallback }
        var best: (locale: AppLocale, quality: Double)?
        for item in header.split(separator: ",") {
            let pieces = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            let locale: AppLocale? = primary == "iw" ? .he : AppLocale(rawValue: primary)
            guard let locale, quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (locale, quality) }
        }
        return best?.locale ?? fallback
    }
}

extension CountryCode {
    public var defaultTimezone: String {
        switch self {
        case .FR: "Europe/Paris"
        case .IL: "Asia/Jerusalem"
        case .US: "America/New_York"
        }
    }
}
