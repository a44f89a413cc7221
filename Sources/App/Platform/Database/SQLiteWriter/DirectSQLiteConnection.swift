import Foundation
import NIOCore
import SQLiteNIO
import VaporCSQLite

/// One SQLite connection driven directly through SQLite's C API, synchronously, by a single thread at a time
/// (SQLiteWriter's). Unlike SQLiteNIO's connection, each statement runs where it is called (no thread-pool
/// round trip) and prepared statements are kept and reused: the webhook's statements are the same few texts,
/// and preparing them (with the triggers they fire) cost more than running them.
final class DirectSQLiteConnection: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        var description: String { "SQLite error \(code): \(message)" }
    }

    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Statement texts vary with the number of rows of a multi-row insert; a bound keeps the cache small.
    private let maxStatements = 64
    /// How many times the busy handler tries before the statement fails with SQLITE_BUSY (see `withBusyLimit`).
    private let busyTries = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init(path: String) throws {
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        var opened: OpaquePointer?
        busyTries.initialize(to: 5_200)
        let status = sqlite_nio_sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            if let opened { sqlite_nio_sqlite3_close_v2(opened) }
            throw Failure(code: status, message: message)
        }
        handle = opened
        // WAL, as configure.swift sets on a new database, but also here: this connection may be opened first (the
        // writer is made before configure reaches that line), and a connection opened before the switch stays in
        // the old mode until it reads. The checkpointer never reads, so its checkpoints did nothing and the WAL
        // grew for as long as the process ran (1.9 GB after a minute of load, the database file still 4 KB).
        try execute("PRAGMA journal_mode = WAL")
        // A WAL that a long burst grew is cut back to 512 MB when it starts over; below that it is reused as it is
        // (see `Checkpointer`).
        try execute("PRAGMA journal_size_limit = 536870912")
        // What Fluent's connections have (foreign keys) and what AVA sets on them (NORMAL: see configure.swift).
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = NORMAL")
        // When another connection holds a lock (a checkpoint ending, a page's write), wait in short steps:
        // SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25 ms… between tries, so a lock held for a
        // millisecond cost a webhook up to 80 ms. 50 µs steps, then 1 ms ones, for about 5 s in all.
        sqlite_nio_sqlite3_busy_handler(opened, { limit, tries in
            if let limit, tries > limit.assumingMemoryBound(to: Int32.self).pointee { return 0 }
            usleep(tries < 200 ? 50 : 1_000)
            return 1
        }, UnsafeMutableRawPointer(busyTries))
    }

    deinit {
        close()
        busyTries.deallocate()
    }

    /// Runs `body` with the busy handler giving up after `tries` (the first 200 are 50 µs apart), for a statement
    /// that may wait on others but must not wait long.
    func withBusyLimit<T>(_ tries: Int32, _ body: () throws -> T) rethrows -> T {
        let usual = busyTries.pointee
        busyTries.pointee = tries
        defer { busyTries.pointee = usual }
        return try body()
    }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs a statement that returns no rows we need.
    func execute(_ sql: String) throws {
        _ = try query(sql, binds: [], onRow: nil)
    }

    /// Runs one statement with its bound values; `onRow` sees each row as (column names, values).
    @discardableResult
    func query(_ sql: String, binds: [SQLiteData], onRow: ((_ columns: [String], _ values: [SQLiteData]) throws -> Void)?) throws -> Int {
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            try check(bind(value, at: Int32(offset + 1), in: statement))
        }
        var columns: [String]?
        var rows = 0
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw failure(status) }
            rows += 1
            guard let onRow else { continue }
            let names = columns ?? (0..<sqlite_nio_sqlite3_column_count(statement)).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
            columns = names
            try onRow(names, (0..<Int32(names.count)).map { value(at: $0, in: statement) })
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        if statements.count >= maxStatements {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old) }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .blob(let buffer):
            buffer.withUnsafeReadableBytes { sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient) }
        case .float(let double):
            sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .integer(let integer):
            sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .null:
            sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(let text):
            sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
        }
    }

    private func value(at index: Int32, in statement: OpaquePointer) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(.init(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT:
            return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            return .text(sqlite_nio_sqlite3_column_text(statement, index).map { String(cString: $0) } ?? "")
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, index) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default:
            return .null
        }
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw failure(status) }
    }

    private func failure(_ status: Int32) -> Failure {
        Failure(code: status, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "closed")
    }
}

/// SQLite copies bound text and blobs before the bind call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
