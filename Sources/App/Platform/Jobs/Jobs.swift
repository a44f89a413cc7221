import Fluent
import Foundation
import SQLKit

/// Puts work in the durable queue. Pass the caller's transaction as `db` so the job exists if and only if
/// what caused it was committed (a booking and its confirmation text go in together or not at all).
enum Jobs {
    static let defaultMaxAttempts = 5

    @discardableResult
    static func enqueue<Payload: Encodable>(kind: String, payload: Payload, runAt: Date = Date(),
                                            maxAttempts: Int = defaultMaxAttempts, requestID: String? = RequestID.current,
                                            on db: any Database) async throws -> JobRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let job = JobRecord()
        job.kind = kind
        // The request that queued it rides along, so its logs and the job's share one `request_id`.
        job.payload = RequestID.tag(payload: String(decoding: try encoder.encode(payload), as: UTF8.self), with: requestID)
        job.runAt = runAt
        job.attempts = 0
        job.maxAttempts = max(1, maxAttempts)
        job.status = JobRecord.Status.queued.rawValue
        try await job.create(on: db)
        return job
    }

    /// A job's `payload` column: the input as sorted JSON, tagged with the request that queued it.
    static func encodedPayload<Payload: Encodable>(_ payload: Payload, requestID: String?) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return RequestID.tag(payload: String(decoding: try encoder.encode(payload), as: UTF8.self), with: requestID)
    }

    /// The same row written with plain SQL, for a transaction that is not Fluent's (the webhook's SQLite writer).
    static func enqueue<Payload: Encodable>(kind: String, payload: Payload, runAt: Date = Date(),
                                            maxAttempts: Int = defaultMaxAttempts, requestID: String? = RequestID.current,
                                            sql: any SQLDatabase) async throws {
        let body = try encodedPayload(payload, requestID: requestID)
        let now = Date()
        try await sql.insert(into: JobRecord.schema)
            .columns("id", "kind", "payload", "run_at", "attempts", "max_attempts", "status", "created_at", "updated_at")
            .values(SQLBind(UUID()), SQLBind(kind), SQLBind(body), SQLBind(runAt), SQLBind(0), SQLBind(max(1, maxAttempts)),
                    SQLBind(JobRecord.Status.queued.rawValue), SQLBind(now), SQLBind(now))
            .run()
    }
}

/// What a handler receives: the job's input and where to do its work.
struct JobContext: Sendable {
    let application: Application
    let jobID: UUID
    let kind: String
    let payload: String
    /// 1 on the first try.
    let attempt: Int
    let logger: Logger
    var db: any Database { application.db }

    func decode<Payload: Decodable>(_ type: Payload.Type) throws -> Payload {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(payload.utf8))
    }
}

/// An error whose text is safe to keep in `jobs.last_error` (shown to operators). Errors that do not
/// conform are kept as their type name only, since their description might carry a secret.
protocol JobReportableError: Error {
    var jobErrorDescription: String { get }
}

/// A failure a handler describes itself.
struct JobFailure: JobReportableError, CustomStringConvertible {
    var message: String
    /// No retry would help (bad payload, record gone): fail the job now.
    var permanent: Bool = false
    init(_ message: String, permanent: Bool = false) { self.message = message; self.permanent = permanent }
    var jobErrorDescription: String { message }
    var description: String { message }
}

import Vapor
