import Foundation
import NIOConcurrencyHelpers

/// A task executor that runs everything it is given on one thread of its own, in order.
///
/// AVA's SQLite writer (`SQLiteWriter`) prefers it for the webhook's transactions: with the preference set, the
/// transaction's async code (`CallEventSQL` over `DirectSQLiteDatabase`, whose statements complete without
/// suspending) runs start to end on this thread, with no hop between NIO's event loops, SQLite's thread pool and
/// the concurrency pool for each statement. On two cores those hand-offs, not SQLite, were most of a webhook's time.
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false
    private var thread: Thread?

    init(name: String) {
        let thread = Thread { self.loop() }  // the thread keeps the executor until `shutdown()`
        thread.name = name
        self.thread = thread
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once the jobs already queued have run.
    func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty && stopped {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
