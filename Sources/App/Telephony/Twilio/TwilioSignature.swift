import Crypto
import Foundation

/// Twilio's request signatures (`X-Twilio-Signature`), as Twilio's own helper libraries check them.
///
/// The signature is base64(HMAC-SHA1(auth token, full URL Twilio requested ‖ for a form POST every parameter
/// name and value concatenated, in name order)). Repeated names contribute each pair, sorted by value.
/// Because Twilio is not consistent about an explicit default port, the URL is tried as given, and with the
/// `:443` (https) or `:80` (http) port added or removed. A JSON body is not signed itself: the URL carries
/// `bodySHA256=<hex SHA-256 of the body>`, only the URL is signed, and the hash must match the body.
/// Every comparison is constant-time.
enum TwilioSignature {
    /// Validates a form (or GET) request: `parameters` are the POSTed form fields (empty for a GET).
    static func validate(signature: String, url: String, parameters: [(String, String)], authToken: String) -> Bool {
        let expected = Array(signature.utf8)
        var valid = false
        for candidate in urlVariants(url) {
            // No early exit: every variant is computed and compared.
            valid = constantTimeEquals(Array(compute(url: candidate, parameters: parameters, authToken: authToken).utf8), expected) || valid
        }
        return valid
    }

    /// Validates a request with a JSON (or any raw) body: `url` must carry `bodySHA256` equal to the body's hash.
    static func validate(signature: String, url: String, body: some DataProtocol, authToken: String) -> Bool {
        guard let claimed = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "bodySHA256" })?.value
        else { return false }
        let actual = SHA256.hash(data: body).lowerHex
        let bodyMatches = constantTimeEquals(Array(actual.utf8), Array(claimed.lowercased().utf8))
        let signatureMatches = validate(signature: signature, url: url, parameters: [], authToken: authToken)
        return bodyMatches && signatureMatches
    }

    /// The signature Twilio would send for exactly this URL and these parameters.
    static func compute(url: String, parameters: [(String, String)], authToken: String) -> String {
        let sorted = parameters.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8) }
            return lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
        }
        var message = url
        for (name, value) in sorted { message += name + value }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The URL as given, then with the scheme's default port added (when it has none) or removed (when it
    /// has exactly that one). Other URLs (another scheme, another port) are only tried as given.
    static func urlVariants(_ url: String) -> [String] {
        guard let separator = url.range(of: "://") else { return [url] }
        let defaultPort: String
        switch url[..<separator.lowerBound].lowercased() {
        case "https": defaultPort = "443"
        case "http": defaultPort = "80"
        default: return [url]
        }
        let authorityEnd = url[separator.upperBound...].firstIndex { "/?#".contains($0) } ?? url.endIndex
        let authority = url[separator.upperBound..<authorityEnd]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostAndPort = authority[hostStart...]
        if let colon = hostAndPort.lastIndex(of: ":"), !hostAndPort[colon...].contains("]") {
            guard hostAndPort[hostAndPort.index(after: colon)...] == defaultPort else { return [url] }
            return [url, String(url[..<colon] + url[authorityEnd...])]
        }
        return [url, String(url[..<authorityEnd]) + ":" + defaultPort + String(url[authorityEnd...])]
    }

    /// The fields of an `application/x-www-form-urlencoded` body, in order, repeats kept.
    static func formParameters(_ body: String) -> [(String, String)] {
        body.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    private static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
