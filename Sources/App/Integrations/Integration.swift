import Fluent
import Foundation

/// A connection to an outside tool (calendar, CRM...), configured per organisation by later issues.
final class Integration: Model, @unchecked Sendable {
    static let schema = "integrations"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Field(key: "kind") var kind: String
    @Field(key: "status") var status: String
    @Field(key: "config") var configJSON: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
