import Fluent
import Foundation

/// A business using AVA: the unit that owns numbers, assistants, calls and data.
final class Org: Model, @unchecked Sendable {
    static let schema = "orgs"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    /// ISO 3166-1 alpha-2 ("FR", "IL", "US"): decides national phone formats and the telephony path.
    @Field(key: "country") var country: String
    /// IANA zone, such as Europe/Paris.
    @Field(key: "timezone") var timezone: String
    @Field(key: "locale") var locale: String
    /// The secret in the path of this organisation's Vapi webhook (`/api/v1/webhooks/vapi/{token}`): Vapi does
    /// not always send a credential, so the address itself must be unguessable. Made when first needed.
    @OptionalField(key: "webhook_token") var webhookToken: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(name: String, country: String, timezone: String, locale: String) {
        self.name = name
        self.country = country
        self.timezone = timezone
        self.locale = locale
    }
}

/// Membership of a user in an organisation.
final class OrgUser: Model, @unchecked Sendable {
    static let schema = "org_users"

    enum Role: String, Codable, Sendable, CaseIterable {
        case owner, admin, member
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Parent(key: "user_id") var user: User
    @Enum(key: "role") var role: Role
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(orgID: UUID, userID: UUID, role: Role) {
        self.$org.id = orgID
        self.$user.id = userID
        self.role = role
    }
}
