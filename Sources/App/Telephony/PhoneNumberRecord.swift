import Fluent
import Foundation

/// A phone number AVA answers, wherever it comes from.
final class PhoneNumberRecord: Model, @unchecked Sendable {
    static let schema = "phone_numbers"

    enum Provider: String, Codable, Sendable, CaseIterable {
        case twilio = "TWILIO", vapi = "VAPI", sip = "SIP", sandbox = "SANDBOX"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @OptionalParent(key: "ava_id") var assistant: Assistant?
    @Enum(key: "provider") var provider: Provider
    @Field(key: "e164") var e164: String
    @Field(key: "status") var status: String
    @OptionalField(key: "vapi_phone_number_id") var vapiPhoneNumberID: String?
    @OptionalField(key: "vapi_assistant_id") var vapiAssistantID: String?
    @OptionalField(key: "twilio_account_sid") var twilioAccountSID: String?
    /// Fernet token (see the telephony issue); never the plain auth token.
    @OptionalField(key: "twilio_auth_token_encrypted") var twilioAuthTokenEncrypted: String?
    @Field(key: "routing") var routingJSON: String
    @Field(key: "business_hours") var businessHoursJSON: String
    @Field(key: "voicemail") var voicemailJSON: String
    /// The owner's label ("Cabinet", "Salon rue de Rivoli").
    @OptionalField(key: "name") var name: String?
    /// When AVA last asked Vapi about a number still `activating`.
    @OptionalField(key: "status_checked_at") var statusCheckedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
