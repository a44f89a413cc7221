import AVACore
import Fluent
import Vapor

/// The signed-in person's own account: name, password, devices, and deleting it (the email address:
/// EmailChangeService).
struct AccountService {
    let req: Request
    let user: CurrentUser

    private var db: any Database { req.db }

    func updateName(_ raw: String) async throws {
        let name = raw.cleanedLine
        guard (1...120).contains(name.count) else { throw AppError.validation("name_required", field: "name") }
        user.user.name = name
        try await user.user.save(on: db)
    }

    /// Needs the current password (when the account has one: Google and Microsoft accounts may set a first
    /// one). Every other device is signed out, as after a reset.
    func changePassword(current: String, new: String) async throws {
        try await req.limitAuthAttempt(route: "password-change", identifier: user.user.email)
        if user.user.hasPassword {
            guard !current.isEmpty else { throw AppError.validation("current_password_required", field: "currentPassword") }
            guard (try? await req.password.async.verify(current, created: user.user.passwordHash)) == true else {
                throw AppError.validation("current_password_wrong", field: "currentPassword")
            }
        }
        switch PasswordPolicy.standard.check(new) {
        case .tooShort(let minimum)?: throw AppError.validation("password_too_short", field: "newPassword", String(minimum))
        case .tooLong?: throw AppError.validation("password_too_long", field: "newPassword", String(PasswordPolicy.maximumLength))
        case .common?: throw AppError.validation("password_common", field: "newPassword")
        case nil: break
        }
        let hash = try await req.password.async.hash(new)
        let sessionID = user.sessionID
        let account = user.user
        try await db.transaction { tx in
            account.passwordHash = hash
            try await account.save(on: tx)
            try await AuthSession.query(on: tx).filter(\.$user.$id == account.id!).filter(\.$id != sessionID)
                .filter(\.$revokedAt == nil).set(\.$revokedAt, to: Date()).set(\.$revokedReason, to: "password_changed").update()
            // A change of email address asked with the old password (perhaps by whoever knew it) is cancelled:
            // the notice sent to the old address tells the owner so.
            try await OneTimeToken.query(on: tx).filter(\.$user.$id == account.id!)
                .filter(\.$purpose == OneTimeToken.Purpose.emailChange.rawValue).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: Date()).update()
        }
    }

    // MARK: Devices

    func sessions() async throws -> [AuthSession] {
        try await AuthSession.query(on: db).filter(\.$user.$id == user.userID).filter(\.$revokedAt == nil)
            .filter(\.$expiresAt > Date()).sort(\.$lastSeenAt, .descending).all()
    }

    /// Another person's session is "not found", never "forbidden".
    func revoke(_ id: UUID) async throws {
        guard try await AuthSession.query(on: db).filter(\.$id == id).filter(\.$user.$id == user.userID).count() > 0 else {
            throw AppError.notFound
        }
        try await req.sessions.revoke(sessionID: id, reason: "signed_out_from_settings")
    }

    func revokeOthers() async throws {
        try await AuthSession.query(on: db).filter(\.$user.$id == user.userID).filter(\.$id != user.sessionID)
            .filter(\.$revokedAt == nil).set(\.$revokedAt, to: Date()).set(\.$revokedReason, to: "signed_out_from_settings").update()
    }

    // MARK: Deleting

    static let teamRemains = AppError(status: .conflict, code: "delete_account_team", messageKey: "error_delete_account_team")

    /// Confirmed by the password, or (accounts without one) by typing the email address.
    ///
    /// A member or admin, or one owner among several: the account goes, the organisation stays.
    /// The last owner: only when nobody else is in the team (they must hand over or remove people first);
    /// the organisation's numbers are released at the provider first (a number released there cannot be
    /// un-released, so if one refuses, nothing in AVA is deleted and the error is shown), then the
    /// organisation and everything in it (assistant, calls, transcripts, customers, appointments, messages,
    /// settings, invitations) and the account are deleted in one transaction (the tables cascade from `orgs`).
    func deleteAccount(password: String, typedEmail: String) async throws {
        try await req.limitAuthAttempt(route: "delete-account", identifier: user.user.email)
        if user.user.hasPassword {
            guard (try? await req.password.async.verify(password, created: user.user.passwordHash)) == true else {
                throw AppError.validation("current_password_wrong", field: "password")
            }
        } else {
            guard typedEmail.trimmingCharacters(in: .whitespaces).lowercased() == user.user.email else {
                throw AppError.validation("delete_confirm_mismatch", field: "confirm")
            }
        }
        let orgID = user.orgID
        let userID = user.userID
        let owners = try await OrgUser.query(on: db).filter(\.$org.$id == orgID).filter(\.$role == .owner).count()
        let lastOwner = user.role == .owner && owners <= 1
        if lastOwner {
            let others = try await OrgUser.query(on: db).filter(\.$org.$id == orgID).filter(\.$user.$id != userID).count()
            if others > 0 { throw Self.teamRemains }
            let numbers = PhoneNumberService(req: req, user: user)
            for record in try await PhoneNumberRecord.query(on: db).filter(\.$org.$id == orgID).all() {
                try await numbers.release(record.id!)
            }
        }
        try await db.transaction { tx in
            if lastOwner {
                // Appointments point at services without a cascade: they go first.
                try await Appointment.query(on: tx).filter(\.$org.$id == orgID).delete()
                try await Org.query(on: tx).filter(\.$id == orgID).delete()
            }
            try await User.query(on: tx).filter(\.$id == userID).delete()
        }
        if lastOwner {
            // The webhook and booking caches must not keep answering for an organisation that no longer exists.
            BookingContextCache.forget(orgID)
            req.application.webhookOrgs.forget(orgID: orgID)
        }
    }
}
