import Vapor
import FluentKit
import FluentPostgresDriver
import Foundation

/// Errors that mean "the database is out of reach right now" rather than "this request is wrong": PostgreSQL
/// restarting or shutting down, a closed connection, no pooled connection in time, or a write that passed its
/// deadline. They are answered 503 with `Retry-After` (clients and Vapi try again) instead of a bare 500.
enum DatabaseOutage {
    static func isOutage(_ error: any Error) -> Bool {
        switch error {
        case is ConnectionPoolTimeoutError, is ConnectionPoolError, is WriteDeadlineExceeded:
            return true
        case let psql as PSQLError:
            if [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed].contains(psql.code) {
                return true
            }
            // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now; class 08 is connection exceptions.
            let state = psql.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57P") || state.hasPrefix("08")
        case let database as any DatabaseError:
            return database.isConnectionClosed
        case let channel as ChannelError:
            return channel == .ioOnClosedChannel || channel == .alreadyClosed
        case let io as IOError:
            return [ECONNREFUSED, ECONNRESET, EPIPE].contains(io.errnoCode)
        default:
            return false
        }
    }
}

/// A database write that did not finish in time (see `CallEventWriter`).
struct WriteDeadlineExceeded: Error, CustomStringConvertible {
    var description: String { "the database did not commit in time" }
}

extension AppError {
    static let databaseUnavailable = AppError(status: .serviceUnavailable, code: "database_unavailable",
                                              messageKey: "error_database_unavailable", headers: ["Retry-After": "5"])
}
