import Foundation
import SQLKit
import Vapor

/// Counts attempts per key in one-minute windows, in the database, so every AVA process sharing it
/// enforces the same limit. Over the limit, the caller gets 429 with `Retry-After`.
struct RateLimiter {
    static let window: Int64 = 60
    let db: any SQLDatabase
    let limit: Int

    /// Counts one attempt under each key; throws `rate_limited` if any key is over the limit.
    func hit(_ keys: [String], now: Date = Date()) async throws {
        let epoch = Int64(now.timeIntervalSince1970)
        let windowStart = epoch - epoch % Self.window
        var worst = 0
        for key in keys {
            let row = try await db.raw("""
                INSERT INTO rate_limit_buckets (bucket_key, window_start, hits) VALUES (\(bind: key), \(bind: windowStart), 1)
                ON CONFLICT (bucket_key, window_start) DO UPDATE SET hits = rate_limit_buckets.hits + 1
                RETURNING hits
                """).first()
            worst = max(worst, try row?.decode(column: "hits", as: Int.self) ?? 0)
        }
        if worst > limit {
            throw AppError.rateLimited(retryAfter: Int(windowStart + Self.window - epoch))
        }
        // Old windows are useless; sweep them now and then rather than in a separate job.
        if Int.random(in: 0..<100) == 0 {
            try await db.raw("DELETE FROM rate_limit_buckets WHERE window_start < \(bind: windowStart - Self.window)").run()
        }
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
