import Fluent
import Foundation

/// One unit of background work kept in the database (`jobs`), so it survives a restart: a text to send,
/// an email, a reminder. `Jobs.enqueue` writes it; `JobQueue` claims, runs and retries it.
final class JobRecord: Model, @unchecked Sendable {
    static let schema = "jobs"

    enum Status: String, Codable, Sendable, CaseIterable {
        case queued, running, done, failed
    }

    @ID(key: .id) var id: UUID?
    /// Names the handler registered with `JobQueue.register(_:handler:)`.
    @Field(key: "kind") var kind: String
    /// The handler's input, as JSON text.
    @Field(key: "payload") var payload: String
    /// Not before this instant (the next try after a failure, or a reminder's time).
    @Field(key: "run_at") var runAt: Date
    /// Tries started so far (a claim counts one).
    @Field(key: "attempts") var attempts: Int
    @Field(key: "max_attempts") var maxAttempts: Int
    @Field(key: "status") var status: String
    /// Why the last try failed: a short description that never carries a credential.
    @OptionalField(key: "last_error") var lastError: String?
    /// While running: the lease. Past it, the worker is presumed dead and the job can be claimed again.
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var jobStatus: Status? { Status(rawValue: status) }
}
