import Fluent
import Foundation
import Vapor

/// Everything an organisation has in AVA, for its owners and admins: as one JSON document or as CSV, one
/// table per file (`?table=calls`). Each table lists its columns explicitly (an allow-list), so secrets never
/// leave: no password hashes, TOTP secrets, session or refresh tokens, invitation tokens, the webhook path
/// token, nor Twilio credentials. Rows are read 500 at a time and streamed, so a large call history is never
/// held in memory at once.
struct DataExport {
    static let pageSize = 500

    struct Table: Sendable {
        var name: String
        var columns: [String]
        /// One page of rows (strings or null), in a stable order.
        var page: @Sendable (_ db: any Database, _ orgID: UUID, _ offset: Int, _ limit: Int) async throws -> [[String?]]
    }

    static func date(_ date: Date?) -> String? { date.map { ISO8601DateFormatter().string(from: $0) } }

    static let tables: [Table] = [
        Table(name: "organisation", columns: ["id", "name", "country", "timezone", "locale", "created_at"]) { db, orgID, offset, _ in
            guard offset == 0, let org = try await Org.find(orgID, on: db) else { return [] }
            return [[org.id?.uuidString, org.name, org.country, org.timezone, org.locale, date(org.createdAt)]]
        },
        Table(name: "members", columns: ["user_id", "name", "email", "phone", "role", "email_verified_at", "two_fa_enabled", "joined_at"]) { db, orgID, offset, limit in
            try await OrgUser.query(on: db).filter(\.$org.$id == orgID).with(\.$user).sort(\.$createdAt).sort(\.$id)
                .range(offset..<offset + limit).all().map {
                    [$0.user.id?.uuidString, $0.user.name, $0.user.email, $0.user.phone, $0.role.rawValue,
                     date($0.user.emailVerifiedAt), String($0.user.twoFAEnabled), date($0.createdAt)]
                }
        },
        Table(name: "assistant", columns: ["id", "name", "industry", "voice", "tone", "first_message", "system_prompt", "rules", "vapi_assistant_id", "synced_at"]) { db, orgID, offset, limit in
            try await Assistant.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.name, $0.industry, $0.voice, $0.tone, $0.firstMessage, $0.systemPrompt, $0.rulesJSON,
                 $0.vapiAssistantID, date($0.syncedAt)]
            }
        },
        Table(name: "phone_numbers", columns: ["id", "e164", "provider", "status", "name", "assistant_id", "vapi_phone_number_id", "created_at"]) { db, orgID, offset, limit in
            try await PhoneNumberRecord.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.e164, $0.provider.rawValue, $0.status, $0.name, $0.$assistant.id?.uuidString,
                 $0.vapiPhoneNumberID, date($0.createdAt)]
            }
        },
        Table(name: "booking_settings", columns: ["hours", "min_notice_minutes", "max_days_ahead", "slot_step_minutes", "transfer_number"]) { db, orgID, offset, limit in
            try await BookingProfile.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.hours, String($0.minNoticeMinutes), String($0.maxDaysAhead), String($0.slotStepMinutes), $0.transferNumber]
            }
        },
        Table(name: "services", columns: ["id", "name", "duration_minutes", "buffer_after_minutes", "price_cents", "currency", "active"]) { db, orgID, offset, limit in
            try await BookingService.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.name, String($0.durationMinutes), String($0.bufferAfterMinutes), $0.priceCents.map(String.init),
                 $0.currency, String($0.active)]
            }
        },
        Table(name: "staff", columns: ["id", "name", "hours", "active"]) { db, orgID, offset, limit in
            try await StaffMember.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.name, $0.hours, String($0.active)]
            }
        },
        Table(name: "closures", columns: ["id", "staff_id", "start_date", "end_date", "label"]) { db, orgID, offset, limit in
            try await BookingClosure.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.$staff.id?.uuidString, $0.startDate, $0.endDate, $0.label]
            }
        },
        Table(name: "customers", columns: ["id", "name", "phone", "email"]) { db, orgID, offset, limit in
            try await Customer.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.name, $0.phone, $0.email]
            }
        },
        Table(name: "appointments", columns: ["id", "service_id", "staff_id", "customer_id", "starts_at", "ends_at", "status", "source", "notes", "call_id", "created_at"]) { db, orgID, offset, limit in
            try await Appointment.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.$service.id.uuidString, $0.$staff.id?.uuidString, $0.$customer.id.uuidString, date($0.startsAt),
                 date($0.endsAt), $0.status.rawValue, $0.source.rawValue, $0.notes, $0.callID?.uuidString, date($0.createdAt)]
            }
        },
        Table(name: "calls", columns: ["id", "from_number", "to_number", "status", "ended_reason", "started_at", "ended_at", "caller_name", "outcome", "summary", "transcript", "recording_url", "cost", "simulated"]) { db, orgID, offset, limit in
            try await Call.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.fromNumber, $0.toNumber, $0.status, $0.endedReason, date($0.startedAt), date($0.endedAt),
                 $0.callerName, $0.outcome, $0.summary, $0.transcript, $0.recordingURL, $0.cost.map { String($0) }, String($0.simulated)]
            }
        },
        Table(name: "call_transcript_lines", columns: ["call_id", "role", "text", "spoken_at"]) { db, orgID, offset, limit in
            try await CallTranscriptLine.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.$call.id.uuidString, $0.role, $0.text, date($0.spokenAt)]
            }
        },
        Table(name: "messages", columns: ["id", "call_id", "name", "phone", "reason", "urgency", "read_at", "done_at", "created_at"]) { db, orgID, offset, limit in
            try await OwnerMessage.query(on: db).filter(\.$org.$id == orgID).sort(\.$id).range(offset..<offset + limit).all().map {
                [$0.id?.uuidString, $0.callID?.uuidString, $0.name, $0.phone, $0.reason, $0.urgency.rawValue, date($0.readAt),
                 date($0.doneAt), date($0.createdAt)]
            }
        },
    ]

    static func table(named name: String) -> Table? { tables.first { $0.name == name } }

    // MARK: Writers

    /// One JSON document: `{"exportedAt": ..., "tables": {"calls": [{"id": ..., ...}], ...}}`. Values are
    /// strings (or null), exactly as in the CSV files.
    static func jsonResponse(_ req: Request, orgID: UUID) -> Response {
        let db = req.db
        let body = Response.Body(asyncStream: { writer in
            do {
                try await writer.write(.buffer(ByteBuffer(string: "{\"exportedAt\":\(quote(date(Date())!)),\"tables\":{")))
                for (index, table) in tables.enumerated() {
                    try await writer.write(.buffer(ByteBuffer(string: (index > 0 ? "," : "") + quote(table.name) + ":[")))
                    var first = true
                    try await eachPage(table, db: db, orgID: orgID) { rows in
                        var chunk = ""
                        for row in rows {
                            let fields = zip(table.columns, row).map { "\(quote($0)):\($1.map(quote) ?? "null")" }
                            chunk += (first ? "" : ",") + "{" + fields.joined(separator: ",") + "}"
                            first = false
                        }
                        try await writer.write(.buffer(ByteBuffer(string: chunk)))
                    }
                    try await writer.write(.buffer(ByteBuffer(string: "]")))
                }
                try await writer.write(.buffer(ByteBuffer(string: "}}\n")))
                try await writer.write(.end)
            } catch {
                req.logger.report(error: error)
                try? await writer.write(.error(error))
            }
        })
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"ava-export.json\"")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: body)
    }

    /// One table as CSV (RFC 4180, UTF-8 with a BOM so spreadsheet programs read Hebrew and accents right).
    static func csvResponse(_ req: Request, orgID: UUID, table: Table) -> Response {
        let db = req.db
        let body = Response.Body(asyncStream: { writer in
            do {
                try await writer.write(.buffer(ByteBuffer(string: "\u{FEFF}" + csvLine(table.columns))))
                try await eachPage(table, db: db, orgID: orgID) { rows in
                    try await writer.write(.buffer(ByteBuffer(string: rows.map { csvLine($0.map { $0 ?? "" }) }.joined())))
                }
                try await writer.write(.end)
            } catch {
                req.logger.report(error: error)
                try? await writer.write(.error(error))
            }
        })
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"ava-\(table.name).csv\"")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: body)
    }

    private static func eachPage(_ table: Table, db: any Database, orgID: UUID, _ body: ([[String?]]) async throws -> Void) async throws {
        var offset = 0
        while true {
            let rows = try await table.page(db, orgID, offset, pageSize)
            if !rows.isEmpty { try await body(rows) }
            if rows.count < pageSize { return }
            offset += pageSize
        }
    }

    static func quote(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A CSV row; cells starting with `=`, `+`, `-` or `@` get a leading apostrophe so a spreadsheet does not
    /// run a caller's words as a formula.
    static func csvLine(_ cells: [String]) -> String {
        cells.map { cell -> String in
            var value = cell
            if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
            if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                value = "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return value
        }.joined(separator: ",") + "\r\n"
    }
}
