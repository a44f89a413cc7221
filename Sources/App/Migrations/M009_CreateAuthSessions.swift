import Fluent

struct M009_CreateAuthSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuthSession.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("remember_me", .bool, .required)
            .field("user_agent", .string)
            .field("ip_address", .string)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("revoked_reason", .string)
            .field("created_at", .datetime)
            .field("last_seen_at", .datetime, .required)
            .create()
        try await database.createIndex(on: AuthSession.schema, "user_id", name: "ix_auth_sessions_user")
        try await database.schema(RefreshToken.schema)
            .id()
            .field("session_id", .uuid, .required, .references(AuthSession.schema, "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash", name: "uq_refresh_tokens_hash")
            .create()
        try await database.createIndex(on: RefreshToken.schema, "session_id", name: "ix_refresh_tokens_session")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RefreshToken.schema).delete()
        try await database.schema(AuthSession.schema).delete()
    }
}
