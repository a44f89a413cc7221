import Fluent
import SQLKit
import Vapor

/// Issues, rotates and revokes sign-in sessions.
///
/// A session is a family of refresh tokens: every refresh uses one token up and issues the next. A token
/// presented twice means someone kept a copy, so the whole family is revoked and both holders must sign in.
struct SessionService {
    static let accessLifetime: TimeInterval = 15 * 60
    static let refreshLifetime: TimeInterval = 7 * 24 * 3600

    struct IssuedTokens: Sendable {
        var accessToken: String
        var accessExpiresAt: Date
        /// Nil when only the access token was renewed (see `webReuseGrace`).
        var refreshToken: String?
        var refreshExpiresAt: Date
        var sessionID: UUID
        var rememberMe: Bool
    }

    let request: Request
    var db: any Database { request.db }

    func start(userID: UUID, rememberMe: Bool) async throws -> IssuedTokens {
        let now = Date()
        let session = AuthSession(
            userID: userID, rememberMe: rememberMe,
            userAgent: request.headers.first(name: .userAgent), ipAddress: request.clientAddress,
            expiresAt: now.addingTimeInterval(Self.refreshLifetime))
        try await session.create(on: db)
        return try await issue(session: session, userID: userID, now: now)
    }

    /// How long a just-used refresh token still renews the web's access cookie: two tabs opened at once
    /// after the access token expired both present the same refresh cookie, and that is not theft.
    static let webReuseGrace: TimeInterval = 30

    /// Uses up `presented` and returns its successor; a reused token revokes its session.
    /// `allowGrace` (the web's cookies only): a token used in the last few seconds gives a fresh access
    /// token for the same session (the refresh token in the answer is then nil) instead of revoking.
    func refresh(_ presented: String, allowGrace: Bool = false) async throws -> IssuedTokens {
        let now = Date()
        guard let token = try await RefreshToken.query(on: db).filter(\.$tokenHash == sha256Hex(presented)).first(),
              let session = try await AuthSession.find(token.$session.id, on: db)
        else { throw AppError.refreshInvalid }

        guard session.isActive(at: now), token.expiresAt > now else { throw AppError.refreshInvalid }

        // Claim the token atomically, so two concurrent refreshes cannot both succeed.
        let claimed = try await db.claimOnce(RefreshToken.schema, id: token.id!, at: now)
        if !claimed, allowGrace, let usedAt = try await RefreshToken.find(token.id, on: db)?.usedAt,
           now.timeIntervalSince(usedAt) < Self.webReuseGrace {
            return try await accessOnly(session: session, now: now)
        }
        guard claimed else {
            request.logger.warning("refresh token reused: revoking session", metadata: ["session": "\(session.id!)"])
            try await revoke(sessionID: session.id!, reason: "refresh_token_reuse")
            throw AppError.refreshInvalid
        }
        session.lastSeenAt = now
        try await session.save(on: db)
        return try await issue(session: session, userID: session.$user.id, now: now)
    }

    func revoke(sessionID: UUID, reason: String) async throws {
        try await AuthSession.query(on: db)
            .filter(\.$id == sessionID).filter(\.$revokedAt == nil)
            .set(\.$revokedAt, to: Date()).set(\.$revokedReason, to: reason)
            .update()
    }

    private func accessOnly(session: AuthSession, now: Date) async throws -> IssuedTokens {
        let expiry = now.addingTimeInterval(Self.accessLifetime)
        let access = try await request.jwt.sign(AccessTokenPayload(
            sub: .init(value: session.$user.id.uuidString), sid: session.id!.uuidString,
            exp: .init(value: expiry), iat: .init(value: now), typ: "access"))
        return IssuedTokens(accessToken: access, accessExpiresAt: expiry, refreshToken: nil,
                            refreshExpiresAt: session.expiresAt, sessionID: session.id!, rememberMe: session.rememberMe)
    }

    private func issue(session: AuthSession, userID: UUID, now: Date) async throws -> IssuedTokens {
        let refresh = Data([UInt8].random(count: 32)).base64URLEncodedString()
        let refreshExpiry = min(now.addingTimeInterval(Self.refreshLifetime), session.expiresAt.addingTimeInterval(Self.refreshLifetime))
        try await RefreshToken(sessionID: session.id!, tokenHash: sha256Hex(refresh), expiresAt: refreshExpiry).create(on: db)
        // The session lives as long as its newest refresh token.
        if session.expiresAt < refreshExpiry {
            session.expiresAt = refreshExpiry
            try await session.save(on: db)
        }
        let accessExpiry = now.addingTimeInterval(Self.accessLifetime)
        let payload = AccessTokenPayload(
            sub: .init(value: userID.uuidString), sid: session.id!.uuidString,
            exp: .init(value: accessExpiry), iat: .init(value: now), typ: "access")
        let access = try await request.jwt.sign(payload)
        return IssuedTokens(accessToken: access, accessExpiresAt: accessExpiry, refreshToken: refresh,
                            refreshExpiresAt: refreshExpiry, sessionID: session.id!, rememberMe: session.rememberMe)
    }
}

extension Request {
    var sessions: SessionService { SessionService(request: self) }

    /// The client's address as the server saw it. AVA does not trust `X-Forwarded-For` unless told to by
    /// `AVA_TRUST_PROXY` (a forged header would otherwise dodge the rate limits).
    var clientAddress: String {
        if application.appConfig.trustProxy, let forwarded = headers.first(name: .xForwardedFor)?
            .split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !forwarded.isEmpty {
            return forwarded
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }
}
