import Fluent

/// Counters live in the database so that every AVA process sharing it enforces one limit.
struct M011_CreateRateLimitBuckets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("rate_limit_buckets")
            .field("bucket_key", .string, .required)
            .field("window_start", .int64, .required)
            .field("hits", .int, .required)
            .unique(on: "bucket_key", "window_start", name: "uq_rate_limit_buckets_key_window")
            .create()
        try await database.createIndex(on: "rate_limit_buckets", "window_start", name: "ix_rate_limit_buckets_window")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_limit_buckets").delete()
    }
}
