import AVACore
import Fluent
import SQLKit
import Vapor

/// Proves a user owns their email address with a single-use link valid 24 hours.
struct EmailVerification {
    static let lifetime: TimeInterval = 24 * 3600
    let request: Request

    /// Sends a fresh link. Mail trouble is logged, not thrown: the account exists and the user can ask again.
    func send(to user: User) async {
        do {
            let secret = Data([UInt8].random(count: 32)).base64URLEncodedString()
            try await OneTimeToken(userID: user.id!, purpose: .verifyEmail, tokenHash: sha256Hex(secret),
                                   expiresAt: Date().addingTimeInterval(Self.lifetime)).create(on: request.db)
            let locale = AppLocale(rawValue: user.locale) ?? .fallback
            let link = "\(request.application.appConfig.publicURL)/api/v1/auth/verify-email?token=\(secret)&locale=\(locale.rawValue)"
            try await request.application.mailer.send(Email(
                subject: .init("email_verify_subject"), paragraphs: [.init("email_verify_intro")],
                button: (.init("email_verify_button"), link),
                notes: [.init("email_verify_expiry"), .init("email_verify_ignore")]), to: user)
        } catch {
            request.logger.error("could not send the verification email", metadata: ["user": "\(user.id?.uuidString ?? "-")", "error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// Uses up the token and marks the email verified. Returns the user.
    func verify(secret: String) async throws -> User {
        let now = Date()
        guard !secret.isEmpty, secret.count < 200,
              let token = try await OneTimeToken.query(on: request.db)
                .filter(\.$tokenHash == sha256Hex(secret))
                .filter(\.$purpose == OneTimeToken.Purpose.verifyEmail.rawValue).first(),
              token.expiresAt > now
        else { throw AppError.tokenInvalid }
        // Claim it atomically: a link opened twice at once verifies once.
        guard try await request.db.claimOnce(OneTimeToken.schema, id: token.id!, at: now), let user = try await User.find(token.$user.id, on: request.db) else {
            throw AppError.tokenInvalid
        }
        if user.emailVerifiedAt == nil {
            user.emailVerifiedAt = now
            try await user.save(on: request.db)
        }
        return user
    }
}
