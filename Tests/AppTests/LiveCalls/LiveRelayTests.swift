@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Two AVA processes on one PostgreSQL database: what one publishes, a browser on the other sees, once.
/// Skipped without `DATABASE_URL=postgres…` (scripts/with-postgres.sh sets it).
@Suite("Live calls: relay across processes (PostgreSQL)", .enabled(if: isPostgres))
struct LiveRelayTests {
    @Test func watcherOnProcessBSeesEventsPublishedOnProcessA() async throws {
        try await withTwoAVAs { processA, processB in
            #expect(processA.liveCalls.relays && processB.liveCalls.relays)
            #expect(processA.liveCalls.processID != processB.liveCalls.processID)
            let owner = try await signUp(processA, SignupBody(email: uniqueEmail("live")))
            let org = owner.organisation.id
            let call = try await makeLiveTestCall(processA, orgID: org)
            try await withServer(processB) { port in
                // The session made on A is good on B: same database.
                let onB = try await SSEClient.open(processB, port: port, path: "/api/v1/calls/\(call)/live", token: owner.tokens.accessToken)
                #expect(onB.status == .ok)
                #expect(await onB.next()?.event == "ready")
                // A watcher on A too: it must get each event once (directly), not again through the relay.
                let onA = processA.liveCalls.subscribe(orgID: org, callID: call)
                #expect(await processA.liveCalls.waitUntilRelaying(timeout: .seconds(5)))

                let lines = (1...20).map { liveTranscript(org: org, call: call, text: "ligne \($0) — שורה \($0)", final: $0 % 2 == 0) }
                for line in lines { processA.liveCalls.publish(line) }

                var seenOnB: [String] = []
                while seenOnB.count < lines.count, let frame = await onB.nextEvent() {
                    seenOnB.append(frame.json["text"] ?? "")
                }
                #expect(seenOnB == lines.map { $0.text! }, "in publish order, none lost")
                #expect(await onB.nextEvent(timeout: .milliseconds(500)) == nil, "none twice")

                await processA.liveCalls.shutdown()
                var seenOnA: [String] = []
                for await event in onA { seenOnA.append(event.text ?? "") }
                #expect(seenOnA == lines.map { $0.text! }, "the origin delivers once")
                await onB.close()
            }
        }
    }

    /// The whole path: Vapi posts a transcript to process A's webhook; a browser on process B sees the line.
    @Test func webhookOnProcessAReachesBrowserOnProcessB() async throws {
        try await withTwoAVAs { processA, processB in
            let owner = try await signUp(processA, SignupBody(email: uniqueEmail("live")))
            let org = try #require(try await Org.find(owner.organisation.id, on: processA.db))
            let token = "whk_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            org.webhookToken = token
            try await org.save(on: processA.db)
            try await withServer(processB) { port in
                let onB = try await SSEClient.open(processB, port: port, path: "/api/v1/calls/live", token: owner.tokens.accessToken)
                #expect(await onB.next()?.event == "ready")
                let vapiCall = UUID().uuidString.lowercased()
                let now = Date().timeIntervalSince1970 * 1000
                for (index, (kind, text)) in [("partial", "Bonjour, je voud"), ("final", "Bonjour, je voudrais un rendez-vous mardi.")].enumerated() {
                    let body: [String: Any] = ["message": [
                        "type": "transcript", "role": "user", "transcriptType": kind, "transcript": text,
                        "timestamp": now + Double(index), "call": ["id": vapiCall, "status": "in-progress"],
                    ]]
                    try await processA.testing().test(.POST, "/api/v1/webhooks/vapi/\(token)", beforeRequest: { req in
                        req.headers.contentType = .json
                        req.body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
                    }, afterResponse: { res throws in
                        #expect(res.status == .ok, "\(res.body.string)")
                    })
                }
                let partial = try #require(await onB.nextEvent())
                #expect(partial.event == "transcript")
                #expect(partial.json["final"] == "false")
                let final = try #require(await onB.nextEvent())
                #expect(final.json["text"] == "Bonjour, je voudrais un rendez-vous mardi.")
                #expect(final.json["final"] == "true")
                #expect(final.json["role"] == "user")
                // The line names the call AVA stored, which B can open too.
                let callID = try #require(final.json["callId"].flatMap(UUID.init(uuidString:)))
                let stored = try await Call.query(on: processB.db).filter(\.$id == callID).first()
                #expect(stored?.$org.id == owner.organisation.id)
                await onB.close()
            }
        }
    }

    /// The webhook's batch statement sends the live notifications itself: each event stored now, once, in the
    /// batch's order, naming the call it made; a replay, or an event of another organisation's call, sends nothing.
    @Test func theWebhooksBatchStatementNotifiesOtherProcesses() async throws {
        try await withTwoAVAs { processA, processB in
            let note = try #require(processA.callEventWriter.relayNote)
            let alice = try await CallingOrg.make(processA)
            let bob = try await CallingOrg.make(processA)
            let vapi = alice.factory()
            let watcher = processB.liveCalls.subscribe(orgID: alice.owner.orgID)
            let bobsWatcher = processB.liveCalls.subscribe(orgID: bob.owner.orgID)
            #expect(await processB.liveCalls.waitUntilRelaying(timeout: .seconds(5)))
            var batch = [try await incomingEvent(processA, alice, vapi.statusUpdate("in-progress"))]
            for n in 1...3 { batch.append(try await incomingEvent(processA, alice, vapi.transcript("user", "ligne \(n) — שורה \(n)", final: true))) }
            batch.append(batch[1])
            let stored = try #require(try await CallEventSQL.applyInOneStatement(batch, database: processA.db, profiles: [:], relayNote: note))
            let callID = try #require(stored[0].callID)

            var seen: [LiveCallEvent] = []
            while seen.count < 4, let event = await firstEvent(of: watcher) { seen.append(event) }
            #expect(seen.map(\.kind) == [.status, .transcript, .transcript, .transcript])
            #expect(seen.dropFirst().map(\.text) == ["ligne 1 — שורה 1", "ligne 2 — שורה 2", "ligne 3 — שורה 3"])
            #expect(seen.allSatisfy { $0.callID == callID && $0.orgID == alice.owner.orgID })

            // A replay, and Bob's event naming Alice's call: stored as nothing new, so nothing is sent.
            _ = try await CallEventSQL.applyInOneStatement([batch[2]], database: processA.db, profiles: [:], relayNote: note)
            let forged = try await incomingEvent(processA, bob, vapi.transcript("user", "pas à moi", final: true))
            _ = try await CallEventSQL.applyInOneStatement([forged], database: processA.db, profiles: [:], relayNote: note)
            #expect(await firstEvent(of: watcher, timeout: .milliseconds(500)) == nil)
            #expect(await firstEvent(of: bobsWatcher, timeout: .milliseconds(100)) == nil)
        }
    }

    /// A burst (throughput, none lost, in order) then a paced stream (latency A → B). Figures are printed.
    @Test func relayKeepsUpWithABurst() async throws {
        try await withTwoAVAs { processA, processB in
            let org = UUID(), call = UUID()
            let burst = 5_000, paced = 300
            let watcher = processB.liveCalls.subscribe(orgID: org, callID: call, buffer: burst + paced)
            #expect(await processB.liveCalls.waitUntilRelaying(timeout: .seconds(5)))
            let receiver = Task { () -> [(String, ContinuousClock.Instant)] in
                var arrivals: [(String, ContinuousClock.Instant)] = []
                for await event in watcher {
                    arrivals.append((event.text ?? "", .now))
                    if arrivals.count == burst + paced { break }
                }
                return arrivals
            }
            let timer = Task { try? await Task.sleep(for: .seconds(60)); receiver.cancel() }
            defer { timer.cancel() }

            let start = ContinuousClock.now
            for n in 0..<burst { processA.liveCalls.publish(liveTranscript(org: org, call: call, text: "b\(n)")) }
            var sentAt: [ContinuousClock.Instant] = []
            // Paced: one event every 2 ms once the burst is through, to see the latency of a single line.
            #expect(await eventually(timeout: .seconds(30)) { processA.liveCalls.relayForTesting?.queuedForTesting == 0 })
            try await Task.sleep(for: .milliseconds(300))
            for n in 0..<paced {
                sentAt.append(.now)
                processA.liveCalls.publish(liveTranscript(org: org, call: call, text: "p\(n)"))
                try await Task.sleep(for: .milliseconds(2))
            }
            let arrivals = await receiver.value
            #expect(arrivals.count == burst + paced, "no event lost")
            #expect(arrivals.map(\.0) == (0..<burst).map { "b\($0)" } + (0..<paced).map { "p\($0)" }, "in order")
            guard arrivals.count == burst + paced else { return }
            let burstSeconds = Double((arrivals[burst - 1].1 - start).components.attoseconds) / 1e18
                + Double((arrivals[burst - 1].1 - start).components.seconds)
            let latencies = (0..<paced).map { index -> Double in
                let elapsed = arrivals[burst + index].1 - sentAt[index]
                return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }.sorted()
            let p50 = latencies[latencies.count / 2], p99 = latencies[Int(Double(latencies.count) * 0.99)]
            print(String(format: "live relay figures: burst of %d events A→B in %.3f s (%.0f events/s); single events p50 %.2f ms, p99 %.2f ms",
                         burst, burstSeconds, Double(burst) / burstSeconds, p50, p99))
        }
    }

    @Test func relayReconnectsAfterItsConnectionDrops() async throws {
        try await withTwoAVAs { processA, processB in
            let org = UUID(), call = UUID()
            let watcher = processB.liveCalls.subscribe(orgID: org, callID: call)
            #expect(await processB.liveCalls.waitUntilRelaying(timeout: .seconds(5)))
            let relay = try #require(processB.liveCalls.relayForTesting)
            #expect(relay.connectionsOpened == 1)

            // The database ends B's LISTEN session, as a restart or a network cut would.
            let sql = try #require(processA.db as? any SQLDatabase)
            let listening = #"LISTEN "\#(relay.channel)";"#
            try await sql.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = \(bind: listening)").run()
            #expect(await eventually(timeout: .seconds(10)) { relay.connectionsOpened == 2 && relay.isListening })

            processA.liveCalls.publish(liveTranscript(org: org, call: call, text: "après la coupure"))
            #expect(await firstEvent(of: watcher)?.text == "après la coupure")
        }
    }

    /// A server that stops answering without closing the socket (frozen backend, cut without reset): the
    /// watchdog notices and the relay reconnects. The backend is frozen with SIGSTOP (same machine, as root).
    @Test(.enabled(if: getuid() == 0)) func relayReconnectsWhenTheServerStopsAnswering() async throws {
        try await withTwoAVAs { processA, processB in
            let relay = try #require(processB.liveCalls.relayForTesting)
            relay.watchdogTiming.withLockedValue { $0 = (.milliseconds(200), .milliseconds(500)) }
            let org = UUID(), call = UUID()
            let watcher = processB.liveCalls.subscribe(orgID: org, callID: call)
            #expect(await processB.liveCalls.waitUntilRelaying(timeout: .seconds(5)))

            let sql = try #require(processA.db as? any SQLDatabase)
            let listening = #"LISTEN "\#(relay.channel)";"#
            struct Backend: Decodable { var pid: Int32 }
            let backend = try #require(try await sql.raw("SELECT pid FROM pg_stat_activity WHERE query = \(bind: listening)").first(decoding: Backend.self))
            #expect(kill(backend.pid, SIGSTOP) == 0)
            defer { kill(backend.pid, SIGCONT) }
            #expect(await eventually(timeout: .seconds(10)) { relay.connectionsOpened == 2 && relay.isListening })

            processA.liveCalls.publish(liveTranscript(org: org, call: call, text: "toujours là"))
            #expect(await firstEvent(of: watcher)?.text == "toujours là")
        }
    }
}
