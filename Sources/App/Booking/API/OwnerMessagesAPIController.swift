import Fluent
import Vapor

/// `/api/v1/booking/messages`: messages callers left for the business (see the takeMessage tool).
/// Every member of the organisation reads them and marks them read or done.
struct OwnerMessagesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let messages = routes.grouped("booking", "messages")
        messages.get(use: list)
        messages.patch(":id", use: update)
    }

    struct MessageDTO: Content {
        var id: UUID
        var callId: UUID?
        var name: String
        var phone: String
        var reason: String
        var urgency: String
        var readAt: Date?
        var doneAt: Date?
        var createdAt: Date?

        init(_ message: OwnerMessage) {
            id = message.id!
            callId = message.callID
            name = message.name
            phone = message.phone
            reason = message.reason
            urgency = message.urgency.rawValue
            readAt = message.readAt
            doneAt = message.doneAt
            createdAt = message.createdAt
        }
    }

    struct MessageList: Content { var messages: [MessageDTO] }

    struct MessagePatch: Content {
        var read: Bool?
        var done: Bool?
    }

    /// Newest first; `?open=true` leaves out the ones marked done.
    @Sendable func list(req: Request) async throws -> MessageList {
        let user = try req.requireUser()
        var query = OwnerMessage.query(on: req.db).filter(\.$org.$id == user.orgID)
        if req.query[Bool.self, at: "open"] == true { query = query.filter(\.$doneAt == nil) }
        let rows = try await query.sort(\.$createdAt, .descending).limit(500).all()
        return MessageList(messages: rows.map(MessageDTO.init))
    }

    @Sendable func update(req: Request) async throws -> MessageDTO {
        let user = try req.requireUser()
        let input = try req.decodeJSON(MessagePatch.self)
        guard let id = req.parameters.get("id", as: UUID.self),
              let message = try await OwnerMessage.query(on: req.db).filter(\.$id == id).filter(\.$org.$id == user.orgID).first()
        else { throw AppError.notFound }
        let now = Date()
        if let read = input.read { message.readAt = read ? (message.readAt ?? now) : nil }
        if let done = input.done {
            message.doneAt = done ? (message.doneAt ?? now) : nil
            if done, message.readAt == nil { message.readAt = now }
        }
        try await message.save(on: req.db)
        return MessageDTO(message)
    }
}
