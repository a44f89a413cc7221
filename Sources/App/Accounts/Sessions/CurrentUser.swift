import Vapor

/// The signed-in user of a request, with the session it came from and the organisation it acts for.
struct CurrentUser: Authenticatable, Sendable {
    let user: User
    let sessionID: UUID
    let orgID: UUID
    let role: OrgUser.Role

    var userID: UUID { user.id! }
}

extension Request {
    /// The signed-in user, or 401 (API) / a redirect to the login page (pages, see `RequireSignIn`).
    func requireUser() throws -> CurrentUser {
        guard let current = auth.get(CurrentUser.self) else { throw AppError.unauthorized }
        return current
    }
}

extension CurrentUser {
    /// Putting a phone number live needs a verified email: an owner must be reachable before AVA answers
    /// their customers. Onboarding itself stays open to unverified owners.
    func requireVerifiedEmail() throws {
        guard user.isEmailVerified else {
            throw AppError(status: .forbidden, code: "email_unverified", messageKey: "error_email_unverified")
        }
    }
}
