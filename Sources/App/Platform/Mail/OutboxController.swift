import Fluent
import Vapor

/// `/dev/outbox`: the development mailbox. Registered only outside production and without SMTP.
struct OutboxController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let outbox = routes.grouped("dev", "outbox")
        outbox.get(use: index)
        outbox.get(":id", use: show)
    }

    struct Row: Encodable { var id: String; var to: String; var subject: String; var createdAt: String }
    struct IndexExtra: Encodable { var messages: [Row] }
    struct Detail: Encodable {
        var id: String; var from: String; var to: String; var subject: String; var createdAt: String
        var text: String; var html: String
    }
    struct ShowExtra: Encodable { var message: Detail; var links: [String] }

    @Sendable func index(req: Request) async throws -> Response {
        let messages = try await OutboxMessage.query(on: req.db).sort(\.$createdAt, .descending).limit(200).all()
        let rows = messages.map { Row(id: $0.id!.uuidString, to: $0.recipients, subject: $0.subject, createdAt: Self.format($0.createdAt)) }
        return try await PageRenderer.render(req, "outbox/index", page: "outbox", titleKey: "title_outbox", extra: IndexExtra(messages: rows))
    }

    @Sendable func show(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let message = try await OutboxMessage.find(id, on: req.db) else {
            throw AppError.notFound
        }
        let detail = Detail(id: id.uuidString, from: message.sender, to: message.recipients, subject: message.subject,
                            createdAt: Self.format(message.createdAt), text: message.textBody, html: message.htmlBody ?? "")
        let response = try await PageRenderer.render(req, "outbox/show", page: "outbox", titleKey: "title_outbox",
                                                     extra: ShowExtra(message: detail, links: Self.links(in: message.textBody)))
        // The HTML part is an email: it carries inline styles, shown in a sandboxed frame.
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: SecurityHeadersMiddleware.contentSecurityPolicy
            .replacingOccurrences(of: "style-src 'self'", with: "style-src 'self' 'unsafe-inline'"))
        return response
    }

    static func links(in text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).map(String.init).filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
    }

    static func format(_ date: Date?) -> String {
        guard let date else { return "" }
        return ISO8601DateFormatter().string(from: date)
    }
}
