import Fluent
import SQLKit

/// The messages list pages by keyset on `(created_at, id)` (MessagesQuery): with the id in the index, both
/// databases read a page straight from the index, in order, and stop after 51 entries; without it they sorted
/// every message of the organisation for the tie-breaker ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY").
/// Each new index extends one whose columns it starts with, which it therefore replaces:
/// - `owner_messages (org_id, created_at, id)` for all messages (replaces M017's `ix_owner_messages_org`);
/// - `owner_messages (org_id, done_at, created_at, id)` for the open ones and the open count (replaces M023's
///   `ix_owner_messages_org_done`).
struct M025_MessagesPagingIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.createIndex(on: "owner_messages", "org_id", "created_at", "id", name: "ix_owner_messages_org_page")
        try await database.createIndex(on: "owner_messages", "org_id", "done_at", "created_at", "id", name: "ix_owner_messages_org_done_page")
        try await database.dropIndex("ix_owner_messages_org", on: "owner_messages")
        try await database.dropIndex("ix_owner_messages_org_done", on: "owner_messages")
    }

    func revert(on database: any Database) async throws {
        try await database.createIndex(on: "owner_messages", "org_id", "done_at", "created_at", name: "ix_owner_messages_org_done")
        try await database.createIndex(on: "owner_messages", "org_id", "created_at", name: "ix_owner_messages_org")
        try await database.dropIndex("ix_owner_messages_org_done_page", on: "owner_messages")
        try await database.dropIndex("ix_owner_messages_org_page", on: "owner_messages")
    }
}
