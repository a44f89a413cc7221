import AVACore
import Leaf
import Vapor

/// One of AVA's emails, described by translation keys so it is written in the recipient's language.
struct Email: Sendable {
    struct Text: Sendable {
        var key: String
        var arguments: [String] = []
        init(_ key: String, _ arguments: String...) { self.key = key; self.arguments = arguments }
    }

    var subject: Text
    var paragraphs: [Text]
    /// The call to action: a button in the HTML part, the bare link in the text part.
    var button: (label: Text, link: String)?
    /// Small print after the button: expiry, "if this wasn't you".
    var notes: [Text] = []
}

/// What the HTML template (Resources/Views/emails/message.leaf) receives: texts already translated.
struct EmailTemplateContext: Encodable, Sendable {
    var locale: String
    var dir: String
    var subject: String
    var preheader: String
    var greeting: String
    var paragraphs: [String]
    var buttonLabel: String?
    var link: String?
    var notes: [String]
}

/// Writes AVA's emails (localized, plain text and HTML) and hands them to the configured transport:
/// SMTP when `SMTP_URL` is set, the development outbox otherwise.
struct Mailer: Sendable {
    let transport: any MailTransport
    let from: MailAddress
    let translations: Translations
    let renderer: @Sendable (_ template: String, _ context: EmailTemplateContext) async throws -> String

    func send(_ email: Email, to user: User) async throws {
        let locale = AppLocale(rawValue: user.locale) ?? .fallback
        let t = { (text: Email.Text) in translations.text(text.key, locale, text.arguments) }
        let greeting = translations.text("email_greeting", locale, [user.firstName])
        let paragraphs = email.paragraphs.map(t)
        let notes = email.notes.map(t)
        var lines = [greeting, ""] + paragraphs.flatMap { [$0, ""] }
        if let button = email.button { lines += [button.link, ""] }
        lines += notes + ["", translations.text("email_signature", locale)]
        let context = EmailTemplateContext(
            locale: locale.rawValue, dir: locale.direction, subject: t(email.subject),
            preheader: paragraphs.first ?? "", greeting: greeting, paragraphs: paragraphs,
            buttonLabel: email.button.map { t($0.label) }, link: email.button?.link, notes: notes)
        let html = try await renderer("emails/message", context)
        try await transport.send(MailMessage(
            from: from, to: [MailAddress(email: user.email, name: user.name)],
            subject: t(email.subject), text: lines.joined(separator: "\n"), html: html))
    }

    /// Sends and logs failure instead of throwing: for emails whose failure must not undo what the user did.
    func sendLogged(_ email: Email, to user: User, logger: Logger) async {
        do { try await send(email, to: user) } catch {
            logger.error("could not send an email", metadata: [
                "subject": "\(email.subject.key)", "user": "\(user.id?.uuidString ?? "-")", "error": "\(String(reflecting: type(of: error)))",
            ])
        }
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
