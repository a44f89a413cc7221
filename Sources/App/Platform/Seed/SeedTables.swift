import Foundation
import SQLKit

/// Rows waiting to be written to one table, as bound values in the table's column order.
struct SeedTable: Sendable {
    let name: String
    let columns: [String]
    var rows: [[SQLBind]] = []

    init(_ name: String, _ columns: [String]) {
        self.name = name
        self.columns = columns
    }

    mutating func add(_ values: [SQLBind]) {
        precondition(values.count == columns.count, "\(name): \(values.count) values for \(columns.count) columns")
        rows.append(values)
    }
}

/// One transaction's worth of rows, in an order that satisfies every foreign key (parents first).
struct SeedBatch: Sendable {
    var orgs = SeedTable("orgs", ["id", "name", "country", "timezone", "locale", "webhook_token", "created_at", "updated_at"])
    var users = SeedTable("users", ["id", "email", "phone", "phone_verified", "email_verified_at", "password_hash", "name", "locale",
                                    "two_fa_enabled", "onboarding_completed", "onboarding_step", "newsletter", "terms_accepted_at",
                                    "created_at", "updated_at"])
    var orgUsers = SeedTable("org_users", ["id", "org_id", "user_id", "role", "created_at"])
    var assistants = SeedTable("avas", ["id", "org_id", "name", "industry", "voice", "tone", "first_message", "system_prompt", "rules",
                                        "created_at", "updated_at"])
    var phoneNumbers = SeedTable("phone_numbers", ["id", "org_id", "ava_id", "provider", "e164", "status", "vapi_phone_number_id", "routing",
                                                   "business_hours", "voicemail", "name", "created_at", "updated_at"])
    var bookingProfiles = SeedTable("booking_profiles", ["id", "org_id", "hours", "min_notice_minutes", "max_days_ahead", "slot_step_minutes",
                                                         "transfer_number", "created_at", "updated_at"])
    var services = SeedTable("booking_services", ["id", "org_id", "name", "duration_minutes", "buffer_after_minutes", "price_cents", "currency",
                                                  "active", "position"])
    var customers = SeedTable("customers", ["id", "org_id", "phone", "name"])
    var calls = SeedTable("calls", ["id", "org_id", "phone_number_id", "vapi_call_id", "from_number", "to_number", "status", "status_rank",
                                    "ended_reason", "started_at", "ended_at", "summary", "transcript", "cost", "simulated", "assistant_id",
                                    "caller_name", "outcome", "success_evaluation", "report_received_at", "last_event_at", "created_at",
                                    "updated_at"])
    var transcriptLines = SeedTable("call_transcript_lines", ["id", "org_id", "call_id", "role", "text", "spoken_at", "line_key"])
    var appointments = SeedTable("appointments", ["id", "org_id", "service_id", "customer_id", "starts_at", "ends_at", "blocks_until", "status",
                                                  "source", "notes", "call_id", "created_at", "updated_at"])
    var ownerMessages = SeedTable("owner_messages", ["id", "org_id", "call_id", "name", "phone", "reason", "urgency", "read_at", "done_at",
                                                     "created_at"])

    /// Parents before children.
    var tables: [SeedTable] {
        [orgs, users, orgUsers, assistants, phoneNumbers, bookingProfiles, services, customers, calls, transcriptLines, appointments,
         ownerMessages]
    }

    var callCount: Int { calls.rows.count }
    var rowCount: Int { tables.reduce(0) { $0 + $1.rows.count } }
}

/// Writes batches with multi-row INSERTs of bound values, as many rows per statement as the driver's limit on
/// parameters allows (SQLite 32,766; PostgreSQL 65,535), at most 1,000.
enum SeedWriter {
    static func write(_ batch: SeedBatch, sql: any SQLDatabase, bindLimit: Int) async throws {
        for table in batch.tables where !table.rows.isEmpty {
            let perStatement = max(1, min(1_000, bindLimit / table.columns.count))
            var start = 0
            while start < table.rows.count {
                let end = min(start + perStatement, table.rows.count)
                let insert = sql.insert(into: table.name).columns(table.columns)
                for row in table.rows[start..<end] { insert.values(row) }
                try await insert.run()
                start = end
            }
        }
    }
}
