@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The dashboard's hourly roll-up (CallHourRollup, M024): its figures are those counted from `calls`, before and
/// after calls change under it, and when two readers fill it at once.
@Suite("Call hour roll-up")
struct CallHourRollupTests {
    typealias F = DashboardFixture
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// The figures as JSON (they hold no floating-point sums: rates are rounded), for an exact comparison.
    static func json(_ figures: DashboardFigures) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(figures), as: UTF8.self)
    }

    static func figures(_ app: Application, org: UUID, _ period: DashboardPeriod, zone: TimeZone = paris, now: Date,
                        rollup: Bool) async throws -> String {
        var stats = DashboardStats(db: app.db, orgID: org)
        stats.usesRollup = rollup
        return try json(try await stats.figures(period: period, timeZone: zone, now: now))
    }

    /// Rolled-up figures equal the direct ones for `period`; returns them.
    @discardableResult
    static func expectSame(_ app: Application, org: UUID, _ period: DashboardPeriod, zone: TimeZone = paris, now: Date,
                           sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let direct = try await figures(app, org: org, period, zone: zone, now: now, rollup: false)
        let rolled = try await figures(app, org: org, period, zone: zone, now: now, rollup: true)
        #expect(rolled == direct, "\(period.rawValue) in \(zone.identifier)", sourceLocation: sourceLocation)
        return rolled
    }

    static func count(_ app: Application, _ table: String, org: UUID) async throws -> Int {
        let sql = app.db as! any SQLDatabase
        return try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE org_id = \(bind: org)").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }

    /// 62 days of calls of every kind (in progress, ringing, failed, rated in all the ways the score reads, no
    /// reason, an empty reason), some on the periods' local midnights, and some in the current hour.
    static func seed(_ app: Application, org: UUID, now: Date) async throws {
        let ranks = [6, 6, 4, 6, 2, 6, 5]
        let reasons: [String?] = ["customer-ended-call", nil, "customer-busy", "assistant-ended-call", "", "pipeline-error-openai"]
        let evaluations: [String?] = [nil, "true", "false", "8", "75%", "", "a comment", "4/5"]
        for n in 0..<260 {
            let at = now.addingTimeInterval(-Double(n) * 62 * 86_400 / 260 - Double(n % 9) * 97 - 3600)
            try await F.call(app, org: org, .init(at: at, statusRank: ranks[n % ranks.count], endedReason: reasons[n % reasons.count],
                                                  evaluation: evaluations[n % evaluations.count]))
        }
        for period in DashboardPeriod.allCases {
            let window = DashboardWindow(period: period, timeZone: paris, now: now)
            for edge in [window.start, window.previousStart] {
                try await F.call(app, org: org, .init(at: edge, evaluation: "true"))
                try await F.call(app, org: org, .init(at: edge.addingTimeInterval(-1), endedReason: "customer-busy"))
            }
        }
        let hourStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        try await F.call(app, org: org, .init(at: hourStart, evaluation: "9"))
        try await F.call(app, org: org, .init(at: max(hourStart, now.addingTimeInterval(-1)), statusRank: 4, status: "in-progress",
                                              endedReason: nil))
        try await F.call(app, org: org, .init(at: max(hourStart, now.addingTimeInterval(-2)), statusRank: 2, status: "ringing",
                                              endedReason: nil))
    }

    @Test func rolledUpFiguresEqualTheCallsCounted() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("rollup"))).organisation.id
            let other = try await signUp(app, SignupBody(email: uniqueEmail("rollup-other"))).organisation.id
            let now = Date()
            try await Self.seed(app, org: org, now: now)
            try await Self.seed(app, org: other, now: now)
            for period in DashboardPeriod.allCases {
                try await Self.expectSame(app, org: org, period, now: now)
                // The second read sums the roll-up filled by the first.
                try await Self.expectSame(app, org: org, period, now: now)
            }
            // 30 days and the 30 before, in whole hours up to the current one (less the settling delay).
            let month = DashboardWindow(period: .month, timeZone: Self.paris, now: now)
            let settled = Int(((now.timeIntervalSince1970 - CallHourRollup.settleDelay) / 3600).rounded(.down))
            #expect(try await Self.count(app, "call_hour_rollups", org: org) == settled - Int(month.previousStart.timeIntervalSince1970 / 3600))
            #expect(try await Self.count(app, "call_hour_stats", org: org) > 100)
            #expect(try await Self.count(app, "call_hour_rollups", org: other) == 0)
            // Other zones (whole-hour offsets, DST) and one with a half-hour offset (not rolled up: counted directly).
            for zone in ["America/New_York", "Asia/Jerusalem", "America/Los_Angeles", "Asia/Kolkata"] {
                for period in DashboardPeriod.allCases {
                    try await Self.expectSame(app, org: org, period, zone: TimeZone(identifier: zone)!, now: now)
                }
            }
            // The roll-up's hours hold exactly the organisation's calls of those hours.
            let sql = app.db as! any SQLDatabase
            let rolled = try await sql.raw("SELECT MIN(hour) AS lo, MAX(hour) AS hi, SUM(calls) AS n FROM call_hour_stats WHERE org_id = \(bind: org)").first()!
            let lo = try rolled.decode(column: "lo", as: Int.self), hi = try rolled.decode(column: "hi", as: Int.self)
            let direct = try await sql.raw("""
                SELECT COUNT(*) AS n FROM calls WHERE org_id = \(bind: org)
                AND created_at >= \(bind: Date(timeIntervalSince1970: Double(lo) * 3600)) AND created_at < \(bind: Date(timeIntervalSince1970: Double(hi + 1) * 3600))
                """).first()!
            #expect(try rolled.decode(column: "n", as: Int.self) == direct.decode(column: "n", as: Int.self))
        }
    }

    @Test func changesToPastCallsAreSeenByTheNextRead() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("rollup-change"))).organisation.id
            let now = Date()
            try await Self.seed(app, org: org, now: now)
            let sql = app.db as! any SQLDatabase
            let threeDaysAgo = now.addingTimeInterval(-3 * 86_400)
            let probe = try await F.call(app, org: org, .init(at: threeDaysAgo, evaluation: nil))
            let victim = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-20 * 86_400)))
            var before = try await Self.expectSame(app, org: org, .month, now: now)
            try await Self.expectSame(app, org: org, .week, now: now)

            // Updates the webhook makes all the time (last event, updated_at, an unchanged status) keep the hour.
            let markers = try await Self.count(app, "call_hour_rollups", org: org)
            try await sql.raw("""
                UPDATE calls SET last_event_at = \(bind: now), updated_at = \(bind: now), status_rank = status_rank, summary = 'Rappel demandé'
                WHERE id = \(bind: probe)
                """).run()
            #expect(try await Self.count(app, "call_hour_rollups", org: org) == markers)

            let changes: [(String, SQLQueryString)] = [
                ("evaluation", "UPDATE calls SET success_evaluation = 'true' WHERE id = \(bind: probe)"),
                ("ended reason", "UPDATE calls SET ended_reason = 'customer-busy' WHERE id = \(bind: probe)"),
                // Back in progress (answered whatever the reason), as a call stuck "ended" by mistake would be.
                ("status", "UPDATE calls SET status_rank = 4, status = 'in-progress' WHERE id = \(bind: probe)"),
                ("moved in time", "UPDATE calls SET created_at = \(bind: now.addingTimeInterval(-9 * 86_400)) WHERE id = \(bind: probe)"),
                ("deleted", "DELETE FROM calls WHERE id = \(bind: victim)"),
            ]
            for (change, statement) in changes {
                try await sql.raw(statement).run()
                #expect(try await Self.count(app, "call_hour_rollups", org: org) < markers, "\(change) invalidates its hour")
                let after = try await Self.expectSame(app, org: org, .month, now: now)
                #expect(after != before, "\(change) shows")
                before = after
            }
            // A call inserted into a past hour (the seed, a late webhook).
            try await F.call(app, org: org, .init(at: now.addingTimeInterval(-5 * 86_400 - 600), endedReason: "customer-busy", evaluation: "2"))
            let after = try await Self.expectSame(app, org: org, .month, now: now)
            #expect(after != before, "a late call shows")
            try await Self.expectSame(app, org: org, .week, now: now)
            try await Self.expectSame(app, org: org, .today, now: now)
        }
    }

    @Test func twoReadersFillingAtOnceAgree() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("rollup-race"))).organisation.id
            let now = Date()
            try await Self.seed(app, org: org, now: now)
            let window = DashboardWindow(period: .month, timeZone: Self.paris, now: now)
            let rollup = CallHourRollup(db: app.db, orgID: org)
            // Fill straight (a failure would throw here; the dashboard would hide it by counting directly).
            let first = Task { try await rollup.prepare(from: window.previousStart, to: window.end, now: now) }
            let second = Task { try await rollup.prepare(from: window.previousStart, to: window.end, now: now) }
            let hours = try #require(try await first.value)
            #expect(try await second.value == hours)
            #expect(try await Self.count(app, "call_hour_rollups", org: org) == hours.count)
            try await Self.expectSame(app, org: org, .month, now: now)

            // Two dashboards at once after a change.
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE calls SET success_evaluation = 'false' WHERE org_id = \(bind: org) AND status_rank = 6").run()
            let direct = try await Self.figures(app, org: org, .month, now: now, rollup: false)
            let a = Task { try await Self.figures(app, org: org, .month, now: now, rollup: true) }
            let b = Task { try await Self.figures(app, org: org, .month, now: now, rollup: true) }
            #expect(try await a.value == direct)
            #expect(try await b.value == direct)
            #expect(try await Self.count(app, "call_hour_rollups", org: org) == hours.count)
        }
    }

    @Test func deletingTheOrganisationLeavesNothing() async throws {
        try await withAVA { app in
            let org = try await signUp(app, SignupBody(email: uniqueEmail("rollup-gone"))).organisation.id
            let now = Date()
            try await Self.seed(app, org: org, now: now)
            try await Self.expectSame(app, org: org, .month, now: now)
            #expect(try await Self.count(app, "call_hour_stats", org: org) > 0)
            try await Org.query(on: app.db).filter(\.$id == org).delete()
            #expect(try await Self.count(app, "call_hour_stats", org: org) == 0)
            #expect(try await Self.count(app, "call_hour_rollups", org: org) == 0)
        }
    }

    @Test func runsOfMissingHours() {
        #expect(CallHourRollup.runs([3, 4, 5, 9, 11, 12]) == [3..<6, 9..<10, 11..<13])
        #expect(CallHourRollup.runs([]) == [])
    }
}
