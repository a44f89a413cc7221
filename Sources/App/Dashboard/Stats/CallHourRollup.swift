import Fluent
import Foundation
import SQLKit

/// The dashboard's calls per organisation and UTC hour, rolled up (tables and triggers: M024_CallHourStats).
///
/// A 30-day dashboard compares 60 days of calls: ~60,000 for an organisation with 100,000 calls over 90 days.
/// Counting them at every read is what made it slow; the roll-up holds one row per hour and (status rank, ended
/// reason, success evaluation), a few per busy hour. It is filled lazily: the first read of a period computes the
/// hours without a marker (one `INSERT ... SELECT ... GROUP BY` per run of missing hours), later reads only sum
/// rows. Triggers on `calls` delete an hour's marker and rows when one of its calls is inserted, deleted or
/// changed, so the next read recomputes that hour.
///
/// Only SETTLED hours are rolled up: those over for at least `settleDelay`. The current hour keeps changing (every
/// live call), so it is read from `calls` directly, as before the roll-up; it holds few calls.
struct CallHourRollup {
    let db: any Database
    let orgID: UUID

    private var sql: any SQLDatabase { db as! any SQLDatabase }  // SQLite and PostgreSQL both are

    /// How long after its end an hour is rolled up. The webhook stamps a call with when its first event arrived
    /// and commits a moment later; a call received at 10:59:59 may be written after 11:00 with the insert trigger
    /// seeing "the current hour" and skipping it (M024). Two minutes covers any such transaction.
    static let settleDelay: TimeInterval = 120

    /// PostgreSQL: the first key of the organisation's roll-up lock (the second is a hash of its id), the number
    /// of the migration that made the roll-up; the triggers spell it the same.
    static let lockClass = "24"

    /// UTC hours since 1970 of `created_at`: SQLite stores Fluent dates as seconds (a double), PostgreSQL as
    /// timestamps.
    static func hourBucket(isPostgres: Bool, column: String = "created_at") -> String {
        isPostgres ? "CAST(FLOOR(EXTRACT(EPOCH FROM \(column)) / 3600) AS BIGINT)" : "CAST(\(column) / 3600 AS INTEGER)"
    }

    /// Makes sure the settled hours of [from, to) are rolled up and returns them: the caller reads those hours
    /// from the roll-up and the rest of [from, to) (from the end of the returned range) from `calls`. Nil when no
    /// whole settled hour is in the range, or when its bounds are not whole UTC hours (a time zone with a
    /// half-hour offset: the dashboard then counts from `calls`, as it did before).
    /// `now` is the dashboard's; the clock bounds it too, so a "now" in the future never rolls up an hour still
    /// receiving calls.
    func prepare(from: Date, to: Date, now: Date) async throws -> Range<Int>? {
        let first = from.timeIntervalSince1970 / 3600
        let last = to.timeIntervalSince1970 / 3600
        guard first.rounded(.down) == first, last.rounded(.down) == last else { return nil }
        let settled = Int(((min(now, Date()).timeIntervalSince1970 - Self.settleDelay) / 3600).rounded(.down))
        guard Int(first) < min(Int(last), settled) else { return nil }
        let hours = Int(first)..<min(Int(last), settled)
        try await fill(hours)
        return hours
    }

    /// Computes the hours of `hours` without a marker. One count when nothing is missing (the usual case).
    func fill(_ hours: Range<Int>) async throws {
        let marked = try await sql.raw("""
            SELECT COUNT(*) AS n FROM call_hour_rollups
            WHERE org_id = \(bind: orgID) AND hour >= \(bind: hours.lowerBound) AND hour < \(bind: hours.upperBound)
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        guard marked < hours.count else { return }
        let present = Set(try await sql.raw("""
            SELECT hour FROM call_hour_rollups
            WHERE org_id = \(bind: orgID) AND hour >= \(bind: hours.lowerBound) AND hour < \(bind: hours.upperBound)
            """).all().map { try $0.decode(column: "hour", as: Int.self) })
        let missing = hours.filter { !present.contains($0) }
        let orgID = orgID
        // Another process may fill the same hours at the same time: both tables ignore rows already there, and
        // the result is the same.
        try await db.transaction { tx in
            let sql = tx as! any SQLDatabase
            let isPostgres = sql.dialect.name == "postgresql"
            if isPostgres {
                // Calls being changed are committed before the roll-up reads them, and changes arriving meanwhile
                // wait for it (their triggers take this lock shared, M024). SQLite: this transaction is the only
                // writer already.
                try await sql.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: Self.lockClass), hashtext(CAST(\(bind: orgID) AS text)))").run()
            }
            // The stats rows, then each hour's marker with its total, then markers for the hours without calls.
            let bucket = Self.hourBucket(isPostgres: isPostgres)
            for span in Self.runs(missing) {
                let from = Date(timeIntervalSince1970: Double(span.lowerBound) * 3600)
                let to = Date(timeIntervalSince1970: Double(span.upperBound) * 3600)
                try await sql.raw("""
                    INSERT INTO call_hour_stats (org_id, hour, status_rank, ended_reason, success_evaluation, calls)
                    SELECT org_id, \(unsafeRaw: bucket), status_rank, COALESCE(ended_reason, ''), COALESCE(success_evaluation, ''), COUNT(*)
                    FROM calls WHERE org_id = \(bind: orgID) AND created_at >= \(bind: from) AND created_at < \(bind: to)
                    GROUP BY org_id, \(unsafeRaw: bucket), status_rank, COALESCE(ended_reason, ''), COALESCE(success_evaluation, '')
                    ON CONFLICT DO NOTHING
                    """).run()
                try await sql.raw("""
                    INSERT INTO call_hour_rollups (org_id, hour, calls)
                    SELECT org_id, hour, SUM(calls) FROM call_hour_stats
                    WHERE org_id = \(bind: orgID) AND hour >= \(bind: span.lowerBound) AND hour < \(bind: span.upperBound)
                    GROUP BY org_id, hour
                    ON CONFLICT DO NOTHING
                    """).run()
            }
            var index = 0
            while index < missing.count {
                let insert = sql.insert(into: "call_hour_rollups").columns("org_id", "hour", "calls")
                for hour in missing[index..<min(index + 300, missing.count)] {
                    insert.values(SQLBind(orgID), SQLBind(hour), SQLBind(0))
                }
                try await insert.ignoringConflicts().run()
                index += 300
            }
        }
    }

    /// Consecutive runs of sorted hours: [3, 4, 5, 9] → [3..<6, 9..<10].
    static func runs(_ hours: [Int]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for hour in hours {
            if let last = result.last, last.upperBound == hour {
                result[result.count - 1] = last.lowerBound..<(hour + 1)
            } else {
                result.append(hour..<(hour + 1))
            }
        }
        return result
    }

    /// Calls per UTC hour in `hours` (rolled up): the markers' totals, one row per hour with calls from
    /// `startHour` on. The hours before (the previous period) are only added up by the dashboard, so they come
    /// back as one row dated at the first of them: rows cost more to decode than to sum (720 fewer for 30 days).
    func callsPerHour(_ hours: Range<Int>, startHour: Int) async throws -> [DashboardStats.HourRow] {
        let rows = try await sql.raw("""
            SELECT hour, calls FROM call_hour_rollups
            WHERE org_id = \(bind: orgID) AND hour >= \(bind: max(hours.lowerBound, startHour)) AND hour < \(bind: hours.upperBound)
              AND calls > 0
            UNION ALL
            SELECT \(bind: hours.lowerBound) AS hour, COALESCE(SUM(calls), 0) AS calls FROM call_hour_rollups
            WHERE org_id = \(bind: orgID) AND hour >= \(bind: hours.lowerBound) AND hour < \(bind: min(hours.upperBound, startHour))
            """).all()
        return try rows.map { .init(hour: try $0.decode(column: "hour", as: Int.self), calls: try $0.decode(column: "calls", as: Int.self)) }
            .filter { $0.calls > 0 }
    }

    /// Calls in `hours` per (status rank, ended reason, evaluation), those from `startHour` on and those before:
    /// the columns of `DashboardStats.outcomes`' direct query, '' turned back into NULL.
    func outcomeRows(_ hours: Range<Int>, startHour: Int) async throws -> [any SQLRow] {
        try await sql.raw("""
            SELECT status_rank, NULLIF(ended_reason, '') AS ended_reason, NULLIF(success_evaluation, '') AS evaluation,
                   SUM(CASE WHEN hour >= \(bind: startHour) THEN calls ELSE 0 END) AS current_calls,
                   SUM(CASE WHEN hour < \(bind: startHour) THEN calls ELSE 0 END) AS previous_calls
            FROM call_hour_stats
            WHERE org_id = \(bind: orgID) AND hour >= \(bind: hours.lowerBound) AND hour < \(bind: hours.upperBound)
            GROUP BY status_rank, ended_reason, success_evaluation
            """).all()
    }
}
