import AVACore
import Fluent
import Vapor

/// `ava bench-availability [--appointments N] [--queries N] [--database]`: availability for an organisation with
/// 10,000 future appointments, printing p50/p99 (see docs/PERFORMANCE.md). Build with `-c release`.
/// By default the pure engine in memory; `--database` also times the receptionist's `checkAvailability` tool
/// end to end against the configured database (a throwaway organisation, deleted afterwards).
struct BenchAvailabilityCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "appointments", help: "Future appointments in the calendar (default 10000).")
        var appointments: Int?
        @Option(name: "queries", help: "Questions asked (default 2000; 500 with --database).")
        var queries: Int?
        @Flag(name: "database", help: "Also seed the configured database and time the checkAvailability tool through it.")
        var database: Bool

        init() {}
    }

    var help: String { "Measures checkAvailability on a calendar with 10,000 future appointments and prints p50/p99." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let count = max(1, signature.appointments ?? 10_000)
        let result = AvailabilityBenchmark.run(appointments: count, queries: max(1, signature.queries ?? 2_000))
        context.console.print("""
        availability benchmark: \(result.appointments) future appointments, \(result.queries) questions each (engine, in memory)
          sort appointments once:            \(Self.ms(result.buildMilliseconds))
          next 3 free slots from a day:      p50 \(Self.ms(result.nextSlotsP50))   p99 \(Self.ms(result.nextSlotsP99))
          every free slot of one day:        p50 \(Self.ms(result.dayP50))   p99 \(Self.ms(result.dayP99))
        """)
        if signature.database {
            try await throughDatabase(context.application, appointments: count, queries: max(1, signature.queries ?? 500), console: context.console)
        }
    }

    static func ms(_ value: Double) -> String { String(format: "%.3f ms", value) }

    private func throughDatabase(_ app: Application, appointments count: Int, queries: Int, console: any Console) async throws {
        let calendar = AvailabilityBenchmark.calendar(appointments: count)
        let org = Org(name: "bench-availability", country: "FR", timezone: "Europe/Paris", locale: "fr")
        try await org.create(on: app.db)
        do {
            let orgID = org.id!
            let profile = try await BookingProfile.forOrg(orgID, on: app.db)
            profile.maxDaysAhead = calendar.engine.maxDaysAhead
            profile.minNoticeMinutes = calendar.engine.minNoticeMinutes
            profile.slotStepMinutes = calendar.engine.slotStepMinutes
            try await profile.save(on: app.db)
            let service = BookingService(orgID: orgID, name: "Coupe", durationMinutes: 30, bufferAfterMinutes: 10)
            try await service.create(on: app.db)
            let customer = Customer(orgID: orgID, phone: "+33600000000", name: "Bench")
            try await customer.create(on: app.db)
            try await app.db.transaction { tx in
                for batch in stride(from: 0, to: calendar.busy.count, by: 500) {
                    let rows = calendar.busy[batch..<min(batch + 500, calendar.busy.count)].map { interval in
                        Appointment(orgID: orgID, staffID: nil, serviceID: service.id!, customerID: customer.id!, startsAt: interval.start,
                                    endsAt: interval.end.addingTimeInterval(-600), blocksUntil: interval.end, source: .manual)
                    }
                    try await rows.create(on: tx)
                }
            }
            var tools = ReceptionistTools(db: app.db, orgID: orgID, translations: app.translations)
            tools.now = { AvailabilityBenchmark.now }
            let today = LocalDate(AvailabilityBenchmark.now, in: calendar.engine.timeZone)
            var random = AvailabilityBenchmark.SplitMix(seed: 7)
            var timings: [Double] = []
            let clock = ContinuousClock()
            for index in 0..<(queries + 20) {
                let date = today.adding(days: Int(random.next() % 720)).description
                let elapsed = try await clock.measure {
                    let answer = try await tools.checkAvailability(.init(date: date))
                    precondition(answer.ok)
                }
                if index >= 20 { timings.append(AvailabilityBenchmark.milliseconds(elapsed)) }  // after warming up
            }
            console.print("""
            checkAvailability tool through the database, \(queries) questions:
              next 3 free slots, spoken:         p50 \(Self.ms(AvailabilityBenchmark.percentile(timings, 0.5)))   p99 \(Self.ms(AvailabilityBenchmark.percentile(timings, 0.99)))
            """)
        } catch {
            try? await org.delete(on: app.db)
            throw error
        }
        try await org.delete(on: app.db)
    }
}
