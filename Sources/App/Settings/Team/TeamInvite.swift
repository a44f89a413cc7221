import Fluent
import Foundation

/// An invitation to join an organisation with a role. Valid 7 days, used once (`accepted_at`); the link's
/// secret is stored only as its SHA-256, so a database leak gives no usable link.
final class TeamInvite: Model, @unchecked Sendable {
    static let schema = "team_invites"
    static let lifetime: TimeInterval = 7 * 24 * 3600

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    /// Lower-cased.
    @Field(key: "email") var email: String
    @Enum(key: "role") var role: OrgUser.Role
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    /// When it was used; claimed atomically by `TeamService.accept`.
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    @OptionalField(key: "invited_by") var invitedBy: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(orgID: UUID, email: String, role: OrgUser.Role, tokenHash: String, expiresAt: Date, invitedBy: UUID?) {
        self.$org.id = orgID
        self.email = email
        self.role = role
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.invitedBy = invitedBy
    }

    func isPending(at now: Date = Date()) -> Bool { acceptedAt == nil && expiresAt > now }
}
