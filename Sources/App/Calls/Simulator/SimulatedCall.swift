import AVACore
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// One simulated call's conversation. Kept in memory, keyed by AVA's call id: a simulated call lives as long
/// as the process (a restart forgets the conversation, while the call row, its transcript and events stay in
/// the database like any call's). With several AVA processes, a call's turns must reach the process that
/// started it; the simulator is a sandbox and onboarding tool, so that is accepted.
struct SimulatedCall: Sendable {
    struct Line: Sendable, Equatable, Codable {
        /// `assistant` or `user`.
        var role: String
        var text: String
        var at: Date
    }

    struct ToolCallRecord: Sendable, Equatable, Codable {
        var id: String
        var name: String
        /// The arguments as compact JSON.
        var arguments: String
        var result: String?
        var error: String?
    }

    var callID: UUID
    var orgID: UUID
    var org: WebhookOrg
    var factory: VapiMessageFactory
    var locale: AppLocale
    var startedAt: Date
    var greeting: String
    var systemPrompt: String
    var scripted: Bool
    var lines: [Line] = []
    var toolCalls: [ToolCallRecord] = []
    /// The conversation in OpenAI's chat format (language-model mode).
    var chat: [ChatMessage] = []
    /// Where the scripted receptionist is in the conversation.
    var script = ScriptState()
    var ended = false
    /// A turn is being answered: the next waits (answered 409) rather than interleave.
    var busy = false
    var lastTimestamp: Date
    var lastActivity: Date
    var summary: String?
    var outcome: String?
}

/// Every simulated call of this process. Bounded: ended and idle calls are dropped first.
final class SimulatedCallStore: Sendable {
    private let calls = NIOLockedValueBox<[UUID: SimulatedCall]>([:])
    static let maxCalls = 2_000
    /// A call nobody spoke in for this long is forgotten (its database row stays).
    static let idleLifetime: TimeInterval = 2 * 3600

    func insert(_ call: SimulatedCall) {
        calls.withLockedValue { all in
            let now = Date()
            all = all.filter { now.timeIntervalSince($0.value.lastActivity) < Self.idleLifetime }
            if all.count >= Self.maxCalls {
                let oldest = all.values.sorted { ($0.ended ? 0 : 1, $0.lastActivity) < ($1.ended ? 0 : 1, $1.lastActivity) }
                for call in oldest.prefix(all.count - Self.maxCalls + 1) { all[call.callID] = nil }
            }
            all[call.callID] = call
        }
    }

    /// Open calls of one organisation (each may cost language-model calls, so there is a cap).
    func openCount(orgID: UUID) -> Int {
        calls.withLockedValue { all in all.values.filter { $0.orgID == orgID && !$0.ended }.count }
    }

    func get(_ id: UUID, orgID: UUID) -> SimulatedCall? {
        calls.withLockedValue { all in all[id].flatMap { $0.orgID == orgID ? $0 : nil } }
    }

    enum Claim { case claimed(SimulatedCall), unknown, ended, busy }

    /// Takes the call for one turn: nobody else can use it until `release`.
    func claim(_ id: UUID, orgID: UUID) -> Claim {
        calls.withLockedValue { all in
            guard var call = all[id], call.orgID == orgID else { return .unknown }
            if call.ended { return .ended }
            if call.busy { return .busy }
            call.busy = true
            all[id] = call
            return .claimed(call)
        }
    }

    /// Calls nobody spoke in for `idle` seconds and still open (a closed tab): taken for ending, as Vapi ends
    /// a call after silence.
    func takeAbandoned(idle: TimeInterval, now: Date = Date()) -> [SimulatedCall] {
        calls.withLockedValue { all in
            var taken: [SimulatedCall] = []
            for (id, call) in all where !call.ended && !call.busy && now.timeIntervalSince(call.lastActivity) > idle {
                var claimed = call
                claimed.busy = true
                all[id] = claimed
                taken.append(claimed)
            }
            return taken
        }
    }

    /// Tests move a call's last activity into the past.
    func setLastActivity(_ id: UUID, _ date: Date) {
        calls.withLockedValue { all in all[id]?.lastActivity = date }
    }

    func release(_ call: SimulatedCall, touch: Bool = true) {
        var copy = call
        copy.busy = false
        if touch { copy.lastActivity = Date() }
        calls.withLockedValue { $0[call.callID] = copy }
    }
}

extension Application {
    private struct SimulatedCallStoreKey: StorageKey, LockKey { typealias Value = SimulatedCallStore }

    var simulatedCalls: SimulatedCallStore {
        if let store = storage[SimulatedCallStoreKey.self] { return store }
        // Made on first use; `locks` keeps two first requests from making two stores.
        return locks.lock(for: SimulatedCallStoreKey.self).withLock {
            if let store = storage[SimulatedCallStoreKey.self] { return store }
            let store = SimulatedCallStore()
            storage[SimulatedCallStoreKey.self] = store
            return store
        }
    }
}
