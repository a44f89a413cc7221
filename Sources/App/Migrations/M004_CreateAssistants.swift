import Fluent

struct M004_CreateAssistants: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Assistant.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("industry", .string)
            .field("voice", .string)
            .field("tone", .string, .required)
            .field("first_message", .string, .required)
            .field("system_prompt", .string, .required)
            .field("rules", .string, .required)
            .field("vapi_assistant_id", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.createIndex(on: Assistant.schema, "org_id", name: "ix_avas_org")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Assistant.schema).delete()
    }
}
