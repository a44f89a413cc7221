import AVACore
import Fluent
import Vapor

/// `/{locale}/settings/account`: profile, email address (changed through a link to the new one, see
/// EmailChangeService), password, two-step verification (managed on the settings hub), signed-in devices,
/// the organisation's data export, and deleting the account. Plain forms.
struct AccountPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let account = routes.grouped(RequireSignInPage()).grouped("settings", "account")
        account.get { req in try await render(req) }
        account.post("profile") { req in
            try await attempt(req, section: "profile") { service, form in try await service.updateName(form["name"] ?? "") }
        }
        account.post("email") { req in
            try await attempt(req, section: "email") { service, form in
                try await EmailChangeService(req: req).request(user: service.user, newEmail: form["newEmail"] ?? "", password: form["password"] ?? "")
            }
        }
        account.post("password") { req in
            try await attempt(req, section: "password") { service, form in
                try await service.changePassword(current: form["currentPassword"] ?? "", new: form["newPassword"] ?? "")
            }
        }
        account.post("sessions", ":id", "revoke") { req in
            guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
            return try await attempt(req, section: "sessions") { service, _ in try await service.revoke(id) }
        }
        account.post("sessions", "revoke-others") { req in
            try await attempt(req, section: "sessions") { service, _ in try await service.revokeOthers() }
        }
        account.get("export.json") { req in try AccountAPIController.export(req, current: try req.requireUser()) }
        account.get("export.csv") { req in
            let current = try req.requireUser()
            guard current.role != .member else { throw AppError.forbiddenRole }
            let name = (try? req.query.get(String.self, at: "table")) ?? ""
            guard let table = DataExport.table(named: name) else { throw AppError.notFound }
            return DataExport.csvResponse(req, orgID: current.orgID, table: table)
        }
        account.post("delete") { req in try await delete(req) }
    }

    struct SessionRow: Encodable { var id: String; var device: String; var ip: String; var lastSeen: String; var current: Bool }
    struct Extra: Encodable {
        var section = "account"
        var name: String
        var email: String
        /// The address waiting for its link to be opened, if any.
        var pendingEmail: String?
        var hasPassword: Bool
        var twoFAEnabled: Bool
        var sessions: [SessionRow]
        var otherSessions: Bool
        var canExport: Bool
        var exportTables: [String]
        var lastOwnerWithTeam: Bool
        var isLastOwner: Bool
        var errorSection: String?
        var formError: String?
        var errorField: String?
        var form: [String: String]
        var saved: String?
    }

    private func render(_ req: Request, errorSection: String? = nil, error: AppError? = nil, form: [String: String] = [:]) async throws -> Response {
        let current = try req.requireUser()
        let service = AccountService(req: req, user: current)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        if let org = try await Org.find(current.orgID, on: req.db) { formatter.timeZone = TimeZone(identifier: org.timezone) }
        formatter.dateStyle = .medium
        formatter.timeStyle = .short
        let sessions = try await service.sessions().map {
            SessionRow(id: $0.id!.uuidString, device: Self.device($0.userAgent, req: req), ip: $0.ipAddress ?? "",
                       lastSeen: formatter.string(from: $0.lastSeenAt), current: $0.id == current.sessionID)
        }
        let owners = try await OrgUser.query(on: req.db).filter(\.$org.$id == current.orgID).filter(\.$role == .owner).count()
        let people = try await OrgUser.query(on: req.db).filter(\.$org.$id == current.orgID).count()
        let isLastOwner = current.role == .owner && owners <= 1
        let saved = (try? req.query.get(String.self, at: "saved")).flatMap { ["profile", "email", "password", "sessions"].contains($0) ? $0 : nil }
        let pendingEmail = try await EmailChangeService(req: req).pending(userID: current.userID)
        let extra = Extra(
            name: errorSection == "profile" ? (form["name"] ?? "") : current.user.name, email: current.user.email, pendingEmail: pendingEmail,
            hasPassword: current.user.hasPassword, twoFAEnabled: current.user.twoFAEnabled,
            sessions: sessions, otherSessions: sessions.contains { !$0.current },
            canExport: current.role != .member, exportTables: DataExport.tables.map(\.name),
            lastOwnerWithTeam: isLastOwner && people > 1, isLastOwner: isLastOwner,
            errorSection: errorSection, formError: error.map(req.message), errorField: error?.field, form: form, saved: saved)
        return try await PageRenderer.render(req, "app/settings-account", page: "settings", titleKey: "title_settings_account",
                                             status: error?.status ?? .ok, extra: extra, headers: error?.headers ?? [:])
    }

    private func attempt(_ req: Request, section: String, _ body: (AccountService, [String: String]) async throws -> Void) async throws -> Response {
        let current = try req.requireUser()
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            try await body(AccountService(req: req, user: current), form)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            // Passwords are never echoed back into the page.
            return try await render(req, errorSection: section, error: error,
                                    form: ["name": form["name"] ?? "", "newEmail": String((form["newEmail"] ?? "").prefix(254))])
        }
        return req.redirect(to: PageRenderer.path(locale, "/settings/account") + "?saved=\(section)#\(section)", redirectType: .normal)
    }

    private func delete(_ req: Request) async throws -> Response {
        let current = try req.requireUser()
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            try await AccountService(req: req, user: current).deleteAccount(password: form["password"] ?? "", typedEmail: form["confirm"] ?? "")
        } catch let error as AppError where error.status.code < 500 {
            return try await render(req, errorSection: "delete", error: error)
        }
        req.auth.logout(CurrentUser.self)
        let response = req.redirect(to: PageRenderer.path(locale, "/login", flash: .accountDeleted), redirectType: .normal)
        AuthCookies.clear(on: response, secure: req.application.appConfig.usesHTTPS)
        return response
    }

    /// "Chrome · macOS" from a user agent: enough to recognise one's own devices; the raw string is in the API.
    static func device(_ userAgent: String?, req: Request) -> String {
        guard let ua = userAgent, !ua.isEmpty else { return req.t("account_device_unknown", []) }
        let browsers: [(String, String)] = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                                            ("Safari/", "Safari"), ("curl/", "curl")]
        let systems: [(String, String)] = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Mac OS X", "macOS"),
                                           ("Windows", "Windows"), ("Linux", "Linux")]
        let browser = browsers.first { ua.contains($0.0) }?.1
        let system = systems.first { ua.contains($0.0) }?.1
        let parts = [browser, system].compactMap { $0 }
        return parts.isEmpty ? String(ua.prefix(60)) : parts.joined(separator: " · ")
    }
}
