import AVACore
import Fluent
import SQLKit
import Vapor

/// `/{locale}/messages`: the messages AVA took for the business (callers it could not book, or who called
/// outside hours), newest first, 50 a page ("Older messages" / "Newer" links carrying a keyset cursor, as
/// the calls list; a bad cursor is a 422 with a way back to the newest), with a call-back link, the call they
/// came from, and a done/undone switch (plain POST forms with the CSRF field, so it works without JavaScript).
///
/// Read rule: a message is read once the page has shown it to a member of the organisation. The page
/// marks the messages it shows as unread ("New") one last time, then records them as read, so the next visit
/// (and the badge in the navigation) no longer counts them. Marking one done also marks it read.
struct MessagesPageController {
    let locale: AppLocale
    static let path = "/messages"
    /// Messages per page.
    static let limit = 50

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
        /// Where this page sits, for the done/undone forms to come back to it.
        var cursor: String?
        var newer: String?
        var olderHref: String?
        var newerHref: String?
        var newestHref: String?
        var formError: String?
        var notice: String?
    }

    private func list(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let texts = DashboardTexts(locale: locale, timeZone: DashboardTexts.timeZone(of: org), translations: req.application.translations)
        let showOpen = (try? req.query.get(String.self, at: "show")) == "open"
        let rawCursor = (try? req.query.get(String.self, at: "cursor")) ?? ""
        let rawNewer = (try? req.query.get(String.self, at: "newer")) ?? ""
        let (totalCount, openCount) = try await MessagesQuery.counts(orgID: user.orgID, on: req.db)

        var messages: [OwnerMessage] = []
        var olderHref: String?, newerHref: String?
        var error: AppError?
        do {
            // "Newer" pages read upwards from the first message of the page the owner was on; once nothing
            // newer is left above them, the newest page is shown instead (full, and with new arrivals).
            var page: MessagesQuery.Page
            var onNewest = true
            if let newer = try MessagesQuery.cursor(rawNewer) {
                page = try await MessagesQuery.page(orgID: user.orgID, openOnly: showOpen, cursor: newer, direction: .newer,
                                                    limit: Self.limit, on: req.db)
                if page.hasMore {
                    onNewest = false
                    // Reading upwards, what lies below is at least the message the cursor names.
                    olderHref = page.keys.last.map { link(show: showOpen, cursor: $0.encoded) }
                } else {
                    page = try await MessagesQuery.page(orgID: user.orgID, openOnly: showOpen, cursor: nil, limit: Self.limit, on: req.db)
                    if page.hasMore { olderHref = page.keys.last.map { link(show: showOpen, cursor: $0.encoded) } }
                }
            } else {
                let cursor = try MessagesQuery.cursor(rawCursor)
                page = try await MessagesQuery.page(orgID: user.orgID, openOnly: showOpen, cursor: cursor, limit: Self.limit, on: req.db)
                onNewest = cursor == nil
                if page.hasMore { olderHref = page.keys.last.map { link(show: showOpen, cursor: $0.encoded) } }
            }
            if !onNewest { newerHref = page.keys.first.map { link(show: showOpen, newer: $0.encoded) } ?? link(show: showOpen) }
            messages = page.messages
        } catch let failure as AppError where failure.status == .unprocessableEntity {
            error = failure
        }

        let rows = messages.map { row($0, texts: texts) }
        // Shown now, so read from now on (see the rule above): only this page's messages.
        let unread = messages.filter { $0.readAt == nil }.compactMap(\.id)
        if !unread.isEmpty {
            try await OwnerMessage.query(on: req.db).filter(\.$org.$id == user.orgID).filter(\.$id ~~ unread)
                .filter(\.$readAt == nil).set(\.$readAt, to: Date()).update()
        }
        let notice = (try? req.query.get(String.self, at: "changed")).flatMap { ["done", "undone"].contains($0) ? texts.t("messages_changed_\($0)") : nil }
        let paged = !rawCursor.isEmpty || !rawNewer.isEmpty
        let extra = Extra(messages: rows, show: showOpen ? "open" : "all", openCount: openCount, totalCount: totalCount,
                          openLabel: texts.t("messages_filter_open", texts.number(openCount)),
                          allLabel: texts.t("messages_filter_all", texts.number(totalCount)),
                          cursor: error == nil && rawNewer.isEmpty && !rawCursor.isEmpty ? rawCursor : nil,
                          newer: error == nil && !rawNewer.isEmpty && newerHref != nil ? rawNewer : nil,
                          olderHref: olderHref, newerHref: newerHref,
                          newestHref: paged && (error != nil || newerHref != nil) ? link(show: showOpen) : nil,
                          formError: error.map(req.message), notice: notice)
        return try await PageRenderer.render(req, "app/messages", page: "messages", titleKey: "title_messages",
                                             status: error == nil ? .ok : .unprocessableEntity, extra: extra)
    }

    /// The list's address with the filter kept (`show` first, as the done/undone redirects write it).
    private func link(show open: Bool, cursor: String? = nil, newer: String? = nil) -> String {
        var items: [URLQueryItem] = []
        if open { items.append(URLQueryItem(name: "show", value: "open")) }
        if let cursor { items.append(URLQueryItem(name: "cursor", value: cursor)) }
        if let newer { items.append(URLQueryItem(name: "newer", value: newer)) }
        var components = URLComponents()
        components.queryItems = items
        return PageRenderer.path(locale, Self.path) + (items.isEmpty ? "" : (components.string ?? ""))
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
        // Back to the same page of the same list: the filter and the page's cursor come with the form.
        var items: [URLQueryItem] = []
        if (try? req.content.get(String.self, at: "show")) == "open" { items.append(URLQueryItem(name: "show", value: "open")) }
        for key in ["cursor", "newer"] {
            if let value = try? req.content.get(String.self, at: key), !value.isEmpty, CallCursor(value) != nil {
                items.append(URLQueryItem(name: key, value: value))
            }
        }
        items.append(URLQueryItem(name: "changed", value: done ? "done" : "undone"))
        var components = URLComponents()
        components.queryItems = items
        return req.redirect(to: PageRenderer.path(locale, Self.path) + (components.string ?? "") + "#message-\(id.uuidString)")
    }
}
