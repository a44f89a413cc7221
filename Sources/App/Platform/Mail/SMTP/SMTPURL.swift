import Foundation

/// Where and how to reach the SMTP server, parsed from a URL such as
///
/// - `smtp://user:pass@smtp.example.com:587` — plain connection, then STARTTLS (default port 587).
///   STARTTLS is used whenever the server offers it; if it does not, credentials are only sent
///   in clear to a loopback host.
/// - `smtps://user:pass@smtp.example.com:465` — TLS from the first byte (default port 465).
/// - `smtp://127.0.0.1:1025?tls=none` — never TLS; allowed for loopback hosts only (Mailpit and
///   other development catchers).
///
/// User name and password are percent-decoded (`p%40ss%3Aw%2Frd` is `p@ss:w/rd`); without
/// userinfo no AUTH is attempted. `?helo=name` overrides the EHLO host name (default `ava.local`).
///
/// The password never appears in `description`, `debugDescription` or any parse error.
public struct SMTPURL: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum Security: String, Sendable, Equatable {
        /// Plain TCP, upgraded with STARTTLS when the server offers it (`smtp://`).
        case startTLS
        /// TLS from the start (`smtps://`).
        case implicitTLS
        /// Never TLS (`smtp://...?tls=none`, loopback only).
        case none
    }

    public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        public var description: String { "\(username):<redacted>" }
        public var debugDescription: String { "Credentials(username: \(username.debugDescription), password: <redacted>)" }
        /// `dump()` and debuggers show the user name only.
        public var customMirror: Mirror { Mirror(self, children: ["username": username, "password": "<redacted>"]) }
    }

    public static let defaultHeloName = "ava.local"

    public var security: Security
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    public var port: Int
    public var credentials: Credentials?
    /// The name sent with EHLO/HELO.
    public var heloName: String

    public var username: String? { credentials?.username }
    public var password: String? { credentials?.password }

    /// Builds a URL value directly. `?tls=none` semantics (`security: .none`) are only enforced
    /// by the string parser; `SMTPTransport` in any case never sends credentials in clear to a
    /// host that is not loopback.
    public init(security: Security, host: String, port: Int? = nil, credentials: Credentials? = nil, heloName: String = SMTPURL.defaultHeloName) {
        self.security = security
        self.host = host
        self.port = port ?? (security == .implicitTLS ? 465 : 587)
        self.credentials = credentials
        self.heloName = heloName
    }

    /// Parses `smtp://` / `smtps://` URLs; see the type documentation.
    public init(parsing string: String) throws(SMTPURLError) {
        self = try Self.parse(string)
    }

    /// Same as `init(parsing:)`.
    public init(_ string: String) throws(SMTPURLError) {
        self = try Self.parse(string)
    }

    /// Whether the host is a loopback address (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`).
    /// No DNS lookup is done.
    public var isLoopback: Bool { Self.isLoopbackHost(host) }

    public var description: String {
        var result = security == .implicitTLS ? "smtps://" : "smtp://"
        if let credentials {
            result += "\(Self.percentEncode(credentials.username)):<redacted>@"
        }
        result += host.contains(":") ? "[\(host)]" : host
        result += ":\(port)"
        var query: [String] = []
        if security == .none { query.append("tls=none") }
        if heloName != Self.defaultHeloName { query.append("helo=\(heloName)") }
        if !query.isEmpty { result += "?" + query.joined(separator: "&") }
        return result
    }

    public var debugDescription: String { "SMTPURL(\(description))" }

    /// `dump()` and debuggers never show the password.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "security": security, "host": host, "port": port,
            "credentials": credentials as Any, "heloName": heloName,
        ])
    }

    // MARK: - Parsing

    private static func parse(_ input: String) throws(SMTPURLError) -> SMTPURL {
        let string = input.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !string.isEmpty else { throw .empty }
        guard !string.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw .invalidCharacters
        }

        // Scheme.
        guard let schemeEnd = string.range(of: "://") else { throw .missingScheme }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        let security: Security
        switch scheme {
        case "smtp": security = .startTLS
        case "smtps": security = .implicitTLS
        default:
            // Only a well-known scheme is echoed: whatever else stands there could be a secret.
            let known: Set<String> = ["http", "https", "mailto", "smtp+tls", "smtp+starttls", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "ftp", "file"]
            throw .unsupportedScheme(known.contains(scheme) ? scheme : nil)
        }

        // Authority ends at the first "/", "?" or "#".
        let rest = string[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]

        // An "@" after the authority means the userinfo held an unencoded "/", "?" or "#".
        if tail.contains("@") { throw .unencodedUserInfo }
        if tail.contains("#") { throw .fragmentNotAllowed }

        var queryString: Substring = ""
        if let questionMark = tail.firstIndex(of: "?") {
            queryString = tail[tail.index(after: questionMark)...]
            tail = tail[..<questionMark]
        }
        guard tail.isEmpty || tail == "/" else { throw .unexpectedPath }

        // Userinfo: everything before the last "@".
        var credentials: Credentials?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else { throw .missingPassword }
            let username = try percentDecode(userinfo[..<colon])
            let password = try percentDecode(userinfo[userinfo.index(after: colon)...])
            guard !username.isEmpty else { throw .missingUsername }
            guard !password.isEmpty else { throw .missingPassword }
            credentials = Credentials(username: username, password: password)
        }

        // Host and port.
        guard !hostPort.isEmpty else { throw .missingHost }
        var host: Substring
        var portString: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .invalidHost }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let afterBracket = hostPort[hostPort.index(after: close)...]
            if afterBracket.hasPrefix(":") {
                portString = afterBracket.dropFirst()
            } else if !afterBracket.isEmpty {
                throw .invalidHost
            }
            guard !host.isEmpty, host.contains(":"),
                  host.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." })
            else { throw .invalidHost }
        } else {
            if let colon = hostPort.firstIndex(of: ":") {
                host = hostPort[..<colon]
                portString = hostPort[hostPort.index(after: colon)...]
            } else {
                host = hostPort
            }
            guard !host.isEmpty else { throw .missingHost }
            guard isValidHostName(host) else { throw .invalidHost }
        }

        var port = security == .implicitTLS ? 465 : 587
        if let portString {
            guard !portString.isEmpty, portString.count <= 5, portString.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(portString), (1...65535).contains(value)
            else { throw .invalidPort }
            port = value
        }

        // Query.
        var resolvedSecurity = security
        var heloName = defaultHeloName
        var seenKeys: Set<String> = []
        if !queryString.isEmpty {
            for pair in queryString.split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = try percentDecode(parts[0]).lowercased()
                let value = parts.count > 1 ? try percentDecode(parts[1]) : ""
                guard seenKeys.insert(key).inserted else { throw .invalidQuery("a parameter is given twice") }
                switch key {
                case "tls":
                    switch value.lowercased() {
                    case "none":
                        guard security == .startTLS else { throw .invalidQuery("tls=none cannot be combined with smtps://") }
                        resolvedSecurity = .none
                    case "starttls":
                        guard security == .startTLS else { throw .invalidQuery("tls=starttls cannot be combined with smtps://") }
                    default:
                        throw .invalidQuery("tls must be 'none' or 'starttls'")
                    }
                case "helo", "ehlo":
                    guard isValidHostName(Substring(value)) || (value.hasPrefix("[") && value.hasSuffix("]") && value.count > 2) else {
                        throw .invalidQuery("helo must be a host name")
                    }
                    heloName = value
                default:
                    // The key is not echoed: it could be anything, a misplaced secret included.
                    throw .invalidQuery("unknown parameter (supported: tls, helo)")
                }
            }
        }

        let hostString = String(host).lowercased()
        if resolvedSecurity == .none, !isLoopbackHost(hostString) {
            throw .plaintextRequiresLoopback(host: hostString)
        }
        return SMTPURL(security: resolvedSecurity, host: hostString, port: port, credentials: credentials, heloName: heloName)
    }

    static func isLoopbackHost(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets[0] == "127",
           octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && (Int($0) ?? 256) <= 255 }) {
            return true
        }
        if host.hasPrefix("::ffff:127.") { return isLoopbackHost(String(host.dropFirst("::ffff:".count))) }
        return false
    }

    /// LDH host names and IPv4 addresses (internationalised names must be given in punycode).
    private static func isValidHostName(_ host: Substring) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253, !host.hasPrefix("."), !host.contains("..") else { return false }
        let labels = host.hasSuffix(".") ? host.dropLast().split(separator: ".") : host.split(separator: ".")
        return !labels.isEmpty && labels.allSatisfy { label in
            label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
        }
    }

    private static func percentDecode(_ text: Substring) throws(SMTPURLError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .invalidPercentEncoding
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .invalidPercentEncoding }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Why an SMTP URL was rejected. Messages never contain the password (nor, in general, any part
/// of the URL except the host of an otherwise well-formed URL and a recognisable scheme).
public enum SMTPURLError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, LocalizedError {
    case empty
    case invalidCharacters
    case missingScheme
    case unsupportedScheme(String?)
    case unencodedUserInfo
    case missingUsername
    case missingPassword
    case invalidPercentEncoding
    case missingHost
    case invalidHost
    case invalidPort
    case unexpectedPath
    case fragmentNotAllowed
    case invalidQuery(String)
    case plaintextRequiresLoopback(host: String)

    public var description: String {
        let detail: String
        switch self {
        case .empty:
            detail = "the URL is empty"
        case .invalidCharacters:
            detail = "the URL contains spaces or control characters (percent-encode them)"
        case .missingScheme:
            detail = "expected smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]"
        case .unsupportedScheme(let scheme):
            detail = "unsupported scheme\(scheme.map { " '\($0)'" } ?? ""); use smtp:// (STARTTLS, port 587) or smtps:// (TLS, port 465)"
        case .unencodedUserInfo:
            detail = "the user name or password contains an unencoded '/', '?' or '#'; percent-encode it (%2F, %3F, %23)"
        case .missingUsername:
            detail = "the user name is empty"
        case .missingPassword:
            detail = "credentials must be given as user:password (the password is missing or empty)"
        case .invalidPercentEncoding:
            detail = "invalid percent-encoding (expected %XX hex escapes of UTF-8 bytes)"
        case .missingHost:
            detail = "the host is missing"
        case .invalidHost:
            detail = "the host is not a valid host name or IP address (use punycode for international names, [brackets] for IPv6)"
        case .invalidPort:
            detail = "the port must be a number from 1 to 65535"
        case .unexpectedPath:
            detail = "an SMTP URL has no path"
        case .fragmentNotAllowed:
            detail = "an SMTP URL has no #fragment"
        case .invalidQuery(let reason):
            detail = reason
        case .plaintextRequiresLoopback(let host):
            detail = "tls=none is only allowed for loopback hosts (localhost, 127.0.0.1, ::1), not '\(host)'"
        }
        return "Invalid SMTP URL: \(detail)"
    }

    public var debugDescription: String { description }
    public var errorDescription: String? { description }
}
