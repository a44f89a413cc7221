import Fluent
import Foundation

/// A single-use secret sent to a user (email verification today; magic links and password resets reuse it).
/// Only the SHA-256 of the secret is stored, so a database leak gives no usable link.
final class OneTimeToken: Model, @unchecked Sendable {
    static let schema = "one_time_tokens"

    enum Purpose: String, Codable, Sendable {
        case verifyEmail = "verify_email"
        case magicLink = "magic_link"
        case passwordReset = "password_reset"
        /// A sign-in waiting for its second factor.
        case twoFactorChallenge = "two_factor_challenge"
        /// A change of email address waiting for the new address to be confirmed (payload: the address).
        case emailChange = "email_change"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "purpose") var purpose: String
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    /// Small JSON of what the token carries (remember me, the sign-in method...).
    @OptionalField(key: "payload") var payload: String?
    /// Wrong codes tried against it (second-factor challenges die after five).
    @Field(key: "attempts") var attempts: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(userID: UUID, purpose: Purpose, tokenHash: String, expiresAt: Date, payload: String? = nil) {
        self.$user.id = userID
        self.purpose = purpose.rawValue
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.payload = payload
        self.attempts = 0
    }
}
