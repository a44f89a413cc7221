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
    /// Order of `status` (scheduled 1 … ended 6): a late event never moves a call backwards.
    @Field(key: "status_rank") var statusRank: Int
    /// Made by the call simulator rather than a phone.
    @Field(key: "simulated") var simulated: Bool
    @OptionalField(key: "assistant_id") var assistantID: UUID?
    @OptionalField(key: "caller_name") var callerName: String?
    /// What came of the call: `booked`, `message`, `transferred`, or nil.
    @OptionalField(key: "outcome") var outcome: String?
    /// Vapi's success evaluation (`analysis.successEvaluation`), when present.
    @OptionalField(key: "success_evaluation") var successEvaluation: String?
    /// The conversation as Vapi's `artifact.messages` (JSON, capped).
    @OptionalField(key: "messages") var messagesJSON: String?
    /// When the end-of-call report arrived; nil means the call may need reconciling with Vapi.
    @OptionalField(key: "report_received_at") var reportReceivedAt: Date?
    @OptionalField(key: "last_event_at") var lastEventAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
