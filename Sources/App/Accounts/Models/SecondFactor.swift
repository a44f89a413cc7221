import Fluent
import Foundation

/// One of the ten single-use codes that stand in for the authenticator app. Stored as SHA-256: the
/// codes are long random strings, so a fast hash is enough (unlike passwords).
final class RecoveryCode: Model, @unchecked Sendable {
    static let schema = "recovery_codes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "code_hash") var codeHash: String
    @OptionalField(key: "used_at") var usedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(userID: UUID, codeHash: String) {
        self.$user.id = userID
        self.codeHash = codeHash
    }
}

/// A browser or client a user has signed in from; a sign-in from anywhere else earns an email.
final class KnownDevice: Model, @unchecked Sendable {
    static let schema = "known_devices"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "device_hash") var deviceHash: String
    @OptionalField(key: "user_agent") var userAgent: String?
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(userID: UUID, deviceHash: String, userAgent: String?) {
        self.$user.id = userID
        self.deviceHash = deviceHash
        self.userAgent = userAgent.map { String($0.prefix(300)) }
        self.lastSeenAt = Date()
    }
}
