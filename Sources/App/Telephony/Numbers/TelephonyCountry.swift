import AVACore
import Vapor

/// Which way to a phone number suits the owner: Vapi's free numbers are US-only, so the US is offered one
/// first; France, Israel and everywhere else import a number from their own Twilio account.
enum TelephonyCountry {
    /// The organisation's country, unless the browser names a region explicitly (`en-GB`, `fr-CA`): the
    /// organisation's country comes from the sign-up language, which says less about where the owner is.
    static func detect(orgCountry: String, acceptLanguage: String?) -> String {
        if let region = firstRegion(acceptLanguage) { return region }
        return orgCountry.uppercased()
    }

    /// The way offered first.
    static func recommendedPath(for country: String) -> String { country == "US" ? "vapi-free" : "twilio-import" }

    /// The country national numbers typed in the forms belong to.
    static func defaultCountry(for country: String) -> CountryCode { CountryCode(rawValue: country) ?? .US }

    private static func firstRegion(_ header: String?) -> String? {
        guard let first = header?.split(separator: ",").first?.split(separator: ";").first else { return nil }
        let parts = first.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == "-" || $0 == "_" })
        guard parts.count >= 2, parts[1].count == 2, parts[1].allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return parts[1].uppercased()
    }
}
