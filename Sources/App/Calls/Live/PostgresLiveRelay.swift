import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Vapor

/// Relays live-call events between AVA processes sharing one PostgreSQL database.
///
/// - Sending: the webhook's events are notified by the very statement that stores them (`CallBatchStatement`,
///   with `notification(for:)`): they reach the other processes when, and only when, they are committed, and cost
///   no statement of their own. Other events go by `send`: `NOTIFY` through the ordinary connection pool, from one
///   background task that sends queued events in publish order, in batches
///   (`SELECT pg_notify(channel, p) FROM unnest($2)`), so a burst costs a few round trips, not one each. A failed
///   NOTIFY is logged and dropped (the call record is already committed; only the live view misses a line).
/// - Receiving: one dedicated connection per process that `LISTEN`s, opened when the first watcher arrives,
///   reopened with backoff (0.25 s doubling to 30 s) whenever it drops, closed when the application stops.
///   Events this process published are skipped: it delivered them to its own watchers already.
///
/// The channel is `ava_live`, or `ava_live_<schema>` when AVA runs in a schema (tests): notifications are
/// database-wide, schemas are separate AVAs.
final class PostgresLiveRelay: LiveCallRelay {
    let channel: String
    private let connectionConfiguration: PostgresConnection.Configuration
    private let databases: Databases
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    private struct Receiving {
        var processID = UUID()
        var deliver: (@Sendable (LiveCallEvent) -> Void)?
        var task: Task<Void, Never>?
        var listening = false
        var waiters: [UUID: CheckedContinuation<Bool, Never>] = [:]
        var stopped = false
        /// Connections opened so far (1 = never dropped). For tests and logs.
        var connections = 0
    }

    private struct Sending {
        var queue: [String] = []
        var sequence: UInt64 = 0
        var task: Task<Void, Never>?
        var dropped = 0
    }

    private let receiving = NIOLockedValueBox(Receiving())
    private let sending = NIOLockedValueBox(Sending())
    private let wake: AsyncStream<Void>.Continuation
    private let wakeStream: AsyncStream<Void>

    /// Queued payloads beyond this are dropped (oldest first): the database is gone or far behind.
    static let maxQueued = 10_000
    static let batchSize = 100

    init(url: String, schema: String?, app: Application) throws {
        self.channel = Self.channel(schema: schema)
        self.connectionConfiguration = try SQLPostgresConfiguration(url: url).coreConfiguration
        self.databases = app.databases
        self.eventLoopGroup = app.eventLoopGroup
        var logger = app.logger
        logger[metadataKey: "component"] = "live-relay"
        self.logger = logger
        (wakeStream, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    static func channel(schema: String?) -> String {
        guard let schema else { return "ava_live" }
        let safe = schema.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return String(("ava_live_" + safe).prefix(63))
    }

    func attach(processID: UUID, deliver: @escaping @Sendable (LiveCallEvent) -> Void) {
        receiving.withLockedValue { $0.processID = processID; $0.deliver = deliver }
    }

    // MARK: Sending

    func send(_ event: LiveCallEvent) {
        guard let payload = notification(for: event)?.payload else { return }
        let dropped = sending.withLockedValue { state -> Int in
            state.queue.append(payload)
            if state.task == nil {
                state.task = Task { [self] in await self.sendLoop() }
            }
            guard state.queue.count > Self.maxQueued else { return 0 }
            state.queue.removeFirst(state.queue.count - Self.maxQueued)
            state.dropped += 1
            return state.dropped
        }
        if dropped % 1000 == 1 {
            logger.warning("live relay queue full: oldest events dropped", metadata: ["dropped": "\(dropped)"])
        }
        wake.yield()
    }

    func notification(for event: LiveCallEvent) -> LiveRelayNotification? {
        let (processID, stopped) = receiving.withLockedValue { ($0.processID, $0.stopped) }
        guard !stopped else { return nil }
        let sequence = sending.withLockedValue { $0.sequence += 1; return $0.sequence }
        guard let payload = LiveCallWire(p: processID, s: sequence, e: event).payload() else {
            logger.warning("live event too large to relay", metadata: ["call": "\(event.callID)"])
            return nil
        }
        return LiveRelayNotification(channel: channel, payload: payload)
    }

    private func sendLoop() async {
        for await _ in wakeStream {
            while true {
                let batch = sending.withLockedValue { state -> [String] in
                    let count = min(state.queue.count, Self.batchSize)
                    defer { state.queue.removeFirst(count) }
                    return Array(state.queue.prefix(count))
                }
                if batch.isEmpty { break }
                do {
                    try await notify(batch)
                } catch {
                    logger.warning("live events not relayed", metadata: [
                        "count": "\(batch.count)", "error": "\(String(reflecting: type(of: error)))",
                    ])
                }
            }
        }
    }

    private func notify(_ payloads: [String]) async throws {
        let database = databases.database(.psql, logger: logger, on: eventLoopGroup.any())
        guard let sql = database as? any SQLDatabase else { return }
        // One statement, one transaction: the notifications arrive together and in this order. A NOTIFY gives its
        // transaction an id, so its commit would wait for a WAL flush (an fsync) like a write's: this one does not
        // (`synchronous_commit` off for this transaction only). Nothing durable depends on it; a crash can at worst
        // lose a live line that the call's record keeps.
        try await sql.raw("""
            SELECT pg_notify(\(bind: channel), t.p)
            FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick,
                 unnest(\(bind: payloads)::text[]) WITH ORDINALITY AS t(p, n)
            ORDER BY t.n
            """).run()
    }

    // MARK: Receiving

    func start() {
        receiving.withLockedValue { state in
            guard state.task == nil, !state.stopped else { return }
            state.task = Task { [self] in await self.listenLoop() }
        }
    }

    private func listenLoop() async {
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: eventLoopGroup.any(), configuration: connectionConfiguration, id: 1, logger: logger)
                let number = receiving.withLockedValue { $0.connections += 1; return $0.connections }
                let watchdog = startWatchdog(connection)
                defer { watchdog.cancel() }
                do {
                    try await connection.listen(on: channel) { notifications in
                        backoff = .milliseconds(250)
                        setListening(true)
                        if number > 1 { logger.info("live relay listening again", metadata: ["channel": "\(channel)"]) }
                        for try await notification in notifications {
                            receive(notification.payload)
                        }
                    }
                } catch where !Task.isCancelled {
                    logger.warning("live relay connection lost", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                } catch {}
                setListening(false)
                try? await connection.close()
            } catch where !Task.isCancelled {
                logger.warning("live relay cannot connect", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            } catch {}
            if Task.isCancelled { break }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
        setListening(false)
    }

    /// A connection can die silently (a cut without a reset, a frozen server): a LISTEN session would then
    /// wait forever. Every `interval` the watchdog asks `SELECT 1`; no answer within `timeout` closes the
    /// connection, which ends the LISTEN and makes the loop reconnect.
    private func startWatchdog(_ connection: PostgresConnection) -> Task<Void, Never> {
        let (interval, timeout) = watchdogTiming.withLockedValue { $0 }
        let logger = self.logger
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                let alive = await withTaskGroup(of: Bool.self) { group in
                    group.addTask { (try? await connection.query("SELECT 1", logger: logger).collect()) != nil }
                    group.addTask {
                        try? await Task.sleep(for: timeout)
                        if Task.isCancelled { return true }
                        try? await connection.close()  // also fails the pending query, so the group can end
                        return false
                    }
                    let first = await group.next() ?? false
                    group.cancelAll()
                    return first
                }
                if !alive {
                    logger.warning("live relay connection unresponsive: reconnecting")
                    try? await connection.close()
                    return
                }
            }
        }
    }

    /// How often the LISTEN connection is checked, and how long an answer may take.
    let watchdogTiming = NIOLockedValueBox<(interval: Duration, timeout: Duration)>((.seconds(30), .seconds(10)))

    private func receive(_ payload: String) {
        guard let wire = LiveCallWire.decode(payload) else {
            logger.debug("unreadable live notification")
            return
        }
        let (processID, deliver) = receiving.withLockedValue { ($0.processID, $0.deliver) }
        guard wire.p != processID else { return }
        deliver?(wire.e)
    }

    private func setListening(_ listening: Bool) {
        let waiters = receiving.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            state.listening = listening
            guard listening else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    var isListening: Bool { receiving.withLockedValue { $0.listening } }
    var queuedForTesting: Int { sending.withLockedValue { $0.queue.count } }
    var connectionsOpened: Int { receiving.withLockedValue { $0.connections } }

    func waitUntilListening(timeout: Duration) async -> Bool {
        start()
        let id = UUID()
        return await withCheckedContinuation { continuation in
            let ready = receiving.withLockedValue { state -> Bool in
                if state.listening || state.stopped { return true }
                state.waiters[id] = continuation
                return false
            }
            if ready {
                continuation.resume(returning: isListening)
                return
            }
            Task { [self] in
                try? await Task.sleep(for: timeout)
                let waiter = receiving.withLockedValue { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: false)
            }
        }
    }

    func stop() async {
        let (listener, waiters) = receiving.withLockedValue { state -> (Task<Void, Never>?, [CheckedContinuation<Bool, Never>]) in
            state.stopped = true
            defer { state.task = nil; state.waiters.removeAll() }
            return (state.task, Array(state.waiters.values))
        }
        for waiter in waiters { waiter.resume(returning: false) }
        listener?.cancel()
        await listener?.value
        // Send what is queued, then end the sender.
        wake.finish()
        let sender = sending.withLockedValue { $0.task }
        await sender?.value
    }
}
