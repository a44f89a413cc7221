import AVACore
import Fluent
import SQLKit
import Vapor

/// Changing the email address of the signed-in account: proven by the current password, then by a single-use
/// link (24 hours) sent to the NEW address; the old address gets a notice at once, and keeps working (for
/// signing in, for emails) until the link is opened. The token is a `OneTimeToken` (only its SHA-256 is
/// stored) whose payload is the new address, so it can only ever change the account it was made for.
struct EmailChangeService {
    static let lifetime: TimeInterval = 24 * 3600
    let req: Request

    private var db: any Database { req.db }

    struct Payload: Codable { var email: String }

    static let wrongAccount = AppError(status: .forbidden, code: "email_change_wrong_account", messageKey: "error_email_change_wrong_account")

    /// Checks everything, records the pending change, then sends the two emails. Returns the new address.
    @discardableResult
    func request(user: CurrentUser, newEmail raw: String, password: String) async throws -> (email: String, expiresAt: Date) {
        let account = user.user
        try await req.limitAuthAttempt(route: "email-change", identifier: account.email)
        guard let email = EmailAddress.normalize(raw) else { throw AppError.validation("invalid_email", field: "newEmail") }
        guard email != account.email else { throw AppError.validation("email_change_same", field: "newEmail") }
        // Accounts made with Google or Microsoft have no password to prove it: they choose one first.
        guard account.hasPassword else { throw AppError.validation("email_change_password_first", field: "password") }
        guard !password.isEmpty else { throw AppError.validation("current_password_required", field: "password") }
        guard (try? await req.password.async.verify(password, created: account.passwordHash)) == true else {
            throw AppError.validation("current_password_wrong", field: "password")
        }
        if try await User.query(on: db).filter(\.$email == email).count() > 0 {
            throw AppError.conflict("email_taken", field: "newEmail")
        }
        let secret = Data([UInt8].random(count: 32)).base64URLEncodedString()
        let payload = String(decoding: try JSONEncoder().encode(Payload(email: email)), as: UTF8.self)
        let expiresAt = Date().addingTimeInterval(Self.lifetime)
        let userID = user.userID
        try await db.transaction { tx in
            // One pending change at a time: an earlier link (perhaps to a mistyped address) stops working.
            try await OneTimeToken.query(on: tx).filter(\.$user.$id == userID)
                .filter(\.$purpose == OneTimeToken.Purpose.emailChange.rawValue).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: Date()).update()
            try await OneTimeToken(userID: userID, purpose: .emailChange, tokenHash: sha256Hex(secret), expiresAt: expiresAt,
                                   payload: payload).create(on: tx)
        }
        sendEmails(account: account, newEmail: email, secret: secret)
        return (email, expiresAt)
    }

    /// In the background, as the other account emails: a mail server's delay or failure must not hold the
    /// answer or undo the request (the owner can ask again; the failure is logged).
    private func sendEmails(account: User, newEmail: String, secret: String) {
        let locale = AppLocale(rawValue: account.locale) ?? .fallback
        let base = req.application.appConfig.publicURL
        let link = "\(base)/\(locale.rawValue)/account/email/confirm?token=\(secret)"
        let confirmation = Email(
            subject: .init("email_change_confirm_subject"), paragraphs: [.init("email_change_confirm_intro", newEmail)],
            button: (.init("email_change_confirm_button"), link),
            notes: [.init("email_change_confirm_expiry"), .init("email_change_confirm_ignore")])
        let notice = Email(
            subject: .init("email_change_notice_subject"), paragraphs: [.init("email_change_notice_intro", newEmail)],
            button: (.init("email_change_notice_button"), "\(base)/\(locale.rawValue)/settings/account#password"),
            notes: [.init("email_change_notice_warning")])
        let mailer = req.application.mailer, logger = req.logger
        let userID = account.id?.uuidString ?? "-"
        let oldAccount = account
        Task {
            do {
                try await mailer.send(confirmation, toAddress: newEmail, locale: locale)
            } catch {
                logger.error("could not send the email change confirmation", metadata: ["user": "\(userID)", "error": "\(String(reflecting: type(of: error)))"])
            }
            await mailer.sendLogged(notice, to: oldAccount, logger: logger)
        }
    }

    /// The pending change a link stands for, without using it up (to show what it will do).
    func pending(secret: String) async throws -> (token: OneTimeToken, email: String)? {
        guard !secret.isEmpty, secret.count < 200,
              let token = try await OneTimeToken.query(on: db).filter(\.$tokenHash == sha256Hex(secret))
                .filter(\.$purpose == OneTimeToken.Purpose.emailChange.rawValue).first(),
              token.usedAt == nil, token.expiresAt > Date(),
              let email = Self.email(of: token)
        else { return nil }
        return (token, email)
    }

    /// The pending change of a signed-in user, for the account page.
    func pending(userID: UUID) async throws -> String? {
        let token = try await OneTimeToken.query(on: db).filter(\.$user.$id == userID)
            .filter(\.$purpose == OneTimeToken.Purpose.emailChange.rawValue).filter(\.$usedAt == nil)
            .filter(\.$expiresAt > Date()).sort(\.$createdAt, .descending).first()
        return token.flatMap(Self.email(of:))
    }

    static func email(of token: OneTimeToken) -> String? {
        token.payload.flatMap { try? JSONDecoder().decode(Payload.self, from: Data($0.utf8)) }?.email
    }

    /// Opens the link: the token's own account gets the new address (confirmed, since the link reached it).
    /// Someone signed in as another account is refused, and the link stays usable by its owner.
    func confirm(secret: String, signedIn: CurrentUser?) async throws -> User {
        guard let (token, email) = try await pending(secret: secret) else { throw AppError.linkInvalid }
        if let signedIn, signedIn.userID != token.$user.id { throw Self.wrongAccount }
        return try await db.transaction { tx in
            if try await User.query(on: tx).filter(\.$email == email).filter(\.$id != token.$user.id).count() > 0 {
                throw AppError.conflict("email_taken", field: "newEmail")
            }
            guard try await tx.claimOnce(OneTimeToken.schema, id: token.id!),
                  let user = try await User.find(token.$user.id, on: tx) else { throw AppError.linkInvalid }
            user.email = email
            user.emailVerifiedAt = Date()
            try await user.save(on: tx)
            return user
        }
    }
}
