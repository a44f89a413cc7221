import Fluent
import Vapor

/// `/api/v1/account/sessions` (the signed-in devices) and `/api/v1/export` (the organisation's data).
struct AccountAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("account", "sessions", use: sessions)
        routes.delete("account", "sessions", ":id", use: revoke)
        routes.get("export", use: export)
    }

    struct SessionDTO: Content {
        var id: UUID
        var userAgent: String?
        var ipAddress: String?
        var createdAt: Date?
        var lastSeenAt: Date
        var current: Bool
    }

    struct ListDTO: Content { var items: [SessionDTO] }

    @Sendable func sessions(req: Request) async throws -> ListDTO {
        let current = try req.requireUser()
        let rows = try await AccountService(req: req, user: current).sessions()
        return ListDTO(items: rows.map {
            SessionDTO(id: $0.id!, userAgent: $0.userAgent, ipAddress: $0.ipAddress, createdAt: $0.createdAt,
                       lastSeenAt: $0.lastSeenAt, current: $0.id == current.sessionID)
        })
    }

    @Sendable func revoke(req: Request) async throws -> HTTPStatus {
        let current = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        try await AccountService(req: req, user: current).revoke(id)
        return .noContent
    }

    /// `?format=json` (default) or `?format=csv&table=calls`.
    @Sendable func export(req: Request) async throws -> Response {
        let current = try req.requireUser()
        return try Self.export(req, current: current)
    }

    static func export(_ req: Request, current: CurrentUser) throws -> Response {
        guard current.role == .owner || current.role == .admin else { throw AppError.forbiddenRole }
        let format = (try? req.query.get(String.self, at: "format")) ?? "json"
        switch format {
        case "json":
            return DataExport.jsonResponse(req, orgID: current.orgID)
        case "csv":
            let name = (try? req.query.get(String.self, at: "table")) ?? ""
            guard let table = DataExport.table(named: name) else { throw AppError.validation("export_table_invalid", field: "table") }
            return DataExport.csvResponse(req, orgID: current.orgID, table: table)
        default:
            throw AppError.validation("export_format_invalid", field: "format")
        }
    }
}
