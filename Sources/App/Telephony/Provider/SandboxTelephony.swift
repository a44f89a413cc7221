import Fluent
import Vapor

/// The provider of a laptop with no Vapi account: numbers come from the fictional range
/// `+1 <area code> 555-01xx` (reserved for fiction, never anyone's real line), assistants stay in AVA's
/// database, and calls go to the call simulator. Nothing leaves the machine.
///
/// Adding `VAPI_API_KEY` later moves the organisation to Vapi without losing anything: the assistant is
/// created at Vapi on its next sync, and imported Twilio numbers are handed to Vapi (`PhoneNumberService`).
struct SandboxTelephony: TelephonyProvider {
    let db: any Database

    static let idPrefix = "sandbox-"

    var isSandbox: Bool { true }

    func upsertAssistant(id: String?, _ assistant: VapiAssistantRequest) async throws -> String? { nil }

    func createFreeNumber(areaCode: String, assistantID: String?, name: String?) async throws -> ProvisionedNumber {
        let candidates = Self.fictionalNumbers(areaCode: areaCode)
        let taken = Set(try await PhoneNumberRecord.query(on: db).filter(\.$e164 ~~ candidates).all().map(\.e164))
        guard let free = candidates.first(where: { !taken.contains($0) }) else {
            throw AppError(status: .unprocessableEntity, code: "sandbox_numbers_exhausted",
                           messageKey: "error_sandbox_numbers_exhausted", field: "areaCode")
        }
        return ProvisionedNumber(id: Self.idPrefix + UUID().uuidString.lowercased(), e164: free, status: "sandbox")
    }

    func importTwilioNumber(_ e164: String, credentials: TwilioCredentials, assistantID: String?,
                            name: String?) async throws -> ProvisionedNumber {
        // Checked with Twilio already; no Vapi to hand it to yet, so it waits here ("sandbox").
        ProvisionedNumber(id: Self.idPrefix + UUID().uuidString.lowercased(), e164: e164, status: "sandbox")
    }

    func fetchNumber(id: String) async throws -> ProvisionedNumber {
        let record = try await PhoneNumberRecord.query(on: db).filter(\.$vapiPhoneNumberID == id).first()
        return ProvisionedNumber(id: id, e164: record?.e164, status: "sandbox")
    }

    func linkNumber(id: String, provider: PhoneNumberRecord.Provider, assistantID: String?, name: String?) async throws {}

    func releaseNumber(id: String) async throws {}

    /// `+1 415 555 0100` … `+1 415 555 0199`: the North American plan keeps 555-0100 to 555-0199 for fiction.
    static func fictionalNumbers(areaCode: String) -> [String] {
        (100...199).map { "+1\(areaCode)5550\($0)" }
    }

    static func isSandboxID(_ id: String?) -> Bool { id?.hasPrefix(idPrefix) ?? false }
}
