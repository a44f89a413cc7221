import FluentKit
import Foundation
import PostgresKit
import PostgresNIO

extension CallEventSQL {
    /// PostgreSQL: a batch is written by ONE prepared statement of data-modifying CTEs (`CallBatchStatement`): the
    /// calls upsert (with their end-of-call reports), the events, the final transcript lines of the events that are
    /// new, a reconcile job for each new call and the post-call job of each report stored. A single statement is
    /// atomic by itself, so it needs no BEGIN and COMMIT: one round trip instead of five or more. Its text never
    /// changes (the batch travels as three JSON parameters), so each connection parses and plans it once, not for
    /// every batch. Answers nil, and the caller uses `apply` in a transaction, for a batch with an event that names
    /// no call, or with a Vapi id under two organisations.
    ///
    /// Same rules as `apply`: a call of another organisation is neither touched nor answered (its events are
    /// not stored), a replayed body is a duplicate, a line is stored once, only a call's first report counts.
    ///
    /// `relayNote` gives the live notification of an event (made with `payloadPlaceholder` for the call id): the
    /// statement sends it, with the call's id, for each event stored now. Other AVA processes then see the event
    /// when it is committed, and a batch costs no second statement for its NOTIFY.
    static func applyInOneStatement(_ events: [IncomingCallEvent], database: any Database, profiles: [UUID: AnsweringProfile],
                                    relayNote: CallBatchStatement.RelayNote? = nil) async throws -> [StoredCallEvent]? {
        guard let postgres = database as? any PostgresDatabase, !events.isEmpty else { return nil }
        for event in events {
            guard let id = event.message.callID, !id.isEmpty else { return nil }
        }
        let plan = CallPlan(events)
        guard plan.rounds.count == 1 else { return nil }
        let rows = plan.rows(plan.rounds[0], events)
        let statement = try CallBatchStatement(events: events, rows: rows, profiles: profiles, relayNote: relayNote)

        let logger = database.logger
        let answered = try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                var answered: [CallBatchStatement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) { answered.append(row) }
                return answered
            }
        }.get()

        var callIDs: [String: UUID] = [:]
        var storedKeys = Set<String>()
        let byVapiID = Dictionary(rows.map { ($0.vapiCallID, $0.key) }, uniquingKeysWith: { first, _ in first })
        for (kind, name, id) in answered {
            if kind == "call" {
                if let key = byVapiID[name], let id { callIDs[key] = id }
            } else if kind == "event" {
                storedKeys.insert(name)
            }
        }
        var results = Array(repeating: StoredCallEvent(callID: nil, duplicate: false), count: events.count)
        var taken = Set<String>()
        for (index, event) in events.enumerated() {
            // Another organisation's call: nothing was stored (as in `apply`).
            guard let callID = callIDs[event.org.id.uuidString + "|" + event.message.callID!.prefix(100)] else { continue }
            let key = statement.eventKeys[index]
            let fresh = storedKeys.contains(key) && taken.insert(key).inserted
            results[index] = StoredCallEvent(callID: callID, duplicate: !fresh)
        }
        return results
    }

    /// Stands for the call's id in a job payload made before the id is known.
    static let payloadPlaceholder = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}

/// The batch statement: `$1` the calls, `$2` the events, `$3` the final lines, `$4` the live notifications, each a
/// JSON array of records (times as seconds since 1970), and `$5` the notification channel. Answers
/// `('call', Vapi id, AVA id)` for each call of the batch that belongs to the organisation that named it,
/// `('event', key, NULL)` for each event stored now, and `('notified', count, NULL)`.
struct CallBatchStatement: PostgresPreparedStatement {
    typealias Row = (String, String, UUID?)
    /// The live notification of an event whose call id is `CallEventSQL.payloadPlaceholder`, if it has one.
    typealias RelayNote = @Sendable (IncomingCallEvent) -> LiveRelayNotification?

    static let name = "ava_call_batch_v2"
    /// How the call id appears in a notification's JSON before the statement puts the real one in.
    static let placeholderCallID = "\"callId\":\"\(CallEventSQL.payloadPlaceholder.uuidString)\""

    static let sql = """
        WITH r AS (
            SELECT * FROM json_to_recordset($1::json) AS r (
                id uuid, org_id uuid, vapi_call_id text, status text, status_rank int, from_number text, to_number text,
                caller_name text, started_at float8, ended_reason text, simulated bool, phone_number_id uuid,
                received_at float8, transcript text, summary text, recording_url text, cost float8, ended_at float8,
                messages text, success_evaluation text, report_received_at float8,
                reconcile_job uuid, reconcile_payload text, reconcile_at float8, report_job uuid, report_payload text)
        ),
        c AS (
            INSERT INTO calls (\(CallEventSQL.callColumns))
            SELECT id, org_id, vapi_call_id, status, status_rank, from_number, to_number, caller_name, to_timestamp(started_at),
                   ended_reason, simulated, phone_number_id, to_timestamp(received_at), to_timestamp(received_at),
                   to_timestamp(received_at), transcript, summary, recording_url, cost, to_timestamp(ended_at), messages,
                   success_evaluation, to_timestamp(report_received_at)
            FROM r
            ORDER BY vapi_call_id
            \(CallEventSQL.callConflict)
            RETURNING id, vapi_call_id, org_id, report_received_at
        ),
        v AS (
            SELECT * FROM json_to_recordset($2::json) AS v (
                id uuid, org_id uuid, vapi_call_id text, type text, body text, received_at float8, event_key text)
        ),
        e AS (
            INSERT INTO call_events (id, org_id, call_id, type, body, received_at, event_key)
            SELECT v.id, v.org_id, c.id, v.type, v.body, to_timestamp(v.received_at), v.event_key
            FROM v JOIN c ON c.vapi_call_id = v.vapi_call_id AND c.org_id = v.org_id
            ORDER BY v.event_key
            ON CONFLICT (event_key) DO NOTHING
            RETURNING event_key
        ),
        lv AS (
            SELECT * FROM json_to_recordset($3::json) AS lv (
                id uuid, org_id uuid, vapi_call_id text, role text, text text, spoken_at float8, key_tail text, event_key text)
        ),
        l AS (
            INSERT INTO call_transcript_lines (id, org_id, call_id, role, text, spoken_at, line_key)
            SELECT lv.id, lv.org_id, c.id, lv.role, lv.text, to_timestamp(lv.spoken_at),
                   encode(sha256(convert_to(upper(CAST(c.id AS text)) || lv.key_tail, 'UTF8')), 'hex') AS line_key
            FROM lv JOIN c ON c.vapi_call_id = lv.vapi_call_id AND c.org_id = lv.org_id
                    JOIN e ON e.event_key = lv.event_key
            ORDER BY line_key
            ON CONFLICT (line_key) DO NOTHING
        ),
        j AS (
            INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, status, created_at, updated_at)
            SELECT r.reconcile_job, '\(CallJobs.reconcile)', r.reconcile_payload, to_timestamp(r.reconcile_at), 0,
                   \(Jobs.defaultMaxAttempts), '\(JobRecord.Status.queued.rawValue)', to_timestamp(r.received_at),
                   to_timestamp(r.received_at)
            FROM r JOIN c ON c.id = r.id
            UNION ALL
            SELECT r.report_job, '\(CallJobs.callEnded)',
                   replace(r.report_payload, '\(CallEventSQL.payloadPlaceholder.uuidString)', upper(CAST(c.id AS text))),
                   to_timestamp(r.report_received_at), 0, \(Jobs.defaultMaxAttempts), '\(JobRecord.Status.queued.rawValue)',
                   to_timestamp(r.report_received_at), to_timestamp(r.report_received_at)
            FROM r JOIN c ON c.vapi_call_id = r.vapi_call_id AND c.org_id = r.org_id
            WHERE r.report_received_at IS NOT NULL AND c.report_received_at = to_timestamp(r.report_received_at)
        ),
        nv AS (
            SELECT * FROM json_to_recordset($4::json) AS nv (n int, org_id uuid, vapi_call_id text, event_key text, payload text)
        ),
        n AS (
            -- Sent at commit, in the batch's order (a SELECT list with a volatile function is computed after ORDER BY).
            SELECT pg_notify($5, replace(nv.payload, '\(placeholderCallID)', '"callId":"' || upper(CAST(c.id AS text)) || '"'))
            FROM nv JOIN c ON c.vapi_call_id = nv.vapi_call_id AND c.org_id = nv.org_id
                    JOIN e ON e.event_key = nv.event_key
            ORDER BY nv.n
        )
        SELECT 'call' AS kind, c.vapi_call_id AS name, c.id AS id FROM c
        UNION ALL
        SELECT 'event' AS kind, e.event_key AS name, CAST(NULL AS uuid) AS id FROM e
        UNION ALL
        -- A plain SELECT in a WITH runs only if read: this reads it.
        SELECT 'notified' AS kind, CAST(count(*) AS text) AS name, CAST(NULL AS uuid) AS id FROM n
        """

    /// Each event's key (SHA-256 of organisation and body), by index.
    let eventKeys: [String]
    private let calls: String
    private let events: String
    private let lines: String
    private let notes: String
    private let channel: String

    private struct CallRecord: Encodable {
        var id: UUID, org_id: UUID, vapi_call_id: String, status: String, status_rank: Int
        var from_number: String?, to_number: String?, caller_name: String?, started_at: Double?, ended_reason: String?
        var simulated: Bool, phone_number_id: UUID?, received_at: Double
        var transcript: String?, summary: String?, recording_url: String?, cost: Double?, ended_at: Double?
        var messages: String?, success_evaluation: String?, report_received_at: Double?
        var reconcile_job: UUID, reconcile_payload: String, reconcile_at: Double
        var report_job: UUID?, report_payload: String?
    }

    private struct EventRecord: Encodable {
        var id: UUID, org_id: UUID, vapi_call_id: String, type: String, body: String, received_at: Double, event_key: String
    }

    private struct NoteRecord: Encodable {
        var n: Int, org_id: UUID, vapi_call_id: String, event_key: String, payload: String
    }

    private struct LineRecord: Encodable {
        var id: UUID, org_id: UUID, vapi_call_id: String, role: String, text: String, spoken_at: Double
        var key_tail: String, event_key: String
    }

    init(events: [IncomingCallEvent], rows: [CallEventSQL.CallRow], profiles: [UUID: AnsweringProfile],
         relayNote: RelayNote? = nil) throws {
        // Every call of the batch, with the reconcile job it gets if it turns out new (its id is the one chosen here)
        // and the post-call job of its report if the report is the one stored.
        let calls = try rows.map { row -> CallRecord in
            let call = CallEventSQL.CallValues(row, profiles: profiles)
            let report = call.report
            return CallRecord(
                id: call.id, org_id: call.orgID, vapi_call_id: call.vapiCallID, status: call.status, status_rank: call.rank,
                from_number: call.caller, to_number: call.dialled, caller_name: call.callerName,
                started_at: call.started?.timeIntervalSince1970, ended_reason: call.endedReason, simulated: call.simulated,
                phone_number_id: call.number, received_at: call.receivedAt.timeIntervalSince1970,
                transcript: report?.transcript, summary: report?.summary, recording_url: report?.recording, cost: report?.cost,
                ended_at: report?.endedAt.timeIntervalSince1970, messages: report?.messagesJSON, success_evaluation: report?.success,
                report_received_at: report?.receivedAt.timeIntervalSince1970,
                reconcile_job: UUID(),
                reconcile_payload: try Jobs.encodedPayload(CallJobs.CallPayload(callID: call.id), requestID: row.event.requestID),
                reconcile_at: row.event.receivedAt.addingTimeInterval(CallReconcileJob.delay).timeIntervalSince1970,
                report_job: report.map { _ in UUID() },
                report_payload: try report.map {
                    try Jobs.encodedPayload(CallJobs.CallPayload(callID: CallEventSQL.payloadPlaceholder), requestID: $0.requestID)
                })
        }

        // The events, each once (a key seen twice in the batch is a replay too), and the final lines of those events.
        var keys: [String] = []
        var seen = Set<String>()
        var eventRecords: [EventRecord] = []
        var lineRecords: [LineRecord] = []
        var noteRecords: [NoteRecord] = []
        var channel = ""
        for event in events {
            let key = event.eventKey
            keys.append(key)
            guard seen.insert(key).inserted else { continue }
            let message = event.message
            let vapiCallID = String(message.callID!.prefix(100))
            let body = event.body.count > CallEventSQL.maxBody ? String(event.body.prefix(CallEventSQL.maxBody)) : event.body
            eventRecords.append(EventRecord(id: UUID(), org_id: event.org.id, vapi_call_id: vapiCallID,
                                            type: String(message.type.prefix(60)), body: body,
                                            received_at: event.receivedAt.timeIntervalSince1970, event_key: key))
            if let note = relayNote?(event) {
                channel = note.channel
                noteRecords.append(NoteRecord(n: noteRecords.count, org_id: event.org.id, vapi_call_id: vapiCallID, event_key: key,
                                              payload: note.payload))
            }
            guard message.type == "transcript", message.transcriptType == "final",
                  let text = message.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { continue }
            let role = message.role == "assistant" || message.role == "bot" ? "assistant" : "user"
            let spokenAt = message.eventDate ?? event.receivedAt
            lineRecords.append(LineRecord(id: UUID(), org_id: event.org.id, vapi_call_id: vapiCallID, role: role,
                                          text: String(text.prefix(4000)), spoken_at: spokenAt.timeIntervalSince1970,
                                          key_tail: CallEventSQL.lineKeyTail(role: role, spokenAt: spokenAt, text: text),
                                          event_key: key))
        }
        let encoder = JSONEncoder()
        self.eventKeys = keys
        self.calls = String(decoding: try encoder.encode(calls), as: UTF8.self)
        self.events = String(decoding: try encoder.encode(eventRecords), as: UTF8.self)
        self.lines = String(decoding: try encoder.encode(lineRecords), as: UTF8.self)
        self.notes = String(decoding: try encoder.encode(noteRecords), as: UTF8.self)
        self.channel = channel
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(calls)
        bindings.append(events)
        bindings.append(lines)
        bindings.append(notes)
        bindings.append(channel)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
