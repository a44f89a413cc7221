import Fluent

struct M005_CreatePhoneNumbers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PhoneNumberRecord.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("ava_id", .uuid, .references(Assistant.schema, "id", onDelete: .setNull))
            .field("provider", .string, .required)
            .field("e164", .string, .required)
            .field("status", .string, .required)
            .field("vapi_phone_number_id", .string)
            .field("vapi_assistant_id", .string)
            .field("twilio_account_sid", .string)
            .field("twilio_auth_token_encrypted", .string)
            .field("routing", .string, .required)
            .field("business_hours", .string, .required)
            .field("voicemail", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "e164", name: "uq_phone_numbers_e164")
            .create()
        try await database.createIndex(on: PhoneNumberRecord.schema, "org_id", name: "ix_phone_numbers_org")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PhoneNumberRecord.schema).delete()
    }
}
