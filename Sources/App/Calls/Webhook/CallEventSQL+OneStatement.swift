import Foundation
import SQLKit

extension CallEventSQL {
    /// PostgreSQL: a batch is written by ONE statement of data-modifying CTEs: the calls upsert (with their
    /// end-of-call reports), the events, the final transcript lines of the events that are new, a reconcile job for
    /// each new call and the post-call job of each report stored. A single statement is atomic by itself, so it
    /// needs no BEGIN and COMMIT: one round trip to the database instead of five or more. Answers nil, and the
    /// caller uses `apply` in a transaction, for a batch with an event that names no call, or with a Vapi id under
    /// two organisations.
    ///
    /// Same rules as `apply`: a call of another organisation is neither touched nor answered (its events are
    /// not stored), a replayed body is a duplicate, a line is stored once, only a call's first report counts.
    static func applyInOneStatement(_ events: [IncomingCallEvent], sql: any SQLDatabase,
                                    profiles: [UUID: AnsweringProfile]) async throws -> [StoredCallEvent]? {
        guard sql.dialect.name == "postgresql", !events.isEmpty else { return nil }
        for event in events {
            guard let id = event.message.callID, !id.isEmpty else { return nil }
        }
        let plan = CallPlan(events)
        guard plan.rounds.count == 1 else { return nil }
        let rows = plan.rows(plan.rounds[0], events)
        let (upsert, newIDs) = callUpsert(rows, profiles: profiles)

        // The events, each once (a key seen twice in the batch is a replay too).
        var seen = Set<String>()
        var keys: [Int: String] = [:]
        var eventValues: [SQLQueryString] = []
        for (index, event) in events.enumerated() {
            let key = event.eventKey
            keys[index] = key
            guard seen.insert(key).inserted else { continue }
            let body = event.body.count > maxBody ? String(event.body.prefix(maxBody)) : event.body
            eventValues.append("""
                (CAST(\(bind: UUID()) AS uuid), CAST(\(bind: event.org.id) AS uuid), CAST(\(bind: String(event.message.callID!.prefix(100))) AS text),
                 CAST(\(bind: String(event.message.type.prefix(60))) AS text), CAST(\(bind: body) AS text),
                 CAST(\(bind: event.receivedAt) AS timestamptz), CAST(\(bind: key) AS text))
                """)
        }
        // A reconcile job for each call, kept only for the calls that turn out to be new (their id is the one we chose).
        var jobValues: [SQLQueryString] = []
        for row in rows {
            guard let newID = newIDs[row.vapiCallID] else { continue }
            let payload = try Jobs.encodedPayload(CallJobs.CallPayload(callID: newID), requestID: row.event.requestID)
            jobValues.append("""
                (CAST(\(bind: UUID()) AS uuid), CAST(\(bind: newID) AS uuid), CAST(\(bind: payload) AS text),
                 CAST(\(bind: row.event.receivedAt.addingTimeInterval(CallReconcileJob.delay)) AS timestamptz),
                 CAST(\(bind: Date()) AS timestamptz))
                """)
        }
        // Final transcript lines, kept only for events stored now (joined with `e`). The line key is the same hash as
        // `lineKey`, made in SQL because a new call's id is only known there.
        var lineValues: [SQLQueryString] = []
        var lineEvents = Set<String>()
        for (index, event) in events.enumerated() {
            let message = event.message
            guard message.type == "transcript", message.transcriptType == "final", lineEvents.insert(keys[index]!).inserted,
                  let text = message.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { continue }
            let role = message.role == "assistant" || message.role == "bot" ? "assistant" : "user"
            let spokenAt = message.eventDate ?? event.receivedAt
            lineValues.append("""
                (CAST(\(bind: UUID()) AS uuid), CAST(\(bind: event.org.id) AS uuid), CAST(\(bind: String(message.callID!.prefix(100))) AS text),
                 CAST(\(bind: role) AS text), CAST(\(bind: String(text.prefix(4000))) AS text), CAST(\(bind: spokenAt) AS timestamptz),
                 CAST(\(bind: lineKeyTail(role: role, spokenAt: spokenAt, text: text)) AS text), CAST(\(bind: keys[index]!) AS text))
                """)
        }
        let lines: SQLQueryString = lineValues.isEmpty ? "" : """
            lv (id, org_id, vapi_call_id, role, text, spoken_at, key_tail, event_key) AS (VALUES \(lineValues.joined(separator: ", "))),
            l AS (
                INSERT INTO call_transcript_lines (id, org_id, call_id, role, text, spoken_at, line_key)
                SELECT lv.id, lv.org_id, c.id, lv.role, lv.text, lv.spoken_at,
                       encode(sha256(convert_to(upper(CAST(c.id AS text)) || lv.key_tail, 'UTF8')), 'hex') AS line_key
                FROM lv JOIN c ON c.vapi_call_id = lv.vapi_call_id AND c.org_id = lv.org_id
                        JOIN e ON e.event_key = lv.event_key
                ORDER BY line_key
                ON CONFLICT (line_key) DO NOTHING
            ),
            """
        // The post-call job of each report the upsert stored (the call's report_received_at is this report's). Its
        // payload names the call, whose id a new call only gets in SQL: a placeholder is replaced there.
        var reportValues: [SQLQueryString] = []
        for row in rows {
            guard let report = row.facts.report else { continue }
            let payload = try Jobs.encodedPayload(CallJobs.CallPayload(callID: Self.payloadPlaceholder), requestID: report.requestID)
            reportValues.append("""
                (CAST(\(bind: UUID()) AS uuid), CAST(\(bind: row.event.org.id) AS uuid), CAST(\(bind: row.vapiCallID) AS text),
                 CAST(\(bind: payload) AS text), CAST(\(bind: report.receivedAt) AS timestamptz))
                """)
        }
        let reports: SQLQueryString = reportValues.isEmpty ? "" : """
            rv (id, org_id, vapi_call_id, payload, received_at) AS (VALUES \(reportValues.joined(separator: ", "))),
            r AS (
                INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, status, created_at, updated_at)
                SELECT rv.id, \(bind: CallJobs.callEnded),
                       replace(rv.payload, \(bind: Self.payloadPlaceholder.uuidString), upper(CAST(c.id AS text))),
                       rv.received_at, 0, \(bind: Jobs.defaultMaxAttempts), \(bind: JobRecord.Status.queued.rawValue),
                       rv.received_at, rv.received_at
                FROM rv JOIN c ON c.vapi_call_id = rv.vapi_call_id AND c.org_id = rv.org_id
                WHERE c.report_received_at = rv.received_at
            ),
            """
        let statement: SQLQueryString = """
            WITH c AS (\(upsert) RETURNING id, vapi_call_id, org_id, report_received_at),
            v (id, org_id, vapi_call_id, type, body, received_at, event_key) AS (VALUES \(eventValues.joined(separator: ", "))),
            e AS (
                INSERT INTO call_events (id, org_id, call_id, type, body, received_at, event_key)
                SELECT v.id, v.org_id, c.id, v.type, v.body, v.received_at, v.event_key
                FROM v JOIN c ON c.vapi_call_id = v.vapi_call_id AND c.org_id = v.org_id
                ORDER BY v.event_key
                ON CONFLICT (event_key) DO NOTHING
                RETURNING event_key
            ),
            \(lines)\(reports)jv (id, call_id, payload, run_at, created_at) AS (VALUES \(jobValues.joined(separator: ", "))),
            j AS (
                INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, status, created_at, updated_at)
                SELECT jv.id, \(bind: CallJobs.reconcile), jv.payload, jv.run_at, 0, \(bind: Jobs.defaultMaxAttempts),
                       \(bind: JobRecord.Status.queued.rawValue), jv.created_at, jv.created_at
                FROM jv JOIN c ON c.id = jv.call_id
            )
            SELECT 'call' AS kind, c.vapi_call_id AS name, c.id AS id FROM c
            UNION ALL
            SELECT 'event' AS kind, e.event_key AS name, CAST(NULL AS uuid) AS id FROM e
            """
        var callIDs: [String: UUID] = [:]
        var storedKeys = Set<String>()
        let byVapiID = Dictionary(rows.map { ($0.vapiCallID, $0.key) }, uniquingKeysWith: { first, _ in first })
        for row in try await sql.raw(statement).all() {
            let name = try row.decode(column: "name", as: String.self)
            if try row.decode(column: "kind", as: String.self) == "call" {
                if let key = byVapiID[name] { callIDs[key] = try row.decode(column: "id", as: UUID.self) }
            } else {
                storedKeys.insert(name)
            }
        }

        var results = Array(repeating: StoredCallEvent(callID: nil, duplicate: false), count: events.count)
        var taken = Set<String>()
        for (index, event) in events.enumerated() {
            // Another organisation's call: nothing was stored (as in `apply`).
            guard let callID = callIDs[event.org.id.uuidString + "|" + event.message.callID!.prefix(100)] else { continue }
            let key = keys[index]!
            let fresh = storedKeys.contains(key) && taken.insert(key).inserted
            results[index] = StoredCallEvent(callID: callID, duplicate: !fresh)
        }
        return results
    }

    /// Stands for the call's id in a job payload made before the id is known.
    static let payloadPlaceholder = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}
