import JWT
import Vapor

/// The short-lived proof of a session: a JWT valid 15 minutes, naming the user and the session, so a
/// revoked session is refused at once (the session is checked on every request).
struct AccessTokenPayload: JWTPayload {
    var sub: SubjectClaim
    var sid: String
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var typ: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard typ == "access" else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "not an access token") }
    }
}
