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
    private let logger: Logger

    /// WAL restarts done (see `Checkpointer`), for tests.
    let restarts = NIOLockedValueBox(0)

    init(path: String, logger: Logger, eventLoop: any EventLoop, restartFrames: Int = Checkpointer.restartFrames) throws {
        connection = try DirectSQLiteConnection(path: path)
        // Commits never checkpoint here; `Checkpointer` does it from its own connection.
        try connection.execute("PRAGMA wal_autocheckpoint = 0")
        executor = DedicatedThreadExecutor(name: "ava-sqlite-writer")
        database = DirectSQLiteDatabase(connection: connection, logger: logger, eventLoop: eventLoop)
        checkpointer = try Checkpointer(path: path, logger: logger, restartFrames: restartFrames)
        self.logger = logger
    }

    /// Runs `body` in one transaction on the writer's thread: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) { [self] in
            try connection.execute("BEGIN IMMEDIATE")
            do {
                let result = try await body(database)
                try connection.execute("COMMIT")
                restartIfDue()
                return result
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Between two of its transactions, when the checkpointer asks: the writer then waits for no other writer, and
    /// the pause (the last frames' copy and the syncs, 20-40 ms on these machines) comes once per 256 MB of WAL.
    /// A RESTART also waits for readers still on the old WAL (a long page query): at most 10 ms here, else it gives
    /// up and the checkpointer asks again a moment later.
    private func restartIfDue() {
        guard checkpointer.restartDue.withLockedValue({ due in defer { due = false }; return due }) else { return }
        do {
            var blocked = 1
            try connection.withBusyLimit(200) {
                try connection.query("PRAGMA wal_checkpoint(RESTART)", binds: []) { _, values in
                    blocked = values.first?.integer ?? 1  // (blocked, frames in the WAL, frames copied)
                }
            }
            if blocked == 0 { restarts.withLockedValue { $0 += 1 } }
        } catch {
            logger.warning("WAL restart failed", metadata: ["error": "\(error)"])
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
///
/// Under a steady stream of commits a PASSIVE checkpoint is always a few commits behind, and SQLite only starts
/// the WAL over once everything in it is copied: the file would grow for as long as the stream lasts (1.9 GB
/// after a minute of webhooks, and commits stalling 30-70 ms while the file grew). So when the WAL holds more than
/// `restartFrames`, the checkpointer catches up until little is left and asks the writer (`restartDue`) for a
/// RESTART checkpoint after its next commit: the next transaction then writes from the WAL's start. A RESTART
/// holds the writer back for its syncs (20-40 ms here), so it must be rare: 256 MB of WAL is one every few seconds
/// under a sustained 5,000 events a second (16 MB made it four times a second, and the ingest p99 25 ms). The
/// file is then reused as it is (`journal_size_limit` is above it): cutting it and growing it again stalls commits.
/// When no commit comes, none is needed: the next PASSIVE copies everything and SQLite starts the WAL over itself.
final class Checkpointer: @unchecked Sendable {
    /// 65,536 pages: 256 MB with SQLite's 4 KB pages.
    static let restartFrames = 65_536
    /// Frames a RESTART may have left to copy: 1 MB.
    static let restartGap = 256

    private let connection: DirectSQLiteConnection
    private let stopped = NIOLockedValueBox(false)
    /// Set when the writer should run a RESTART checkpoint after its next commit.
    let restartDue = NIOLockedValueBox(false)
    private let logger: Logger

    private let restartFrames: Int

    init(path: String, logger: Logger, restartFrames: Int) throws {
        connection = try DirectSQLiteConnection(path: path)
        self.logger = logger
        self.restartFrames = restartFrames
        let thread = Thread { self.loop() }
        thread.name = "ava-sqlite-checkpoint"
        thread.start()
    }

    func stop() { stopped.withLockedValue { $0 = true } }

    private func checkpoint() throws {
        var (frames, copied) = try passive()
        guard frames > restartFrames else { return }
        // Catch up first (each PASSIVE copies what came in during the one before), so that the RESTART, which
        // holds writers back, has only the last few frames to copy.
        var rounds = 0
        while frames - copied > Self.restartGap && rounds < 8 {
            (frames, copied) = try passive()
            rounds += 1
        }
        restartDue.withLockedValue { $0 = true }
    }

    /// Frames in the WAL, and how many of them are in the database file now.
    private func passive() throws -> (frames: Int, copied: Int) {
        var result = (frames: 0, copied: 0)
        try connection.query("PRAGMA wal_checkpoint(PASSIVE)", binds: []) { _, values in
            // (busy, frames in the WAL, frames copied)
            if values.count == 3 { result = (values[1].integer ?? 0, values[2].integer ?? 0) }
        }
        return result
    }

    private func loop() {
        while !stopped.withLockedValue({ $0 }) {
            Thread.sleep(forTimeInterval: 0.25)
            do {
                try checkpoint()
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        connection.close()
    }
}
