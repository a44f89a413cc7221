@testable import App
import Foundation
import Logging
import NIOPosix
import SQLKit
import Testing

/// The webhook's own SQLite connection and its checkpointer: the WAL reaches the database file, and a stream of
/// commits that never pauses still lets the WAL start over instead of growing for as long as it lasts.
@Suite("SQLite: the webhook writer's WAL")
struct SQLiteWriterTests {
    /// As in `configure`: the writer is made first, another connection then turns WAL on. The checkpointer's
    /// connection used to stay in the old mode (it never reads), so nothing ever reached the database file.
    @Test func theCheckpointerCopiesTheWALIntoTheDatabaseFile() async throws {
        try await withWriter { writer, path in
            let other = try DirectSQLiteConnection(path: path)
            try other.execute("PRAGMA journal_mode = WAL")
            other.close()
            try await writer.transaction { sql in try await sql.raw("CREATE TABLE t (v TEXT)").run() }
            for n in 0..<40 {
                try await writer.transaction { sql in
                    try await sql.raw("INSERT INTO t (v) VALUES (\(bind: String(repeating: "\(n % 10)", count: 2_000)))").run()
                }
            }
            #expect(await eventually(timeout: .seconds(5)) { fileSize(path) > 80_000 }, "the rows reach the database file")
        }
    }

    @Test func aStreamOfCommitsThatNeverPausesStillStartsTheWALOver() async throws {
        try await withWriter(restartFrames: 64) { writer, path in
            try await writer.transaction { sql in try await sql.raw("CREATE TABLE t (v TEXT)").run() }
            // About 25,000 frames (100 MB) in a second or two, back to back: without a restart the WAL holds them all.
            let commits = 6_000
            for _ in 0..<commits {
                try await writer.transaction { sql in
                    try await sql.raw("INSERT INTO t (v) VALUES (\(bind: String(repeating: "x", count: 3_000)))").run()
                }
            }
            #expect(writer.restarts.withLockedValue { $0 } >= 1)
            let wal = fileSize(path + "-wal")
            #expect(wal < commits * 4_096, "the WAL started over: \(wal) bytes for \(commits) commits of a 4 KB row or more")
        }
    }

    /// A page's long read still on the old WAL keeps it from starting over, but the writer gives up on the
    /// RESTART after 10 ms instead of waiting for the reader (up to 5 s), and restarts once the reader is done.
    @Test func aLongReadDelaysTheRestartButNotTheWebhooks() async throws {
        try await withWriter(restartFrames: 64) { writer, path in
            try await writer.transaction { sql in try await sql.raw("CREATE TABLE t (v TEXT)").run() }
            let row = String(repeating: "x", count: 3_000)
            try await writer.transaction { sql in try await sql.raw("INSERT INTO t (v) VALUES (\(bind: row))").run() }
            let reader = try DirectSQLiteConnection(path: path)
            defer { reader.close() }
            try reader.execute("BEGIN")
            try reader.query("SELECT count(*) FROM t", binds: []) { _, _ in }

            var slowest = Duration.zero
            let until = ContinuousClock.now + .seconds(1)
            while ContinuousClock.now < until {
                let started = ContinuousClock.now
                try await writer.transaction { sql in try await sql.raw("INSERT INTO t (v) VALUES (\(bind: row))").run() }
                slowest = max(slowest, ContinuousClock.now - started)
            }
            #expect(writer.restarts.withLockedValue { $0 } == 0, "the reader holds the WAL")
            #expect(slowest < .seconds(1), "no commit waited for the reader: \(slowest)")

            try reader.execute("COMMIT")
            let deadline = ContinuousClock.now + .seconds(10)
            while writer.restarts.withLockedValue({ $0 }) == 0 && ContinuousClock.now < deadline {
                try await writer.transaction { sql in try await sql.raw("INSERT INTO t (v) VALUES (\(bind: row))").run() }
            }
            #expect(writer.restarts.withLockedValue { $0 } >= 1)
        }
    }

    private func withWriter(restartFrames: Int = Checkpointer.restartFrames,
                            _ body: (SQLiteWriter, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ava-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ava.sqlite").path
        let writer = try SQLiteWriter(path: path, logger: Logger(label: "test"), eventLoop: MultiThreadedEventLoopGroup.singleton.any(),
                                      restartFrames: restartFrames)
        defer { writer.shutdown() }
        try await body(writer, path)
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
