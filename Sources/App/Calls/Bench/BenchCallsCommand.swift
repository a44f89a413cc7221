import AVACore
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// `ava bench-calls`: the live-call pipeline under load, over real HTTP on loopback, against the configured
/// database (SQLite by default, PostgreSQL with DATABASE_URL). Seeds a throwaway organisation, then measures:
///   1. webhook ingest: 80% transcripts, 15% status and speech updates, 5% end-of-call reports, every event
///      acknowledged only once committed, then checks that every acknowledged event is in the database;
///   2. `tool-calls` checkAvailability with 200 calls asking at once;
///   3. `assistant-request`.
/// Prints events per second and p50/p99 latencies. Build with `-c release` (scripts/bench-calls.sh does).
struct BenchCallsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "events", help: "Webhook events to send (default 30000).")
        var events: Int?
        @Option(name: "concurrency", help: "Requests in flight during ingest (default 32).")
        var concurrency: Int?
        @Option(name: "tool-calls", help: "tool-calls requests (default 3000) from 200 calls in progress.")
        var toolCalls: Int?
        @Option(name: "assistant-requests", help: "assistant-request requests (default 1000), from 50 lines.")
        var assistantRequests: Int?
        @Option(name: "port", help: "Listen on this port (default: any free one).")
        var port: Int?
        @Option(name: "hold", help: "Only seed, print the webhook address, serve for this many seconds while an external load generator (scripts/bench-calls.sh uses wrk) sends events, then print how many were stored.")
        var hold: Int?
        init() {}
    }

    var help: String { "Measures webhook ingest, tool-calls and assistant-request over loopback and prints the figures." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let events = max(20, signature.events ?? 30_000)
        try await app.server.start(address: .hostname("127.0.0.1", port: signature.port ?? 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let seeded = try await Self.seed(app)
        let base = "http://127.0.0.1:\(port)/api/v1/webhooks/vapi/\(seeded.token)"
        let database = app.appConfig.database.isPostgres ? "PostgreSQL" : "SQLite"
        if let hold = signature.hold {
            // External load: the generator reads this line for the address and the number to call.
            context.console.print("webhook \(base) number \(seeded.number)")
            try await Task.sleep(for: .seconds(max(1, hold)))
            let stored = try await CallEvent.query(on: app.db).filter(\.$org.$id == seeded.orgID).count()
            context.console.print("stored \(stored)")
            try await Org.query(on: app.db).filter(\.$id == seeded.orgID).delete()
            await app.server.shutdown()
            return
        }
        context.console.print("bench-calls on \(database), loopback port \(port)")

        // 1. Ingest.
        let bodies = Self.ingestBodies(count: events, number: seeded.number)
        let ingest = try await Self.load(app, url: base, bodies: bodies, concurrency: signature.concurrency ?? 32)
        let stored = try await CallEvent.query(on: app.db).filter(\.$org.$id == seeded.orgID).count()
        context.console.print(String(format: "  ingest: %d events in %.2f s = %.0f events/s, p50 %@ p99 %@, non-2xx %d, stored %d (lost %d)",
                                     events, ingest.seconds, Double(events) / ingest.seconds, Self.ms(ingest.p50), Self.ms(ingest.p99),
                                     ingest.failures, stored, events - ingest.failures - stored))

        // 2. tool-calls checkAvailability, 200 calls at once.
        let tools = (0..<(signature.toolCalls ?? 3_000)).map { index -> ByteBuffer in
            let factory = VapiMessageFactory(callID: "bench-tools-\(index % 200)", dialledNumber: seeded.number)
            return ByteBuffer(data: factory.toolCalls([(id: "t\(index)", name: "checkAvailability", arguments: ["service": "Consultation"])]))
        }
        // Each of 200 calls in progress asks every 0.2–1 s (a caller asks every few seconds at most).
        let toolRun = try await Self.load(app, url: base, bodies: tools, concurrency: 200, pause: 0.2...1.0)
        context.console.print(String(format: "  tool-calls checkAvailability, 200 concurrent calls each asking every 0.2-1 s: %d requests, %.0f/s, p50 %@ p99 %@, non-2xx %d",
                                     tools.count, Double(tools.count) / toolRun.seconds, Self.ms(toolRun.p50), Self.ms(toolRun.p99),
                                     toolRun.failures))

        // 3. assistant-request.
        let requests = (0..<(signature.assistantRequests ?? 1_000)).map { index in
            ByteBuffer(data: VapiMessageFactory(callID: "bench-ar-\(index)", dialledNumber: seeded.number).assistantRequest())
        }
        // 50 lines ringing at once, each new call 0.1–0.5 s after the last.
        let assistantRun = try await Self.load(app, url: base, bodies: requests, concurrency: 50, pause: 0.1...0.5)
        context.console.print(String(format: "  assistant-request, 50 lines ringing: %d requests, %.0f/s, p50 %@ p99 %@, non-2xx %d",
                                     requests.count, Double(requests.count) / assistantRun.seconds, Self.ms(assistantRun.p50),
                                     Self.ms(assistantRun.p99), assistantRun.failures))

        try await Org.query(on: app.db).filter(\.$id == seeded.orgID).delete()
        await app.server.shutdown()
    }

    // MARK: Seeding

    struct Seeded { var orgID: UUID; var token: String; var number: String }

    static func seed(_ app: Application) async throws -> Seeded {
        let org = Org(name: "Bench \(UUID().uuidString.prefix(6))", country: "FR", timezone: "Europe/Paris", locale: "fr")
        try await org.create(on: app.db)
        let token = try await org.ensureWebhookToken(on: app.db)
        let number = "+1415555\(String(format: "%04d", Int.random(in: 1000...9999)))"
        let record = PhoneNumberRecord(orgID: org.id!, assistantID: nil, provider: .sandbox,
                                       provisioned: ProvisionedNumber(id: "sandbox-bench-\(UUID().uuidString)", e164: number, status: "sandbox"),
                                       name: "bench")
        try await record.create(on: app.db)
        _ = try await Assistant.forOrg(org, on: app.db)   // as onboarding leaves it: the organisation has its assistant
        let profile = try await BookingProfile.forOrg(org.id!, on: app.db)
        let allDay = [OpeningInterval("00:00", "23:59")!]
        profile.weeklyHours = WeeklyHours(Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, allDay) }))
        profile.minNoticeMinutes = 0
        try await profile.save(on: app.db)
        try await BookingService(orgID: org.id!, name: "Consultation", durationMinutes: 30).create(on: app.db)
        return Seeded(orgID: org.id!, token: token, number: number)
    }

    /// Calls of 20 events: 1 status, 16 transcripts (partial and final), 2 speech updates, 1 end-of-call report.
    static func ingestBodies(count: Int, number: String) -> [ByteBuffer] {
        let started = Date()
        return (0..<count).map { index in
            let call = VapiMessageFactory(callID: "bench-\(started.timeIntervalSince1970)-\(index / 20)", dialledNumber: number)
            let position = index % 20
            let data: Data
            switch position {
            case 0: data = call.statusUpdate("in-progress")
            case 1...16: data = call.transcript(position % 2 == 0 ? "user" : "assistant", "Phrase numéro \(position) de l'appel \(index / 20).",
                                                final: position % 4 == 0, at: started.addingTimeInterval(Double(index)))
            case 17, 18: data = call.speechUpdate("user", started: position == 17)
            default: data = call.endOfCallReport(transcript: "AI: Bonjour\nUser: Au revoir", summary: "Appel de test.",
                                                 startedAt: started, endedAt: Date())
            }
            return ByteBuffer(data: data)
        }
    }

    // MARK: Load

    struct Run { var seconds: Double; var p50: Double; var p99: Double; var failures: Int }

    /// `pause`: each worker waits this long (seconds, uniformly drawn) between its requests, as a caller does
    /// between two questions; nil sends back to back (throughput).
    static func load(_ app: Application, url: String, bodies: [ByteBuffer], concurrency: Int,
                     pause: ClosedRange<Double>? = nil) async throws -> Run {
        let next = NIOLockedValueBox(0)
        let clock = ContinuousClock()
        let start = clock.now
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    var latencies: [Double] = []
                    var failures = 0
                    // Callers do not all ask at the same instant: each starts somewhere in the first pause.
                    if let pause { try await Task.sleep(for: .milliseconds(Int(Double.random(in: 0...pause.upperBound) * 1000))) }
                    while true {
                        let index = next.withLockedValue { value -> Int in defer { value += 1 }; return value }
                        guard index < bodies.count else { break }
                        var request = ClientRequest(method: .POST, url: URI(string: url), body: bodies[index])
                        request.headers.contentType = .json
                        let begin = clock.now
                        let response = try? await app.client.send(request)
                        latencies.append(Double((clock.now - begin).components.attoseconds) / 1e15
                                         + Double((clock.now - begin).components.seconds) * 1000)
                        if response?.status != .ok { failures += 1 }
                        if let pause { try await Task.sleep(for: .milliseconds(Int(Double.random(in: pause) * 1000))) }
                    }
                    return (latencies, failures)
                }
            }
            var all: [Double] = []
            var failures = 0
            for try await (latencies, failed) in group { all += latencies; failures += failed }
            return (all.sorted(), failures)
        }
        let seconds = Double((clock.now - start).components.seconds) + Double((clock.now - start).components.attoseconds) / 1e18
        let sorted = results.0
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Run(seconds: seconds, p50: percentile(0.50), p99: percentile(0.99), failures: results.1)
    }

    static func ms(_ value: Double) -> String { String(format: "%.2f ms", value) }
}

extension AppConfig.DatabaseSetting {
    var isPostgres: Bool { if case .postgres = self { true } else { false } }
}
