import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import App

/// `OrgCache`: one load however many ask at once, an expired value served while one reload runs behind it, and a
/// change (`forget`) never undone by a load that began before it.
@Suite("Organisation settings cache")
struct OrgCacheTests {
    @Test func manyAskingAtOnceShareOneLoad() async throws {
        let cache = OrgCache<Int>(lifetime: 10)
        let loads = NIOLockedValueBox(0)
        let org = UUID()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await cache.value(for: org) {
                        loads.withLockedValue { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(50))
                        return 7
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 7, count: 50))
        #expect(loads.withLockedValue { $0 } == 1)
    }

    @Test func anExpiredValueIsServedWhileOneReloadRuns() async throws {
        let cache = OrgCache<Int>(lifetime: 10)
        let org = UUID()
        cache.put(1, for: org, now: Date().addingTimeInterval(-60))
        let loads = NIOLockedValueBox(0)
        let release = AsyncStream<Void>.makeStream()
        for _ in 0..<5 {
            let value = try await cache.value(for: org) {
                loads.withLockedValue { $0 += 1 }
                for await _ in release.stream { break }
                return 2
            }
            #expect(value == 1)
        }
        #expect(loads.withLockedValue { $0 } <= 1)
        release.continuation.yield()
        for _ in 0..<100 where cache.get(org) == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(cache.get(org) == 2)
        #expect(loads.withLockedValue { $0 } == 1)
    }

    @Test func aLoadThatBeganBeforeAChangeDoesNotStoreWhatItRead() async throws {
        let cache = OrgCache<Int>(lifetime: 10)
        let org = UUID()
        let started = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let old = Task {
            try await cache.value(for: org) {
                started.continuation.yield()
                for await _ in release.stream { break }
                return 1
            }
        }
        for await _ in started.stream { break }
        cache.forget(org)   // the settings changed while the old values were being read
        release.continuation.yield()
        #expect(try await old.value == 1)
        #expect(cache.get(org) == nil)
        #expect(try await cache.value(for: org) { 2 } == 2)
        #expect(cache.get(org) == 2)
    }

    @Test func aFailedLoadIsNotKeptAndTheNextAskLoadsAgain() async throws {
        struct Down: Error {}
        let cache = OrgCache<Int>(lifetime: 10)
        let org = UUID()
        await #expect(throws: Down.self) { try await cache.value(for: org) { throw Down() } }
        #expect(try await cache.value(for: org) { 3 } == 3)
    }
}
