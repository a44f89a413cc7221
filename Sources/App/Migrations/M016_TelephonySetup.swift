import Fluent

/// Telephony set-up: each organisation's secret webhook token (Vapi posts to a path carrying it), a name
/// and a status check time for phone numbers, and the assistant's last sync with Vapi.
struct M016_TelephonySetup: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // SQLite's ALTER TABLE adds one column per statement.
        try await database.schema(Org.schema).field("webhook_token", .string).update()
        try await database.createIndex(on: Org.schema, "webhook_token", name: "uq_orgs_webhook_token", unique: true)
        try await database.schema(PhoneNumberRecord.schema).field("name", .string).update()
        try await database.schema(PhoneNumberRecord.schema).field("status_checked_at", .datetime).update()
        try await database.schema(Assistant.schema).field("synced_at", .datetime).update()
        try await database.schema(Assistant.schema).field("sync_error", .string).update()
        try await database.createIndex(on: Assistant.schema, "org_id", name: "uq_avas_org", unique: true)
    }

    func revert(on database: any Database) async throws {
        try await database.dropIndex("uq_avas_org", on: Assistant.schema)
        try await database.schema(Assistant.schema).deleteField("sync_error").update()
        try await database.schema(Assistant.schema).deleteField("synced_at").update()
        try await database.schema(PhoneNumberRecord.schema).deleteField("status_checked_at").update()
        try await database.schema(PhoneNumberRecord.schema).deleteField("name").update()
        try await database.dropIndex("uq_orgs_webhook_token", on: Org.schema)
        try await database.schema(Org.schema).deleteField("webhook_token").update()
    }
}
