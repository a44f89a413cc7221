import Fluent
import SQLKit

/// The live call pipeline: what Vapi reports about each call (status order, outcome, end-of-call report),
/// each final transcript line, and every server message received (deduplicated, so a replay changes nothing).
struct M019_CallPipeline: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // SQLite's ALTER TABLE adds one column per statement.
        let calls = Call.schema
        try await database.schema(calls).field("status_rank", .int, .required, .sql(.default(0))).update()
        try await database.schema(calls).field("simulated", .bool, .required, .sql(.default(false))).update()
        try await database.schema(calls).field("assistant_id", .uuid).update()
        try await database.schema(calls).field("caller_name", .string).update()
        try await database.schema(calls).field("outcome", .string).update()
        try await database.schema(calls).field("success_evaluation", .string).update()
        try await database.schema(calls).field("messages", .string).update()
        try await database.schema(calls).field("report_received_at", .datetime).update()
        try await database.schema(calls).field("last_event_at", .datetime).update()

        try await database.schema(CallTranscriptLine.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("call_id", .uuid, .required, .references(Call.schema, "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("text", .string, .required)
            .field("spoken_at", .datetime, .required)
            .field("line_key", .string, .required)
            .unique(on: "line_key", name: "uq_call_lines_key")
            .create()
        try await database.createIndex(on: CallTranscriptLine.schema, "call_id", "spoken_at", name: "ix_call_lines_call")

        try await database.schema(CallEvent.schema)
            .id()
            .field("org_id", .uuid, .required, .references(Org.schema, "id", onDelete: .cascade))
            .field("call_id", .uuid, .references(Call.schema, "id", onDelete: .cascade))
            .field("type", .string, .required)
            .field("body", .string, .required)
            .field("received_at", .datetime, .required)
            .field("event_key", .string, .required)
            .unique(on: "event_key", name: "uq_call_events_key")
            .create()
        try await database.createIndex(on: CallEvent.schema, "call_id", "received_at", name: "ix_call_events_call")
        try await database.createIndex(on: Call.schema, "status", "report_received_at", name: "ix_calls_unreported")
    }

    func revert(on database: any Database) async throws {
        try await database.dropIndex("ix_calls_unreported", on: Call.schema)
        try await database.schema(CallEvent.schema).delete()
        try await database.schema(CallTranscriptLine.schema).delete()
        for field in ["last_event_at", "report_received_at", "messages", "success_evaluation", "outcome", "caller_name",
                      "assistant_id", "simulated", "status_rank"] {
            try await database.schema(Call.schema).deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}
