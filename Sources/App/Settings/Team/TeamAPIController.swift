import Fluent
import Vapor

/// `/api/v1/team/...`: the same rules as the team page (see `TeamService`).
struct TeamAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let team = routes.grouped("team")
        team.get("members", use: members)
        team.patch("members", ":id", use: changeRole)
        team.delete("members", ":id", use: remove)
        team.get("invites", use: invites)
        team.post("invites", use: invite)
        team.delete("invites", ":id", use: cancel)
    }

    struct MemberDTO: Content {
        var id: UUID
        var name: String
        var email: String
        var role: String
        var joinedAt: Date?
        var isYou: Bool
    }

    struct InviteDTO: Content {
        var id: UUID
        var email: String
        var role: String
        var expiresAt: Date
        var expired: Bool
        var createdAt: Date?
    }

    struct InviteRequest: Content { var email: String?; var role: String? }
    struct RoleRequest: Content { var role: String? }
    struct ListDTO<Item: Content>: Content { var items: [Item] }

    @Sendable func members(req: Request) async throws -> ListDTO<MemberDTO> {
        let current = try req.requireUser()
        let rows = try await TeamService(req: req, user: current).members()
        return ListDTO(items: rows.map { Self.dto($0, current: current) })
    }

    static func dto(_ member: TeamService.Member, current: CurrentUser) -> MemberDTO {
        MemberDTO(id: member.user.id!, name: member.user.name, email: member.user.email, role: member.membership.role.rawValue,
                  joinedAt: member.membership.createdAt, isYou: member.user.id == current.userID)
    }

    static func dto(_ invite: TeamInvite) -> InviteDTO {
        InviteDTO(id: invite.id!, email: invite.email, role: invite.role.rawValue, expiresAt: invite.expiresAt,
                  expired: invite.expiresAt <= Date(), createdAt: invite.createdAt)
    }

    @Sendable func invites(req: Request) async throws -> ListDTO<InviteDTO> {
        let current = try req.requireUser()
        return ListDTO(items: try await TeamService(req: req, user: current).invites().map(Self.dto))
    }

    @Sendable func invite(req: Request) async throws -> Response {
        let current = try req.requireUser()
        let body = try req.decodeJSON(InviteRequest.self)
        let invite = try await TeamService(req: req, user: current).invite(email: body.email ?? "", role: body.role ?? "member")
        return try await Self.dto(invite).encodeResponse(status: .created, for: req)
    }

    @Sendable func cancel(req: Request) async throws -> HTTPStatus {
        let current = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        try await TeamService(req: req, user: current).cancelInvite(id)
        return .noContent
    }

    @Sendable func changeRole(req: Request) async throws -> MemberDTO {
        let current = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        let body = try req.decodeJSON(RoleRequest.self)
        let service = TeamService(req: req, user: current)
        try await service.changeRole(of: id, to: body.role ?? "")
        guard let member = try await service.members().first(where: { $0.user.id == id }) else { throw AppError.notFound }
        return Self.dto(member, current: current)
    }

    @Sendable func remove(req: Request) async throws -> HTTPStatus {
        let current = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        try await TeamService(req: req, user: current).remove(id)
        return .noContent
    }
}
