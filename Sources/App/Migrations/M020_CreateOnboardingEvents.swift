import Fluent

/// The onboarding funnel: when each owner entered and completed each step of the wizard.
struct M020_CreateOnboardingEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OnboardingEvent.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("step", .int, .required)
            .field("kind", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "user_id", "step", "kind", name: "uq_onboarding_events_once")
            .create()
        try await database.createIndex(on: OnboardingEvent.schema, "step", "kind", name: "ix_onboarding_events_step")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OnboardingEvent.schema).delete()
    }
}
