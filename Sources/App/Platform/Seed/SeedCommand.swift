import AVACore
import Fluent
import SQLKit
import Vapor

/// `ava seed --orgs N --calls M [--big-org-calls K]`: fills the configured database (migrated first, as every
/// command does) with synthetic but realistic organisations in French, English and Hebrew, each with an owner who
/// can sign in, a number, an assistant from its industry's preset, hours and services, and calls over the last
/// 90 days with transcripts, outcomes, appointments and messages. For load tests and benchmarks
/// (scripts/bench-dashboard.sh); never for a production database.
struct SeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "orgs", help: "Organisations to create (default 10).")
        var orgs: Int?
        @Option(name: "calls", help: "Calls in all, the big organisation's included (default 1000).")
        var calls: Int?
        @Option(name: "big-org-calls", help: "Calls of one big organisation, the first (default 0: none). Its owner's email is printed.")
        var bigOrgCalls: Int?
        @Option(name: "big-org-locale", help: "Language of the big organisation: fr, en or he (default en).")
        var bigOrgLocale: String?
        @Option(name: "password", help: "Password of every seeded owner (default ava-seed-password).")
        var password: String?
        @Option(name: "seed", help: "Random seed (default 1). The same seed gives the same data; seeding a database twice needs another seed (emails and numbers derive from it).")
        var seed: Int?
        @Option(name: "lines", help: "Share of calls whose transcript is also stored line by line (default 0.05).")
        var lines: Double?
        @Option(name: "batch", help: "Calls per transaction (default 20000).")
        var batch: Int?
        init() {}
    }

    var help: String {
        "Fills the database with synthetic organisations, owners, numbers and calls (with transcripts, appointments and messages) for load tests."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let console = context.console
        let locale = AppLocale(rawValue: signature.bigOrgLocale ?? "en") ?? .en
        let password = signature.password ?? "ava-seed-password"
        let orgs = max(0, signature.orgs ?? 10)
        let calls = max(0, signature.calls ?? 1_000)
        // One bcrypt hash for every owner: hashing 10,000 passwords at cost 12 would take most of an hour.
        let hash = try await app.threadPool.runIfActive { try Bcrypt.hash(password, cost: 12) }
        let plan = SeedPlan(orgs: orgs, calls: calls, bigOrgCalls: max(0, signature.bigOrgCalls ?? 0), bigOrgLocale: locale,
                            seed: UInt64(max(0, signature.seed ?? 1)), passwordHash: hash,
                            linesFraction: min(1, max(0, signature.lines ?? 0.05)), batchCalls: max(100, signature.batch ?? 20_000))
        let result = try await Self.seed(plan, app: app) { console.print($0) }
        console.print(result.text(plan: plan, password: password))
    }

    struct Result: Sendable {
        var rows: [String: Int] = [:]
        var seconds: Double = 0
        var bigOrgCalls = 0

        func text(plan: SeedPlan, password: String) -> String {
            var lines = [String(format: "seeded in %.1f s (%.0f calls/s):", seconds, Double(rows["calls"] ?? 0) / max(seconds, 0.001))]
            for table in ["orgs", "users", "phone_numbers", "calls", "call_transcript_lines", "appointments", "owner_messages", "customers"] {
                lines.append("  \(table): \(rows[table] ?? 0)")
            }
            if plan.orgs > 0 {
                lines.append("owners: owner<N>-s\(plan.seed)@seed.ava.test (N = 1…\(plan.orgs - 1)), password \(password)")
            }
            if plan.bigOrgCalls > 0, plan.orgs > 0 {
                lines.append("big organisation: \(bigOrgCalls) calls, owner \(plan.ownerEmail(0)), password \(password)")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Writes the plan's rows; `progress` receives a line after each transaction.
    static func seed(_ plan: SeedPlan, app: Application, progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        guard let sql = app.db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the database does not speak SQL") }
        let isPostgres = sql.dialect.name == "postgresql"
        if let existing = try await User.query(on: app.db).filter(\.$email == plan.ownerEmail(0)).first(), existing.id != nil {
            throw Abort(.conflict, reason: "this database was already seeded with --seed \(plan.seed); choose another --seed")
        }
        if !isPostgres {
            // Durability is pointless while seeding a throwaway database; speed matters (each pool connection).
            for eventLoop in app.eventLoopGroup.makeIterator() {
                if let connection = app.databases.database(logger: app.logger, on: eventLoop) as? any SQLDatabase {
                    try await connection.raw("PRAGMA synchronous=OFF").run()
                    try await connection.raw("PRAGMA cache_size=-262144").run()
                }
            }
        }
        let bindLimit = isPostgres ? 65_535 : 32_766
        var generator = SeedGenerator(plan: plan, presets: app.industryPresets)
        var result = Result(bigOrgCalls: generator.bigOrgCallCount)
        let clock = ContinuousClock()
        let began = clock.now
        // The next batch is made on another core while this one is written.
        var made = generator.nextBatch()
        while let batch = made {
            let ahead = Task.detached { [generator] () -> (SeedGenerator, SeedBatch?) in
                var next = generator
                let batch = next.nextBatch()
                return (next, batch)
            }
            try await app.db.transaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                if isPostgres { try await sql.raw("SET LOCAL synchronous_commit TO OFF").run() }
                try await SeedWriter.write(batch, sql: sql, bindLimit: bindLimit)
            }
            for table in batch.tables { result.rows[table.name, default: 0] += table.rows.count }
            let elapsed = Self.seconds(clock.now - began)
            let done = result.rows["calls"] ?? 0
            let rate = Double(done) / max(elapsed, 0.001)
            let eta = rate > 0 ? Double(plan.calls - done) / rate : 0
            progress(String(format: "  %d/%d calls, %d/%d orgs, %.1f s, %.0f calls/s, about %.0f s left", done, plan.calls,
                            result.rows["orgs"] ?? 0, plan.orgs, elapsed, rate, eta))
            (generator, made) = await ahead.value
        }
        // Fresh statistics, so the query planners know the new sizes; on PostgreSQL also the visibility map
        // (what autovacuum would do later), without which no index-only scan is possible.
        progress("  analyzing")
        try await sql.raw(isPostgres ? "VACUUM (ANALYZE)" : "ANALYZE").run()
        result.seconds = Self.seconds(clock.now - began)
        return result
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
