import Fluent

/// Codes texted for sign-in and phone verification (see `SMSCode`).
struct M014_CreateSMSCodes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SMSCode.schema)
            .id()
            .field("purpose", .string, .required)
            .field("phone", .string, .required)
            .field("user_id", .uuid, .references(User.schema, "id", onDelete: .cascade))
            .field("code_hash", .string)
            .field("attempts", .int, .required, .sql(.default(0)))
            .field("expires_at", .datetime, .required)
            .field("consumed_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        // Resend limits and sign-in look codes up by number; phone verification by user.
        try await database.createIndex(on: SMSCode.schema, "phone", "purpose", "created_at", name: "ix_sms_codes_phone")
        try await database.createIndex(on: SMSCode.schema, "user_id", "purpose", name: "ix_sms_codes_user")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SMSCode.schema).delete()
    }
}
