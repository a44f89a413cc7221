import AVACore
import Foundation
import JWT
import Vapor

/// The claims AVA reads from an ID token. Every check is made by `OIDCTokenVerifier`, which knows the flow.
struct OIDCIDToken: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var nonce: String?
    var azp: String?
    var email: String?
    /// Google: whether Google has checked the address.
    var emailVerified: BoolClaim?
    var name: String?
    /// Microsoft: the tenant (directory) of the account.
    var tid: String?
    /// Microsoft: "email domain owner verified", set when the tenant owns the address's domain.
    var xmsEdov: BoolClaim?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, azp, email, name, tid
        case emailVerified = "email_verified"
        case xmsEdov = "xms_edov"
    }

    func verify(using _: some JWTAlgorithm) async throws {}
}

/// Who the provider says signed in, once the ID token has passed every check.
struct VerifiedIdentity: Sendable {
    var provider: OIDCProviderID
    var subject: String
    /// Normalised; nil when the token carried none (or an unusable one).
    var email: String?
    /// Whether the provider vouches that this person owns `email` (see `OIDCTokenVerifier.emailIsVerified`).
    var emailVerified: Bool
    var name: String?
}

/// Verifies an ID token: RS256 signature by a key the provider publishes, issuer, audience, expiry, issue
/// time and nonce. Any failure is `OIDCFailure.invalid`, with the reason in the log only.
struct OIDCTokenVerifier {
    /// Personal Microsoft accounts (outlook.com, hotmail.com...) all live in this tenant.
    static let microsoftConsumerTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"
    /// Clocks differ a little between AVA and the provider.
    static let clockSkew: TimeInterval = 5 * 60

    let provider: OIDCProviderID
    let discovery: OIDCDiscovery
    let clientID: String
    let nonce: String
    let http: OIDCHTTP
    let directory: OIDCDirectory
    var now = Date()

    func verify(_ token: String) async throws -> VerifiedIdentity {
        let header = Self.header(of: token)
        guard header?.alg == "RS256", let kid = header?.kid, !kid.isEmpty else { throw refuse("not an RS256 token with a key id") }
        guard let keys = try await directory.keys(at: discovery.jwksURI, containing: kid, using: http) else {
            throw refuse("signed with a key the provider does not publish")
        }
        let claims: OIDCIDToken
        do { claims = try await keys.verify(token, as: OIDCIDToken.self) } catch { throw refuse("bad signature or claims: \(error)") }

        guard let expected = expectedIssuer(tenant: claims.tid), acceptsIssuer(claims.iss.value, expected: expected) else {
            throw refuse("wrong issuer")
        }
        guard claims.aud.value.contains(clientID), claims.aud.value.count == 1 || claims.azp == clientID,
              claims.azp == nil || claims.azp == clientID else { throw refuse("wrong audience") }
        guard claims.exp.value.addingTimeInterval(60) > now else { throw refuse("expired") }
        guard claims.iat.value <= now.addingTimeInterval(Self.clockSkew),
              claims.iat.value >= now.addingTimeInterval(-OIDCFlow.lifetime - Self.clockSkew) else { throw refuse("issued at an odd time") }
        guard let tokenNonce = claims.nonce, constantTimeEquals(tokenNonce, nonce) else { throw refuse("wrong nonce") }
        let subject = claims.sub.value
        guard !subject.isEmpty, subject.count <= 255 else { throw refuse("no subject") }

        let name = claims.name?.trimmingCharacters(in: .whitespacesAndNewlines)
        return VerifiedIdentity(
            provider: provider, subject: subject, email: claims.email.flatMap(EmailAddress.normalize),
            emailVerified: Self.emailIsVerified(claims, provider: provider),
            name: name.flatMap { $0.isEmpty ? nil : String($0.prefix(120)) })
    }

    /// Google says so in `email_verified`. Microsoft has no such claim: a personal account's address is
    /// Microsoft's own (the consumer tenant), and a work account's is trusted only when `xms_edov` says its
    /// tenant owns the address's domain; otherwise a tenant admin could type anyone's address.
    static func emailIsVerified(_ claims: OIDCIDToken, provider: OIDCProviderID) -> Bool {
        switch provider {
        case .google: claims.emailVerified?.value == true
        case .microsoft: claims.tid == microsoftConsumerTenant || claims.xmsEdov?.value == true
        }
    }

    /// The discovery issuer, with Microsoft's `{tenantid}` placeholder filled from the token's tenant.
    private func expectedIssuer(tenant: String?) -> String? {
        guard discovery.issuer.contains("{tenantid}") else { return discovery.issuer }
        guard let tenant, !tenant.isEmpty, tenant.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return nil }
        return discovery.issuer.replacingOccurrences(of: "{tenantid}", with: tenant)
    }

    /// Google documents both `https://accounts.google.com` and the bare host as its issuer.
    private func acceptsIssuer(_ issuer: String, expected: String) -> Bool {
        issuer == expected || (provider == .google && expected == "https://accounts.google.com" && issuer == "accounts.google.com")
    }

    private func refuse(_ reason: String) -> OIDCFailure {
        http.logger.warning("ID token refused", metadata: ["provider": "\(provider.rawValue)", "reason": "\(reason)"])
        return .invalid
    }

    private struct Header: Decodable { var alg: String?; var kid: String? }

    private static func header(of token: String) -> Header? {
        guard let first = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = first.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).flatMap { try? JSONDecoder().decode(Header.self, from: $0) }
    }
}
