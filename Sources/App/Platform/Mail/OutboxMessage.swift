import Fluent
import Foundation

/// A message kept by the development outbox instead of being sent (see `OutboxTransport`).
final class OutboxMessage: Model, @unchecked Sendable {
    static let schema = "outbox_messages"

    @ID(key: .id) var id: UUID?
    @Field(key: "sender") var sender: String
    /// Comma-separated addresses.
    @Field(key: "recipients") var recipients: String
    @Field(key: "subject") var subject: String
    @Field(key: "text_body") var textBody: String
    @OptionalField(key: "html_body") var htmlBody: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(_ message: MailMessage) {
        sender = message.from.email
        recipients = message.to.map(\.email).joined(separator: ", ")
        subject = message.subject
        textBody = message.text
        htmlBody = message.html
    }
}
