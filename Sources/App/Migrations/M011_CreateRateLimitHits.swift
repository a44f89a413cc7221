import Fluent

/// One row per attempt at a limited route. Kept in the database so that every AVA process sharing it
/// enforces one limit; rows older than the window are swept as new ones arrive.
struct M011_CreateRateLimitHits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("rate_limit_hits")
            .field("bucket_key", .string, .required)
            .field("hit_at", .double, .required)
            .create()
        try await database.createIndex(on: "rate_limit_hits", "bucket_key", "hit_at", name: "ix_rate_limit_hits_key_time")
        try await database.createIndex(on: "rate_limit_hits", "hit_at", name: "ix_rate_limit_hits_time")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_limit_hits").delete()
    }
}
