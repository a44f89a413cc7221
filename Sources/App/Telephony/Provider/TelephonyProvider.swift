import Fluent
import Vapor

/// Where AVA's phone numbers and assistants live: Vapi, or, with no `VAPI_API_KEY`, the local sandbox.
/// Both answer the same questions, so the routes, pages and the onboarding never ask which one they use.
protocol TelephonyProvider: Sendable {
    /// True for the local sandbox: pages and API say so plainly.
    var isSandbox: Bool { get }

    /// Creates (id nil) or replaces the assistant. Returns its provider id, or nil when it is kept only in
    /// AVA's database (the sandbox).
    func upsertAssistant(id: String?, _ assistant: VapiAssistantRequest) async throws -> String?

    /// A free US number in `areaCode` (three digits, already checked by `USAreaCode`), linked to `assistantID`.
    /// Usually `activating` at first.
    func createFreeNumber(areaCode: String, assistantID: String?, name: String?) async throws -> ProvisionedNumber

    /// Hands a number of the owner's Twilio account to the provider, which then answers its calls.
    func importTwilioNumber(_ e164: String, credentials: TwilioCredentials, assistantID: String?,
                            name: String?) async throws -> ProvisionedNumber

    /// The number as the provider sees it now (to follow `activating` → `active`).
    func fetchNumber(id: String) async throws -> ProvisionedNumber

    /// Links the number to another assistant (or renames it).
    func linkNumber(id: String, provider: PhoneNumberRecord.Provider, assistantID: String?, name: String?) async throws

    /// Releases the number. A number the provider no longer knows counts as released.
    func releaseNumber(id: String) async throws
}

/// A number as the provider answered it.
struct ProvisionedNumber: Sendable, Equatable {
    /// The provider's id (Vapi's UUID, or `sandbox-…`).
    var id: String
    /// E.164; a free Vapi number may have none while it is activating.
    var e164: String?
    /// `activating`, `active`, `blocked`, or `sandbox`.
    var status: String
}


extension Request {
    /// Vapi when the operator configured a key, else the sandbox on this request's database.
    var telephony: any TelephonyProvider {
        if let vapi = application.vapi { return VapiTelephony(client: vapi) }
        return SandboxTelephony(db: db)
    }
}
