import Fluent
import Foundation
import SQLKit
import Vapor

/// A sign-in that passed its first factor and waits for the second: a single-use token valid five
/// minutes, which dies after five wrong codes. The web keeps it in a cookie; API clients get it in JSON.
struct TwoFactorChallenge {
    static let lifetime: TimeInterval = 5 * 60
    static let maxAttempts = 5
    static let cookieName = "ava_2fa"
    let request: Request

    struct Issued { var secret: String; var expiresAt: Date }
    struct Payload: Codable { var rememberMe: Bool; var method: SignInMethod }

    func begin(user: User, rememberMe: Bool, method: SignInMethod) async throws -> Issued {
        let secret = Data([UInt8].random(count: 32)).base64URLEncodedString()
        let expiresAt = Date().addingTimeInterval(Self.lifetime)
        let payload = String(decoding: try JSONEncoder().encode(Payload(rememberMe: rememberMe, method: method)), as: UTF8.self)
        try await OneTimeToken(userID: user.id!, purpose: .twoFactorChallenge, tokenHash: sha256Hex(secret),
                               expiresAt: expiresAt, payload: payload).create(on: request.db)
        return Issued(secret: secret, expiresAt: expiresAt)
    }

    /// Checks the code; on success uses the challenge up and returns who signs in, and how.
    func complete(secret: String, code: String) async throws -> (user: User, payload: Payload) {
        guard !secret.isEmpty, secret.count < 200,
              let token = try await OneTimeToken.query(on: request.db).filter(\.$tokenHash == sha256Hex(secret))
                .filter(\.$purpose == OneTimeToken.Purpose.twoFactorChallenge.rawValue).first(),
              token.usedAt == nil, token.expiresAt > Date(), token.attempts < Self.maxAttempts,
              let user = try await User.find(token.$user.id, on: request.db),
              let payload = token.payload.flatMap({ try? JSONDecoder().decode(Payload.self, from: Data($0.utf8)) })
        else { throw AppError.challengeExpired }
        try await request.limitAuthAttempt(route: "2fa", identifier: user.email)

        guard try await TwoFactorService(request: request).verify(user, code: code) else {
            token.attempts += 1
            if token.attempts >= Self.maxAttempts { token.usedAt = Date() }
            try await token.save(on: request.db)
            throw token.attempts >= Self.maxAttempts ? AppError.challengeExpired : AppError.totpCodeInvalid
        }
        guard try await request.db.claimOnce(OneTimeToken.schema, id: token.id!) else { throw AppError.challengeExpired }
        return (user, payload)
    }

    static func setCookie(_ challenge: Issued, on response: Response, secure: Bool) {
        response.cookies[cookieName] = HTTPCookies.Value(
            string: challenge.secret, expires: challenge.expiresAt, maxAge: Int(lifetime), domain: nil, path: "/",
            isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

    static func clearCookie(on response: Response, secure: Bool) {
        response.cookies[cookieName] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/",
            isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }
}
