import Fluent
import SQLKit
import Vapor

/// `GET /healthz`: the process is up. `GET /readyz`: it can serve (the database answers and every migration
/// AVA knows is applied). No session, no cookie, no authentication: load balancers and orchestrators call
/// them every few seconds, so each costs at most one small query.
struct HealthController {
    struct Status: Content, Equatable {
        var status: String
        var reason: String?
        var missingMigrations: [String]?
    }

    static func register(on app: Application) {
        app.get("healthz") { _ in try json(.ok, Status(status: "ok")) }
        app.get("readyz") { req in
            let status = await readiness(req.application)
            return try json(status.status == "ok" ? .ok : .serviceUnavailable, status)
        }
    }

    /// Ready when the database answers and `_fluent_migrations` lists every migration of `AppMigrations.all`.
    static func readiness(_ app: Application) async -> Status {
        guard let sql = app.db as? any SQLDatabase else { return Status(status: "unavailable", reason: "no SQL database") }
        struct Row: Decodable { var name: String }
        let applied: [Row]
        do {
            // Reading the migrations table is the trivial query: it proves the connection and the schema at once.
            applied = try await sql.raw("SELECT name FROM _fluent_migrations").all(decoding: Row.self)
        } catch {
            return Status(status: "unavailable", reason: "database unreachable or not migrated")
        }
        let names = Set(applied.map(\.name))
        let missing = AppMigrations.all.map(\.name).filter { !names.contains($0) }
        if !missing.isEmpty {
            return Status(status: "unavailable", reason: "migrations pending: run `ava migrate`", missingMigrations: missing)
        }
        return Status(status: "ok")
    }

    private static func json(_ status: HTTPResponseStatus, _ body: Status) throws -> Response {
        let response = Response(status: status)
        try response.content.encode(body, as: .json)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
