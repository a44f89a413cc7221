import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import Vapor

/// The webhook's own SQLite connection, on a thread of its own (see `DedicatedThreadExecutor` for why).
///
/// `CallEventWriter` commits every batch of server messages through it when AVA runs on an SQLite file. It is one
/// more connection to the same WAL database: Fluent's pool keeps serving the pages and the jobs, and SQLite
/// serialises the writers (this one waits up to 5 s for the lock). A second thread checkpoints the WAL in the
/// background, so no webhook's commit pays for copying the log into the database file.
final class SQLiteWriter: Sendable {
    private let executor: DedicatedThreadExecutor
    private let connection: DirectSQLiteConnection
    private let database: DirectSQLiteDatabase
    private let checkpointer: Checkpointer

    init(path: String, logger: Logger, eventLoop: any EventLoop) throws {
        connection = try DirectSQLiteConnection(path: path)
        // Commits never checkpoint here; `Checkpointer` does it from its own connection.
        try connection.execute("PRAGMA wal_autocheckpoint = 0")
        executor = DedicatedThreadExecutor(name: "ava-sqlite-writer")
        database = DirectSQLiteDatabase(connection: connection, logger: logger, eventLoop: eventLoop)
        checkpointer = try Checkpointer(path: path, logger: logger)
    }

    /// Runs `body` in one transaction on the writer's thread: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) { [connection, database] in
            try connection.execute("BEGIN IMMEDIATE")
            do {
                let result = try await body(database)
                try connection.execute("COMMIT")
                return result
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// The connections close when the writer is released (after the last transaction).
    func shutdown() {
        checkpointer.stop()
        executor.shutdown()
    }
}

/// Copies the WAL into the database file every 250 ms (PASSIVE: never waits for readers or writers), on a
/// thread and connection of its own.
private final class Checkpointer: @unchecked Sendable {
    private let connection: DirectSQLiteConnection
    private let stopped = NIOLockedValueBox(false)
    private let logger: Logger

    init(path: String, logger: Logger) throws {
        connection = try DirectSQLiteConnection(path: path)
        self.logger = logger
        let thread = Thread { self.loop() }
        thread.name = "ava-sqlite-checkpoint"
        thread.start()
    }

    func stop() { stopped.withLockedValue { $0 = true } }

    private func loop() {
        while !stopped.withLockedValue({ $0 }) {
            Thread.sleep(forTimeInterval: 0.25)
            do {
                try connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        connection.close()
    }
}
