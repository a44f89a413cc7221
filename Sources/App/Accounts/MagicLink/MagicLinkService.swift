import AVACore
import Fluent
import SQLKit
import Vapor

/// Sign-in by a link emailed to the account's address: single use, valid 15 minutes, and it works on
/// whichever device opens it (people ask on a laptop and open it on their phone).
struct MagicLinkService {
    static let lifetime: TimeInterval = 15 * 60
    let request: Request

    struct Payload: Codable { var rememberMe: Bool }

    /// Sends the link if an account has this email. Says nothing either way (no enumeration), and
    /// costs about the same time either way, since the mail is handed to the transport in the background.
    func requestLink(email raw: String, rememberMe: Bool) async throws {
        guard let email = EmailAddress.normalize(raw) else { throw AppError.validation("invalid_email", field: "email") }
        try await request.limitAuthAttempt(route: "magic-link", identifier: email)
        guard let user = try await User.query(on: request.db).filter(\.$email == email).first() else { return }
        let secret = Data([UInt8].random(count: 32)).base64URLEncodedString()
        let payload = String(decoding: try JSONEncoder().encode(Payload(rememberMe: rememberMe)), as: UTF8.self)
        try await OneTimeToken(userID: user.id!, purpose: .magicLink, tokenHash: sha256Hex(secret),
                               expiresAt: Date().addingTimeInterval(Self.lifetime), payload: payload).create(on: request.db)
        let locale = AppLocale(rawValue: user.locale) ?? .fallback
        let link = "\(request.application.appConfig.publicURL)/\(locale.rawValue)/auth/magic?token=\(secret)"
        let message = Email(subject: .init("email_magic_subject"), paragraphs: [.init("email_magic_intro")],
                          button: (.init("email_magic_button"), link),
                          notes: [.init("email_magic_expiry"), .init("email_magic_ignore")])
        let mailer = request.application.mailer, logger = request.logger
        Task { await mailer.sendLogged(message, to: user, logger: logger) }
    }

    enum Outcome { case signIn(User, rememberMe: Bool), invalid(email: String?) }

    /// Uses the link up. An unknown, used or expired link tells whose it was (when known) so the page
    /// can offer a new one to the same address.
    func redeem(secret: String) async throws -> Outcome {
        guard !secret.isEmpty, secret.count < 200,
              let token = try await OneTimeToken.query(on: request.db).filter(\.$tokenHash == sha256Hex(secret))
                .filter(\.$purpose == OneTimeToken.Purpose.magicLink.rawValue).first()
        else { return .invalid(email: nil) }
        let user = try await User.find(token.$user.id, on: request.db)
        guard let user, token.usedAt == nil, token.expiresAt > Date() else { return .invalid(email: user?.email) }
        guard try await request.db.claimOnce(OneTimeToken.schema, id: token.id!) else { return .invalid(email: user.email) }
        // Opening the link proves the address, like the verification link does.
        if user.emailVerifiedAt == nil {
            user.emailVerifiedAt = Date()
            try await user.save(on: request.db)
        }
        let payload = token.payload.flatMap { try? JSONDecoder().decode(Payload.self, from: Data($0.utf8)) }
        return .signIn(user, rememberMe: payload?.rememberMe ?? false)
    }
}
