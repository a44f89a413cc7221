import Fluent
import Vapor

/// `ava jobs [--retry <id>]`: what the job queue holds, for an operator: counts by status, then the failed
/// jobs with their last error (never a secret, see `JobQueue.describe`). `--retry` queues a failed job again.
struct JobsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "retry", help: "Queue this failed job again (its id), with a fresh count of attempts.")
        var retry: String?

        init() {}
    }

    var help: String { "Shows the background jobs (counts, and the failed ones with their last error); --retry <id> queues a failed job again." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let db = context.application.db
        if let retry = signature.retry {
            guard let id = UUID(uuidString: retry), let job = try await JobRecord.find(id, on: db), job.status == "failed" else {
                context.console.error("No failed job with id \(retry).")
                return
            }
            job.status = JobRecord.Status.queued.rawValue
            job.attempts = 0
            job.runAt = Date()
            job.lockedUntil = nil
            try await job.save(on: db)
            context.console.print("Job \(id) queued again.")
            return
        }
        for status in JobRecord.Status.allCases {
            let count = try await JobRecord.query(on: db).filter(\.$status == status.rawValue).count()
            context.console.print("\(status.rawValue): \(count)")
        }
        let failed = try await JobRecord.query(on: db).filter(\.$status == JobRecord.Status.failed.rawValue)
            .sort(\.$updatedAt, .descending).limit(50).all()
        for job in failed {
            let when = job.updatedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
            context.console.print("\(job.id?.uuidString ?? "-")  \(job.kind)  \(job.attempts)/\(job.maxAttempts) tries  \(when)  \(job.lastError ?? "")")
        }
    }
}
