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
