import Fluent

struct M006_CreateCalls: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Call.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("phone_number_id", .uuid, .references(PhoneNumberRecord.schema, "id", onDelete: .setNull))
            .field("vapi_call_id", .string)
            .field("from_number", .string)
            .field("to_number", .string)
            .field("status", .string, .required)
            .field("ended_reason", .string)
            .field("started_at", .datetime)
            .field("ended_at", .datetime)
            .field("summary", .string)
            .field("transcript", .string)
            .field("recording_url", .string)
            .field("cost", .double)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "vapi_call_id", name: "uq_calls_vapi_call_id")
            .create()
        try await database.createIndex(on: Call.schema, "org_id", "created_at", name: "ix_calls_org_created")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Call.schema).delete()
    }
}
