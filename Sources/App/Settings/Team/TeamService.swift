import AVACore
import Fluent
import SQLKit
import Vapor

/// The organisation's team: who is in it, invitations, role changes and removals.
///
/// Rules (the JSON API and the pages share them):
/// - owners invite any role, change roles and remove members (themselves too, unless they are the last owner);
/// - admins invite members and admins; members only look;
/// - a person belongs to ONE organisation (the rest of AVA picks "the" organisation of a user, see
///   `SessionAuthenticator`). So an invitation is accepted by a new person, who signs up on the invitation
///   page; an email that already has an AVA account gets a clear refusal (its owner can delete that account
///   in Settings › Account, or be invited at another address). Removing someone deletes their membership and
///   their account with it (an account without an organisation could not be used), and signs them out.
struct TeamService {
    let req: Request
    let user: CurrentUser

    private var db: any Database { req.db }

    static let forbiddenInviteRole = AppError(status: .forbidden, code: "role_not_allowed", messageKey: "error_role_not_allowed")
    static let lastOwner = AppError(status: .conflict, code: "last_owner", messageKey: "error_last_owner")
    static let alreadyMember = AppError(status: .conflict, code: "already_member", messageKey: "error_already_member", field: "email")

    // MARK: Reading

    struct Member: Sendable {
        var membership: OrgUser
        var user: User
    }

    func members() async throws -> [Member] {
        let rows = try await OrgUser.query(on: db).filter(\.$org.$id == user.orgID).with(\.$user).sort(\.$createdAt).all()
        return rows.map { Member(membership: $0, user: $0.user) }
    }

    /// Invitations not yet accepted (expired ones too, marked so, until someone cancels them).
    func invites() async throws -> [TeamInvite] {
        try await TeamInvite.query(on: db).filter(\.$org.$id == user.orgID).filter(\.$acceptedAt == nil)
            .sort(\.$createdAt, .descending).all()
    }

    // MARK: Inviting

    /// Creates (or renews) the invitation and emails its link. Returns the invitation.
    @discardableResult
    func invite(email raw: String, role rawRole: String) async throws -> TeamInvite {
        guard user.role == .owner || user.role == .admin else { throw AppError.forbiddenRole }
        guard let role = OrgUser.Role(rawValue: rawRole.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw AppError.validation("role_invalid", field: "role")
        }
        if role == .owner, user.role != .owner { throw Self.forbiddenInviteRole }
        guard let email = EmailAddress.normalize(raw) else { throw AppError.validation("invalid_email", field: "email") }
        // Sensible limits: a team grows by a few people at a time; this stops an account mailing strangers in bulk.
        try await RateLimiter(db: db as! any SQLDatabase, limit: 10).hit(["team-invite:org:\(user.orgID)", "team-invite:email:\(email)"])
        if let existing = try await User.query(on: db).filter(\.$email == email).first() {
            let inThisOrg = try await OrgUser.query(on: db).filter(\.$org.$id == user.orgID).filter(\.$user.$id == existing.id!).count() > 0
            throw inThisOrg ? Self.alreadyMember
                : AppError(status: .conflict, code: "invite_email_has_account", messageKey: "error_invite_email_has_account", field: "email")
        }
        let secret = Data([UInt8].random(count: 32)).base64URLEncodedString()
        let invite = TeamInvite(orgID: user.orgID, email: email, role: role, tokenHash: sha256Hex(secret),
                                expiresAt: Date().addingTimeInterval(TeamInvite.lifetime), invitedBy: user.userID)
        try await db.transaction { tx in
            // One live invitation per address: inviting again replaces the old link.
            try await TeamInvite.query(on: tx).filter(\.$org.$id == user.orgID).filter(\.$email == email)
                .filter(\.$acceptedAt == nil).delete()
            try await invite.create(on: tx)
        }
        await sendEmail(invite, secret: secret)
        return invite
    }

    func cancelInvite(_ id: UUID) async throws {
        guard user.role == .owner || user.role == .admin else { throw AppError.forbiddenRole }
        guard let invite = try await TeamInvite.query(on: db).filter(\.$id == id).filter(\.$org.$id == user.orgID)
            .filter(\.$acceptedAt == nil).first() else { throw AppError.notFound }
        try await invite.delete(on: db)
    }

    private func sendEmail(_ invite: TeamInvite, secret: String) async {
        let locale = req.appLocale
        let org = try? await Org.find(user.orgID, on: db)
        let link = "\(req.application.appConfig.publicURL)/\(locale.rawValue)/invite/\(secret)"
        let roleName = req.application.translations.text("team_role_\(invite.role.rawValue)", locale)
        let email = Email(
            subject: .init("email_invite_subject", org?.name ?? "AVA"),
            paragraphs: [.init("email_invite_intro", user.user.name, org?.name ?? "AVA", roleName)],
            button: (.init("email_invite_button"), link),
            notes: [.init("email_invite_expiry"), .init("email_invite_ignore")])
        do {
            try await req.application.mailer.send(email, toAddress: invite.email, locale: locale)
        } catch {
            req.logger.error("could not send the invitation email", metadata: ["invite": "\(invite.id?.uuidString ?? "-")",
                                                                                "error": "\(String(reflecting: type(of: error)))"])
        }
    }

    // MARK: Changing the team

    /// The membership of `userID` in this organisation, or 404 (another organisation's people do not exist here).
    private func membership(of userID: UUID) async throws -> OrgUser {
        guard let row = try await OrgUser.query(on: db).filter(\.$org.$id == user.orgID).filter(\.$user.$id == userID).first()
        else { throw AppError.notFound }
        return row
    }

    func changeRole(of userID: UUID, to rawRole: String) async throws {
        guard user.role == .owner else { throw AppError.forbiddenRole }
        guard let role = OrgUser.Role(rawValue: rawRole.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw AppError.validation("role_invalid", field: "role")
        }
        let row = try await membership(of: userID)
        if row.role == role { return }
        try await db.transaction { tx in
            if row.role == .owner, try await ownerCount(on: tx) <= 1 { throw Self.lastOwner }
            row.role = role
            try await row.save(on: tx)
        }
    }

    func remove(_ userID: UUID) async throws {
        guard user.role == .owner else { throw AppError.forbiddenRole }
        let row = try await membership(of: userID)
        try await db.transaction { tx in
            if row.role == .owner, try await ownerCount(on: tx) <= 1 { throw Self.lastOwner }
            try await row.delete(on: tx)
            // One organisation per person: with no membership left the account goes too (cascading to its
            // sessions, tokens and devices), which also signs it out everywhere at once.
            if try await OrgUser.query(on: tx).filter(\.$user.$id == userID).count() == 0 {
                try await User.query(on: tx).filter(\.$id == userID).delete()
            } else {
                try await AuthSession.query(on: tx).filter(\.$user.$id == userID).filter(\.$revokedAt == nil)
                    .set(\.$revokedAt, to: Date()).set(\.$revokedReason, to: "removed_from_team").update()
            }
        }
    }

    private func ownerCount(on db: any Database) async throws -> Int {
        try await OrgUser.query(on: db).filter(\.$org.$id == user.orgID).filter(\.$role == .owner).count()
    }
}

// MARK: - Accepting

/// What the invitation link leads to, looked up without signing anyone in.
struct InviteAcceptance {
    let req: Request

    enum Problem: String { case invalid, expired }

    static let wrongAccount = AppError(status: .forbidden, code: "invite_wrong_account", messageKey: "error_invite_wrong_account")
    static let otherOrg = AppError(status: .conflict, code: "invite_other_org", messageKey: "error_invite_other_org")
    static let ownsOtherOrg = AppError(status: .conflict, code: "invite_owns_other_org", messageKey: "error_invite_owns_other_org")
    static let emailHasAccount = AppError(status: .conflict, code: "invite_email_has_account", messageKey: "error_invite_email_has_account")

    /// The invitation a secret names, or why it cannot be used.
    func find(_ secret: String) async throws -> Result<TeamInvite, AppError> {
        guard !secret.isEmpty, secret.count < 200,
              let invite = try await TeamInvite.query(on: req.db).filter(\.$tokenHash == sha256Hex(secret)).first(),
              invite.acceptedAt == nil
        else { return .failure(AppError(status: .notFound, code: "invite_invalid", messageKey: "error_invite_invalid")) }
        guard invite.expiresAt > Date() else {
            return .failure(AppError(status: .gone, code: "invite_expired", messageKey: "error_invite_expired"))
        }
        return .success(invite)
    }

    /// A signed-in visitor: fine only if the invitation names their email and they are already in that
    /// organisation (then it is simply used up). Anyone else gets the reason.
    func checkSignedIn(_ current: CurrentUser, invite: TeamInvite) async throws {
        guard current.user.email == invite.email else { throw Self.wrongAccount }
        if current.orgID == invite.$org.id {
            _ = try await claim(invite, on: req.db)
            return
        }
        throw current.role == .owner ? Self.ownsOtherOrg : Self.otherOrg
    }

    /// A new person: their account, their membership with the invitation's role, and the invitation used up,
    /// all at once. The invitation arrived by email, so the address counts as verified.
    func signUp(invite: TeamInvite, name: String, password: String, acceptTerms: Bool) async throws -> User {
        let input = SignupService.Input(email: invite.email, phone: nil, name: name, password: password,
                                        acceptTerms: acceptTerms, newsletter: false, locale: req.appLocale)
        let valid = try SignupService.validate(input).get()
        try await req.limitAuthAttempt(route: "invite-accept", identifier: invite.email)
        if try await User.query(on: req.db).filter(\.$email == invite.email).count() > 0 { throw Self.emailHasAccount }
        let hash = try await req.password.async.hash(valid.password)
        let user = User(email: invite.email, phone: nil, passwordHash: hash, name: valid.name, locale: req.appLocale.rawValue, newsletter: false)
        user.emailVerifiedAt = Date()
        // The wizard sets up a business; a teammate joins one that is set up already.
        user.onboardingCompleted = true
        do {
            try await req.db.transaction { tx in
                guard try await claim(invite, on: tx) else { throw AppError(status: .notFound, code: "invite_invalid", messageKey: "error_invite_invalid") }
                try await user.create(on: tx)
                try await OrgUser(orgID: invite.$org.id, userID: user.id!, role: invite.role).create(on: tx)
            }
        } catch where (error as? any DatabaseError)?.isConstraintFailure == true {
            // Two invitations to one address accepted at the same moment: the unique email kept one account.
            throw Self.emailHasAccount
        }
        return user
    }

    /// Marks the invitation used, once: two tabs accepting at the same moment cannot both succeed.
    private func claim(_ invite: TeamInvite, on db: any Database) async throws -> Bool {
        let rows = try await (db as! any SQLDatabase).update(TeamInvite.schema)
            .set("accepted_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(invite.id!)).where("accepted_at", .is, SQLLiteral.null)
            .returning("id").all()
        return !rows.isEmpty
    }
}

// MARK: - Mail to an address that has no account yet

extension Mailer {
    /// Like `send(_:to:)`, for someone AVA knows only by address (an invitation): greeted without a name.
    func send(_ email: Email, toAddress address: String, locale: AppLocale) async throws {
        let t = { (text: Email.Text) in translations.text(text.key, locale, text.arguments) }
        let greeting = translations.text("email_greeting_plain", locale)
        let paragraphs = email.paragraphs.map(t)
        let notes = email.notes.map(t)
        var lines = [greeting, ""] + paragraphs.flatMap { [$0, ""] }
        if let button = email.button { lines += [button.link, ""] }
        lines += notes + ["", translations.text("email_signature", locale)]
        let context = EmailTemplateContext(
            locale: locale.rawValue, dir: locale.direction, subject: t(email.subject),
            preheader: paragraphs.first ?? "", greeting: greeting, paragraphs: paragraphs,
            buttonLabel: email.button.map { t($0.label) }, link: email.button?.link, notes: notes)
        let html = try await renderer("emails/message", context)
        try await transport.send(MailMessage(
            from: from, to: [MailAddress(email: address)],
            subject: t(email.subject), text: lines.joined(separator: "\n"), html: html))
    }
}
