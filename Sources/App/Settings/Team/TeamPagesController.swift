import AVACore
import Fluent
import Vapor

/// `/{locale}/settings/team` (members, roles, invitations) and `/{locale}/invite/{token}` (joining).
/// Plain forms; a refused form re-renders the page with the reason and the right status.
struct TeamPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let team = routes.grouped(RequireSignInPage()).grouped("settings", "team")
        team.get { req in try await render(req) }
        team.post("invites") { req in try await invite(req) }
        team.post("invites", ":id", "cancel") { req in try await act(req) { try await $0.cancelInvite($1) } }
        team.post("members", ":id", "role") { req in
            let role = (try? req.content.get(String.self, at: "role")) ?? ""
            return try await act(req) { try await $0.changeRole(of: $1, to: role) }
        }
        team.post("members", ":id", "remove") { req in try await act(req) { try await $0.remove($1) } }
        routes.get("invite", ":token") { req in try await invitePage(req) }
        routes.post("invite", ":token") { req in try await acceptInvite(req) }
    }

    struct MemberRow: Encodable { var id: String; var name: String; var email: String; var role: String; var roleLabel: String; var isYou: Bool }
    struct InviteRow: Encodable { var id: String; var email: String; var roleLabel: String; var expires: String; var expired: Bool }
    struct RoleOption: Encodable { var id: String; var label: String; var selected: Bool }
    struct Extra: Encodable {
        var section = "team"
        var members: [MemberRow]
        var invites: [InviteRow]
        var canInvite: Bool
        var isOwner: Bool
        var roles: [RoleOption]
        var formError: String?
        var errorField: String?
        var form: [String: String]
        var savedMessage: String?
    }

    private func render(_ req: Request, error: AppError? = nil, form: [String: String] = [:]) async throws -> Response {
        let current = try req.requireUser()
        let service = TeamService(req: req, user: current)
        let t = { (key: String) in req.t(key, []) }
        let members = try await service.members().map {
            MemberRow(id: $0.user.id!.uuidString, name: $0.user.name, email: $0.user.email, role: $0.membership.role.rawValue,
                      roleLabel: t("team_role_\($0.membership.role.rawValue)"), isYou: $0.user.id == current.userID)
        }
        let canInvite = current.role != .member
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        formatter.dateStyle = .medium
        formatter.timeStyle = .none
        let invites = canInvite ? try await service.invites().map {
            InviteRow(id: $0.id!.uuidString, email: $0.email, roleLabel: t("team_role_\($0.role.rawValue)"),
                      expires: formatter.string(from: $0.expiresAt), expired: $0.expiresAt <= Date())
        } : []
        let roles = (current.role == .owner ? ["member", "admin", "owner"] : ["member", "admin"]).map {
            RoleOption(id: $0, label: t("team_role_\($0)"), selected: $0 == (form["role"] ?? "member"))
        }
        let saved = (try? req.query.get(String.self, at: "saved")).flatMap { ["invited", "cancelled", "role", "removed"].contains($0) ? $0 : nil }
        let extra = Extra(members: members, invites: invites, canInvite: canInvite, isOwner: current.role == .owner, roles: roles,
                          formError: error.map(req.message), errorField: error?.field, form: form,
                          savedMessage: saved.map { t("team_saved_\($0)") })
        return try await PageRenderer.render(req, "app/settings-team", page: "settings", titleKey: "title_settings_team",
                                             status: error?.status ?? .ok, extra: extra, headers: error?.headers ?? [:])
    }

    private func invite(_ req: Request) async throws -> Response {
        let current = try req.requireUser()
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            try await TeamService(req: req, user: current).invite(email: form["email"] ?? "", role: form["role"] ?? "member")
            return req.redirect(to: PageRenderer.path(locale, "/settings/team") + "?saved=invited", redirectType: .normal)
        } catch let error as AppError where error.status.code < 500 {
            return try await render(req, error: error, form: ["email": form["email"] ?? "", "role": form["role"] ?? "member"])
        }
    }

    /// A change to one member or invitation named in the path; refusals (last owner, role) shown on the page.
    private func act(_ req: Request, _ body: (TeamService, UUID) async throws -> Void) async throws -> Response {
        let current = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        do {
            try await body(TeamService(req: req, user: current), id)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound {
            return try await render(req, error: error)
        }
        // Someone who removed themselves has no account left here: back to the login page, signed out.
        if req.url.path.hasSuffix("/remove"), id == current.userID {
            let response = req.redirect(to: PageRenderer.path(locale, "/login", flash: .signedOut), redirectType: .normal)
            AuthCookies.clear(on: response, secure: req.application.appConfig.usesHTTPS)
            return response
        }
        let what = req.url.path.hasSuffix("/cancel") ? "cancelled" : req.url.path.hasSuffix("/role") ? "role" : "removed"
        return req.redirect(to: PageRenderer.path(locale, "/settings/team") + "?saved=\(what)", redirectType: .normal)
    }

    // MARK: Accepting

    struct InviteExtra: Encodable {
        var state: String  // "signup", "problem"
        /// The link's secret, for the form's address (it is in the page's URL already).
        var token: String = ""
        var orgName: String?
        var email: String?
        var roleLabel: String?
        var problem: String?
        var signedIn: Bool
        var form: [String: String]
        var errors: [String: String]?
        var formError: String?
    }

    private func invitePage(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let acceptance = InviteAcceptance(req: req)
        switch try await acceptance.find(token) {
        case .failure(let error):
            return try await renderInvite(req, InviteExtra(state: "problem", problem: req.message(for: error), signedIn: req.auth.has(CurrentUser.self), form: [:]), status: error.status)
        case .success(let invite):
            if let current = req.auth.get(CurrentUser.self) {
                do {
                    try await acceptance.checkSignedIn(current, invite: invite)
                    return req.redirect(to: PageRenderer.path(locale, "/dashboard"), redirectType: .normal)
                } catch let error as AppError {
                    return try await renderInvite(req, InviteExtra(state: "problem", problem: req.message(for: error), signedIn: true, form: [:]), status: error.status)
                }
            }
            if try await User.query(on: req.db).filter(\.$email == invite.email).count() > 0 {
                let error = InviteAcceptance.emailHasAccount
                return try await renderInvite(req, InviteExtra(state: "problem", problem: req.message(for: error), signedIn: false, form: [:]), status: error.status)
            }
            return try await renderInvite(req, try await signupExtra(req, invite, form: [:]))
        }
    }

    private func signupExtra(_ req: Request, _ invite: TeamInvite, form: [String: String]) async throws -> InviteExtra {
        let org = try await Org.find(invite.$org.id, on: req.db)
        return InviteExtra(state: "signup", token: req.parameters.get("token") ?? "", orgName: org?.name, email: invite.email, roleLabel: req.t("team_role_\(invite.role.rawValue)", []),
                           signedIn: false, form: form)
    }

    private func acceptInvite(_ req: Request) async throws -> Response {
        if req.auth.has(CurrentUser.self) { return try await invitePage(req) }
        let token = req.parameters.get("token") ?? ""
        let acceptance = InviteAcceptance(req: req)
        guard case .success(let invite) = try await acceptance.find(token) else { return try await invitePage(req) }
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        let name = form["name"] ?? ""
        let accepted = AuthPagesController.checked(form["acceptTerms"])
        let input = SignupService.Input(email: invite.email, phone: nil, name: name, password: form["password"] ?? "",
                                        acceptTerms: accepted, newsletter: false, locale: locale)
        var extra = try await signupExtra(req, invite, form: ["name": name, "acceptTerms": accepted ? "on" : ""])
        if case .failure(let errors) = SignupService.validate(input) {
            extra.errors = errors.messages(req)
            return try await renderInvite(req, extra, status: .unprocessableEntity)
        }
        do {
            let user = try await acceptance.signUp(invite: invite, name: name, password: form["password"] ?? "", acceptTerms: accepted)
            return try await SignInFlow(request: req).completeForWeb(user: user, rememberMe: false, method: .password, locale: locale, flash: .welcome)
        } catch let error as AppError where error.status.code < 500 {
            extra.formError = req.message(for: error)
            return try await renderInvite(req, extra, status: error.status)
        }
    }

    private func renderInvite(_ req: Request, _ extra: InviteExtra, status: HTTPStatus = .ok) async throws -> Response {
        try await PageRenderer.render(req, "invite", page: "invite", titleKey: "title_invite", status: status, extra: extra)
    }
}
