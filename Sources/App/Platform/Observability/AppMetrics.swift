import Fluent
import Foundation
import NIOConcurrencyHelpers
import Prometheus
import SQLKit
import Vapor

/// AVA's Prometheus metrics. One registry per application, kept in `app.storage` rather than in the
/// process-wide `MetricsSystem`: tests build many applications in one process, and each must count only its
/// own requests. Every label takes values from a closed set (route patterns, known message types, tool and
/// job names), so the number of series stays bounded whatever callers send.
final class AppMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ava", metricName: metric, unitName: unit, helpText: help)
    }

    private struct RequestSeries: Hashable { var method: String; var route: String; var status: UInt }
    /// The counter and histogram of each (method, route, status) seen, so a request costs one dictionary lookup
    /// instead of the registry's name and label validation.
    private let requestSeries = NIOLockedValueBox<[RequestSeries: (Counter, DurationHistogram)]>([:])

    /// One request answered: `route` is the matched route's pattern (`/api/v1/calls/:callID`) or `unmatched`.
    func recordRequest(method: String, route: String, status: UInt, duration: Duration) {
        let key = RequestSeries(method: method, route: route, status: status)
        let series = requestSeries.withLockedValue { cache in
            if let series = cache[key] { return series }
            let labels = [("method", method), ("route", route), ("status", String(status))]
            let series = (
                registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered, by route pattern and status"),
                                     labels: labels),
                registry.makeDurationHistogram(
                    descriptor: Self.name("http_request_duration", "seconds", "Time to answer HTTP requests, by route pattern and status"),
                    labels: labels, buckets: Self.durationBuckets))
            cache[key] = series
            return series
        }
        series.0.increment()
        series.1.record(duration)
    }

    static let webhookTypes: Set<String> = [
        "assistant-request", "conversation-update", "end-of-call-report", "hang", "knowledge-base-request",
        "model-output", "phone-call-control", "speech-update", "status-update", "tool-calls", "transcript",
        "transfer-destination-request", "transfer-update", "user-interrupted", "voice-input",
    ]

    /// One authenticated server message from Vapi (or the simulator), by type.
    func webhookEvent(_ type: String) {
        (webhookCounters[type] ?? webhookCounters[type.hasPrefix("transcript") ? "transcript" : "other"])?.increment()
    }

    private let webhookCounters: [String: Counter]
    private let toolHistograms: [String: DurationHistogram]

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        let events = Self.name("webhook_events", "total", "Vapi server messages received, by type")
        webhookCounters = Dictionary(uniqueKeysWithValues: (Self.webhookTypes.sorted() + ["other"]).map { type in
            (type, registry.makeCounter(descriptor: events, labels: [("type", type)]))
        })
        let tools = Self.name("tool_call_duration", "seconds", "Time to run a receptionist tool during a call")
        toolHistograms = Dictionary(uniqueKeysWithValues: (Self.toolNames.sorted() + ["other"]).map { tool in
            (tool, registry.makeDurationHistogram(descriptor: tools, labels: [("tool", tool)], buckets: Self.durationBuckets))
        })
    }

    static let toolNames: Set<String> = [
        "checkAvailability", "bookAppointment", "findAppointments", "rescheduleAppointment", "cancelAppointment",
        "takeMessage", "transferTarget",
    ]

    /// One receptionist tool run during a call (`tool-calls`), timed from `start`.
    func toolCall(_ name: String, since start: ContinuousClock.Instant) {
        (toolHistograms[name] ?? toolHistograms["other"])?.record(ContinuousClock.now - start)
    }

    /// A job's try failed; `final` when it will not be tried again.
    func jobFailed(kind: String, final: Bool) {
        registry.makeCounter(descriptor: Self.name("job_failures", "total", "Failed tries of background jobs, by kind"),
                             labels: [("kind", String(kind.prefix(60))), ("final", final ? "true" : "false")]).increment()
    }

    /// Figures read when Prometheus scrapes rather than kept up to date: queue depth and live watchers.
    func refreshGauges(app: Application) async {
        let watchers = registry.makeGauge(descriptor: Self.name("live_watchers", "", "Open live-call streams (Server-Sent Events) in this process"))
        watchers.set(Double(app.liveCalls.watcherCount))
        let depth = (try? await JobQueueDepth.count(on: app.db)) ?? [:]
        for status in [JobRecord.Status.queued, .running, .failed] {
            registry.makeGauge(descriptor: Self.name("jobs", "", "Background jobs in the queue, by status"),
                               labels: [("status", status.rawValue)]).set(Double(depth[status.rawValue] ?? 0))
        }
    }
}

/// Counts the unfinished jobs by status (the `status, run_at` index serves it; done jobs are not counted).
enum JobQueueDepth {
    struct Row: Decodable { var status: String; var n: Int }

    static func count(on db: any Database) async throws -> [String: Int] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let rows = try await sql.raw("""
            SELECT status, COUNT(*) AS n FROM \(ident: JobRecord.schema) \
            WHERE status IN ('queued', 'running', 'failed') GROUP BY status
            """).all(decoding: Row.self)
        return Dictionary(rows.map { ($0.status, $0.n) }, uniquingKeysWith: +)
    }
}

extension Application {
    private struct AppMetricsKey: StorageKey { typealias Value = AppMetrics }

    /// This application's metrics (made by `useObservabilityMiddleware` during `configure`, before any request).
    var appMetrics: AppMetrics {
        if let metrics = storage[AppMetricsKey.self] { return metrics }
        let metrics = AppMetrics()
        storage[AppMetricsKey.self] = metrics
        return metrics
    }
}
