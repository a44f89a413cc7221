import Fluent

struct M003_CreateOrgUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OrgUser.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "org_id", "user_id", name: "uq_org_users_org_user")
            .create()
        try await database.createIndex(on: OrgUser.schema, "user_id", name: "ix_org_users_user")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OrgUser.schema).delete()
    }
}
