import Foundation
import SQLKit
import Vapor

/// At most `limit` attempts per key in any 60 seconds (a sliding window, so no burst at a minute's edge).
/// Attempts are rows in the database, so every AVA process sharing it enforces the same limit; each
/// attempt is recorded before counting, so concurrent attempts can never all slip under the limit.
struct RateLimiter {
    static let window: Double = 60
    let db: any SQLDatabase
    let limit: Int

    /// Records one attempt under each key; throws `rate_limited` (with the wait) if any key is over the limit.
    func hit(_ keys: [String], now: Date = Date()) async throws {
        let time = now.timeIntervalSince1970
        let since = time - Self.window
        var retryAfter = 0
        // Keys hold what users typed; stored as a hash they have a fixed size, whatever was sent.
        for key in keys.map(sha256Hex) {
            try await db.insert(into: "rate_limit_hits").columns("bucket_key", "hit_at").values(SQLBind(key), SQLBind(time)).run()
            let rows = try await db.select().column("hit_at").from("rate_limit_hits")
                .where("bucket_key", .equal, SQLBind(key)).where("hit_at", .greaterThan, SQLBind(since))
                .orderBy("hit_at", .descending).limit(limit + 1).all()
            guard rows.count > limit else { continue }
            // Refused attempts count too (a client hammering stays out). The next attempt fits once all but
            // `limit - 1` of the recorded ones have left the window.
            let blocking = try rows[limit - 1].decode(column: "hit_at", as: Double.self)
            retryAfter = max(retryAfter, Int((blocking + Self.window - time).rounded(.up)))
        }
        if Int.random(in: 0..<50) == 0 {
            try await db.delete(from: "rate_limit_hits").where("hit_at", .lessThan, SQLBind(since)).run()
        }
        if retryAfter > 0 { throw AppError.rateLimited(retryAfter: max(1, retryAfter)) }
    }
}

extension Request {
    /// Counts an attempt at a sign-in, sign-up or verification route, by client address and by identifier.
    func limitAuthAttempt(route: String, identifier: String?) async throws {
        var keys = ["\(route):ip:\(clientAddress)"]
        if let identifier, !identifier.isEmpty { keys.append("\(route):id:\(identifier.lowercased())") }
        try await RateLimiter(db: db as! any SQLDatabase, limit: application.appConfig.authRateLimit).hit(keys)
    }
}
