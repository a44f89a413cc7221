import Fluent
import Foundation

/// What answering a call needs about an organisation besides its booking settings: the organisation, its
/// assistant and its numbers. `assistant-request` reads them for every ringing call and the first event of each
/// call looks its number up, so they are kept for a few seconds (`OrgCache`, like `BookingContextCache`).
struct AnsweringProfile: Sendable {
    let org: Org
    let assistant: Assistant
    let numbers: [Number]

    struct Number: Sendable { let id: UUID; let e164: String; let vapiID: String? }

    /// The organisation's number a message names (by Vapi's id first, then by the digits).
    func number(vapiID: String?, e164: String?) -> Number? {
        if let vapiID, let found = numbers.first(where: { $0.vapiID == vapiID }) { return found }
        if let e164 { return numbers.first { $0.e164 == e164 } }
        return nil
    }

    static func load(orgID: UUID, on db: any Database) async throws -> AnsweringProfile? {
        do {
            return try await AnsweringProfiles.shared.value(for: orgID) {
                guard let org = try await Org.find(orgID, on: db) else { throw NoSuchOrg() }
                let assistant = try await Assistant.forOrg(org, on: db)
                let numbers = try await PhoneNumberRecord.query(on: db).filter(\.$org.$id == orgID).all()
                    .compactMap { record in record.id.map { Number(id: $0, e164: record.e164, vapiID: record.vapiPhoneNumberID) } }
                return AnsweringProfile(org: org, assistant: assistant, numbers: numbers)
            }
        } catch is NoSuchOrg {
            return nil
        }
    }

    private struct NoSuchOrg: Error {}
}

enum AnsweringProfiles {
    static let shared = OrgCache<AnsweringProfile>(lifetime: 10)

    static func get(_ orgID: UUID) -> AnsweringProfile? { shared.get(orgID) }
    static func put(_ profile: AnsweringProfile) { if let id = profile.org.id { shared.put(profile, for: id) } }
}

extension Databases {
    /// Keeps `AnsweringProfiles` true to what this process writes.
    func useAnsweringProfileInvalidation() {
        let forget: @Sendable (UUID) -> Void = { AnsweringProfiles.shared.forget($0) }
        middleware.use(ForgetOrgOnChange<Org>(orgID: { $0.id }, forget: forget))
        middleware.use(ForgetOrgOnChange<Assistant>(orgID: { $0.$org.id }, forget: forget))
        middleware.use(ForgetOrgOnChange<PhoneNumberRecord>(orgID: { $0.$org.id }, forget: forget))
    }
}
