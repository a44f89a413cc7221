import Fluent

struct M007_CreateIntegrations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Integration.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("config", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "org_id", "kind", name: "uq_integrations_org_kind")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Integration.schema).delete()
    }
}
