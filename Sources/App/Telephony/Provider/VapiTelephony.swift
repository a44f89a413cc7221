import Vapor

/// The real thing: every operation is one call of Vapi's REST API (see `VapiClient`).
struct VapiTelephony: TelephonyProvider {
    let client: VapiClient

    var isSandbox: Bool { false }

    func upsertAssistant(id: String?, _ assistant: VapiAssistantRequest) async throws -> String? {
        if let id {
            do {
                return try await client.updateAssistant(id: id, assistant).id
            } catch let error as VapiError where error.reason == .notFound {
                // Deleted in Vapi's dashboard: make it again rather than leave the owner without an assistant.
            }
        }
        return try await client.createAssistant(assistant).id
    }

    func createFreeNumber(areaCode: String, assistantID: String?, name: String?) async throws -> ProvisionedNumber {
        let number = try await client.createFreeNumber(areaCode: areaCode, assistantId: assistantID, name: name)
        return ProvisionedNumber(id: number.id, e164: number.number, status: number.status ?? "active")
    }

    func importTwilioNumber(_ e164: String, credentials: TwilioCredentials, assistantID: String?,
                            name: String?) async throws -> ProvisionedNumber {
        let number = try await client.importTwilioNumber(number: e164, accountSID: credentials.accountSID,
                                                         authToken: credentials.authToken, assistantId: assistantID, name: name)
        return ProvisionedNumber(id: number.id, e164: number.number ?? e164, status: number.status ?? "active")
    }

    func fetchNumber(id: String) async throws -> ProvisionedNumber {
        let number = try await client.fetchPhoneNumber(id: id)
        return ProvisionedNumber(id: number.id, e164: number.number, status: number.status ?? "active")
    }

    func linkNumber(id: String, provider: PhoneNumberRecord.Provider, assistantID: String?, name: String?) async throws {
        let vapiProvider: VapiPhoneNumberProvider = provider == .twilio ? .twilio : .vapi
        _ = try await client.updatePhoneNumber(id: id, VapiPhoneNumberUpdate(provider: vapiProvider, name: name,
                                                                             assistantId: assistantID))
    }

    func releaseNumber(id: String) async throws {
        do {
            try await client.deletePhoneNumber(id: id)
        } catch let error as VapiError where error.reason == .notFound {
            // Already gone at Vapi (released from its dashboard): nothing left to release.
        }
    }
}
