import AVACore
import Fluent
import Vapor

/// Turns a verified Google or Microsoft identity into an AVA user:
/// 1. an identity seen before (provider + subject) is its user;
/// 2. else, when the provider vouches for the email and an account has it, the identity is linked to it;
/// 3. else a new account is made exactly as sign-up makes one (user, organisation, trial), without a password.
struct OIDCAccounts {
    let request: Request

    func user(for identity: VerifiedIdentity, locale: AppLocale) async throws -> User {
        do {
            return try await resolve(identity, locale: locale)
        } catch where (error as? any DatabaseError)?.isConstraintFailure == true {
            // Two callbacks for one person (or a sign-up with the same address) raced; the winner is there now.
            return try await resolve(identity, locale: locale)
        }
    }

    private func resolve(_ identity: VerifiedIdentity, locale: AppLocale) async throws -> User {
        if let linked = try await OIDCIdentity.query(on: request.db)
            .filter(\.$provider == identity.provider.rawValue).filter(\.$subject == identity.subject)
            .with(\.$user).first() {
            linked.lastUsedAt = Date()
            try await linked.save(on: request.db)
            return linked.user
        }
        guard let email = identity.email else { throw OIDCFailure.noEmail }
        if let existing = try await User.query(on: request.db).filter(\.$email == email).first() {
            guard identity.emailVerified else { throw OIDCFailure.emailInUse }
            try await link(identity, to: existing)
            return existing
        }
        return try await create(identity, email: email, locale: locale)
    }

    /// When the account's address had never been confirmed, whoever created it may not own it (an attacker
    /// can open an account in someone's name and wait): the provider has now proven who does, so the old
    /// password and sessions go. The owner is signed in here and can set a password with "forgot password".
    private func link(_ identity: VerifiedIdentity, to user: User) async throws {
        let unconfirmed = !user.isEmailVerified
        try await request.db.transaction { db in
            try await OIDCIdentity(provider: identity.provider, subject: identity.subject, userID: user.id!,
                                   email: identity.email).create(on: db)
            guard unconfirmed else { return }
            user.emailVerifiedAt = Date()
            user.passwordHash = ""
            try await user.save(on: db)
            try await AuthSession.query(on: db).filter(\.$user.$id == user.id!).filter(\.$revokedAt == nil)
                .set(\.$revokedAt, to: Date()).set(\.$revokedReason, to: "email_proven_by_\(identity.provider.rawValue)")
                .update()
        }
        if unconfirmed {
            request.logger.notice("unconfirmed account claimed through OpenID: password and sessions cleared",
                                  metadata: ["user": "\(user.id!)", "provider": "\(identity.provider.rawValue)"])
        }
    }

    /// No password (an empty hash never matches, see LoginService). An address the provider does not vouch
    /// for gets the usual verification email, as after sign-up.
    private func create(_ identity: VerifiedIdentity, email: String, locale: AppLocale) async throws -> User {
        let name = identity.name ?? String(email.prefix { $0 != "@" })
        let user = User(email: email, phone: nil, passwordHash: "", name: name, locale: locale.rawValue, newsletter: false)
        if identity.emailVerified { user.emailVerifiedAt = Date() }
        try await request.db.transaction { db in
            try await SignupService.createAccount(user, orgName: name, locale: locale, on: db)
            try await OIDCIdentity(provider: identity.provider, subject: identity.subject, userID: user.id!,
                                   email: email).create(on: db)
        }
        if !identity.emailVerified { await EmailVerification(request: request).send(to: user) }
        return user
    }
}
