import Fluent

/// Invitations to join an organisation's team: the link's secret is stored only as its SHA-256.
struct M022_TeamInvites: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(TeamInvite.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("email", .string, .required)
            .field("role", .string, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("accepted_at", .datetime)
            .field("invited_by", .uuid, .references(User.schema, "id", onDelete: .setNull))
            .field("created_at", .datetime)
            .unique(on: "token_hash", name: "uq_team_invites_token")
            .create()
        try await database.createIndex(on: TeamInvite.schema, "org_id", "email", name: "ix_team_invites_org_email")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TeamInvite.schema).delete()
    }
}
