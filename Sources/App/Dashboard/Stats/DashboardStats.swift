import AVACore
import Fluent
import Foundation
import SQLKit

/// The dashboard's figures for one organisation, computed with aggregate SQL over index ranges: an organisation
/// may hold 100,000 calls, and no call row comes back to Swift: only aggregates (calls per UTC hour; counts per
/// (status, ended reason, evaluation), a few dozen rows) and the last few calls. Every statement filters on
/// `org_id` first and reads one range of `created_at`.
///
/// Calls are dated by `created_at` (when AVA heard of the call: its first server message). `started_at` can
/// be missing until the end-of-call report, and `(org_id, created_at)` is the index the calls table has.
///
/// Days and hours are the organisation's: SQL groups calls by UTC hour (the same expression on SQLite and
/// PostgreSQL, each in its dialect), and Swift places each hour in the local day and hour of the time zone.
/// That is exact for every zone whose offset is whole hours (all of France, Israel and the US).
///
/// The calls per hour and the outcomes of the hours that are over come from a roll-up (`CallHourRollup`: a few
/// rows per hour instead of every call, kept valid by triggers); the hours not rolled up yet (the current one) are
/// counted from `calls` by the same queries as before, on a short range. Both give the same figures.
struct DashboardStats {
    let db: any Database
    let sql: any SQLDatabase
    let orgID: UUID
    /// False: everything counted from `calls` (what the roll-up is checked against in the tests).
    var usesRollup = true

    init(db: any Database, orgID: UUID) {
        self.db = db
        self.sql = db as! any SQLDatabase  // both of AVA's drivers (SQLite, PostgreSQL) are SQL databases
        self.orgID = orgID
    }

    /// An answered call is one where the caller got AVA on the line: it is in progress (or being
    /// forwarded) now, or it ended for a reason other than a failure before the conversation (Vapi's
    /// `endedReason` naming an error, a failed connection, a caller who hung up while it rang (busy, no
    /// answer), voicemail, or a missing assistant). A call that ended with no reason given counts as answered:
    /// the end-of-call report says it happened. Calls still queued or ringing are not answered (yet).
    /// Applied in Swift to the few (status, reason) pairs SQL groups the period's calls into.
    static func isAnswered(statusRank: Int, endedReason: String?) -> Bool {
        if statusRank == 4 || statusRank == 5 { return true }
        guard statusRank == 6 else { return false }
        guard let reason = endedReason?.lowercased() else { return true }
        let failures = ["error", "failed", "fault", "did-not-answer", "busy", "voicemail", "not-found", "no-server", "cancel",
                        "microphone-permission"]
        return !failures.contains { reason.contains($0) }
    }

    private var isPostgres: Bool { sql.dialect.name == "postgresql" }

    /// Seconds since 1970 divided into hours: SQLite stores Fluent dates as seconds (a double), PostgreSQL as
    /// timestamps.
    private var hourBucket: String { CallHourRollup.hourBucket(isPostgres: isPostgres) }

    func figures(period: DashboardPeriod, timeZone: TimeZone, now: Date = Date()) async throws -> DashboardFigures {
        let window = DashboardWindow(period: period, timeZone: timeZone, now: now)
        let rolled = await rolledHours(window, now: now)
        async let hours = callsPerHour(window, rolled: rolled)
        async let outcomes = outcomes(window, rolled: rolled)
        async let appointments = appointments(window)
        async let unread = unreadMessages()
        async let recent = recentCalls(limit: 6)
        async let live = callsInProgress(now: now)
        return try await assemble(window: window, hours: hours, outcomes: outcomes, appointments: appointments,
                                  unread: unread, recent: recent, live: live)
    }

    struct HourRow: Sendable { var hour: Int; var calls: Int }

    /// Per period: answered calls and the satisfaction scores.
    struct Outcomes: Sendable {
        var answered = 0
        var answeredBefore = 0
        var scores: [Double] = []
        var scoresBefore: [Double] = []
    }

    private func assemble(window: DashboardWindow, hours: [HourRow], outcomes: Outcomes,
                          appointments: (booked: Int, bookedBefore: Int, created: Int), unread: Int,
                          recent: [DashboardFigures.CallSummary], live: [DashboardFigures.CallSummary]) -> DashboardFigures {
        let calendar = window.calendar
        let startHour = Int(window.start.timeIntervalSince1970 / 3600)
        var current = 0
        var previous = 0
        var perDay: [String: Int] = [:]
        var byHour = Array(repeating: 0, count: 24)
        for row in hours {
            if row.hour < startHour {
                previous += row.calls
                continue
            }
            current += row.calls
            let instant = Date(timeIntervalSince1970: Double(row.hour) * 3600)
            perDay[window.localDay(instant), default: 0] += row.calls
            byHour[calendar.component(.hour, from: instant)] += row.calls
        }
        func rate(_ part: Int, _ whole: Int) -> Double? { whole > 0 ? Double(part) / Double(whole) * 100 : nil }
        func average(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        return DashboardFigures(
            period: window.period.rawValue, timezone: window.timeZone.identifier,
            from: window.start, to: window.end, previousFrom: window.previousStart,
            calls: .init(current: current, previous: previous),
            appointmentsBooked: .init(current: appointments.booked, previous: appointments.bookedBefore),
            appointmentsCreated: appointments.created,
            answerRate: .init(current: rate(outcomes.answered, current), previous: rate(outcomes.answeredBefore, previous),
                              basis: current),
            satisfaction: .init(current: average(outcomes.scores), previous: average(outcomes.scoresBefore),
                                basis: outcomes.scores.count),
            callsPerDay: window.dayStarts.map { .init(date: window.localDay($0), calls: perDay[window.localDay($0)] ?? 0) },
            callsByHour: byHour, unreadMessages: unread, recentCalls: recent, inProgress: live)
    }

    /// The hours of both periods read from the roll-up (filled first if needed), or nil: all from `calls`. A
    /// failure to fill (a lock timeout, a deadlock with a trigger) is not the reader's problem: it gets the
    /// figures counted from `calls`, and the next read tries again.
    private func rolledHours(_ window: DashboardWindow, now: Date) async -> Range<Int>? {
        // The periods split at `start`: rolled-up hours must fall on one side (always so with whole-hour offsets).
        guard usesRollup, window.start.timeIntervalSince1970.truncatingRemainder(dividingBy: 3600) == 0 else { return nil }
        do {
            return try await CallHourRollup(db: db, orgID: orgID).prepare(from: window.previousStart, to: window.end, now: now)
        } catch {
            db.logger.warning("dashboard roll-up not filled, counting calls directly: \(String(reflecting: error))")
            return nil
        }
    }

    /// Where the hours after the rolled-up ones start (all of [previousStart, end) when nothing is rolled up).
    private func directStart(_ window: DashboardWindow, rolled: Range<Int>?) -> Date {
        rolled.map { Date(timeIntervalSince1970: Double($0.upperBound) * 3600) } ?? window.previousStart
    }

    /// Calls per UTC hour of both periods: rolled-up hours, then the rest from `calls`.
    func callsPerHour(_ window: DashboardWindow, rolled: Range<Int>?) async throws -> [HourRow] {
        let direct = try await callsPerHour(from: directStart(window, rolled: rolled), to: window.end)
        guard let rolled else { return direct }
        let startHour = Int(window.start.timeIntervalSince1970 / 3600)
        return try await CallHourRollup(db: db, orgID: orgID).callsPerHour(rolled, startHour: startHour) + direct
    }

    /// Calls per UTC hour in [from, to): one range of the (org_id, created_at) index, nothing else read.
    func callsPerHour(from: Date, to: Date) async throws -> [HourRow] {
        let rows = try await sql.raw("""
            SELECT \(unsafeRaw: hourBucket) AS hour, COUNT(*) AS calls
            FROM calls WHERE org_id = \(bind: orgID) AND created_at >= \(bind: from) AND created_at < \(bind: to)
            GROUP BY \(unsafeRaw: hourBucket)
            """).all()
        return try rows.map { HourRow(hour: try $0.decode(column: "hour", as: Int.self), calls: try $0.decode(column: "calls", as: Int.self)) }
    }

    /// Both periods' calls grouped by (status, ended reason, success evaluation): a handful of distinct values
    /// whatever the number of calls, so few rows come back; Swift applies `isAnswered` and `SatisfactionScore`.
    /// Rolled-up hours and the rest give rows of the same shape, added up alike. The periods split at a local
    /// midnight, a whole UTC hour whenever hours are rolled up (`CallHourRollup.prepare`).
    func outcomes(_ window: DashboardWindow, rolled: Range<Int>?) async throws -> Outcomes {
        var rows = try await sql.raw("""
            SELECT status_rank, ended_reason, success_evaluation AS evaluation,
                   SUM(CASE WHEN created_at >= \(bind: window.start) THEN 1 ELSE 0 END) AS current_calls,
                   SUM(CASE WHEN created_at < \(bind: window.start) THEN 1 ELSE 0 END) AS previous_calls
            FROM calls WHERE org_id = \(bind: orgID) AND created_at >= \(bind: directStart(window, rolled: rolled)) AND created_at < \(bind: window.end)
            GROUP BY status_rank, ended_reason, success_evaluation
            """).all()
        if let rolled {
            rows += try await CallHourRollup(db: db, orgID: orgID)
                .outcomeRows(rolled, startHour: Int(window.start.timeIntervalSince1970 / 3600))
        }
        var result = Outcomes()
        for row in rows {
            let now = try row.decode(column: "current_calls", as: Int?.self) ?? 0
            let before = try row.decode(column: "previous_calls", as: Int?.self) ?? 0
            if Self.isAnswered(statusRank: try row.decode(column: "status_rank", as: Int.self),
                               endedReason: try row.decode(column: "ended_reason", as: String?.self)) {
                result.answered += now
                result.answeredBefore += before
            }
            if let score = SatisfactionScore.percent(try row.decode(column: "evaluation", as: String?.self)) {
                result.scores += Array(repeating: score, count: now)
                result.scoresBefore += Array(repeating: score, count: before)
            }
        }
        return result
    }

    /// Appointments created in the period: those AVA booked during a call (this period and the previous one)
    /// and all of them. One range on (org_id, created_at).
    func appointments(_ window: DashboardWindow) async throws -> (booked: Int, bookedBefore: Int, created: Int) {
        let rows = try await sql.raw("""
            SELECT source,
                   SUM(CASE WHEN created_at >= \(bind: window.start) THEN 1 ELSE 0 END) AS current_count,
                   SUM(CASE WHEN created_at < \(bind: window.start) THEN 1 ELSE 0 END) AS previous_count
            FROM appointments WHERE org_id = \(bind: orgID) AND created_at >= \(bind: window.previousStart) AND created_at < \(bind: window.end)
            GROUP BY source
            """).all()
        var result = (booked: 0, bookedBefore: 0, created: 0)
        for row in rows {
            let source = try row.decode(column: "source", as: String.self)
            let now = try row.decode(column: "current_count", as: Int?.self) ?? 0
            let before = try row.decode(column: "previous_count", as: Int?.self) ?? 0
            result.created += now
            if source == Appointment.Source.call.rawValue {
                result.booked += now
                result.bookedBefore += before
            }
        }
        return result
    }

    func unreadMessages() async throws -> Int {
        try await Self.unreadMessages(sql: sql, orgID: orgID)
    }

    static func unreadMessages(sql: any SQLDatabase, orgID: UUID) async throws -> Int {
        let row = try await sql.raw("SELECT COUNT(*) AS n FROM owner_messages WHERE org_id = \(bind: orgID) AND read_at IS NULL").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    private static let summaryColumns = """
        id, caller_name, from_number, created_at, started_at, status, status_rank, ended_reason, outcome, summary, simulated
        """

    /// The newest calls (the last few rows of the (org_id, created_at) index), without their transcripts.
    func recentCalls(limit: Int) async throws -> [DashboardFigures.CallSummary] {
        let rows = try await sql.raw("""
            SELECT \(unsafeRaw: Self.summaryColumns) FROM calls WHERE org_id = \(bind: orgID)
            ORDER BY created_at DESC LIMIT \(unsafeRaw: String(limit))
            """).all()
        return try rows.map(Self.summary)
    }

    /// Calls not ended yet that began in the last two hours (older unfinished calls are stale: the reconciling
    /// job closes them).
    func callsInProgress(now: Date) async throws -> [DashboardFigures.CallSummary] {
        let rows = try await sql.raw("""
            SELECT \(unsafeRaw: Self.summaryColumns) FROM calls
            WHERE org_id = \(bind: orgID) AND created_at >= \(bind: now.addingTimeInterval(-2 * 3600)) AND status_rank < 6
            ORDER BY created_at DESC LIMIT 10
            """).all()
        return try rows.map(Self.summary)
    }

    private static func summary(_ row: any SQLRow) throws -> DashboardFigures.CallSummary {
        let rank = try row.decode(column: "status_rank", as: Int.self)
        let reason = try row.decode(column: "ended_reason", as: String?.self)
        let outcome: String
        if let recorded = try row.decode(column: "outcome", as: String?.self), ["booked", "message", "transferred"].contains(recorded) {
            outcome = recorded
        } else if rank < 6 {
            outcome = rank >= 4 ? "in-progress" : "ringing"
        } else {
            outcome = isAnswered(statusRank: rank, endedReason: reason) ? "answered" : "missed"
        }
        let created = try row.decode(column: "created_at", as: Date.self)
        let summary = try row.decode(column: "summary", as: String?.self).map(oneLine)
        return .init(id: try row.decode(column: "id", as: UUID.self),
                     callerName: try row.decode(column: "caller_name", as: String?.self),
                     fromNumber: try row.decode(column: "from_number", as: String?.self),
                     startedAt: try row.decode(column: "started_at", as: Date?.self) ?? created,
                     status: try row.decode(column: "status", as: String.self), outcome: outcome,
                     summary: summary?.isEmpty == true ? nil : summary,
                     simulated: try row.decode(column: "simulated", as: Bool.self))
    }

    /// The first line of a summary, at most 160 characters.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        return line.count > 160 ? String(line.prefix(159)) + "…" : line
    }
}
