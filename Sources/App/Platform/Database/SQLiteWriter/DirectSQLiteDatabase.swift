import Foundation
import Logging
import NIOCore
import SQLKit
import SQLiteKit

/// SQLKit's view of a `DirectSQLiteConnection`, so the webhook's statements (`CallEventSQL`) are written once, with
/// bound parameters, for PostgreSQL, SQLite through Fluent and SQLite through the writer. Statements run
/// synchronously on the calling thread (SQLiteWriter's) and complete before `execute` returns: nothing suspends.
struct DirectSQLiteDatabase: SQLDatabase {
    let connection: DirectSQLiteConnection
    let logger: Logger
    let eventLoop: any EventLoop

    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try run(query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) throws {
        let (sql, binds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        let values = try binds.map { try encoder.encode($0) }
        try connection.query(sql, binds: values) { columns, row in
            onRow(DirectSQLiteRow(columns: columns, values: row))
        }
    }
}

/// A row read by `DirectSQLiteConnection`, decoded as Fluent's SQLite rows are (`SQLiteDataDecoder`).
struct DirectSQLiteRow: SQLRow {
    let columns: [String]
    let values: [SQLiteData]

    var allColumns: [String] { columns }

    func contains(column: String) -> Bool { columns.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.firstIndex(of: column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.firstIndex(of: column) else {
            throw DecodingError.keyNotFound(SomeKey(column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        return try SQLiteDataDecoder().decode(D.self, from: values[index])
    }

    private struct SomeKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
