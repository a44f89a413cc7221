import Fluent

/// The call simulator's conversations (`SimulatedCallStore`), in the database rather than one process's memory,
/// so any AVA process can answer any simulated call's turn. `id` is the AVA call's id; `state` the conversation as
/// JSON; `claimed_until`/`claim_id` the lease of the turn being answered. Open calls are counted per organisation.
struct M026_SimulatedCalls: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SimulatedCallStore.table)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("state", .string, .required)
            .field("ended", .bool, .required)
            .field("claimed_until", .datetime)
            .field("claim_id", .uuid)
            .field("last_activity", .datetime, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.createIndex(on: SimulatedCallStore.table, "org_id", "ended", name: "ix_simulated_calls_org_ended")
    }

    func revert(on database: any Database) async throws {
        try await database.dropIndex("ix_simulated_calls_org_ended", on: SimulatedCallStore.table)
        try await database.schema(SimulatedCallStore.table).delete()
    }
}
