import Fluent
import Foundation

/// An organisation's private calendar address (`/calendar/{token}.ics`).
///
/// The token is looked up by its SHA-256 (`token_hash`), so the table alone does not open anyone's calendar;
/// it is also kept Fernet-encrypted with AVA's keyring (`token_encrypted`) so the owner can see and copy the
/// address again later (a calendar is usually subscribed from several devices). Regenerating replaces both,
/// which kills the old address.
final class CalendarFeed: Model, @unchecked Sendable {
    static let schema = "calendar_feeds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Field(key: "token_hash") var tokenHash: String
    /// Nil when no encryption key was configured at the time (then the address was shown once only).
    @OptionalField(key: "token_encrypted") var tokenEncrypted: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
