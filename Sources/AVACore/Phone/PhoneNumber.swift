import Foundation
/// Phone numbers in E.164, as AVA stores them and as Vapi and Twilio expect them.
///
/// Users type numbers the way they say them at home ("06 12 34 56 78", "050-123-4567", "(415) 555-0100");
/// the country of the account (or of the form's language) tells which country code a national number has.
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `+` followed by 8 to 15 digits, the first not zero.
    public let e164: String

    public var description: String { e164 }

    /// Accepts an already-formatted E.164 string only.
    public init?(e164: String) {
        guard PhoneNumber.isE164(e164) else { return nil }
        self.e164 = e164
    }

    /// Parses what a person typed, using `defaultCountry` for national numbers.
    /// Returns nil when the input cannot be a phone number of that country (or any country, with a `+`).
    public init?(parsing input: String, defaultCountry: CountryCode) {
        let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 32 else { return nil }
        // Only digits and the separators people type are allowed; letters mean it is not a number.
        let allowedSeparators: Set<Character> = [" ", "-", ".", "(", ")", "/", "\u{00A0}"]
        var digits = ""
        var hasPlus = false
        for (index, character) in trimmed.enumerated() {
            if character == "+" && index == 0 { hasPlus = true; continue }
            if character.isASCII, character.isNumber { digits.append(character); continue }
            if allowedSeparators.contains(character) { continue }
            return nil
        }
        if !hasPlus, digits.hasPrefix("00") {  // international prefix used in France and Israel
            digits.removeFirst(2)
            hasPlus = true
        }
        let candidate: String
        if hasPlus {
            candidate = "+" + digits
        } else {
            guard let national = defaultCountry.rule.international(fromNational: digits) else { return nil }
            candidate = national
        }
        guard PhoneNumber.isE164(candidate) else { return nil }
        if let rule = CountryCode.rule(forE164: candidate), !rule.isPlausible(candidate) { return nil }
        self.e164 = candidate
    }

    static func isE164(_ value: String) -> Bool {
        guard value.first == "+" else { return false }
        let digits = value.dropFirst()
        guard (8...15).contains(digits.count), digits.first != "0" else { return false }
        return digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// The countries AVA serves, plus a fallback for everyone else (who must then type the `+`).
public enum CountryCode: String, Sendable, Codable, CaseIterable {
    case FR, IL, US

    struct Rule: Sendable {
        let callingCode: String
        /// National significant number lengths (without trunk prefix).
        let significantLengths: Set<Int>
        let trunkPrefix: String?

        func international(fromNational digits: String) -> String? {
            var national = Substring(digits)
            if let trunk = trunkPrefix, national.hasPrefix(trunk) {
                national = national.dropFirst(trunk.count)
            } else if trunkPrefix == nil, national.hasPrefix(callingCode), national.count == callingCode.count + significantLengths.max()! {
                national = national.dropFirst(callingCode.count)  // "1 415 555 0100" typed in the US
            } else if trunkPrefix != nil {
                return nil  // a French or Israeli national number always starts with 0
            }
            guard significantLengths.contains(national.count) else { return nil }
            return "+" + callingCode + national
        }

        func isPlausible(_ e164: String) -> Bool {
            let significant = e164.dropFirst(1 + callingCode.count)
            guard significantLengths.contains(significant.count) else { return false }
            if callingCode == "1" {  // NANP: area code and exchange never start with 0 or 1
                let chars = Array(significant)
                return chars[0] >= "2" && chars[3] >= "2"
            }
            return significant.first != "0"
        }
    }

    var rule: Rule {
        switch self {
        case .FR: Rule(callingCode: "33", significantLengths: [9], trunkPrefix: "0")
        case .IL: Rule(callingCode: "972", significantLengths: [8, 9], trunkPrefix: "0")
        case .US: Rule(callingCode: "1", significantLengths: [10], trunkPrefix: nil)
        }
    }

    static func rule(forE164 e164: String) -> Rule? {
        allCases.map(\.rule).first { e164.dropFirst().hasPrefix($0.callingCode) }
    }
}
