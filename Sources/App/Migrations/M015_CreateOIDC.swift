import Fluent

/// Google and Microsoft sign-in: flows in progress and linked identities.
struct M015_CreateOIDC: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OIDCFlow.schema)
            .id()
            .field("state_hash", .string, .required)
            .field("browser_hash", .string, .required)
            .field("provider", .string, .required)
            .field("nonce", .string, .required)
            .field("code_verifier", .string, .required)
            .field("locale", .string, .required)
            .field("remember_me", .bool, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "state_hash", name: "uq_oidc_flows_state")
            .create()
        try await database.createIndex(on: OIDCFlow.schema, "expires_at", name: "ix_oidc_flows_expiry")

        try await database.schema(OIDCIdentity.schema)
            .id()
            .field("provider", .string, .required)
            .field("subject", .string, .required)
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("email", .string)
            .field("created_at", .datetime)
            .field("last_used_at", .datetime)
            .unique(on: "provider", "subject", name: "uq_oidc_identities_subject")
            .create()
        try await database.createIndex(on: OIDCIdentity.schema, "user_id", name: "ix_oidc_identities_user")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OIDCIdentity.schema).delete()
        try await database.schema(OIDCFlow.schema).delete()
    }
}
