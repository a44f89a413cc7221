import Fluent
import Vapor

/// The development mail transport: messages go to the database and show at `/dev/outbox`, so a newcomer
/// can click their verification link without any mail server.
struct OutboxTransport: MailTransport {
    let databases: Databases
    let logger: Logger

    func send(_ message: MailMessage) async throws {
        guard let db = databases.database(logger: logger, on: databases.eventLoopGroup.any()) else {
            throw Abort(.internalServerError, reason: "no database for the outbox")
        }
        try await OutboxMessage(message).create(on: db)
        logger.info("email kept in the development outbox (/dev/outbox)", metadata: ["subject": "\(message.subject)"])
    }
}
