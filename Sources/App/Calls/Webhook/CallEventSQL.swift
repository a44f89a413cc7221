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

    /// Stores a batch of events in the caller's transaction with few statements: one upsert for all its calls (with
    /// their end-of-call reports), one insert for all the events (replays recognised by their key), one for all the
    /// final transcript lines. Results are in the order of `events`.
    /// `profiles`: the organisations' numbers (`profiles(of:)`, read before the event joined a batch).
    static func apply(_ events: [IncomingCallEvent], sql: any SQLDatabase, profiles: [UUID: AnsweringProfile]) async throws -> [StoredCallEvent] {
        var results = Array(repeating: StoredCallEvent(callID: nil, duplicate: false), count: events.count)

        // The batch's calls in one upsert (events of the same call arrive together during a conversation).
        let plan = CallPlan(events)
        var callIDs: [String: UUID] = [:]
        for round in plan.rounds {
            let rows = plan.rows(round, events)
            // A call missing from the answer is another organisation's: nothing touches it.
            for (key, id) in try await upsertCalls(rows, sql: sql, profiles: profiles) { callIDs[key] = id }
        }
        func callID(of event: IncomingCallEvent) -> (named: Bool, id: UUID?) {
            guard let id = event.message.callID?.prefix(100), !id.isEmpty else { return (false, nil) }
            return (true, callIDs[event.org.id.uuidString + "|" + id])
        }

        // Every event in one statement; a key seen twice in the batch is a replay too.
        var fresh: [Int] = []
        var keys: [Int: String] = [:]
        var seen = Set<String>()
        let insert = sql.insert(into: CallEvent.schema)
            .columns("id", "org_id", "call_id", "type", "body", "received_at", "event_key")
        // In key order, like the calls: a replay committing at the same time waits on the same key first.
        var rows: [(key: String, values: [any Encodable & Sendable])] = []
        for (index, event) in events.enumerated() {
            let call = callID(of: event)
            if call.named, call.id == nil { continue }
            let key = event.eventKey
            keys[index] = key
            results[index] = StoredCallEvent(callID: call.id, duplicate: true)
            guard seen.insert(key).inserted else { continue }
            let body = event.body.count > maxBody ? String(event.body.prefix(maxBody)) : event.body
            rows.append((key, [UUID(), event.org.id, call.id, String(event.message.type.prefix(60)), body, event.receivedAt, key]))
        }
        for row in rows.sorted(by: { $0.key < $1.key }) { insert.values(row.values.map { SQLBind($0) }) }
        if !rows.isEmpty {
            let stored = try await insert.ignoringConflicts(with: ["event_key"]).returning("event_key").all()
            let storedKeys = Set(try stored.map { try $0.decode(column: "event_key", as: String.self) })
            var taken = Set<String>()
            for index in events.indices {
                guard let key = keys[index], storedKeys.contains(key), taken.insert(key).inserted else { continue }
                results[index].duplicate = false
                fresh.append(index)
            }
        }

        // The final lines of every fresh transcript, in one statement.
        let lines = sql.insert(into: CallTranscriptLine.schema).columns("id", "org_id", "call_id", "role", "text", "spoken_at", "line_key")
        var lineRows: [(key: String, values: [any Encodable & Sendable])] = []
        for index in fresh {
            let event = events[index]
            let message = event.message
            guard message.type == "transcript", message.transcriptType == "final", let callID = results[index].callID,
                  let text = message.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { continue }
            let role = message.role == "assistant" || message.role == "bot" ? "assistant" : "user"
            let spokenAt = message.eventDate ?? event.receivedAt
            let key = lineKey(callID: callID, role: role, spokenAt: spokenAt, text: text)
            lineRows.append((key, [UUID(), event.org.id, callID, role, String(text.prefix(4000)), spokenAt, key]))
        }
        for row in lineRows.sorted(by: { $0.key < $1.key }) { lines.values(row.values.map { SQLBind($0) }) }
        if !lineRows.isEmpty { try await lines.ignoringConflicts(with: ["line_key"]).run() }

        return results
    }

    /// The calls a batch names, grouped: `groups` maps "org|Vapi id" to the events' indices, in first-seen order.
    /// One statement cannot touch a row twice (PostgreSQL refuses): the same Vapi id under two organisations
    /// (someone replaying another's id) goes in a second round.
    struct CallPlan {
        var groups: [String: [Int]] = [:]
        var rounds: [[String]] = []

        init(_ events: [IncomingCallEvent]) {
            var order: [String] = []
            for (index, event) in events.enumerated() {
                guard let id = event.message.callID?.prefix(100), !id.isEmpty else { continue }
                let key = event.org.id.uuidString + "|" + id
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(index)
            }
            var seenIDs: [String: Int] = [:]
            for key in order {
                let vapiCallID = String(events[groups[key]![0]].message.callID!.prefix(100))
                let round = seenIDs[vapiCallID, default: 0]
                seenIDs[vapiCallID] = round + 1
                if round == rounds.count { rounds.append([]) }
                rounds[round].append(key)
            }
        }

        func rows(_ round: [String], _ events: [IncomingCallEvent]) -> [CallRow] {
            round.map { key in
                let indices = groups[key]!
                return CallRow(vapiCallID: String(events[indices[0]].message.callID!.prefix(100)), key: key,
                               facts: CallFacts(indices.map { events[$0] }), event: events[indices[0]])
            }
        }
    }

    /// What the events of one call in a batch say about it, merged: the furthest status, the first values seen.
    struct CallFacts {
        var status: String?
        var rank = 0
        var started: Date?
        var endedReason: String?
        var caller: String?
        var dialled: String?
        var callerName: String?
        /// A message that can be a call's first, whose number is looked up (not done for every transcript).
        var firstMessage: VapiServerMessage?
        /// The batch's first end-of-call report of this call.
        var report: ReportFacts?

        init(_ events: [IncomingCallEvent]) {
            for event in events {
                let message = event.message
                if let status = CallEventSQL.status(of: message), self.status == nil || CallEventSQL.rank(status) > rank {
                    self.status = status
                    rank = CallEventSQL.rank(status)
                }
                if started == nil {
                    started = message.type == "status-update" && CallEventSQL.status(of: message) == "in-progress"
                        ? (message.eventDate ?? event.receivedAt)
                        : (message.call?.startedAt ?? message.startedAt).flatMap(VapiDate.parse)
                }
                endedReason = message.endedReason ?? endedReason
                caller = caller ?? message.callerNumber
                dialled = dialled ?? message.dialledNumber
                callerName = callerName ?? message.callerName
                if firstMessage == nil, ["assistant-request", "status-update", "end-of-call-report"].contains(message.type) {
                    firstMessage = message
                }
                if report == nil, message.type == "end-of-call-report" { report = ReportFacts(message, event: event) }
            }
        }
    }

    struct CallRow {
        var vapiCallID: String
        var key: String
        var facts: CallFacts
        var event: IncomingCallEvent
    }

    /// Inserts or updates the calls in one statement; answers AVA's id of each call (by `key`) that belongs to the
    /// organisation that named it. A status never moves backwards; first values seen are kept.
    private static func upsertCalls(_ rows: [CallRow], sql: any SQLDatabase, profiles: [UUID: AnsweringProfile]) async throws -> [String: UUID] {
        let (statement, newIDs) = callUpsert(rows, profiles: profiles)
        var found: [String: UUID] = [:]
        let keys = Dictionary(rows.map { ($0.vapiCallID, $0) }, uniquingKeysWith: { first, _ in first })
        for returned in try await sql.raw(statement + " RETURNING id, vapi_call_id, report_received_at").all() {
            let id = try returned.decode(column: "id", as: UUID.self)
            let vapiCallID = try returned.decode(column: "vapi_call_id", as: String.self)
            guard let row = keys[vapiCallID] else { continue }
            found[row.key] = id
            if id == newIDs[vapiCallID] {
                // A new call: if its end-of-call report never comes, Vapi will be asked later.
                try await Jobs.enqueue(kind: CallJobs.reconcile, payload: CallJobs.CallPayload(callID: id),
                                       runAt: row.event.receivedAt.addingTimeInterval(CallReconcileJob.delay),
                                       requestID: row.event.requestID, sql: sql)
            }
            if let report = row.facts.report,
               report.wasStored(try returned.decode(column: "report_received_at", as: Date?.self)) {
                try await Jobs.enqueue(kind: CallJobs.callEnded, payload: CallJobs.CallPayload(callID: id),
                                       requestID: report.requestID, sql: sql)
            }
        }
        return found
    }

    /// What one call row of a batch writes (its id if new, and the merged facts of its events), for both forms of
    /// the upsert: bound values (`callUpsert`) and the JSON of the prepared statement (`applyInOneStatement`).
    struct CallValues {
        var id: UUID
        var orgID: UUID
        var vapiCallID: String
        var status: String
        var rank: Int
        var caller: String?
        var dialled: String?
        var callerName: String?
        var started: Date?
        var endedReason: String?
        var simulated: Bool
        var number: UUID?
        var receivedAt: Date
        var report: ReportFacts?

        init(_ row: CallRow, profiles: [UUID: AnsweringProfile]) {
            let facts = row.facts
            let event = row.event
            id = UUID()
            orgID = event.org.id
            vapiCallID = row.vapiCallID
            status = facts.status ?? "in-progress"
            rank = facts.rank
            caller = facts.caller.map { String($0.prefix(32)) }
            dialled = facts.dialled.map { String($0.prefix(32)) }
            callerName = facts.callerName.map { String($0.prefix(120)) }
            started = facts.started
            endedReason = facts.endedReason.map { String($0.prefix(200)) }
            simulated = event.simulated
            number = facts.firstMessage.flatMap {
                numberNamed(by: $0) ? profiles[event.org.id]?.number(vapiID: $0.phoneNumberID, e164: $0.dialledNumber)?.id : nil
            }
            receivedAt = event.receivedAt
            report = facts.report
        }
    }

    static let callColumns = """
        id, org_id, vapi_call_id, status, status_rank, from_number, to_number, caller_name, started_at,
        ended_reason, simulated, phone_number_id, created_at, updated_at, last_event_at,
        transcript, summary, recording_url, cost, ended_at, messages, success_evaluation, report_received_at
        """

    /// How a call already stored takes a batch's facts: a status never moves backwards, first values seen are kept, a
    /// report's columns are written when the call has none yet (`calls.` is the row as it was), and another
    /// organisation's call is left alone.
    static let callConflict: String = {
        let reported = "calls.report_received_at IS NULL AND excluded.report_received_at IS NOT NULL"
        let reportColumns = ["transcript", "summary", "recording_url", "cost", "ended_at", "messages", "success_evaluation",
                             "report_received_at"]
            .map { "\($0) = CASE WHEN \(reported) THEN excluded.\($0) ELSE calls.\($0) END" }
        return """
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
                updated_at = excluded.updated_at,
                \(reportColumns.joined(separator: ",\n    "))
            WHERE calls.org_id = excluded.org_id
            """
    }()

    /// The upsert of `rows` (without its RETURNING clause) and the id each call gets if it is new (by Vapi id).
    /// The rows go in Vapi-id order: batches committing at once on PostgreSQL then lock the calls they share in the
    /// same order, and cannot deadlock on them.
    static func callUpsert(_ rows: [CallRow], profiles: [UUID: AnsweringProfile]) -> (SQLQueryString, [String: UUID]) {
        var newIDs: [String: UUID] = [:]
        let values = rows.sorted { $0.vapiCallID < $1.vapiCallID }.map { row -> SQLQueryString in
            let call = CallValues(row, profiles: profiles)
            newIDs[row.vapiCallID] = call.id
            let report = call.report
            return """
                (\(bind: call.id), \(bind: call.orgID), \(bind: call.vapiCallID), \(bind: call.status), \(bind: call.rank),
                 \(bind: call.caller), \(bind: call.dialled), \(bind: call.callerName), \(bind: call.started),
                 \(bind: call.endedReason), \(bind: call.simulated), \(bind: call.number),
                 \(bind: call.receivedAt), \(bind: call.receivedAt), \(bind: call.receivedAt),
                 \(bind: report?.transcript), \(bind: report?.summary), \(bind: report?.recording), \(bind: report?.cost),
                 \(bind: report?.endedAt), \(bind: report?.messagesJSON), \(bind: report?.success), \(bind: report?.receivedAt))
                """
        }
        let statement: SQLQueryString = """
            INSERT INTO calls (\(unsafeRaw: callColumns))
            VALUES \(values.joined(separator: ", "))
            \(unsafeRaw: callConflict)
            """
        return (statement, newIDs)
    }

    /// A message that can be a call's first and names the number called: its number is looked up.
    static func numberNamed(by message: VapiServerMessage) -> Bool {
        ["assistant-request", "status-update", "end-of-call-report"].contains(message.type)
            && (message.phoneNumberID != nil || message.dialledNumber != nil)
    }

    /// The answering profiles (numbers) of the organisations whose events name a number. `CallEventWriter.store`
    /// reads them before an event joins a batch: never inside the transaction (reading a profile may create the
    /// default assistant, a write that would wait for the transaction's own lock on SQLite), nor by the writer.
    static func profiles(of events: [IncomingCallEvent]) -> [UUID: AnsweringProfile] {
        var profiles: [UUID: AnsweringProfile] = [:]
        for event in events { if let profile = event.profile { profiles[event.org.id] = profile } }
        return profiles
    }

    /// The same for events made without `store` (tests): read now.
    static func profiles(for events: [IncomingCallEvent], on db: any Database) async throws -> [UUID: AnsweringProfile] {
        var profiles = profiles(of: events)
        for event in events where profiles[event.org.id] == nil && numberNamed(by: event.message) {
            profiles[event.org.id] = try await AnsweringProfile.load(orgID: event.org.id, on: db)
        }
        return profiles
    }

    /// What an end-of-call report writes on its call (capped), in the calls upsert: it completes the call. Only the
    /// first report of a call counts, and queues the post-call work: the upsert writes these columns only while
    /// `report_received_at` is empty, and the call's answered `report_received_at` then equals this report's.
    struct ReportFacts {
        var transcript: String?
        var summary: String?
        var recording: String?
        var cost: Double?
        var endedAt: Date
        var messagesJSON: String?
        var success: String?
        var receivedAt: Date
        /// The request that brought the report, for the post-call job's logs.
        var requestID: String?

        init(_ message: VapiServerMessage, event: IncomingCallEvent) {
            transcript = message.artifact?.transcript.map { $0.count > maxTranscript ? String($0.prefix(maxTranscript)) : $0 }
            if let messages = message.artifact?.messages,
               let data = try? JSONEncoder().encode(messages), data.count <= maxMessages {
                messagesJSON = String(decoding: data, as: UTF8.self)
            }
            success = message.analysis?.successEvaluation.flatMap { $0.stringValue }.map { String($0.prefix(200)) }
            recording = (message.artifact?.recordingUrl ?? message.artifact?.recording?.mono?.combinedUrl).map { String($0.prefix(1000)) }
            summary = (message.analysis?.summary ?? message.summary).map { String($0.prefix(4000)) }
            cost = message.cost
            endedAt = message.endedAt.flatMap(VapiDate.parse) ?? message.eventDate ?? event.receivedAt
            receivedAt = event.receivedAt
            requestID = event.requestID
        }

        /// The call's `report_received_at` as the upsert answered it: this report was the one stored.
        func wasStored(_ stored: Date?) -> Bool {
            guard let stored else { return false }
            return abs(stored.timeIntervalSince(receivedAt)) < 0.000_5  // PostgreSQL keeps microseconds
        }
    }

    /// A final line's identity: the same line delivered twice (another body, the same words at the same time) is
    /// stored once. SHA-256 of the call id (upper case) and `lineKeyTail`; also computed in SQL (`applyInOneStatement`).
    static func lineKey(callID: UUID, role: String, spokenAt: Date, text: String) -> String {
        let material = callID.uuidString + lineKeyTail(role: role, spokenAt: spokenAt, text: text)
        return SHA256.hash(data: Data(material.utf8)).lowerHex
    }

    static func lineKeyTail(role: String, spokenAt: Date, text: String) -> String {
        "|\(role)|\(Int64(spokenAt.timeIntervalSince1970 * 1000))|\(text)"
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
