import AVACore
import Fluent
import SQLKit
import Vapor

/// `/{locale}/messages`: the messages AVA took for the business (callers it could not book, or who called
/// outside hours), newest first, with a call-back link, the call they came from, and a done/undone switch
/// (plain POST forms with the CSRF field, so it works without JavaScript).
///
/// Read rule: a message is read once the page has shown it to a member of the organisation. The page
/// marks the messages it shows as unread ("New") one last time, then records them as read, so the next visit
/// (and the badge in the navigation) no longer counts them. Marking one done also marks it read.
struct MessagesPageController {
    let locale: AppLocale
    static let path = "/messages"
    static let limit = 200

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("messages")
        pages.get { req in try await list(req) }
        pages.post(":id", "done") { req in try await mark(req, done: true) }
        pages.post(":id", "undone") { req in try await mark(req, done: false) }
    }

    struct Row: Encodable {
        var id: String
        var name: String
        var phone: String
        var tel: String
        var reason: String
        var urgency: String
        var urgencyLabel: String
        var isNew: Bool
        var isDone: Bool
        var when: String
        var doneWhen: String?
        var callHref: String?
    }

    struct Extra: Encodable {
        var messages: [Row]
        var show: String
        var openCount: Int
        var totalCount: Int
        var openLabel: String
        var allLabel: String
        var truncated: Bool
        var notice: String?
    }

    private func list(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let texts = DashboardTexts(locale: locale, timeZone: DashboardTexts.timeZone(of: org), translations: req.application.translations)
        let showOpen = (try? req.query.get(String.self, at: "show")) == "open"
        var query = OwnerMessage.query(on: req.db).filter(\.$org.$id == user.orgID)
        if showOpen { query = query.filter(\.$doneAt == nil) }
        let messages = try await query.sort(\.$createdAt, .descending).limit(Self.limit).all()
        let totalCount = try await OwnerMessage.query(on: req.db).filter(\.$org.$id == user.orgID).count()
        let openCount = try await OwnerMessage.query(on: req.db).filter(\.$org.$id == user.orgID).filter(\.$doneAt == nil).count()

        let rows = messages.map { row($0, texts: texts) }
        // Shown now, so read from now on (see the rule above).
        let unread = messages.filter { $0.readAt == nil }.compactMap(\.id)
        if !unread.isEmpty {
            try await OwnerMessage.query(on: req.db).filter(\.$org.$id == user.orgID).filter(\.$id ~~ unread)
                .filter(\.$readAt == nil).set(\.$readAt, to: Date()).update()
        }
        let notice = (try? req.query.get(String.self, at: "changed")).flatMap { ["done", "undone"].contains($0) ? texts.t("messages_changed_\($0)") : nil }
        let extra = Extra(messages: rows, show: showOpen ? "open" : "all", openCount: openCount, totalCount: totalCount,
                          openLabel: texts.t("messages_filter_open", texts.number(openCount)),
                          allLabel: texts.t("messages_filter_all", texts.number(totalCount)),
                          truncated: messages.count == Self.limit, notice: notice)
        return try await PageRenderer.render(req, "app/messages", page: "messages", titleKey: "title_messages", extra: extra)
    }

    private func row(_ message: OwnerMessage, texts: DashboardTexts) -> Row {
        let id = message.id!.uuidString
        let phone = message.phone.trimmingCharacters(in: .whitespaces)
        return Row(id: id, name: message.name.isEmpty ? texts.t("dash_unknown_caller") : message.name, phone: phone,
                   tel: "tel:" + phone.filter { $0.isNumber || $0 == "+" },
                   reason: message.reason, urgency: message.urgency.rawValue,
                   urgencyLabel: texts.t("messages_urgency_\(message.urgency.rawValue)"),
                   isNew: message.readAt == nil, isDone: message.doneAt != nil,
                   when: texts.when(message.createdAt ?? Date()),
                   doneWhen: message.doneAt.map { texts.t("messages_done_at", texts.when($0)) },
                   callHref: message.callID.map { "/\(locale.rawValue)/calls/\($0.uuidString)" })
    }

    /// Done or not done again; another organisation's message (or a made-up id) is 404.
    private func mark(_ req: Request, done: Bool) async throws -> Response {
        let user = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self),
              let message = try await OwnerMessage.query(on: req.db).filter(\.$id == id).filter(\.$org.$id == user.orgID).first()
        else { throw AppError.notFound }
        let now = Date()
        message.doneAt = done ? (message.doneAt ?? now) : nil
        if message.readAt == nil { message.readAt = now }
        try await message.save(on: req.db)
        let show = (try? req.content.get(String.self, at: "show")) == "open" ? "show=open&" : ""
        return req.redirect(to: PageRenderer.path(locale, Self.path) + "?\(show)changed=\(done ? "done" : "undone")#message-\(id.uuidString)")
    }
}
