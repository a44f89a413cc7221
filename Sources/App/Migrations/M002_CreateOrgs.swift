import Fluent

struct M002_CreateOrgs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Org.schema)
            .id()
            .field("name", .string, .required)
            .field("country", .string, .required)
            .field("timezone", .string, .required)
            .field("locale", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Org.schema).delete()
    }
}
