import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import Vapor

/// One server message to store.
struct IncomingCallEvent: Sendable {
    var org: WebhookOrg
    var message: VapiServerMessage
    /// The raw body as received (capped when stored).
    var body: String
    var receivedAt: Date
    var simulated: Bool
    /// The request that brought it, for the jobs it queues (their logs then carry the same `request_id`).
    var requestID: String? = RequestID.current
    /// The organisation's numbers, when the message may be a call's first and names the number called: read by
    /// `store` before the event joins a batch, never by the writer (see `CallEventSQL.profiles`).
    var profile: AnsweringProfile?

    /// SHA-256 of the organisation and the raw body: the same delivery twice is one event.
    var eventKey: String {
        SHA256.hash(data: Data((org.id.uuidString + "|" + body).utf8)).lowerHex
    }
}

/// What storing an event did.
struct StoredCallEvent: Sendable {
    /// AVA's id of the call, when the message named one (and it belongs to this organisation).
    var callID: UUID?
    /// The same delivery was stored before: nothing was changed again.
    var duplicate: Bool
}

/// Stores webhook events durably before they are acknowledged, with group commit: events that arrive while a
/// transaction is committing are written together in the next one, so each request still waits for its own
/// event to be on disk but the database commits once per batch instead of once per event. On PostgreSQL, up to
/// `maxInFlight` batches may commit at once on different connections (`AVA_WEBHOOK_BATCHES`, 1 by default: see
/// `AppConfig.webhookBatches`). Every write is idempotent and order-independent (a status never moves backwards;
/// a line or a report stored twice is stored once), so replays and out-of-order deliveries converge to the same call.
final class CallEventWriter: Sendable {
    /// One waiting request: answered once, by its batch's commit or by the deadline, whichever comes first.
    private final class Waiter: Sendable {
        private let continuation: NIOLockedValueBox<CheckedContinuation<StoredCallEvent, any Error>?>
        init(_ continuation: CheckedContinuation<StoredCallEvent, any Error>) { self.continuation = NIOLockedValueBox(continuation) }
        func resume(with result: Result<StoredCallEvent, any Error>) {
            continuation.withLockedValue { taken in defer { taken = nil }; return taken }?.resume(with: result)
        }
    }

    private struct Pending: Sendable {
        var event: IncomingCallEvent
        var waiter: Waiter
    }

    private struct State: Sendable {
        var pending: [Pending] = []
        /// Batches being committed now.
        var inFlight = 0
    }

    private let state = NIOLockedValueBox(State())
    /// At most this many events per transaction, so one slow batch cannot grow without bound.
    private let maxBatch = 256
    /// Called after each committed batch with the new (not duplicate) events, for live watchers and jobs, and
    /// whether the batch's own statement already relayed them to the other processes (`relayNote`).
    let onCommitted: @Sendable ([(IncomingCallEvent, StoredCallEvent)], _ relayed: Bool) -> Void
    /// On PostgreSQL, the live notification of an event, sent by the statement that stores the batch.
    let relayNote: CallBatchStatement.RelayNote?

    /// On an SQLite file: the webhook's own connection and thread (see `SQLiteWriter`). Otherwise batches are
    /// committed through Fluent's pool.
    let direct: SQLiteWriter?
    /// Batches committed at once: 1 on SQLite (one writer at a time anyway), a few on PostgreSQL.
    let maxInFlight: Int
    /// How long one batch may take to commit. A transaction that never returns (a connection lost mid-query
    /// during a database restart) would otherwise hold every later event behind it for good: past the deadline
    /// its events are answered 503 and another flush takes its place. The late transaction may still commit;
    /// that is harmless, because every write is idempotent and Vapi delivers the unacknowledged events again.
    let commitDeadline: TimeAmount
    /// Where the deadlines are timed (a timer, not a task per batch: the webhook's path stays short).
    private let eventLoop: any EventLoop

    init(direct: SQLiteWriter? = nil, maxInFlight: Int = 1, commitDeadline: TimeAmount = .seconds(10), eventLoop: any EventLoop,
         relayNote: CallBatchStatement.RelayNote? = nil,
         onCommitted: @escaping @Sendable ([(IncomingCallEvent, StoredCallEvent)], _ relayed: Bool) -> Void) {
        self.direct = direct
        self.relayNote = relayNote
        self.maxInFlight = direct == nil ? max(1, maxInFlight) : 1
        self.commitDeadline = commitDeadline
        self.eventLoop = eventLoop
        self.onCommitted = onCommitted
    }

    /// Returns once the event is committed.
    func store(_ event: IncomingCallEvent, db: @escaping @Sendable () -> any Database) async throws -> StoredCallEvent {
        var event = event
        if event.profile == nil, CallEventSQL.numberNamed(by: event.message) {
            // Read here, by the request, not by the writer: a read that waits (a cold cache, the database busy)
            // then delays this event only, not every event of the batch and the batches behind it.
            event.profile = try await AnsweringProfile.load(orgID: event.org.id, on: db())
        }
        return try await withCheckedThrowingContinuation { continuation in
            let startFlushing = state.withLockedValue { state -> Bool in
                state.pending.append(Pending(event: event, waiter: Waiter(continuation)))
                if state.inFlight >= maxInFlight { return false }
                state.inFlight += 1
                return true
            }
            if startFlushing { Task { await self.flush(db: db) } }
        }
    }

    private func flush(db: @escaping @Sendable () -> any Database) async {
        while true {
            let batch = state.withLockedValue { state -> [Pending] in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.inFlight -= 1 }
                return batch
            }
            if batch.isEmpty { return }
            let overdue = NIOLockedValueBox(false)
            let timer = eventLoop.scheduleTask(in: commitDeadline) { [self] in
                overdue.withLockedValue { $0 = true }
                for item in batch { item.waiter.resume(with: .failure(WriteDeadlineExceeded())) }
                // This flush is stuck in its write: another takes its place for the events behind.
                Task { await self.flush(db: db) }
            }
            await commit(batch, db: db, overdue: overdue)
            timer.cancel()
            if overdue.withLockedValue({ $0 }) { return }
        }
    }

    private func commit(_ batch: [Pending], db: @escaping @Sendable () -> any Database, overdue: NIOLockedValueBox<Bool>) async {
        do {
            let (results, relayed) = try await write(batch.map(\.event), on: db(), relaying: true)
            for (item, result) in zip(batch, results) { item.waiter.resume(with: .success(result)) }
            report(batch, results, relayed: relayed)
        } catch {
            // One bad event must not fail the others: write them one by one. But when the database itself is
            // out of reach, every event would wait for the same failure in turn: they all fail now (503) and
            // Vapi delivers them again. One by one, the events are relayed apart from their statement: should the
            // NOTIFY be what failed (its queue full), it cannot fail them again.
            var outage = DatabaseOutage.isOutage(error) ? error : nil
            for item in batch {
                if overdue.withLockedValue({ $0 }) { return }
                if let outage { item.waiter.resume(with: .failure(outage)); continue }
                do {
                    let result = try await write([item.event], on: db(), relaying: false).results[0]
                    item.waiter.resume(with: .success(result))
                    report([item], [result], relayed: false)
                } catch {
                    if DatabaseOutage.isOutage(error) { outage = error }
                    item.waiter.resume(with: .failure(error))
                }
            }
        }
    }

    private func report(_ batch: [Pending], _ results: [StoredCallEvent], relayed: Bool) {
        let fresh = zip(batch, results).filter { !$0.1.duplicate }.map { ($0.0.event, $0.1) }
        if !fresh.isEmpty { onCommitted(fresh, relayed) }
    }

    /// `relayed`: the statement also sent the events' live notifications.
    private func write(_ events: [IncomingCallEvent], on database: any Database,
                       relaying: Bool) async throws -> (results: [StoredCallEvent], relayed: Bool) {
        let profiles = CallEventSQL.profiles(of: events)
        if let direct {
            return (try await direct.transaction { sql in try await CallEventSQL.apply(events, sql: sql, profiles: profiles) }, false)
        }
        let note = relaying ? relayNote : nil
        if let results = try await CallEventSQL.applyInOneStatement(events, database: database, profiles: profiles, relayNote: note) {
            return (results, note != nil)
        }
        return (try await database.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
            return try await CallEventSQL.apply(events, sql: sql, profiles: profiles)
        }, false)
    }
}

extension Application {
    private struct CallEventWriterKey: StorageKey { typealias Value = CallEventWriter }
    private struct WebhookOrgDirectoryKey: StorageKey { typealias Value = WebhookOrgDirectory }

    var callEventWriter: CallEventWriter {
        get { storage[CallEventWriterKey.self]! }
        set { storage[CallEventWriterKey.self] = newValue }
    }

    var webhookOrgs: WebhookOrgDirectory {
        get { storage[WebhookOrgDirectoryKey.self]! }
        set { storage[WebhookOrgDirectoryKey.self] = newValue }
    }

    /// Made once in `configure`, before any request.
    func setUpCallPipeline() throws {
        webhookOrgs = WebhookOrgDirectory()
        let hub = liveCalls
        var direct: SQLiteWriter?
        if case .sqlite(let path) = appConfig.database, !path.isEmpty, !path.contains(":memory:") {
            let writer = try SQLiteWriter(path: path, logger: logger, eventLoop: eventLoopGroup.any())
            lifecycle.use(SQLiteWriterLifecycle(writer: writer))
            direct = writer
        }
        // With PostgreSQL, the other processes' watchers are notified by the statement that stores the batch.
        var relayNote: CallBatchStatement.RelayNote?
        if hub.relays {
            relayNote = { @Sendable event in
                CallLiveEvents.make(event, callID: CallEventSQL.payloadPlaceholder).flatMap { hub.relayNotification(for: $0) }
            }
        }
        callEventWriter = CallEventWriter(direct: direct, maxInFlight: appConfig.webhookBatches, eventLoop: eventLoopGroup.any(),
                                          relayNote: relayNote) { committed, relayed in
            for (event, stored) in committed {
                guard let callID = stored.callID, let live = CallLiveEvents.make(event, callID: callID) else { continue }
                hub.publish(live, relayed: relayed)
            }
        }
    }
}

/// Stops the writer's threads when the application shuts down.
private struct SQLiteWriterLifecycle: LifecycleHandler {
    let writer: SQLiteWriter
    func shutdown(_ application: Application) { writer.shutdown() }
}
