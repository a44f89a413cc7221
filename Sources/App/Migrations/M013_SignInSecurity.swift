import Fluent
import SQLKit

/// What passwordless sign-in and the second factor need: a payload and a try counter on one-time tokens,
/// the TOTP secret on users, recovery codes, and the devices each user has signed in from.
struct M013_SignInSecurity: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        try await database.schema(OneTimeToken.schema).field("payload", .string).update()
        try await database.schema(OneTimeToken.schema).field("attempts", .int, .required, .sql(.default(0))).update()
        try await database.schema(User.schema).field("totp_secret_encrypted", .string).update()
        try await database.schema(User.schema).field("totp_last_step", .int64).update()
        try await database.schema(RecoveryCode.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("code_hash", .string, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime)
            .create()
        try await database.createIndex(on: RecoveryCode.schema, "user_id", name: "ix_recovery_codes_user")
        try await database.schema(KnownDevice.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("device_hash", .string, .required)
            .field("user_agent", .string)
            .field("last_seen_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "user_id", "device_hash", name: "uq_known_devices_user_device")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(KnownDevice.schema).delete()
        try await database.schema(RecoveryCode.schema).delete()
        try await database.schema(User.schema).deleteField("totp_last_step").update()
        try await database.schema(User.schema).deleteField("totp_secret_encrypted").update()
        try await database.schema(OneTimeToken.schema).deleteField("attempts").update()
        try await database.schema(OneTimeToken.schema).deleteField("payload").update()
    }
}
