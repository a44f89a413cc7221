import Foundation

/// An RFC 5322 / MIME rendering of a `MailMessage`, ready to be sent after SMTP `DATA`.
///
/// - Headers: `Date`, `Message-ID` (at the sender's domain), `From`, `To`, `Subject`,
///   `MIME-Version`, `Content-Type` (and `Content-Transfer-Encoding` for a single part).
///   Non-ASCII display names and subjects are RFC 2047 encoded-words (`=?UTF-8?B?...?=`),
///   folded so that no header line is longer than 78 characters.
/// - Body: `text/plain` only when `html` is `nil`, otherwise `multipart/alternative` with a
///   `text/plain` and a `text/html` part. Each part is UTF-8, base64 encoded, wrapped at 76 columns.
/// - Every line ends in CRLF and the message is 7-bit clean (unless an address itself is
///   internationalised). Dot-stuffing is *not* applied here: that is part of the SMTP `DATA`
///   framing and is done by `SMTPTransport` when sending.
public struct MIMEMessage: Sendable, Equatable {
    /// The `Message-ID` header value, angle brackets included: `<uuid@example.com>`.
    public let messageID: String
    /// The full message: headers, blank line, body.
    public let bytes: [UInt8]

    /// The full message as a string (it is ASCII apart from internationalised addresses).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Renders `message`. `date`, `messageID` (without angle brackets) and `boundary` are
    /// parameters so tests can produce deterministic output; by default they are now / random.
    public init(_ message: MailMessage, date: Date = Date(), messageID: String? = nil, boundary: String? = nil) {
        let idLeft = messageID ?? UUID().uuidString.lowercased()
        let id: String
        if idLeft.contains("@") {
            id = "<\(idLeft)>"
        } else {
            id = "<\(idLeft)@\(Self.messageIDDomain(for: message.from))>"
        }
        self.messageID = id

        var out = ""
        out += "Date: \(Self.rfc5322Date(date))\r\n"
        out += "Message-ID: \(id)\r\n"
        out += "From: \(Self.mailbox(message.from))\r\n"
        out += "To: \(message.to.map(Self.mailbox).joined(separator: ",\r\n "))\r\n"
        out += Self.subjectHeader(message.subject)
        out += "MIME-Version: 1.0\r\n"

        if let html = message.html {
            let boundary = boundary ?? "=_ava_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            out += "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n"
            out += "\r\n"
            out += "This is a multi-part message in MIME format.\r\n"
            out += "\r\n"
            out += "--\(boundary)\r\n"
            out += Self.textPart(subtype: "plain", content: message.text)
            out += "--\(boundary)\r\n"
            out += Self.textPart(subtype: "html", content: html)
            out += "--\(boundary)--\r\n"
        } else {
            out += Self.textPart(subtype: "plain", content: message.text)
        }
        self.bytes = Array(out.utf8)
    }

    // MARK: - Headers

    /// `Content-Type`/`Content-Transfer-Encoding` headers, a blank line and the base64 body.
    private static func textPart(subtype: String, content: String) -> String {
        "Content-Type: text/\(subtype); charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "\r\n"
            + base64Lines(Array(normalizingLineEndings(content).utf8))
    }

    /// The mailbox for an address header, with the display name folded onto continuation lines
    /// when it is long.
    static func mailbox(_ address: MailAddress) -> String {
        let name = MailAddress.singleLine(address.name ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return address.email }
        return "\(encodePhrase(name, separator: "\r\n ")) <\(address.email)>"
    }

    /// The whole `Subject:` header line(s), CRLF included.
    static func subjectHeader(_ subject: String) -> String {
        let subject = MailAddress.singleLine(subject)
        let prefix = "Subject: "
        if needsEncoding(subject) || subject.split(separator: " ").contains(where: { $0.utf8.count > 900 }) {
            return prefix + encodedWords(subject, separator: "\r\n ") + "\r\n"
        }
        // Plain ASCII: fold at spaces so lines stay within 78 characters where possible.
        var lines: [String] = []
        var current = prefix
        var first = true
        for word in subject.split(separator: " ", omittingEmptySubsequences: false) {
            if first {
                current += word
                first = false
            } else if !word.isEmpty, current.utf8.count + 1 + word.utf8.count > 78 {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A display name as an RFC 5322 phrase: an atom sequence, a quoted-string, or RFC 2047
    /// encoded-words when it is not ASCII.
    static func encodePhrase(_ name: String, separator: String = " ") -> String {
        if needsEncoding(name) {
            return encodedWords(name, separator: separator)
        }
        let atext = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if name.unicodeScalars.allSatisfy({ atext.contains($0) }) {
            return name
        }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    /// Whether header text must be RFC 2047 encoded: it has non-ASCII or control characters, or
    /// something a decoder would mistake for an encoded-word.
    static func needsEncoding(_ text: String) -> Bool {
        text.unicodeScalars.contains { !$0.isASCII || $0.value < 0x20 || $0.value == 0x7F } || text.contains("=?")
    }

    /// `=?UTF-8?B?...?=` encoded-words of at most 42 bytes of UTF-8 each (68 characters encoded),
    /// never splitting a character, joined by `separator` (a space, or CRLF+space to fold).
    static func encodedWords(_ text: String, separator: String) -> String {
        let maxBytes = 42
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        func append(_ bytes: [UInt8]) {
            if !current.isEmpty, current.count + bytes.count > maxBytes {
                chunks.append(current)
                current = []
            }
            current += bytes
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= maxBytes {
                append(bytes)
            } else {
                // A huge grapheme cluster (e.g. a long emoji sequence): split between scalars.
                for scalar in character.unicodeScalars {
                    append(Array(String(scalar).utf8))
                }
            }
        }
        if !current.isEmpty || chunks.isEmpty {
            chunks.append(current)
        }
        return chunks.map { "=?UTF-8?B?\(Data($0).base64EncodedString())?=" }.joined(separator: separator)
    }

    // MARK: - Body

    /// Converts every line break (CRLF, CR or LF) into CRLF, the canonical form for `text/*`.
    static func normalizingLineEndings(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r":
                result += "\r\n"
                previousWasCR = true
            case "\n":
                if !previousWasCR { result += "\r\n" }
                previousWasCR = false
            default:
                result.unicodeScalars.append(scalar)
                previousWasCR = false
            }
        }
        return result
    }

    /// Base64 in lines of at most 76 characters, each ending in CRLF (nothing for empty input).
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var result = ""
        result.reserveCapacity(encoded.utf8.count + encoded.utf8.count / 76 * 2 + 2)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            result += encoded[index..<end]
            result += "\r\n"
            index = end
        }
        return result
    }

    // MARK: - Date and Message-ID

    /// `Tue, 05 Mar 2024 14:03:07 +0000` (RFC 5322 section 3.3), always in UTC.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// The sender's domain when it is a plain ASCII host name, otherwise `ava.local`.
    static func messageIDDomain(for from: MailAddress) -> String {
        guard let domain = from.domain, !domain.hasPrefix("["),
              domain.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == ".") })
        else { return "ava.local" }
        return domain.lowercased()
    }
}
