import Fluent

struct M010_CreateOneTimeTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OneTimeToken.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash", name: "uq_one_time_tokens_hash")
            .create()
        try await database.createIndex(on: OneTimeToken.schema, "user_id", "purpose", name: "ix_one_time_tokens_user")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OneTimeToken.schema).delete()
    }
}
