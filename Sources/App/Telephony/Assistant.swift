import Fluent
import Foundation

/// "Ava": an organisation's receptionist profile, mirrored to a Vapi assistant by the telephony issue.
final class Assistant: Model, @unchecked Sendable {
    static let schema = "avas"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Field(key: "name") var name: String
    @OptionalField(key: "industry") var industry: String?
    @OptionalField(key: "voice") var voice: String?
    @Field(key: "tone") var tone: String
    @Field(key: "first_message") var firstMessage: String
    @Field(key: "system_prompt") var systemPrompt: String
    /// JSON object of behaviour switches (booking enabled, urgency detection...), kept as text for both databases.
    @Field(key: "rules") var rulesJSON: String
    @OptionalField(key: "vapi_assistant_id") var vapiAssistantID: String?
    /// Last time the profile reached Vapi, and why the last attempt failed (nil when it did not).
    @OptionalField(key: "synced_at") var syncedAt: Date?
    @OptionalField(key: "sync_error") var syncError: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
