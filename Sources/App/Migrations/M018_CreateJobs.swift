import Fluent

/// The durable job queue (`JobRecord`) and the organisations' private calendar addresses (`CalendarFeed`).
struct M018_CreateJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(JobRecord.schema)
            .id()
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("run_at", .datetime, .required)
            .field("attempts", .int, .required, .sql(.default(0)))
            .field("max_attempts", .int, .required)
            .field("status", .string, .required)
            .field("last_error", .string)
            .field("locked_until", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        // Workers look for due jobs by status and time.
        try await database.createIndex(on: JobRecord.schema, "status", "run_at", name: "ix_jobs_status_run_at")

        try await database.schema(CalendarFeed.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("token_encrypted", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "org_id", name: "uq_calendar_feeds_org")
            .unique(on: "token_hash", name: "uq_calendar_feeds_token")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CalendarFeed.schema).delete()
        try await database.schema(JobRecord.schema).delete()
    }
}
