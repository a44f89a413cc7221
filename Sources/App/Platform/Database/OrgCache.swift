import Fluent
import Foundation
import NIOConcurrencyHelpers

/// Settings of each organisation kept in memory for a few seconds, for the paths that read them on every request
/// during a call (tool calls, assistant requests, the first event of a call) and where they change almost never.
/// A change this process writes forgets the organisation's entry at once (`ForgetOrgOnChange`, model middleware);
/// another process sees it within `lifetime`. Values are read-only snapshots: nothing may change them.
final class OrgCache<Value: Sendable>: Sendable {
    let lifetime: TimeInterval

    private struct State {
        var entries: [UUID: (value: Value, expires: Date)] = [:]
        /// The load under way for an organisation, shared by everyone who needs it meanwhile.
        var loading: [UUID: Task<Value, any Error>] = [:]
        /// Bumped by `forget`: a load that began before the change must not store what it read.
        var generation: [UUID: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    /// The organisation's value. Fresh: from memory. Past its lifetime: the value held, at once, while ONE reload
    /// runs behind it (when an entry expired under load, every request waiting went to the database together,
    /// the webhook's writer with them: 60–140 ms stalls). Absent or forgotten: one load, shared by all who ask
    /// while it runs.
    func value(for orgID: UUID, now: Date = Date(), load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let (ready, loading) = state.withLockedValue { state -> (Value?, Task<Value, any Error>?) in
            let entry = state.entries[orgID]
            if let entry, entry.expires > now { return (entry.value, nil) }
            let task = state.loading[orgID] ?? startLoad(orgID, generation: state.generation[orgID, default: 0], load: load)
            state.loading[orgID] = task
            return (entry?.value, task)
        }
        if let ready { return ready }
        return try await loading!.value
    }

    private func startLoad(_ orgID: UUID, generation: Int, load: @escaping @Sendable () async throws -> Value) -> Task<Value, any Error> {
        Task {
            do {
                let value = try await load()
                finish(orgID, value, generation: generation)
                return value
            } catch {
                finish(orgID, nil, generation: generation)
                throw error
            }
        }
    }

    private func finish(_ orgID: UUID, _ value: Value?, generation: Int) {
        state.withLockedValue { state in
            guard state.generation[orgID, default: 0] == generation else { return }
            state.loading[orgID] = nil
            if let value { store(value, for: orgID, in: &state, now: Date()) }
        }
    }

    func get(_ orgID: UUID, now: Date = Date()) -> Value? {
        state.withLockedValue { state in
            guard let entry = state.entries[orgID], entry.expires > now else { return nil }
            return entry.value
        }
    }

    func put(_ value: Value, for orgID: UUID, now: Date = Date()) {
        state.withLockedValue { store(value, for: orgID, in: &$0, now: now) }
    }

    private func store(_ value: Value, for orgID: UUID, in state: inout State, now: Date) {
        if state.entries.count > 50_000 { state.entries.removeAll() }   // bounded: a few bytes per organisation that called lately
        state.entries[orgID] = (value, now.addingTimeInterval(lifetime))
    }

    func forget(_ orgID: UUID) {
        state.withLockedValue { state in
            state.entries[orgID] = nil
            state.loading[orgID] = nil
            state.generation[orgID, default: 0] += 1
        }
    }
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
