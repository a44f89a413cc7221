import Foundation
/// What a person typed in the single "email or phone number" field of the login form.
public enum Identifier: Sendable, Equatable {
    case email(String)
    case phone(PhoneNumber)

    /// Detects the kind by format: an `@` means an email; digits and separators mean a phone number.
    public static func detect(_ raw: String, defaultCountry: CountryCode) -> Identifier? {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if value.contains("@") {
            return EmailAddress.normalize(value).map(Identifier.email)
        }
        return PhoneNumber(parsing: value, defaultCountry: defaultCountry).map(Identifier.phone)
    }
}

public enum EmailAddress {
    /// Lower-cases and validates an address: one `@`, a non-empty local part without spaces, a domain with a dot.
    /// Deliberately simple: the verification email is the real proof.
    public static func normalize(_ raw: String) -> String? {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard value.utf8.count <= 254 else { return nil }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.count <= 64, !domain.isEmpty else { return nil }
        let forbidden: Set<Character> = [" ", ",", ";", "<", ">", "(", ")", "[", "]", "\\", "\"", ":"]
        guard !value.contains(where: { forbidden.contains($0) || $0.isNewline || $0.isWhitespace }),
              !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { return nil }
        guard let tld = labels.last, tld.count >= 2 else { return nil }
        return value
    }
}
