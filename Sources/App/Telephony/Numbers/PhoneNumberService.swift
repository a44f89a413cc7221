import AVACore
import Fluent
import Vapor

/// Adding, listing and releasing an organisation's phone numbers, wherever they come from. Every change is
/// all or nothing: when the provider acted but AVA could not record it, AVA undoes the provider's side.
struct PhoneNumberService {
    let req: Request
    let user: CurrentUser

    private var db: any Database { req.db }
    private var provider: any TelephonyProvider { req.telephony }

    // MARK: Reading

    /// The organisation's numbers, oldest first. Numbers still `activating` at Vapi are asked about again
    /// (at most every 5 seconds), and numbers imported while in the sandbox are handed to Vapi once a key exists.
    func list() async throws -> [PhoneNumberRecord] {
        let records = try await PhoneNumberRecord.query(on: db).filter(\.$org.$id == user.orgID)
            .sort(\.$createdAt).sort(\.$id).all()
        for record in records {
            await refreshActivating(record)
            await connectToVapi(record)
        }
        return records
    }

    func find(_ id: UUID) async throws -> PhoneNumberRecord {
        guard let record = try await PhoneNumberRecord.query(on: db).filter(\.$id == id).filter(\.$org.$id == user.orgID).first()
        else { throw AppError.notFound }
        await refreshActivating(record)
        return record
    }

    // MARK: Free US numbers

    func createFreeUS(areaCode rawAreaCode: String, name rawName: String?) async throws -> PhoneNumberRecord {
        try requireManager()
        let areaCode = try Self.checkAreaCode(rawAreaCode)
        let name = try Self.checkName(rawName)
        let (org, assistant) = try await orgAndAssistant()
        let assistantID = try await AssistantSync(req).ensureSynced(assistant, org: org)
        let provisioned: ProvisionedNumber
        do {
            provisioned = try await provider.createFreeNumber(areaCode: areaCode.digits, assistantID: assistantID, name: name)
        } catch let error as VapiError {
            throw error.appError
        }
        let record = PhoneNumberRecord(orgID: user.orgID, assistantID: assistant.id,
                                       provider: provider.isSandbox ? .sandbox : .vapi, provisioned: provisioned, name: name)
        record.vapiAssistantID = assistantID
        try await saveOrUndo(record)
        return record
    }

    /// What `createFreeUS` would make for this area code, without making it.
    func previewFreeUS(areaCode rawAreaCode: String) async throws -> FreeNumberPreview {
        let areaCode = try Self.checkAreaCode(rawAreaCode)
        var example = "+1 (\(areaCode.digits)) XXX-XXXX"
        if provider.isSandbox {
            let candidates = SandboxTelephony.fictionalNumbers(areaCode: areaCode.digits)
            let taken = Set(try await PhoneNumberRecord.query(on: db).filter(\.$e164 ~~ candidates).all().map(\.e164))
            guard let next = candidates.first(where: { !taken.contains($0) }) else {
                throw AppError(status: .unprocessableEntity, code: "sandbox_numbers_exhausted",
                               messageKey: "error_sandbox_numbers_exhausted", field: "areaCode")
            }
            example = next
        }
        return FreeNumberPreview(areaCode: areaCode.digits, country: "US", provider: provider.isSandbox ? "sandbox" : "vapi",
                                 sandbox: provider.isSandbox, example: example, monthlyCost: 0)
    }

    // MARK: Twilio import

    func verifyTwilio(_ input: TwilioImportInput) async throws -> TwilioNumberCheck.Passed {
        try await TwilioNumberCheck(client: req.application.twilio(input.credentials)).run(input)
    }

    func importTwilio(_ input: TwilioImportInput, name rawName: String?) async throws -> PhoneNumberRecord {
        try requireManager()
        let name = try Self.checkName(rawName)
        try await ensureFree(input.phone.e164)
        // The token is encrypted before anything else, so a missing key fails before Vapi is touched.
        let sealedToken = try req.application.keyring.encrypt(input.credentials.authToken)
        _ = try await verifyTwilio(input)
        let (org, assistant) = try await orgAndAssistant()
        let assistantID = try await AssistantSync(req).ensureSynced(assistant, org: org)
        let provisioned: ProvisionedNumber
        do {
            provisioned = try await provider.importTwilioNumber(input.phone.e164, credentials: input.credentials,
                                                                assistantID: assistantID, name: name)
        } catch let error as VapiError {
            // Twilio checked out but Vapi refused: nothing was saved, and the owner's Twilio number is untouched.
            throw AppError(status: error.appError.status, code: "vapi_import_failed", messageKey: "error_vapi_import_failed",
                           messageArguments: [error.reason == .rejected ? error.message : req.t(error.appError.messageKey, error.message)])
        }
        let record = PhoneNumberRecord(orgID: user.orgID, assistantID: assistant.id, provider: .twilio,
                                       provisioned: provisioned, name: name)
        record.e164 = input.phone.e164
        record.vapiAssistantID = assistantID
        record.twilioAccountSID = input.credentials.accountSID
        record.twilioAuthTokenEncrypted = sealedToken
        try await saveOrUndo(record)
        return record
    }

    // MARK: Release

    func release(_ id: UUID) async throws {
        try requireManager()
        let record = try await find(id)
        if let providerID = record.vapiPhoneNumberID, !SandboxTelephony.isSandboxID(providerID) {
            guard let vapi = req.application.vapi else {
                throw AppError(status: .conflict, code: "telephony_not_configured", messageKey: "error_telephony_not_configured")
            }
            do {
                try await VapiTelephony(client: vapi).releaseNumber(id: providerID)
            } catch let error as VapiError {
                throw error.appError
            }
        }
        try await record.delete(on: db)
    }

    // MARK: Keeping up with Vapi

    private func refreshActivating(_ record: PhoneNumberRecord) async {
        guard record.status == "activating", let providerID = record.vapiPhoneNumberID,
              !SandboxTelephony.isSandboxID(providerID), let vapi = req.application.vapi else { return }
        if let checked = record.statusCheckedAt, Date().timeIntervalSince(checked) < 5 { return }
        record.statusCheckedAt = Date()
        if let answer = try? await VapiTelephony(client: vapi).fetchNumber(id: providerID) {
            record.status = answer.status
            if let e164 = answer.e164, PhoneNumber(e164: e164) != nil { record.e164 = e164 }
        }
        do { try await record.save(on: db) } catch { req.logger.warning("could not save a number's status: \(error)") }
    }

    /// A Twilio number imported while the organisation was in the sandbox: now that Vapi is configured,
    /// hand it over (best effort; it stays `sandbox` and is tried again on the next visit if Vapi refuses).
    private func connectToVapi(_ record: PhoneNumberRecord) async {
        guard record.provider == .twilio, SandboxTelephony.isSandboxID(record.vapiPhoneNumberID),
              let vapi = req.application.vapi, let sid = record.twilioAccountSID, let sealed = record.twilioAuthTokenEncrypted
        else { return }
        do {
            let token = try req.application.keyring.decrypt(sealed)
            let (org, assistant) = try await orgAndAssistant()
            let assistantID = try await AssistantSync(req).ensureSynced(assistant, org: org)
            let provisioned = try await VapiTelephony(client: vapi).importTwilioNumber(
                record.e164, credentials: TwilioCredentials(accountSID: sid, authToken: token), assistantID: assistantID,
                name: record.name)
            record.vapiPhoneNumberID = provisioned.id
            record.vapiAssistantID = assistantID
            record.status = provisioned.status
            try await record.save(on: db)
        } catch {
            req.logger.warning("a sandbox number could not be moved to Vapi yet",
                               metadata: ["number": "\(record.id?.uuidString ?? "-")", "error": "\(error)"])
        }
    }

    // MARK: Rules

    /// Only owners and admins change the numbers, and a real number goes live only for a verified email (an
    /// owner must be reachable before AVA answers their customers). The sandbox's fictional numbers answer no
    /// one, so a newcomer can try AVA before opening the verification email.
    private func requireManager() throws {
        guard user.role == .owner || user.role == .admin else { throw AppError.forbiddenRole }
        if !provider.isSandbox { try user.requireVerifiedEmail() }
    }

    /// One number belongs to one organisation.
    private func ensureFree(_ e164: String) async throws {
        if try await PhoneNumberRecord.query(on: db).filter(\.$e164 == e164).first() != nil {
            throw AppError.conflict("phone_number_taken", field: "phoneNumber")
        }
    }

    private func orgAndAssistant() async throws -> (Org, Assistant) {
        guard let org = try await Org.find(user.orgID, on: db) else { throw AppError.notFound }
        return (org, try await Assistant.forOrg(org, on: db))
    }

    /// Saves the new number; if that fails (a race on the same number), releases it at the provider so
    /// nothing is left half-done, and says why.
    private func saveOrUndo(_ record: PhoneNumberRecord) async throws {
        do {
            try await record.create(on: db)
        } catch {
            if let providerID = record.vapiPhoneNumberID {
                do { try await provider.releaseNumber(id: providerID) } catch {
                    req.logger.error("a number created at the provider could not be released after a failed save",
                                     metadata: ["providerNumber": "\(providerID)", "error": "\(error)"])
                }
            }
            if (error as? any DatabaseError)?.isConstraintFailure == true {
                throw AppError.conflict("phone_number_taken", field: "phoneNumber")
            }
            throw error
        }
    }

    static func checkAreaCode(_ raw: String) throws -> USAreaCode {
        switch USAreaCode.check(raw) {
        case .success(let code): return code
        case .failure(.malformed): throw AppError.validation("area_code_invalid", field: "areaCode")
        case .failure(.notUS): throw AppError.validation("area_code_not_us", field: "areaCode")
        case .failure(.nonGeographic): throw AppError.validation("area_code_non_geographic", field: "areaCode")
        }
    }

    /// Vapi's names are at most 40 characters; control characters are dropped.
    static func checkName(_ raw: String?) throws -> String? {
        guard let raw else { return nil }
        let cleaned = raw.cleanedLine
        if cleaned.isEmpty { return nil }
        guard cleaned.count <= 40 else { throw AppError.validation("phone_number_name_too_long", field: "name", "40") }
        return cleaned
    }
}

struct FreeNumberPreview: Content {
    var areaCode: String
    var country: String
    var provider: String
    var sandbox: Bool
    /// `+1 (415) XXX-XXXX` at Vapi (the exact number is chosen by Vapi), the next fictional number in the sandbox.
    var example: String
    var monthlyCost: Int
}

extension PhoneNumberRecord {
    /// A placeholder kept while a free Vapi number has no digits yet (the column is unique and required).
    static func pendingE164(_ providerID: String) -> String { "pending:\(providerID)" }

    convenience init(orgID: UUID, assistantID: UUID?, provider: Provider, provisioned: ProvisionedNumber, name: String?) {
        self.init()
        $org.id = orgID
        $assistant.id = assistantID
        self.provider = provider
        e164 = provisioned.e164 ?? Self.pendingE164(provisioned.id)
        status = provisioned.status
        vapiPhoneNumberID = provisioned.id
        self.name = name
        routingJSON = "{}"
        businessHoursJSON = "{}"
        voicemailJSON = "{}"
    }

    /// E.164, or nil while the provider has not given the number yet.
    var number: String? { e164.hasPrefix("pending:") ? nil : e164 }
    var isSandbox: Bool { provider == .sandbox || SandboxTelephony.isSandboxID(vapiPhoneNumberID) }
}

extension AppError {
    /// Members can look; only owners and admins change the organisation's telephony.
    static let forbiddenRole = AppError(status: .forbidden, code: "forbidden_role", messageKey: "error_forbidden_role")
}
