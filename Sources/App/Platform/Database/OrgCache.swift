import Fluent
import Foundation
import NIOConcurrencyHelpers

/// Settings of each organisation kept in memory for a few seconds, for the paths that read them on every request
/// during a call (tool calls, assistant requests, the first event of a call) and where they change almost never.
/// A change this process writes forgets the organisation's entry at once (`ForgetOrgOnChange`, model middleware);
/// another process sees it within `lifetime`. Values are read-only snapshots: nothing may change them.
final class OrgCache<Value: Sendable>: Sendable {
    let lifetime: TimeInterval
    private let entries = NIOLockedValueBox<[UUID: (value: Value, expires: Date)]>([:])

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    func get(_ orgID: UUID, now: Date = Date()) -> Value? {
        entries.withLockedValue { all in
            guard let entry = all[orgID], entry.expires > now else { return nil }
            return entry.value
        }
    }

    func put(_ value: Value, for orgID: UUID, now: Date = Date()) {
        entries.withLockedValue { all in
            if all.count > 50_000 { all.removeAll() }   // bounded: a few bytes per organisation that called lately
            all[orgID] = (value, now.addingTimeInterval(lifetime))
        }
    }

    func forget(_ orgID: UUID) { _ = entries.withLockedValue { $0.removeValue(forKey: orgID) } }
}

/// Forgets an organisation's cached settings whenever one of the models they come from is created, saved or
/// deleted through Fluent (bulk query updates bypass model middleware: none touches these models).
struct ForgetOrgOnChange<Source: Model>: AsyncModelMiddleware {
    let orgID: @Sendable (Source) -> UUID?
    let forget: @Sendable (UUID) -> Void

    func create(model: Source, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.create(model, on: db); changed(model)
    }

    func update(model: Source, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.update(model, on: db); changed(model)
    }

    func delete(model: Source, force: Bool, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.delete(model, force: force, on: db); changed(model)
    }

    private func changed(_ model: Source) {
        if let id = orgID(model) { forget(id) }
    }
}
