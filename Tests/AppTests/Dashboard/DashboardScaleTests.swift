@testable import App
import Foundation
import SQLKit
import Testing
import Vapor

/// Opt-in (AVA_DASHBOARD_SCALE=1): the dashboard's figures for an organisation holding 100,000 calls over a
/// year (and a neighbour with 20,000), timed 30 times per period. Prints p50/p95; fails above 50 ms p95.
/// `ava bench-dashboard` (Dashboard/Bench) is the full benchmark; this is the quick check while editing queries.
@Suite("Dashboard scale", .enabled(if: ProcessInfo.processInfo.environment["AVA_DASHBOARD_SCALE"] == "1"))
struct DashboardScaleTests {
    @Test func hundredThousandCalls() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("scale"))).organisation.id
            let other = try await signUp(app, SignupBody(email: uniqueEmail("scale-other"))).organisation.id
            let sql = app.db as! any SQLDatabase
            let now = Date()
            let reasons = ["customer-ended-call", "assistant-ended-call", "customer-busy", "silence-timed-out", "pipeline-error-openai"]
            let evaluations: [String?] = ["true", "false", "8", nil, nil, "75%"]
            for (owner, total) in [(org, 100_000), (other, 20_000)] {
                var index = 0
                while index < total {
                    let batch = sql.insert(into: "calls").columns("id", "org_id", "status", "status_rank", "ended_reason",
                                                                  "success_evaluation", "simulated", "created_at", "updated_at")
                    for n in index..<min(index + 500, total) {
                        let at = now.addingTimeInterval(-Double(n) * 365 * 86_400 / Double(total))
                        batch.values(SQLBind(UUID()), SQLBind(owner), SQLBind("ended"), SQLBind(6), SQLBind(reasons[n % reasons.count]),
                                     SQLBind(evaluations[n % evaluations.count]), SQLBind(false), SQLBind(at), SQLBind(at))
                    }
                    try await batch.run()
                    index += 500
                }
            }
            if ProcessInfo.processInfo.environment["AVA_DASHBOARD_SCALE_COVER"] == "1" {
                // The covering index proposed for M023: the hourly counts read the index alone.
                try await sql.raw("CREATE INDEX ix_calls_org_created_cover ON calls (org_id, created_at, status_rank, ended_reason, success_evaluation)").run()
            }
            try await sql.raw("ANALYZE").run()
            let stats = DashboardStats(db: app.db, orgID: org)
            for period in DashboardPeriod.allCases {
                var times: [Double] = []
                for _ in 0..<30 {
                    let start = ContinuousClock.now
                    _ = try await stats.figures(period: period, timeZone: TimeZone(identifier: "Europe/Paris")!, now: now)
                    let elapsed = ContinuousClock.now - start
                    times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                }
                times.sort()
                let p50 = times[times.count / 2]
                let p95 = times[Int(Double(times.count) * 0.95) - 1]
                print("dashboard \(sql.dialect.name) \(period.rawValue): p50 \(String(format: "%.1f", p50)) ms, p95 \(String(format: "%.1f", p95)) ms")
                #expect(p95 < 50, "\(period.rawValue) p95 \(p95) ms")
            }
        }
    }
}
