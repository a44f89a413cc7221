import Fluent
import SQLKit

/// Indexes for the signed-in pages at scale (an organisation with 100,000 calls; measured with
/// scripts/bench-dashboard.sh, figures in docs/PERFORMANCE.md). Each serves a query that otherwise reads every
/// row of the organisation:
/// - `calls (org_id, created_at, status_rank, ended_reason, success_evaluation)`: the dashboard's calls per hour,
///   answer rate and satisfaction read from the index alone, not from 20,000 wide rows (transcripts) for a week
///   of a busy organisation (PostgreSQL: an index-only scan once autovacuum has marked the pages visible);
/// - `appointments (org_id, created_at, source)`: the dashboard's "booked in the period" counts, read from the
///   index alone;
/// - `appointments (call_id)` and `owner_messages (call_id)`: what a call led to, on the call's page;
/// - `owner_messages (org_id, read_at)`: the unread count in the dashboard and the navigation;
/// - `owner_messages (org_id, done_at, created_at)`: the messages page's open count and its "open" list.
struct M023_DashboardIndexes: AsyncMigration {
    static let indexes: [(name: String, table: String, columns: [String])] = [
        ("ix_calls_org_created_stats", "calls", ["org_id", "created_at", "status_rank", "ended_reason", "success_evaluation"]),
        ("ix_appointments_org_created", "appointments", ["org_id", "created_at", "source"]),
        ("ix_appointments_call", "appointments", ["call_id"]),
        ("ix_owner_messages_call", "owner_messages", ["call_id"]),
        ("ix_owner_messages_org_read", "owner_messages", ["org_id", "read_at"]),
        ("ix_owner_messages_org_done", "owner_messages", ["org_id", "done_at", "created_at"]),
    ]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for index in Self.indexes {
            var builder = sql.create(index: index.name).on(index.table)
            for column in index.columns { builder = builder.column(column) }
            try await builder.run()
        }
    }

    func revert(on database: any Database) async throws {
        for index in Self.indexes.reversed() {
            try await database.dropIndex(index.name, on: index.table)
        }
    }
}
