import AVACore
import Vapor

/// The OpenID Connect providers AVA offers on its sign-in page.
enum OIDCProviderID: String, CaseIterable, Sendable {
    case google, microsoft

    /// Brand names, never translated.
    var displayName: String { self == .google ? "Google" : "Microsoft" }

    var signInMethod: SignInMethod { self == .google ? .google : .microsoft }

    /// The client AVA is registered as; nil when the operator has not configured this provider.
    func client(_ config: AppConfig) -> AppConfig.OAuthClient? { self == .google ? config.google : config.microsoft }

    /// Whether its button belongs on the sign-in page (both the client id and the secret are set).
    func isConfigured(_ config: AppConfig) -> Bool { client(config) != nil }

    /// Registered once at the provider, so it carries no locale (the flow remembers the locale).
    func redirectURI(_ config: AppConfig) -> String { "\(config.publicURL)/auth/\(rawValue)/callback" }
}

/// The parts of a provider's discovery document (`/.well-known/openid-configuration`) AVA uses.
struct OIDCDiscovery: Decodable, Sendable {
    /// Microsoft's `common` endpoint answers `https://login.microsoftonline.com/{tenantid}/v2.0`: each
    /// token carries its tenant's issuer, so the placeholder is filled from the token's `tid`.
    var issuer: String
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var jwksURI: String

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
    }
}

/// Why a Google or Microsoft sign-in did not happen, as the user is told (never the technical detail,
/// which goes to the log).
enum OIDCFailure: String, Error, Sendable {
    /// The user said no at the provider (`error=access_denied`), or closed the consent screen.
    case cancelled
    /// The state is unknown, used, expired, or belongs to another browser: start again.
    case expired
    /// The provider could not be reached or answered nonsense.
    case unavailable
    /// The provider refused the code, or its ID token failed a check (signature, issuer, audience...).
    case invalid
    /// No email address came with the identity, and AVA needs one for an account.
    case noEmail = "no_email"
    /// An account has this email, but the provider did not vouch for it, so linking would let anyone in.
    case emailInUse = "email_in_use"

    var status: HTTPResponseStatus {
        switch self {
        case .cancelled, .invalid: .unauthorized
        case .expired: .badRequest
        case .unavailable: .badGateway
        case .noEmail: .unprocessableEntity
        case .emailInUse: .conflict
        }
    }

    /// The message key; each takes the provider's name as {0}.
    var messageKey: String {
        switch self {
        case .cancelled: "oidc_error_cancelled"
        case .expired: "oidc_error_expired"
        case .unavailable: "oidc_error_unavailable"
        case .invalid: "oidc_error_invalid"
        case .noEmail: "oidc_error_no_email"
        case .emailInUse: "oidc_error_email_in_use"
        }
    }
}
