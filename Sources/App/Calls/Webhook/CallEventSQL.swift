import Crypto
import Fluent
import Foundation
import SQLKit

/// The statements that store one server message, inside the caller's transaction. Plain SQL with bound
/// parameters, valid on SQLite and PostgreSQL: this is AVA's hottest write path.
enum CallEventSQL {
    /// Vapi's call statuses in the order a call goes through them.
    static func rank(_ status: String) -> Int {
        switch status {
        case "scheduled": 1
        case "queued": 2
        case "ringing": 3
        case "in-progress": 4
        case "forwarding": 5
        case "ended": 6
        default: 0
        }
    }

    /// The status a message implies, if any.
    static func status(of message: VapiServerMessage) -> String? {
        switch message.type {
        case "status-update": message.status ?? message.call?.status
        case "end-of-call-report": "ended"
        case "assistant-request": "ringing"
        case "transcript", "conversation-update", "speech-update", "tool-calls", "user-interrupted",
             "transfer-destination-request", "model-output", "voice-input":
            "in-progress"
        default: nil
        }
    }

    static let maxBody = 64 * 1024
    static let maxTranscript = 200_000
    static let maxMessages = 512 * 1024

    static func apply(_ event: IncomingCallEvent, sql: any SQLDatabase, db: any Database) async throws -> StoredCallEvent {
        let message = event.message
        let now = event.receivedAt
        var callID: UUID?
        if let vapiCallID = message.callID?.prefix(100), !vapiCallID.isEmpty {
            callID = try await upsertCall(String(vapiCallID), event: event, sql: sql, db: db)
            if callID == nil {
                // The id belongs to another organisation's call: store nothing that touches it.
                return StoredCallEvent(callID: nil, duplicate: false)
            }
        }
        let body = event.body.count > maxBody ? String(event.body.prefix(maxBody)) : event.body
        let inserted = try await sql.raw("""
            INSERT INTO call_events (id, org_id, call_id, type, body, received_at, event_key)
            VALUES (\(bind: UUID()), \(bind: event.org.id), \(bind: callID), \(bind: String(message.type.prefix(60))), \(bind: body),
                    \(bind: now), \(bind: event.eventKey))
            ON CONFLICT (event_key) DO NOTHING RETURNING id
            """).all()
        if inserted.isEmpty { return StoredCallEvent(callID: callID, duplicate: true) }
        guard let callID else { return StoredCallEvent(callID: nil, duplicate: false) }

        switch message.type {
        case "transcript" where message.transcriptType == "final":
            if let text = message.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
                let role = message.role == "assistant" || message.role == "bot" ? "assistant" : "user"
                let spokenAt = message.eventDate ?? now
                let key = lineKey(callID: callID, role: role, spokenAt: spokenAt, text: text)
                try await sql.raw("""
                    INSERT INTO call_transcript_lines (id, org_id, call_id, role, text, spoken_at, line_key)
                    VALUES (\(bind: UUID()), \(bind: event.org.id), \(bind: callID), \(bind: role), \(bind: String(text.prefix(4000))),
                            \(bind: spokenAt), \(bind: key))
                    ON CONFLICT (line_key) DO NOTHING
                    """).run()
            }
        case "end-of-call-report":
            try await storeReport(message, callID: callID, event: event, sql: sql, db: db)
        default:
            break
        }
        return StoredCallEvent(callID: callID, duplicate: false)
    }

    private static func upsertCall(_ vapiCallID: String, event: IncomingCallEvent, sql: any SQLDatabase,
                                   db: any Database) async throws -> UUID? {
        let message = event.message
        let status = status(of: message)
        let rank = status.map(rank) ?? 0
        let started: Date? = message.type == "status-update" && status == "in-progress" ? (message.eventDate ?? event.receivedAt)
            : (message.call?.startedAt ?? message.startedAt).flatMap(VapiDate.parse)
        let number = try await phoneNumberID(message, orgID: event.org.id, db: db)
        let newID = UUID()
        let rows = try await sql.raw("""
            INSERT INTO calls (id, org_id, vapi_call_id, status, status_rank, from_number, to_number, caller_name, started_at,
                               ended_reason, simulated, phone_number_id, created_at, updated_at, last_event_at)
            VALUES (\(bind: newID), \(bind: event.org.id), \(bind: vapiCallID), \(bind: status ?? "in-progress"), \(bind: rank),
                    \(bind: message.callerNumber.map { String($0.prefix(32)) }), \(bind: message.dialledNumber.map { String($0.prefix(32)) }),
                    \(bind: message.callerName.map { String($0.prefix(120)) }), \(bind: started),
                    \(bind: message.endedReason.map { String($0.prefix(200)) }), \(bind: event.simulated), \(bind: number),
                    \(bind: event.receivedAt), \(bind: event.receivedAt), \(bind: event.receivedAt))
            ON CONFLICT (vapi_call_id) DO UPDATE SET
                status = CASE WHEN excluded.status_rank > calls.status_rank THEN excluded.status ELSE calls.status END,
                status_rank = CASE WHEN excluded.status_rank > calls.status_rank THEN excluded.status_rank ELSE calls.status_rank END,
                from_number = COALESCE(calls.from_number, excluded.from_number),
                to_number = COALESCE(calls.to_number, excluded.to_number),
                caller_name = COALESCE(calls.caller_name, excluded.caller_name),
                started_at = COALESCE(calls.started_at, excluded.started_at),
                ended_reason = COALESCE(excluded.ended_reason, calls.ended_reason),
                phone_number_id = COALESCE(calls.phone_number_id, excluded.phone_number_id),
                last_event_at = excluded.last_event_at,
                updated_at = excluded.updated_at
            WHERE calls.org_id = excluded.org_id
            RETURNING id
            """).all()
        guard let id = try rows.first?.decode(column: "id", as: UUID.self) else { return nil }
        if id == newID {
            // A new call: if its end-of-call report never comes, Vapi will be asked later.
            _ = try await Jobs.enqueue(kind: CallJobs.reconcile, payload: CallJobs.CallPayload(callID: id),
                                       runAt: event.receivedAt.addingTimeInterval(CallReconcileJob.delay), on: db)
        }
        return id
    }

    /// The organisation's number the call came in on (only looked up for messages that can be the first of a call).
    private static func phoneNumberID(_ message: VapiServerMessage, orgID: UUID, db: any Database) async throws -> UUID? {
        guard ["assistant-request", "status-update", "end-of-call-report"].contains(message.type) else { return nil }
        if let vapiID = message.phoneNumberID,
           let record = try await PhoneNumberRecord.query(on: db).filter(\.$org.$id == orgID)
            .filter(\.$vapiPhoneNumberID == vapiID).first() { return record.id }
        if let dialled = message.dialledNumber,
           let record = try await PhoneNumberRecord.query(on: db).filter(\.$org.$id == orgID).filter(\.$e164 == dialled).first() {
            return record.id
        }
        return nil
    }

    /// The end-of-call report completes the call. Only the first report counts (and queues the post-call work).
    private static func storeReport(_ message: VapiServerMessage, callID: UUID, event: IncomingCallEvent,
                                    sql: any SQLDatabase, db: any Database) async throws {
        var transcript = message.artifact?.transcript
        if let text = transcript, text.count > maxTranscript { transcript = String(text.prefix(maxTranscript)) }
        var messagesJSON: String?
        if let messages = message.artifact?.messages,
           let data = try? JSONEncoder().encode(messages), data.count <= maxMessages {
            messagesJSON = String(decoding: data, as: UTF8.self)
        }
        let success = message.analysis?.successEvaluation.flatMap { $0.stringValue }
        let recording = message.artifact?.recordingUrl ?? message.artifact?.recording?.mono?.combinedUrl
        let summary = message.analysis?.summary ?? message.summary
        let updated = try await sql.raw("""
            UPDATE calls SET transcript = \(bind: transcript), summary = \(bind: summary.map { String($0.prefix(4000)) }),
                recording_url = \(bind: recording.map { String($0.prefix(1000)) }), cost = \(bind: message.cost),
                ended_reason = COALESCE(\(bind: message.endedReason.map { String($0.prefix(200)) }), ended_reason),
                started_at = COALESCE(started_at, \(bind: message.startedAt.flatMap(VapiDate.parse))),
                ended_at = \(bind: message.endedAt.flatMap(VapiDate.parse) ?? message.eventDate ?? event.receivedAt),
                messages = \(bind: messagesJSON), success_evaluation = \(bind: success.map { String($0.prefix(200)) }),
                report_received_at = \(bind: event.receivedAt), status = 'ended', status_rank = 6
            WHERE id = \(bind: callID) AND report_received_at IS NULL
            RETURNING id
            """).all()
        if !updated.isEmpty {
            _ = try await Jobs.enqueue(kind: CallJobs.callEnded, payload: CallJobs.CallPayload(callID: callID), on: db)
        }
    }

    static func lineKey(callID: UUID, role: String, spokenAt: Date, text: String) -> String {
        let material = "\(callID.uuidString)|\(role)|\(Int64(spokenAt.timeIntervalSince1970 * 1000))|\(text)"
        return SHA256.hash(data: Data(material.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// What watchers see of a committed event.
enum CallLiveEvents {
    static func make(_ event: IncomingCallEvent, callID: UUID) -> LiveCallEvent? {
        let message = event.message
        let at = message.eventDate ?? event.receivedAt
        switch message.type {
        case "transcript":
            guard let text = message.transcript, !text.isEmpty else { return nil }
            let role = message.role == "assistant" || message.role == "bot" ? "assistant" : "user"
            return LiveCallEvent(orgID: event.org.id, callID: callID, kind: .transcript, role: role, text: String(text.prefix(4000)),
                                 final: message.transcriptType == "final", at: at)
        case "status-update":
            return LiveCallEvent(orgID: event.org.id, callID: callID, kind: .status, status: message.status, at: at)
        case "tool-calls":
            let names = message.allToolCalls.compactMap(\.toolName)
            guard !names.isEmpty else { return nil }
            return LiveCallEvent(orgID: event.org.id, callID: callID, kind: .toolCall, text: names.joined(separator: ", "), at: at)
        case "end-of-call-report":
            return LiveCallEvent(orgID: event.org.id, callID: callID, kind: .ended,
                                 text: message.analysis?.summary ?? message.summary, status: "ended", at: at)
        default:
            return nil
        }
    }
}
