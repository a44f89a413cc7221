import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Fans call events out to the owners watching. In-process always; with PostgreSQL the hub also relays
/// events between AVA processes (LISTEN/NOTIFY, see `PostgresLiveRelay`), so a browser on one process sees
/// calls whose webhooks reach another.
///
/// Delivery is best effort and live only: the call record in the database is the truth, a watcher that
/// connects late (or whose process lost its LISTEN connection for a moment) reads the rest from there
/// (the single-call stream does it for its watcher: `LiveReplay`).
final class LiveCallHub: Sendable {
    private struct Subscriber: Sendable {
        var orgID: UUID
        var callID: UUID?
        var continuation: AsyncStream<LiveCallEvent>.Continuation
    }

    /// Identifies this process on the relay channel.
    let processID = UUID()
    private let subscribers = NIOLockedValueBox<[UUID: Subscriber]>([:])
    /// Set by `shutdown`: later subscriptions end at once instead of waiting forever.
    private let closed = NIOLockedValueBox(false)
    private let relay: (any LiveCallRelay)?
    private let settings: NIOLockedValueBox<Settings>

    struct Settings: Sendable {
        /// A comment line this often keeps proxies from closing a quiet stream and reveals a client that left.
        var heartbeat: Duration = .seconds(15)
        /// Streams end after this long; the browser reconnects at once, which re-checks its session.
        var maxStreamDuration: Duration = .seconds(30 * 60)
        /// How long a new stream waits for the relay's LISTEN before saying `ready` anyway.
        var relayWait: Duration = .seconds(3)
    }

    init(relay: (any LiveCallRelay)? = nil) {
        self.relay = relay
        self.settings = .init(Settings())
        relay?.attach(processID: processID) { [weak self] event in self?.deliverLocally(event) }
    }

    var streamSettings: Settings {
        get { settings.withLockedValue { $0 } }
        set { settings.withLockedValue { $0 = newValue } }
    }

    /// True when events also travel to other processes (PostgreSQL).
    var relays: Bool { relay != nil }

    /// Delivers `event` to this process's watchers of its organisation (and call) and, with PostgreSQL,
    /// to the other processes'. Call it after the event is committed. Never blocks.
    /// `relayed`: the other processes have it already (the webhook's batch statement notified them, see
    /// `relayNotification`), so only this process's watchers get it here.
    func publish(_ event: LiveCallEvent, relayed: Bool = false) {
        deliverLocally(event)
        if !relayed { relay?.send(event) }
    }

    /// The notification that carries `event` to the other processes, for a writer to send inside its own
    /// transaction (nil without relay): then they get it exactly when the event is committed, at no extra cost.
    func relayNotification(for event: LiveCallEvent) -> LiveRelayNotification? {
        relay?.notification(for: event)
    }

    func deliverLocally(_ event: LiveCallEvent) {
        let targets = subscribers.withLockedValue { all in
            all.values.filter { $0.orgID == event.orgID && ($0.callID == nil || $0.callID == event.callID) }
        }
        for target in targets { target.continuation.yield(event) }
    }

    /// Events of one organisation (all its calls, or one call) from now on, until the stream is dropped,
    /// its task cancelled, or the application shuts down (the stream then finishes). A watcher that falls more
    /// than `buffer` events behind loses the oldest (a stalled browser must not hold memory).
    func subscribe(orgID: UUID, callID: UUID? = nil, buffer: Int = 1024) -> AsyncStream<LiveCallEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<LiveCallEvent>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let open = closed.withLockedValue { isClosed in
            if !isClosed { subscribers.withLockedValue { $0[id] = Subscriber(orgID: orgID, callID: callID, continuation: continuation) } }
            return !isClosed
        }
        guard open else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLockedValue { $0.removeValue(forKey: id) }
        }
        // The relay listens once someone watches here: a process nobody watches holds no extra connection.
        relay?.start()
        return stream
    }

    /// Waits (at most `timeout`) until events from other processes arrive here; true at once without relay.
    func waitUntilRelaying(timeout: Duration) async -> Bool {
        guard let relay else { return true }
        return await relay.waitUntilListening(timeout: timeout)
    }

    var watcherCount: Int { subscribers.withLockedValue { $0.count } }

    var relayForTesting: PostgresLiveRelay? { relay as? PostgresLiveRelay }

    /// Ends every stream (their HTTP responses finish) and stops the relay.
    func shutdown() async {
        closed.withLockedValue { $0 = true }
        let all = subscribers.withLockedValue { all -> [Subscriber] in
            defer { all.removeAll() }
            return Array(all.values)
        }
        for subscriber in all { subscriber.continuation.finish() }
        await relay?.stop()
    }
}

/// Carries events between processes. `PostgresLiveRelay` is the one implementation.
protocol LiveCallRelay: Sendable {
    /// Where events from other processes go (set once, by the hub).
    func attach(processID: UUID, deliver: @escaping @Sendable (LiveCallEvent) -> Void)
    /// Queues `event` for the other processes, in publish order.
    func send(_ event: LiveCallEvent)
    /// What `send` would send, for sending in another statement instead (nil when stopped or too large).
    func notification(for event: LiveCallEvent) -> LiveRelayNotification?
    /// Starts listening, if not already.
    func start()
    func waitUntilListening(timeout: Duration) async -> Bool
    func stop() async
}

/// A PostgreSQL notification: `pg_notify(channel, payload)`.
struct LiveRelayNotification: Sendable, Equatable {
    var channel: String
    var payload: String
}

/// Shuts the hub down with the application, before the HTTP server stops: open streams end first, so the
/// server does not wait for them.
struct LiveCallLifecycle: LifecycleHandler {
    let hub: LiveCallHub
    func shutdownAsync(_ application: Application) async { await hub.shutdown() }
}

extension Application {
    private struct LiveCallHubKey: StorageKey { typealias Value = LiveCallHub }

    /// The application's live-call hub, made by `configureLiveCalls` during `configure`.
    var liveCalls: LiveCallHub {
        get {
            guard let hub = storage[LiveCallHubKey.self] else { fatalError("configure() makes the live-call hub first") }
            return hub
        }
        set { storage[LiveCallHubKey.self] = newValue }
    }
}

/// Makes the hub (relaying through PostgreSQL when that is the database) and ties it to the app's lifecycle.
/// Called once from `configure`, before any request can arrive.
func configureLiveCalls(_ app: Application, _ setting: AppConfig.DatabaseSetting) throws {
    var relay: PostgresLiveRelay?
    if case .postgres(let url, let schema) = setting {
        relay = try PostgresLiveRelay(url: url, schema: schema, app: app)
    }
    let hub = LiveCallHub(relay: relay)
    app.liveCalls = hub
    app.lifecycle.use(LiveCallLifecycle(hub: hub))
}
