import AVACore
import Fluent
import SQLKit
import Vapor

/// "Forgot password": a single-use link valid one hour; the new password follows the sign-up rules;
/// afterwards every session of the user is revoked and a notification email says so.
struct PasswordResetService {
    static let lifetime: TimeInterval = 3600
    let request: Request

    /// Sends the link if an account has this email; the answer never tells (see MagicLinkService).
    func requestReset(email raw: String) async throws {
        guard let email = EmailAddress.normalize(raw) else { throw AppError.validation("invalid_email", field: "email") }
        try await request.limitAuthAttempt(route: "password-reset", identifier: email)
        guard let user = try await User.query(on: request.db).filter(\.$email == email).first() else { return }
        let secret = Data([UInt8].random(count: 32)).base64URLEncodedString()
        try await OneTimeToken(userID: user.id!, purpose: .passwordReset, tokenHash: sha256Hex(secret),
                               expiresAt: Date().addingTimeInterval(Self.lifetime)).create(on: request.db)
        let locale = AppLocale(rawValue: user.locale) ?? .fallback
        let link = "\(request.application.appConfig.publicURL)/\(locale.rawValue)/reset-password?token=\(secret)"
        let message = Email(subject: .init("email_reset_subject"), paragraphs: [.init("email_reset_intro")],
                          button: (.init("email_reset_button"), link),
                          notes: [.init("email_reset_expiry"), .init("email_reset_ignore")])
        let mailer = request.application.mailer, logger = request.logger
        Task { await mailer.sendLogged(message, to: user, logger: logger) }
    }

    /// The token's user if the link is still good (to show the form), without using it up.
    func check(secret: String) async throws -> (token: OneTimeToken?, user: User?) {
        guard !secret.isEmpty, secret.count < 200,
              let token = try await OneTimeToken.query(on: request.db).filter(\.$tokenHash == sha256Hex(secret))
                .filter(\.$purpose == OneTimeToken.Purpose.passwordReset.rawValue).first()
        else { return (nil, nil) }
        let user = try await User.find(token.$user.id, on: request.db)
        guard token.usedAt == nil, token.expiresAt > Date() else { return (nil, user) }
        return (token, user)
    }

    /// Sets the new password, uses the link up, signs the user out everywhere, and tells them.
    func reset(secret: String, newPassword: String) async throws -> User {
        let (token, user) = try await check(secret: secret)
        guard let token, let user else { throw AppError.linkInvalid }
        try await request.limitAuthAttempt(route: "password-reset-confirm", identifier: user.email)
        switch PasswordPolicy.standard.check(newPassword) {
        case .tooShort(let minimum)?: throw AppError.validation("password_too_short", field: "password", String(minimum))
        case .tooLong?: throw AppError.validation("password_too_long", field: "password", String(PasswordPolicy.maximumLength))
        case .common?: throw AppError.validation("password_common", field: "password")
        case nil: break
        }
        let hash = try await request.password.async.hash(newPassword)
        try await request.db.transaction { db in
            guard try await db.claimOnce(OneTimeToken.schema, id: token.id!) else { throw AppError.linkInvalid }
            user.passwordHash = hash
            // The link reached the inbox: the address is proven.
            if user.emailVerifiedAt == nil { user.emailVerifiedAt = Date() }
            try await user.save(on: db)
            try await AuthSession.query(on: db).filter(\.$user.$id == user.id!).filter(\.$revokedAt == nil)
                .set(\.$revokedAt, to: Date()).set(\.$revokedReason, to: "password_reset").update()
            // Any other reset link still in the inbox is now stale.
            try await OneTimeToken.query(on: db).filter(\.$user.$id == user.id!)
                .filter(\.$purpose == OneTimeToken.Purpose.passwordReset.rawValue).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: Date()).update()
        }
        let locale = AppLocale(rawValue: user.locale) ?? .fallback
        await request.application.mailer.sendLogged(Email(
            subject: .init("email_reset_done_subject"), paragraphs: [.init("email_reset_done_intro")],
            button: (.init("email_reset_done_button"), "\(request.application.appConfig.publicURL)/\(locale.rawValue)/forgot-password"),
            notes: [.init("email_reset_done_warning")]), to: user, logger: request.logger)
        return user
    }
}

extension AppError {
    static let linkInvalid = AppError(status: .gone, code: "link_invalid", messageKey: "error_link_invalid")
}
