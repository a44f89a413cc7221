import Fluent
import Foundation

/// One signed-in device: the family of refresh tokens issued since the user signed in there.
/// Revoking it signs that device out at once, since every request checks it (see `SessionAuthenticator`).
final class AuthSession: Model, @unchecked Sendable {
    static let schema = "auth_sessions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "remember_me") var rememberMe: Bool
    @OptionalField(key: "user_agent") var userAgent: String?
    @OptionalField(key: "ip_address") var ipAddress: String?
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "revoked_reason") var revokedReason: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "last_seen_at") var lastSeenAt: Date

    init() {}

    init(userID: UUID, rememberMe: Bool, userAgent: String?, ipAddress: String?, expiresAt: Date) {
        self.$user.id = userID
        self.rememberMe = rememberMe
        self.userAgent = userAgent.map { String($0.prefix(300)) }
        self.ipAddress = ipAddress
        self.expiresAt = expiresAt
        self.lastSeenAt = Date()
    }

    func isActive(at now: Date = Date()) -> Bool { revokedAt == nil && expiresAt > now }
}

/// A refresh token, stored only as its SHA-256. Each is used once: using it issues its successor in the
/// same session; presenting it a second time means it was stolen, and the whole session is revoked.
final class RefreshToken: Model, @unchecked Sendable {
    static let schema = "refresh_tokens"

    @ID(key: .id) var id: UUID?
    @Parent(key: "session_id") var session: AuthSession
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(sessionID: UUID, tokenHash: String, expiresAt: Date) {
        self.$session.id = sessionID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}
