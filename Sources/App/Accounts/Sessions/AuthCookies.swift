import Vapor

/// How the web keeps a session: two HttpOnly cookies. Without "remember me" they are browser-session
/// cookies (gone when the browser closes); with it the refresh cookie lasts its 7 days.
enum AuthCookies {
    static let access = "ava_access"
    static let refresh = "ava_refresh"

    static func set(_ tokens: SessionService.IssuedTokens, on response: Response, secure: Bool) {
        response.cookies[access] = HTTPCookies.Value(
            string: tokens.accessToken,
            expires: tokens.rememberMe ? tokens.accessExpiresAt : nil,
            maxAge: tokens.rememberMe ? Int(SessionService.accessLifetime) : nil,
            domain: nil, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
        guard let refreshToken = tokens.refreshToken else { return }
        response.cookies[refresh] = HTTPCookies.Value(
            string: refreshToken,
            expires: tokens.rememberMe ? tokens.refreshExpiresAt : nil,
            maxAge: tokens.rememberMe ? Int(tokens.refreshExpiresAt.timeIntervalSinceNow) : nil,
            domain: nil, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

    static func clear(on response: Response, secure: Bool) {
        for name in [access, refresh] {
            response.cookies[name] = HTTPCookies.Value(
                string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/",
                isSecure: secure, isHTTPOnly: true, sameSite: .lax)
        }
    }
}
