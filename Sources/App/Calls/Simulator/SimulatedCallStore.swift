import Fluent
import Foundation
import SQLKit
import Vapor

/// The simulated calls of every AVA process, in the shared database (`simulated_calls`): any process may answer
/// any call's next turn. One row per call: the conversation as JSON (`state`), whether it ended, and a lease
/// (`claimed_until`, `claim_id`) held while one process answers a turn, so a second turn (from any process)
/// is refused as busy rather than interleaved. A process that dies mid-turn leaves a lease that simply expires.
///
/// Every statement is one conditional SQL statement with bound values, so it is atomic on PostgreSQL and on
/// SQLite (which runs each under its write lock); the times compared are the processes' clocks, as the job
/// queue's leases are.
struct SimulatedCallStore: Sendable {
    static let table = "simulated_calls"
    /// A call nobody spoke in for this long is forgotten (its call row, transcript and events stay).
    static let idleLifetime: TimeInterval = 2 * 3600
    /// How long a turn may hold its call. A turn is bounded well below (the language model's 45 s budget, a
    /// 20 s summary, the tools), so only a dead process's claim lasts this long.
    static let claimLease: TimeInterval = 120

    let db: any Database
    let logger: Logger

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    private struct Row: Decodable {
        var state: String
        var last_activity: Date
        func call(claimID: UUID? = nil) throws -> SimulatedCall {
            var call = try SimulatedCall.decoded(state)
            call.lastActivity = last_activity
            call.claimID = claimID
            return call
        }
    }

    /// Stores a new call, and drops calls idle past their lifetime that nobody holds.
    func insert(_ call: SimulatedCall, now: Date = Date()) async throws {
        try await sql.delete(from: Self.table)
            .where("last_activity", .lessThan, SQLBind(now.addingTimeInterval(-Self.idleLifetime)))
            .where(group: { $0.where("claimed_until", .is, SQLLiteral.null).orWhere("claimed_until", .lessThan, SQLBind(now)) })
            .run()
        try await sql.insert(into: Self.table)
            .columns("id", "org_id", "state", "ended", "claimed_until", "claim_id", "last_activity", "created_at")
            .values(SQLBind(call.callID), SQLBind(call.orgID), SQLBind(try SimulatedCall.encoded(call)), SQLBind(call.ended),
                    SQLLiteral.null, SQLLiteral.null, SQLBind(call.lastActivity), SQLBind(now))
            .run()
    }

    /// Open calls of one organisation (each may cost language-model calls, so there is a cap).
    func openCount(orgID: UUID, now: Date = Date()) async throws -> Int {
        struct Count: Decodable { var n: Int }
        let query: SQLQueryString = """
            SELECT COUNT(*) AS n FROM \(ident: Self.table) WHERE org_id = \(bind: orgID) AND ended = \(bind: false) \
            AND last_activity >= \(bind: now.addingTimeInterval(-Self.idleLifetime))
            """
        return try await sql.raw(query).first(decoding: Count.self)?.n ?? 0
    }

    func get(_ id: UUID, orgID: UUID, now: Date = Date()) async throws -> SimulatedCall? {
        try await sql.select().column("state").column("last_activity").from(Self.table)
            .where("id", .equal, SQLBind(id)).where("org_id", .equal, SQLBind(orgID))
            .where("last_activity", .greaterThanOrEqual, SQLBind(now.addingTimeInterval(-Self.idleLifetime)))
            .first(decoding: Row.self)?.call()
    }

    enum Claim { case claimed(SimulatedCall), unknown, ended, busy }

    /// Takes the call for one turn: nobody else, in any process, can use it until `release` (or until the
    /// lease passes, if this process dies first).
    func claim(_ id: UUID, orgID: UUID, now: Date = Date()) async throws -> Claim {
        let claimID = UUID()
        let cutoff = now.addingTimeInterval(-Self.idleLifetime)
        let query: SQLQueryString = """
            UPDATE \(ident: Self.table) SET claimed_until = \(bind: now.addingTimeInterval(Self.claimLease)), claim_id = \(bind: claimID) \
            WHERE id = \(bind: id) AND org_id = \(bind: orgID) AND ended = \(bind: false) AND last_activity >= \(bind: cutoff) \
            AND (claimed_until IS NULL OR claimed_until < \(bind: now)) \
            RETURNING state, last_activity
            """
        if let row = try await sql.raw(query).first(decoding: Row.self) { return .claimed(try row.call(claimID: claimID)) }
        // Not taken: say why.
        struct Status: Decodable { var ended: Bool }
        guard let status = try await sql.select().column("ended").from(Self.table)
            .where("id", .equal, SQLBind(id)).where("org_id", .equal, SQLBind(orgID))
            .where("last_activity", .greaterThanOrEqual, SQLBind(cutoff))
            .first(decoding: Status.self) else { return .unknown }
        return status.ended ? .ended : .busy
    }

    /// Calls nobody spoke in for `idle` seconds, still open and not held (a closed tab): each taken, as by
    /// `claim`, for ending, as Vapi ends a call after silence. Two processes never take the same one.
    func takeAbandoned(idle: TimeInterval, now: Date = Date()) async throws -> [SimulatedCall] {
        struct Taken: Decodable { var state: String; var last_activity: Date; var claim_id: UUID }
        let claimID = UUID()
        let query: SQLQueryString = """
            UPDATE \(ident: Self.table) SET claimed_until = \(bind: now.addingTimeInterval(Self.claimLease)), claim_id = \(bind: claimID) \
            WHERE ended = \(bind: false) AND last_activity < \(bind: now.addingTimeInterval(-idle)) \
            AND (claimed_until IS NULL OR claimed_until < \(bind: now)) \
            RETURNING state, last_activity, claim_id
            """
        var taken: [SimulatedCall] = []
        for row in try await sql.raw(query).all(decoding: Taken.self) {
            do {
                taken.append(try Row(state: row.state, last_activity: row.last_activity).call(claimID: row.claim_id))
            } catch {
                logger.warning("a stored simulated call could not be read", metadata: ["error": "\(String(describing: error).prefix(200))"])
            }
        }
        return taken
    }

    /// Tests move a call's last activity into the past.
    func setLastActivity(_ id: UUID, _ date: Date) async throws {
        try await sql.update(Self.table).set("last_activity", to: SQLBind(date)).where("id", .equal, SQLBind(id)).run()
    }

    /// Tests play a process that died holding a call: its lease ends at `until`.
    func setClaimedUntil(_ id: UUID, _ until: Date) async throws {
        try await sql.update(Self.table).set("claimed_until", to: SQLBind(until)).set("claim_id", to: SQLBind(UUID()))
            .where("id", .equal, SQLBind(id)).run()
    }

    /// Writes the call back and lets it go. Only under the claim it was taken with: a turn that outlived its
    /// lease (and whose call another process took since) writes nothing. Returns whether it was written.
    @discardableResult
    func release(_ call: SimulatedCall, touch: Bool = true, now: Date = Date()) async throws -> Bool {
        guard let claimID = call.claimID else { return false }
        var copy = call
        copy.claimID = nil
        if touch { copy.lastActivity = now }
        let written = try await sql.update(Self.table)
            .set("state", to: SQLBind(try SimulatedCall.encoded(copy)))
            .set("ended", to: SQLBind(copy.ended))
            .set("claimed_until", to: SQLLiteral.null)
            .set("claim_id", to: SQLLiteral.null)
            .set("last_activity", to: SQLBind(copy.lastActivity))
            .where("id", .equal, SQLBind(call.callID)).where("claim_id", .equal, SQLBind(claimID))
            .returning("id").all()
        if written.isEmpty {
            logger.warning("a simulated call's turn ended after its claim had passed; its state was not written",
                           metadata: ["call": "\(call.callID)"])
        }
        return !written.isEmpty
    }
}

extension Application {
    /// Stateless: the calls are in the database.
    var simulatedCalls: SimulatedCallStore { SimulatedCallStore(db: db, logger: logger) }
}
