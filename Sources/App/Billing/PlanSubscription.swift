import Fluent
import Foundation

/// The plan an organisation is on. Every new organisation starts on a trial.
final class PlanSubscription: Model, @unchecked Sendable {
    static let schema = "plan_subscriptions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Field(key: "plan") var plan: String
    @Field(key: "status") var status: String
    @OptionalField(key: "current_period_end") var currentPeriodEnd: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(orgID: UUID, plan: String, status: String, currentPeriodEnd: Date?) {
        self.$org.id = orgID
        self.plan = plan
        self.status = status
        self.currentPeriodEnd = currentPeriodEnd
    }
}
