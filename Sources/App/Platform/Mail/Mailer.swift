import AVACore
import Leaf
import Vapor

/// Writes AVA's emails (localized, plain text and HTML) and hands them to the configured transport:
/// SMTP when `SMTP_URL` is set, the development outbox otherwise.
struct Mailer: Sendable {
    let transport: any MailTransport
    let from: MailAddress
    let translations: Translations
    let renderer: @Sendable (_ template: String, _ context: [String: String]) async throws -> String

    func sendVerification(to user: User, link: String, locale: AppLocale) async throws {
        let t = { (key: String, args: [String]) in translations.text(key, locale, args) }
        let text = [
            t("email_verify_greeting", [user.firstName]), "", t("email_verify_intro", []), "", link, "",
            t("email_verify_expiry", []), t("email_verify_ignore", []), "", t("email_signature", []),
        ].joined(separator: "\n")
        let html = try await renderer("emails/verify-email", [
            "locale": locale.rawValue, "dir": locale.direction, "name": user.firstName, "link": link,
        ])
        try await transport.send(MailMessage(
            from: from, to: [MailAddress(email: user.email, name: user.name)],
            subject: t("email_verify_subject", []), text: text, html: html))
    }
}

extension Application {
    private struct MailerKey: StorageKey { typealias Value = Mailer }

    var mailer: Mailer {
        get {
            guard let mailer = storage[MailerKey.self] else { fatalError("The mailer is set up in configure()") }
            return mailer
        }
        set { storage[MailerKey.self] = newValue }
    }
}
