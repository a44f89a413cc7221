import Fluent
import Foundation
import NIOConcurrencyHelpers

/// What answering a call needs about an organisation besides its booking settings: the organisation, its
/// assistant and its numbers. `assistant-request` reads them for every ringing call and the first event of each
/// call looks its number up, so they are kept for a few seconds, like `BookingContextCache`. A change made
/// through this process forgets the organisation's entry at once (model middleware below); another process sees
/// it within `lifetime`. The models are read-only snapshots: nothing may change them.
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
        if let cached = AnsweringProfiles.get(orgID) { return cached }
        guard let org = try await Org.find(orgID, on: db) else { return nil }
        let assistant = try await Assistant.forOrg(org, on: db)
        let numbers = try await PhoneNumberRecord.query(on: db).filter(\.$org.$id == orgID).all()
            .compactMap { record in record.id.map { Number(id: $0, e164: record.e164, vapiID: record.vapiPhoneNumberID) } }
        let profile = AnsweringProfile(org: org, assistant: assistant, numbers: numbers)
        AnsweringProfiles.put(profile)
        return profile
    }
}

enum AnsweringProfiles {
    static let lifetime: TimeInterval = 10
    private static let entries = NIOLockedValueBox<[UUID: (profile: AnsweringProfile, expires: Date)]>([:])

    static func get(_ orgID: UUID, now: Date = Date()) -> AnsweringProfile? {
        entries.withLockedValue { all in
            guard let entry = all[orgID], entry.expires > now else { return nil }
            return entry.profile
        }
    }

    static func put(_ profile: AnsweringProfile, now: Date = Date()) {
        guard let id = profile.org.id else { return }
        entries.withLockedValue { all in
            if all.count > 50_000 { all.removeAll() }
            all[id] = (profile, now.addingTimeInterval(lifetime))
        }
    }

    static func forget(_ orgID: UUID) { _ = entries.withLockedValue { $0.removeValue(forKey: orgID) } }
}

/// Forgets an organisation's answering profile whenever its organisation, assistant or numbers change.
struct AnsweringProfileInvalidation<Source: Model>: AsyncModelMiddleware {
    let orgID: @Sendable (Source) -> UUID?

    func create(model: Source, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.create(model, on: db); forget(model)
    }

    func update(model: Source, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.update(model, on: db); forget(model)
    }

    func delete(model: Source, force: Bool, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.delete(model, force: force, on: db); forget(model)
    }

    private func forget(_ model: Source) {
        if let id = orgID(model) { AnsweringProfiles.forget(id) }
    }
}

extension Databases {
    /// Keeps `AnsweringProfiles` true to what this process writes.
    func useAnsweringProfileInvalidation() {
        middleware.use(AnsweringProfileInvalidation<Org> { $0.id })
        middleware.use(AnsweringProfileInvalidation<Assistant> { $0.$org.id })
        middleware.use(AnsweringProfileInvalidation<PhoneNumberRecord> { $0.$org.id })
    }
}
