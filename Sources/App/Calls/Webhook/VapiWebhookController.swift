import AVACore
import Fluent
import Vapor

/// `POST /api/v1/webhooks/vapi/{orgToken}`: every server message Vapi sends during and after a call.
/// The event is committed before AVA answers; the four types Vapi waits on get their answer in the body.
struct VapiWebhookController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("webhooks", "vapi")
            .on(.POST, ":orgToken", body: .collect(maxSize: "2mb"), use: receive)
    }

    @Sendable func receive(req: Request) async throws -> Response {
        let token = req.parameters.get("orgToken") ?? ""
        let body = req.body.data.map { Array($0.readableBytesView) } ?? []
        // Nothing is read, stored or answered before the caller proves who it is.
        guard let org = try await req.application.webhookOrgs.find(token: token, on: req.db),
              VapiWebhookAuth.verify(headers: req.headers, body: body, config: req.application.appConfig) else {
            throw AppError.webhookUnauthorized
        }
        let message: VapiServerMessage
        do {
            message = try JSONDecoder().decode(VapiWebhookEnvelope.self, from: Data(body)).message
        } catch {
            throw AppError.webhookMalformed
        }
        let answer = try await VapiWebhookProcessor(app: req.application, logger: req.logger)
            .process(message, body: String(decoding: body, as: UTF8.self), org: org, simulated: false)
        return try Self.json(answer)
    }

    static func json(_ answer: WebhookAnswer) throws -> Response {
        let response = Response(status: .ok)
        response.headers.contentType = .json
        response.body = .init(data: try JSONEncoder().encode(answer))
        return response
    }
}

/// The answer to a server message: `{}` for informational types, or what Vapi expects for the four it waits on.
struct WebhookAnswer: Encodable, Sendable {
    var assistantId: String?
    var assistant: VapiAssistantRequest?
    var destination: Destination?
    var message: SpokenMessage?
    var results: [ToolCallResult]?
    var documents: [String]?
    var error: String?

    struct Destination: Encodable, Sendable {
        var type = "number"
        var number: String
        var message: String?
    }

    /// `CustomMessage`: what the assistant says while transferring.
    struct SpokenMessage: Encodable, Sendable {
        var type = "request-start"
        var content: String
    }

    struct ToolCallResult: Encodable, Sendable, Equatable {
        var toolCallId: String
        var name: String
        var result: String?
        var error: String?
    }

    static let empty = WebhookAnswer()
}

/// Turns one authenticated server message into stored state and an answer. The simulator calls it too, so a
/// simulated call goes through exactly the same code as a real one.
struct VapiWebhookProcessor {
    let app: Application
    let logger: Logger

    func process(_ message: VapiServerMessage, body: String, org: WebhookOrg, simulated: Bool) async throws -> WebhookAnswer {
        let event = IncomingCallEvent(org: org, message: message, body: body, receivedAt: Date(), simulated: simulated)
        app.appMetrics.webhookEvent(message.type)
        let db = app.db
        let locale = AppLocale(rawValue: org.locale) ?? .fallback
        let writer = app.callEventWriter
        let store: @Sendable () async throws -> StoredCallEvent = { [app] in try await writer.store(event, db: { app.db }) }
        switch message.type {
        case "assistant-request":
            // The answer only reads: it is worked out while the event commits, and sent once the event is durable.
            async let stored = store()
            let answer = try await AssistantRequestAnswer(app: app, db: db).answer(message, org: org, locale: locale)
            _ = try await stored
            return answer
        case "tool-calls" where ToolCallsAnswer.onlyReads(message):
            // The same for tools that change nothing (checking free slots, finding appointments, the transfer number).
            async let stored = store()
            let answer = try await ToolCallsAnswer(app: app, db: db, logger: logger).answer(message, org: org, callID: nil, locale: locale)
            noteReplay(try await stored, message)
            return answer
        case "tool-calls":
            // A booking or a message is tied to the stored call, so the event is committed first.
            let stored = try await store()
            noteReplay(stored, message)
            return try await ToolCallsAnswer(app: app, db: db, logger: logger)
                .answer(message, org: org, callID: stored.callID, locale: locale)
        case "transfer-destination-request":
            let stored = try await store()
            return try await TransferAnswer(db: db).answer(org: org, callID: stored.callID, locale: locale)
        case "knowledge-base-request":
            _ = try await store()
            return WebhookAnswer(documents: [])
        default:
            _ = try await store()
            return .empty
        }
    }

    private func noteReplay(_ stored: StoredCallEvent, _ message: VapiServerMessage) {
        if stored.duplicate, message.callID != nil {
            logger.notice("a tool-calls message was delivered twice", metadata: ["type": "\(message.type)"])
        }
    }
}
