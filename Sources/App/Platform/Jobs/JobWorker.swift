import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Runs due jobs in the background while the application runs: every `interval`, `runDue`. Started with the
/// application, except in tests (`.testing`), which call `app.jobs.runDue()` themselves or start a worker.
final class JobWorker: LifecycleHandler, Sendable {
    let interval: Duration
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(interval: Duration = .seconds(2)) {
        self.interval = interval
    }

    func didBootAsync(_ application: Application) async throws {
        start(application)
    }

    func shutdownAsync(_ application: Application) async {
        await stop()
    }

    func start(_ application: Application) {
        let interval = self.interval
        let newTask = Task { [application] in
            while !Task.isCancelled {
                do {
                    try await application.jobs.runDue()
                } catch {
                    // A database hiccup: the next round tries again.
                    application.logger.error("job worker round failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLockedValue { $0?.cancel(); $0 = newTask }
    }

    func stop() async {
        let running = task.withLockedValue { current -> Task<Void, Never>? in
            defer { current = nil }
            return current
        }
        running?.cancel()
        await running?.value
    }
}

/// Sets up the queue, its handlers and (outside tests) its worker. Called from `configure`.
func configureJobs(_ app: Application) {
    app.jobQueue = JobQueue()
    app.asyncCommands.use(JobsCommand(), as: "jobs")
    registerBookingNotificationJobs(app)
    registerCallJobs(app)
    // Only the server works the queue (not `ava migrate`, `ava routes`...), and tests start it explicitly.
    let command = CommandLine.arguments.dropFirst().first
    let serving = command == nil || command == "serve" || command?.hasPrefix("-") == true
    if app.environment != .testing && serving {
        app.lifecycle.use(JobWorker())
    }
}
