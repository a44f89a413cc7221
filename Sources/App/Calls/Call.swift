import Fluent
import Foundation

/// One phone call AVA handled (filled by the call pipeline issue).
final class Call: Model, @unchecked Sendable {
    static let schema = "calls"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @OptionalParent(key: "phone_number_id") var phoneNumber: PhoneNumberRecord?
    @OptionalField(key: "vapi_call_id") var vapiCallID: String?
    @OptionalField(key: "from_number") var fromNumber: String?
    @OptionalField(key: "to_number") var toNumber: String?
    @Field(key: "status") var status: String
    @OptionalField(key: "ended_reason") var endedReason: String?
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "summary") var summary: String?
    @OptionalField(key: "transcript") var transcript: String?
    @OptionalField(key: "recording_url") var recordingURL: String?
    @OptionalField(key: "cost") var cost: Double?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
