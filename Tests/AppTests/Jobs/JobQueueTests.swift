@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// Counts runs per job payload, across tasks.
actor RunLog {
    private(set) var runs: [String: Int] = [:]
    func record(_ key: String) -> Int {
        runs[key, default: 0] += 1
        return runs[key]!
    }
    var total: Int { runs.values.reduce(0, +) }
}

struct TestPayload: Codable, Sendable { var name: String }

/// An error whose description carries something secret: it must never reach `last_error`.
struct LeakyError: Error, CustomStringConvertible { var description: String { "token=sk_live_secret" } }

@Suite("Job queue")
struct JobQueueTests {
    @Test func aJobRunsOnceAndIsDone() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.ok") { context in
                let payload = try context.decode(TestPayload.self)
                _ = await log.record(payload.name)
            }
            let job = try await Jobs.enqueue(kind: "test.ok", payload: TestPayload(name: "a"), on: app.db)
            #expect(try await app.jobs.runDue() == 1)
            #expect(try await app.jobs.runDue() == 0)
            let stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "done")
            #expect(stored.attempts == 1)
            #expect(stored.lockedUntil == nil)
            #expect(await log.runs == ["a": 1])
        }
    }

    @Test func aJobDueLaterWaits() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.later") { _ in _ = await log.record("x") }
            try await Jobs.enqueue(kind: "test.later", payload: TestPayload(name: "x"), runAt: Date().addingTimeInterval(3600), on: app.db)
            #expect(try await app.jobs.runDue() == 0)
            #expect(try await app.jobs.runDue(now: Date().addingTimeInterval(3601)) == 1)
            #expect(await log.total == 1)
        }
    }

    @Test func aFailedJobIsRetriedWithBackoffThenSucceeds() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.flaky") { _ in
                if await log.record("flaky") == 1 { throw JobFailure("first try fails") }
            }
            let job = try await Jobs.enqueue(kind: "test.flaky", payload: TestPayload(name: "f"), on: app.db)
            let start = Date()
            #expect(try await app.jobs.runDue(now: start) == 1)
            var stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "queued")
            #expect(stored.attempts == 1)
            #expect(stored.lastError == "first try fails")
            // The first retry waits the base backoff (30 s), not sooner.
            #expect(stored.runAt.timeIntervalSince(start) >= 29)
            #expect(try await app.jobs.runDue(now: start.addingTimeInterval(10)) == 0)
            #expect(try await app.jobs.runDue(now: start.addingTimeInterval(31)) == 1)
            stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "done")
            #expect(stored.attempts == 2)
            #expect(stored.lastError == nil)
        }
    }

    @Test func backoffDoublesUpToACap() {
        let queue = JobQueue(baseBackoff: 30, maxBackoff: 600)
        #expect(queue.backoff(afterAttempts: 1) == 30)
        #expect(queue.backoff(afterAttempts: 2) == 60)
        #expect(queue.backoff(afterAttempts: 3) == 120)
        #expect(queue.backoff(afterAttempts: 10) == 600)
    }

    @Test func afterMaxAttemptsTheJobIsKeptAsFailedWithoutSecrets() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.broken") { _ in
                _ = await log.record("broken")
                throw LeakyError()
            }
            let job = try await Jobs.enqueue(kind: "test.broken", payload: TestPayload(name: "b"), maxAttempts: 3, on: app.db)
            var now = Date()
            for _ in 0..<10 {
                try await app.jobs.runDue(now: now)
                now = now.addingTimeInterval(7200)
            }
            let stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "failed")
            #expect(stored.attempts == 3)
            #expect(await log.total == 3)
            let lastError = try #require(stored.lastError)
            #expect(lastError.contains("LeakyError"))
            #expect(!lastError.contains("sk_live"))
        }
    }

    @Test func anUnknownKindFailsVisibly() async throws {
        try await withAVA { app in
            let job = try await Jobs.enqueue(kind: "test.nobody", payload: TestPayload(name: "n"), maxAttempts: 1, on: app.db)
            try await app.jobs.runDue()
            let stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "failed")
            #expect(stored.lastError?.contains("test.nobody") == true)
        }
    }

    @Test func aJobWhoseWorkerDiedIsClaimedAgainAfterItsLease() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.orphan") { _ in _ = await log.record("orphan") }
            let job = try await Jobs.enqueue(kind: "test.orphan", payload: TestPayload(name: "o"), on: app.db)
            let now = Date()
            // A worker claims it and dies before finishing.
            let claimed = try await app.jobQueue.claim(on: app.db, now: now)
            #expect(claimed.map(\.id) == [job.id])
            #expect(try await app.jobs.runDue(now: now.addingTimeInterval(60)) == 0)
            #expect(await log.total == 0)
            // Past the lease, another worker takes it.
            #expect(try await app.jobs.runDue(now: now.addingTimeInterval(app.jobQueue.lease + 1)) == 1)
            let stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "done")
            #expect(stored.attempts == 2)
            #expect(await log.total == 1)
        }
    }

    @Test func anAbandonedLastTryEndsFailed() async throws {
        try await withAVA { app in
            app.jobs.register("test.last") { _ in }
            let job = try await Jobs.enqueue(kind: "test.last", payload: TestPayload(name: "l"), maxAttempts: 1, on: app.db)
            let now = Date()
            _ = try await app.jobQueue.claim(on: app.db, now: now)
            #expect(try await app.jobs.runDue(now: now.addingTimeInterval(app.jobQueue.lease + 1)) == 0)
            let stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "failed")
            #expect(stored.lastError?.contains("lease") == true)
        }
    }

    @Test func concurrentWorkersRunEachJobExactlyOnce() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.once") { context in
                let payload = try context.decode(TestPayload.self)
                _ = await log.record(payload.name)
                try await Task.sleep(for: .milliseconds(2))
            }
            let count = 60
            for index in 0..<count {
                try await Jobs.enqueue(kind: "test.once", payload: TestPayload(name: "job-\(index)"), on: app.db)
            }
            let ran = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await app.jobs.runDue() }
                }
                return try await group.reduce(0, +)
            }
            #expect(ran == count)
            let runs = await log.runs
            #expect(runs.count == count)
            #expect(runs.values.allSatisfy { $0 == 1 })
            let done = try await JobRecord.query(on: app.db).filter(\.$status == "done").count()
            #expect(done == count)
        }
    }

    @Test func enqueueInsideARolledBackTransactionLeavesNoJob() async throws {
        try await withAVA { app in
            struct Rollback: Error {}
            do {
                try await app.db.transaction { db in
                    try await Jobs.enqueue(kind: "test.tx", payload: TestPayload(name: "t"), on: db)
                    throw Rollback()
                }
                Issue.record("the transaction should have thrown")
            } catch is Rollback {}
            let remaining = try await JobRecord.query(on: app.db).count()
            #expect(remaining == 0)
        }
    }

    @Test func theWorkerRunsJobsInTheBackground() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.bg") { _ in _ = await log.record("bg") }
            let worker = JobWorker(interval: .milliseconds(50))
            worker.start(app)
            try await Jobs.enqueue(kind: "test.bg", payload: TestPayload(name: "bg"), on: app.db)
            for _ in 0..<100 where await log.total == 0 { try await Task.sleep(for: .milliseconds(20)) }
            await worker.stop()
            #expect(await log.total == 1)
        }
    }

    @Test func anOperatorCanQueueAFailedJobAgain() async throws {
        try await withAVA { app in
            let log = RunLog()
            app.jobs.register("test.fixed") { _ in
                if await log.record("fixed") == 1 { throw JobFailure("down") }
            }
            let job = try await Jobs.enqueue(kind: "test.fixed", payload: TestPayload(name: "r"), maxAttempts: 1, on: app.db)
            try await app.jobs.runDue()
            #expect(try await JobRecord.find(job.id, on: app.db)?.status == "failed")
            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["ava", "--retry", job.id!.uuidString]))
            context.application = app
            try await JobsCommand().run(using: &context)
            #expect(try await JobRecord.find(job.id, on: app.db)?.status == "queued")
            try await app.jobs.runDue()
            let stored = try #require(try await JobRecord.find(job.id, on: app.db))
            #expect(stored.status == "done")
            #expect(await log.total == 2)
        }
    }
}
