import Fluent

struct M008_CreatePlanSubscriptions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PlanSubscription.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("plan", .string, .required)
            .field("status", .string, .required)
            .field("current_period_end", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.createIndex(on: PlanSubscription.schema, "org_id", name: "ix_plan_subscriptions_org")
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PlanSubscription.schema).delete()
    }
}
