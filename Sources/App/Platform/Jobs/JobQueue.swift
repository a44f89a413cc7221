import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Runs the jobs of the `jobs` table: claims the due ones atomically (PostgreSQL: `FOR UPDATE SKIP LOCKED`;
/// SQLite: one conditional `UPDATE`, which SQLite runs under its single write lock), runs the handler of
/// their `kind`, and retries failures with exponential backoff until `max_attempts`, after which the job
/// stays `failed` with its last error for an operator to see.
///
/// Several processes may run workers on one PostgreSQL database: a job is claimed by exactly one of them.
/// A claim is a lease (`locked_until`): a worker that dies mid-job leaves it claimable again once the lease
/// has passed.
final class JobQueue: Sendable {
    typealias Handler = @Sendable (JobContext) async throws -> Void

    private let handlers = NIOLockedValueBox<[String: Handler]>([:])
    /// How long (seconds) a claimed job is reserved for its worker.
    let lease: TimeInterval
    /// The first retry waits this long, then twice as long each time, up to `maxBackoff`.
    let baseBackoff: TimeInterval
    let maxBackoff: TimeInterval
    /// Jobs claimed per round.
    let batchSize: Int

    init(lease: TimeInterval = 300, baseBackoff: TimeInterval = 30, maxBackoff: TimeInterval = 3600, batchSize: Int = 20) {
        self.lease = lease
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.batchSize = batchSize
    }

    func register(_ kind: String, handler: @escaping Handler) {
        handlers.withLockedValue { $0[kind] = handler }
    }

    func handler(for kind: String) -> Handler? {
        handlers.withLockedValue { $0[kind] }
    }

    /// The wait before try number `attempts + 1`, after `attempts` failed tries.
    func backoff(afterAttempts attempts: Int) -> TimeInterval {
        let exponent = Double(max(0, attempts - 1))
        return min(maxBackoff, baseBackoff * pow(2, min(exponent, 30)))
    }

    /// Claims and runs every job due at `now`, round after round until none is left. Returns how many ran.
    /// The worker calls it on a timer; tests call it to process the queue synchronously.
    @discardableResult
    func runDue(app: Application, now: Date = Date()) async throws -> Int {
        var total = 0
        while true {
            let claimed = try await claim(on: app.db, now: now)
            if claimed.isEmpty { return total }
            for job in claimed { await run(job, app: app, now: now) }
            total += claimed.count
        }
    }

    // MARK: Claiming

    struct Claimed: Decodable, Sendable {
        var id: UUID
        var kind: String
        var payload: String
        var attempts: Int
        var max_attempts: Int
    }

    /// Marks up to `batchSize` due jobs `running` for this worker and returns them. Due: queued with `run_at`
    /// reached, or running with an expired lease. The claim is one statement, so two workers never get the
    /// same job.
    func claim(on db: any Database, now: Date) async throws -> [Claimed] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let lockedUntil = now.addingTimeInterval(lease)
        try await failAbandoned(sql, now: now)
        let lock = sql.dialect.name == "postgresql" ? "FOR UPDATE SKIP LOCKED" : ""
        let query: SQLQueryString = """
            UPDATE \(ident: JobRecord.schema) SET status = 'running', attempts = attempts + 1, \
            locked_until = \(bind: lockedUntil), updated_at = \(bind: now) \
            WHERE id IN (SELECT id FROM \(ident: JobRecord.schema) \
            WHERE (status = 'queued' AND run_at <= \(bind: now)) OR (status = 'running' AND locked_until < \(bind: now)) \
            ORDER BY run_at LIMIT \(literal: batchSize) \(unsafeRaw: lock)) \
            AND ((status = 'queued' AND run_at <= \(bind: now)) OR (status = 'running' AND locked_until < \(bind: now))) \
            RETURNING id, kind, payload, attempts, max_attempts
            """
        return try await sql.raw(query).all(decoding: Claimed.self)
    }

    /// A running job whose lease expired after its last allowed try (its worker died during it) is not tried
    /// again: it becomes failed.
    private func failAbandoned(_ sql: any SQLDatabase, now: Date) async throws {
        try await sql.update(JobRecord.schema)
            .set("status", to: SQLBind(JobRecord.Status.failed.rawValue))
            .set("last_error", to: SQLBind("the worker stopped during the last try (lease expired)"))
            .set("locked_until", to: SQLLiteral.null)
            .set("updated_at", to: SQLBind(now))
            .where("status", .equal, SQLBind(JobRecord.Status.running.rawValue))
            .where("locked_until", .lessThan, SQLBind(now))
            .where(SQLColumn("attempts"), .greaterThanOrEqual, SQLColumn("max_attempts"))
            .run()
    }

    // MARK: Running

    private func run(_ job: Claimed, app: Application, now: Date) async {
        var logger = app.logger
        logger[metadataKey: "job"] = "\(job.id)"
        logger[metadataKey: "job_kind"] = "\(job.kind)"
        let requestID = RequestID.from(payload: job.payload); logger[metadataKey: "request_id"] = requestID.map { .string($0) }
        let outcome: Result<Void, any Error>
        if let handler = handler(for: job.kind) {
            let context = JobContext(application: app, jobID: job.id, kind: job.kind, payload: job.payload,
                                     attempt: job.attempts, logger: logger)
            do {
                try await RequestID.$current.withValue(requestID) { try await handler(context) }
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(JobFailure("no handler for kind \(job.kind)"))
        }
        if case .failure(let error) = outcome { app.appMetrics.jobFailed(kind: job.kind, final: (error as? JobFailure)?.permanent == true || job.attempts >= job.max_attempts) }
        do {
            try await finish(job, outcome: outcome, on: app.db, logger: logger, now: now)
        } catch {
            // The lease will expire and the job will be tried again: at least once, never lost.
            logger.error("could not record a job's outcome", metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
    }

    private func finish(_ job: Claimed, outcome: Result<Void, any Error>, on db: any Database, logger: Logger, now: Date) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let update = sql.update(JobRecord.schema)
            .set("locked_until", to: SQLLiteral.null)
            .set("updated_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(job.id))
            .where("status", .equal, SQLBind(JobRecord.Status.running.rawValue))
        switch outcome {
        case .success:
            try await update.set("status", to: SQLBind(JobRecord.Status.done.rawValue))
                .set("last_error", to: SQLLiteral.null).run()
        case .failure(let error):
            let description = Self.describe(error)
            let permanent = (error as? JobFailure)?.permanent == true
            if permanent || job.attempts >= job.max_attempts {
                logger.error("job failed for good", metadata: ["attempts": "\(job.attempts)", "error": "\(description)"])
                try await update.set("status", to: SQLBind(JobRecord.Status.failed.rawValue))
                    .set("last_error", to: SQLBind(description)).run()
            } else {
                // From the failure, not from the start of the round: a try that took longer than the backoff
                // (a slow Vapi) must not be due again at once.
                let retryAt = max(now, Date()).addingTimeInterval(backoff(afterAttempts: job.attempts))
                logger.warning("job failed, will retry", metadata: ["attempts": "\(job.attempts)", "error": "\(description)"])
                try await update.set("status", to: SQLBind(JobRecord.Status.queued.rawValue))
                    .set("run_at", to: SQLBind(retryAt))
                    .set("last_error", to: SQLBind(description)).run()
            }
        }
    }

    /// A failure's text for `last_error`: its own safe description, or only its type.
    static func describe(_ error: any Error) -> String {
        let text = (error as? any JobReportableError)?.jobErrorDescription ?? String(reflecting: type(of: error))
        return String(text.prefix(500))
    }
}

extension Application {
    private struct JobQueueKey: StorageKey { typealias Value = JobQueue }

    /// The job queue: register handlers with `app.jobs.register`, run due jobs with `app.jobs.runDue()`.
    var jobs: JobQueueHandle { JobQueueHandle(app: self) }

    /// Installed by `configureJobs` (called from `configure`).
    var jobQueue: JobQueue {
        get {
            guard let queue = storage[JobQueueKey.self] else { fatalError("configure() sets up the job queue first") }
            return queue
        }
        set { storage[JobQueueKey.self] = newValue }
    }
}

/// `app.jobs`: the queue bound to its application.
struct JobQueueHandle: Sendable {
    let app: Application

    func register(_ kind: String, handler: @escaping JobQueue.Handler) { app.jobQueue.register(kind, handler: handler) }

    @discardableResult
    func runDue(now: Date = Date()) async throws -> Int { try await app.jobQueue.runDue(app: app, now: now) }
}
