@testable import App
import Foundation
import Testing
import Vapor

/// The hub inside one process: who receives what, and that nothing is left behind.
@Suite("Live calls: in-process hub")
struct LiveCallHubTests {
    @Test func subscriberReceivesPublishedEvents() async throws {
        try await withAVA { app in
            let hub = app.liveCalls
            let org = UUID(), call = UUID()
            let stream = hub.subscribe(orgID: org, callID: call)
            #expect(hub.watcherCount == 1)
            let sent = [
                liveTranscript(org: org, call: call, text: "Bonj", final: false),
                liveTranscript(org: org, call: call, text: "Bonjour, je voudrais un rendez-vous"),
                LiveCallEvent(orgID: org, callID: call, kind: .status, status: "ended", at: Date()),
            ]
            for event in sent { hub.publish(event) }
            var received: [LiveCallEvent] = []
            for await event in stream {
                received.append(event)
                if received.count == sent.count { break }
            }
            #expect(received == sent)
        }
    }

    @Test func otherOrganisationsAndCallsReceiveNothing() async throws {
        try await withAVA { app in
            let hub = app.liveCalls
            let org = UUID(), call = UUID(), otherCall = UUID()
            let stranger = hub.subscribe(orgID: UUID())
            let strangerSameCall = hub.subscribe(orgID: UUID(), callID: call)
            let otherCallWatcher = hub.subscribe(orgID: org, callID: otherCall)
            let orgWatcher = hub.subscribe(orgID: org)
            let callWatcher = hub.subscribe(orgID: org, callID: call)
            let event = liveTranscript(org: org, call: call, text: "secret de l'organisation")
            hub.publish(event)
            // Delivery is synchronous: once the streams end, each holds exactly what it was given.
            await hub.shutdown()
            #expect(hub.watcherCount == 0)
            func all(_ stream: AsyncStream<LiveCallEvent>) async -> [LiveCallEvent] {
                var events: [LiveCallEvent] = []
                for await event in stream { events.append(event) }
                return events
            }
            #expect(await all(orgWatcher) == [event])
            #expect(await all(callWatcher) == [event])
            #expect(await all(stranger).isEmpty)
            #expect(await all(strangerSameCall).isEmpty)
            #expect(await all(otherCallWatcher).isEmpty)
        }
    }

    @Test func droppedStreamsLeaveNoWatcher() async throws {
        try await withAVA { app in
            let hub = app.liveCalls
            let org = UUID()
            let task = Task {
                for await _ in hub.subscribe(orgID: org) {}
            }
            #expect(await eventually { hub.watcherCount == 1 })
            task.cancel()
            await task.value
            #expect(hub.watcherCount == 0)
            do { _ = hub.subscribe(orgID: org) }  // dropped at once
            #expect(await eventually { hub.watcherCount == 0 })
        }
    }

    @Test func notifyPayloadStaysUnderPostgresLimit() throws {
        let org = UUID(), call = UUID()
        for unit in ["a", "\"", "\n", "ש", "😀", "é\u{301}"] {
            let long = String(repeating: unit, count: 20_000)
            let wire = LiveCallWire(p: UUID(), s: 1, e: liveTranscript(org: org, call: call, text: long))
            let payload = try #require(wire.payload())
            #expect(payload.utf8.count < 8000)
            let back = try #require(LiveCallWire.decode(payload))
            #expect(back.e.text?.hasSuffix("…") == true)
            #expect((back.e.text?.count ?? 0) > 500)
            #expect(long.hasPrefix(String(back.e.text!.dropLast())))
        }
        let short = LiveCallWire(p: UUID(), s: 2, e: liveTranscript(org: org, call: call, text: "שלום, אני רוצה לקבוע תור"))
        #expect(LiveCallWire.decode(try #require(short.payload())) == short)
    }

    @Test func channelNameFollowsSchema() {
        #expect(PostgresLiveRelay.channel(schema: nil) == "ava_live")
        #expect(PostgresLiveRelay.channel(schema: "t_abc123") == "ava_live_t_abc123")
        #expect(PostgresLiveRelay.channel(schema: "A\"; DROP") == "ava_live_adrop")
    }
}
