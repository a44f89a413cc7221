import Crypto
import Vapor

/// Protects every state-changing form post with a double-submit token: a random value in an HttpOnly
/// cookie that the server also renders into each form (`_csrf`). A forged cross-site post carries the
/// cookie (or not, with SameSite=Lax) but cannot read the value to put in the form.
///
/// The JSON API does not need it: it only accepts `application/json` bodies, which a cross-site form
/// cannot send without a CORS preflight that AVA never grants.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "ava_csrf"
    static let fieldName = "_csrf"
    let secureCookies: Bool

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Only a token AVA could have issued counts (43 URL-safe characters); anything else is replaced.
        let existing = request.cookies[Self.cookieName].flatMap { Self.isWellFormed($0.string) }
        let token = existing ?? Self.makeToken()
        request.storage[CSRFTokenKey.self] = token

        if request.method == .POST || request.method == .PUT || request.method == .PATCH || request.method == .DELETE,
           !request.isAPI {
            // Routes collect their body after middleware runs; the token is in the body, so collect it here.
            _ = try await request.body.collect(max: 1_048_576).get()
            let submitted = (try? request.content.get(String.self, at: Self.fieldName))
                ?? request.headers.first(name: "X-CSRF-Token")
            guard let existing, let submitted, constantTimeEquals(existing, submitted) else {
                throw AppError.csrf
            }
        }

        let response = try await next.respond(to: request)
        if existing != token {
            response.cookies[Self.cookieName] = HTTPCookies.Value(
                string: token, expires: nil, maxAge: nil, domain: nil, path: "/",
                isSecure: secureCookies, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }

    static func isWellFormed(_ value: String) -> String? {
        value.count == 43 && value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) ? value : nil
    }

    static func makeToken() -> String {
        Data([UInt8].random(count: 32)).base64URLEncodedString()
    }
}

struct CSRFTokenKey: StorageKey { typealias Value = String }

extension Request {
    var csrfToken: String { storage[CSRFTokenKey.self] ?? "" }
}

/// Compares two byte buffers without an early exit, so timing reveals nothing about where they differ.
func safeCompare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<a.count { difference |= a[index] ^ b[index] }
    return difference == 0
}

func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let left = Array(a.utf8), right = Array(b.utf8)
    return left.withUnsafeBytes { l in right.withUnsafeBytes { r in safeCompare(l, r) } }
}

extension Data {
    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// SHA-256 in hex: how tokens sent to users are stored.
func sha256Hex(_ value: String) -> String {
    SHA256.hash(data: Data(value.utf8)).lowerHex
}
