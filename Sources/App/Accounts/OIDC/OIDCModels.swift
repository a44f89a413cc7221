import Fluent
import Foundation

/// A Google or Microsoft sign-in in progress, between the redirect to the provider and its callback.
///
/// Kept on the server (not in a cookie) so the PKCE verifier and nonce never leave AVA. Found by the
/// SHA-256 of the `state` sent through the provider, so the database never holds a usable state; bound to
/// the browser that started it by the hash of an HttpOnly cookie; single use; 10 minutes.
final class OIDCFlow: Model, @unchecked Sendable {
    static let schema = "oidc_flows"
    static let lifetime: TimeInterval = 10 * 60

    @ID(key: .id) var id: UUID?
    @Field(key: "state_hash") var stateHash: String
    @Field(key: "browser_hash") var browserHash: String
    @Field(key: "provider") var provider: String
    @Field(key: "nonce") var nonce: String
    @Field(key: "code_verifier") var codeVerifier: String
    @Field(key: "locale") var locale: String
    @Field(key: "remember_me") var rememberMe: Bool
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(stateHash: String, browserHash: String, provider: OIDCProviderID, nonce: String, codeVerifier: String,
         locale: String, rememberMe: Bool, expiresAt: Date) {
        self.stateHash = stateHash
        self.browserHash = browserHash
        self.provider = provider.rawValue
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.locale = locale
        self.rememberMe = rememberMe
        self.expiresAt = expiresAt
    }
}

/// A Google or Microsoft account linked to an AVA user. `subject` is the provider's stable id for the
/// person (`sub`), which never changes, unlike their email address.
final class OIDCIdentity: Model, @unchecked Sendable {
    static let schema = "oidc_identities"

    @ID(key: .id) var id: UUID?
    @Field(key: "provider") var provider: String
    @Field(key: "subject") var subject: String
    @Parent(key: "user_id") var user: User
    /// The email the provider gave when the identity was linked (for support; sign-in never uses it).
    @OptionalField(key: "email") var email: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?

    init() {}

    init(provider: OIDCProviderID, subject: String, userID: UUID, email: String?) {
        self.provider = provider.rawValue
        self.subject = subject
        self.$user.id = userID
        self.email = email
        self.lastUsedAt = Date()
    }
}
