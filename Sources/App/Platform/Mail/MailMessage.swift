import Foundation

/// A mailbox: an email address with an optional display name.
///
/// `email` is the bare addr-spec (`ada@example.com`); `name` is the human-readable display name.
/// Neither may contain line breaks: `isValid` checks this, and `SMTPTransport` refuses to send to
/// or from an invalid address, so a value that slipped in from user input can never inject headers
/// or SMTP commands.
public struct MailAddress: Sendable, Equatable, Hashable, Codable {
    public var email: String
    public var name: String?

    public init(email: String, name: String? = nil) {
        self.email = email
        self.name = name
    }

    /// Parses `"Name <a@b.c>"`, `"\"Doe, Jane\" <a@b.c>"`, `"<a@b.c>"` or a bare `"a@b.c"`.
    /// Surrounding whitespace is ignored. Returns `nil` when the address is not a plausible mailbox.
    public static func parse(_ string: String) -> MailAddress? {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.unicodeScalars.contains(where: Self.isControl) else { return nil }

        guard trimmed.hasSuffix(">") else {
            // Bare addr-spec.
            return isValidEmail(trimmed) ? MailAddress(email: trimmed) : nil
        }
        guard let open = trimmed.lastIndex(of: "<") else { return nil }
        let email = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            .trimmingCharacters(in: .whitespaces)
        guard isValidEmail(email) else { return nil }

        var phrase = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        if phrase.count >= 2, phrase.hasPrefix("\""), phrase.hasSuffix("\"") {
            // quoted-string: strip the quotes and undo quoted-pairs.
            var unquoted = ""
            var escaping = false
            for character in phrase.dropFirst().dropLast() {
                if escaping {
                    unquoted.append(character)
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else if character == "\"" {
                    return nil
                } else {
                    unquoted.append(character)
                }
            }
            if escaping { return nil }
            phrase = unquoted
        } else if phrase.contains("\"") || phrase.contains("<") || phrase.contains(">") {
            return nil
        }
        phrase = phrase.trimmingCharacters(in: .whitespaces)
        return MailAddress(email: email, name: phrase.isEmpty ? nil : phrase)
    }

    /// The mailbox as it appears in an RFC 5322 header (`From:`, `To:`):
    /// `ada@example.com`, `Ada Lovelace <ada@example.com>`, `"Doe, Jane" <jane@example.com>`, or
    /// `=?UTF-8?B?16nXnNeV150=?= <dana@example.co.il>` when the name is not ASCII (RFC 2047).
    public var formatted: String {
        let displayName = Self.singleLine(name ?? "").trimmingCharacters(in: .whitespaces)
        guard !displayName.isEmpty else { return email }
        return "\(MIMEMessage.encodePhrase(displayName)) <\(email)>"
    }

    /// Whether `email` is a plausible addr-spec and `name` has no control characters (no CR/LF).
    public var isValid: Bool {
        Self.isValidEmail(email) && !(name ?? "").unicodeScalars.contains(where: Self.isControl)
    }

    /// The domain part of the address (after the last `@`), or `nil`.
    public var domain: String? {
        guard let at = email.lastIndex(of: "@") else { return nil }
        let domain = email[email.index(after: at)...]
        return domain.isEmpty ? nil : String(domain)
    }

    /// A deliberately conservative check of an addr-spec: `local@domain`, no whitespace, control
    /// characters, quotes, angle brackets, commas or other characters that are special in headers
    /// or SMTP commands. Non-ASCII (internationalised) addresses are accepted; the transport only
    /// sends them to servers that offer SMTPUTF8.
    static func isValidEmail(_ email: String) -> Bool {
        guard email.utf8.count <= 254, let at = email.lastIndex(of: "@") else { return false }
        let local = email[..<at]
        let domain = email[email.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty, domain.utf8.count <= 253 else { return false }

        let forbiddenInLocal: Set<Unicode.Scalar> = [" ", "\"", "(", ")", ",", ":", ";", "<", ">", "@", "[", "\\", "]"]
        guard !local.unicodeScalars.contains(where: { isControl($0) || forbiddenInLocal.contains($0) || $0.properties.isWhitespace }),
              !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { return false }

        if domain.hasPrefix("[") {
            // Address literal, e.g. [127.0.0.1] or [IPv6:::1].
            guard domain.hasSuffix("]"), domain.count > 2 else { return false }
            let inner = domain.dropFirst().dropLast()
            return inner.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || ".:".unicodeScalars.contains($0)) }
        }
        guard !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return false }
        return domain.split(separator: ".").allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { scalar in
                    if scalar.isASCII {
                        return scalar == "-" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    }
                    // Internationalised domain label (U-label).
                    return !isControl(scalar) && !scalar.properties.isWhitespace
                }
        }
    }

    /// Replaces every control character (including CR and LF) by a space, so the value fits in
    /// a single header field.
    static func singleLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isControl(scalar) ? " " : scalar)
        }
        return String(scalars)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
            || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}

/// One email: plain text with an optional HTML alternative.
public struct MailMessage: Sendable, Equatable, Codable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    /// The text/plain body. Always sent, even when `html` is set (as the `multipart/alternative` fallback).
    public var text: String
    /// The text/html body, or `nil` for a plain-text-only message.
    public var html: String?

    public init(from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// Something that delivers mail: SMTP in production, an in-memory recorder in tests.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}
