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

    struct MessageList: Content {
        var messages: [MessageDTO]
        /// Pass as `cursor` for the next (older) page; absent on the last page.
        var nextCursor: String?
    }

    struct MessagePatch: Content {
        var read: Bool?
        var done: Bool?
    }

    /// Newest first, `limit` (1-100, default 50) a page; `?open=true` leaves out the ones marked done;
    /// `cursor` (a previous answer's `nextCursor`) continues after it, as the calls list does.
    @Sendable func list(req: Request) async throws -> MessageList {
        let user = try req.requireUser()
        let cursor = try MessagesQuery.cursor(try? req.query.get(String.self, at: "cursor"))
        var limit = 50
        if let raw = try? req.query.get(String.self, at: "limit"), !raw.isEmpty {
            guard let value = Int(raw), (1...100).contains(value) else { throw AppError.validation("messages_limit_invalid", field: "limit") }
            limit = value
        }
        let page = try await MessagesQuery.page(orgID: user.orgID, openOnly: req.query[Bool.self, at: "open"] == true,
                                                cursor: cursor, limit: limit, on: req.db)
        return MessageList(messages: page.messages.map(MessageDTO.init), nextCursor: page.hasMore ? page.keys.last?.encoded : nil)
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
