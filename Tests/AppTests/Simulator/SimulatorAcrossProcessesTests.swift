@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// AVA runs as several stateless processes on one database: a simulated call started through one process is
/// continued, hung up and shown through another. On PostgreSQL (`DATABASE_URL=postgres…`) the two processes
/// share a schema (`withTwoAVAs`); on SQLite they share one database file.
@Suite("Call simulator across processes")
struct SimulatorAcrossProcessesTests {
    struct Shown: Content { var callId: UUID; var ended: Bool; var lines: [Line]; var summary: String? }
    struct Line: Content { var role: String; var text: String }

    @Test func callStartedOnOneProcessIsContinuedAndEndedOnTheOther() async throws {
        try await withTwoAVAs(sqliteToo: true) { processA, processB in
            let owner = try await SimulatorOwner.make(processA, locale: "fr")
            let onA = SimulatorClient(app: processA, token: owner.token)
            let onB = SimulatorClient(app: processB, token: owner.token)
            let started = try #require(try await onA.start(["callerName": "Léa Martin"]))

            // The turn is answered by B, which never saw the call start.
            let offered = try await onB.say(started.callId, "Bonjour, je voudrais prendre rendez-vous demain après-midi")
            #expect(offered.toolCalls.map(\.name) == ["checkAvailability"], "\(offered)")
            #expect(offered.reply.contains("créneaux"), "\(offered.reply)")
            // Back on A, the conversation goes on where B left it: the slots B offered are taken.
            let booked = try await onA.say(started.callId, "Le premier, s'il vous plaît")
            #expect(booked.toolCalls.map(\.name) == ["bookAppointment"], "\(booked)")

            let ended = try await onB.hangUp(started.callId)
            #expect(ended.status == "ended" && ended.outcome == "booked", "\(ended)")
            let row = try #require(try await Call.find(started.callId, on: processA.db))
            #expect(row.status == "ended" && row.endedReason == "customer-ended-call" && row.reportReceivedAt != nil)
            #expect(row.transcript?.contains("User: Bonjour, je voudrais prendre rendez-vous") == true, "\(row.transcript ?? "")")
            #expect(row.transcript?.contains("User: Le premier") == true)

            // Either process shows the whole conversation, ended, and refuses more words.
            for process in [processA, processB] {
                try await process.testing().test(.GET, "/api/v1/simulator/calls/\(started.callId)", headers: .bearer(owner.token),
                                                 afterResponse: { res throws in
                    #expect(res.status == .ok, "\(res.body.string)")
                    let shown = try res.content.decode(Shown.self)
                    #expect(shown.ended && shown.lines.count == 5 && shown.summary?.contains("Léa Martin") == true, "\(shown)")
                })
            }
            #expect(try await onA.refusedSay(started.callId, "Allô ?", status: .conflict) == "simulator_call_ended")
            #expect(try await onB.hangUp(started.callId).outcome == "booked")
        }
    }

    /// Two processes looking for abandoned calls at the same moment: each call is ended by exactly one.
    @Test func anAbandonedCallIsTakenByOneProcessOnly() async throws {
        try await withTwoAVAs(sqliteToo: true) { processA, processB in
            let owner = try await SimulatorOwner.make(processA, locale: "en")
            let client = SimulatorClient(app: processA, token: owner.token)
            var ids: [UUID] = []
            for _ in 0..<3 { ids.append(try #require(try await client.start()).callId) }
            // Both look from a moment past the silence timeout (rather than ageing the calls: each start also sweeps
            // in the background, by the real clock, and would otherwise race the two processes for them).
            let later = Date().addingTimeInterval(SimulatorEngine.silenceTimeout + 60)
            async let takenByA = processA.simulatedCalls.takeAbandoned(idle: SimulatorEngine.silenceTimeout, now: later)
            async let takenByB = processB.simulatedCalls.takeAbandoned(idle: SimulatorEngine.silenceTimeout, now: later)
            let taken = try await takenByA + takenByB
            #expect(Set(taken.map(\.callID)) == Set(ids) && taken.count == ids.count, "\(taken.map(\.callID))")
            for call in taken { #expect(try await processB.simulatedCalls.release(call, touch: false)) }
        }
    }

    /// A process that dies during a turn leaves its claim behind: the call answers "busy" until the lease
    /// passes, then any process takes it again, and the dead turn could no longer write over it.
    @Test func aClaimLeftByACrashedProcessExpires() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "fr")
            let client = SimulatorClient(app: app, token: owner.token)
            let started = try #require(try await client.start())
            let store = app.simulatedCalls

            // The "crashed" process claims the call and never releases it.
            guard case .claimed(var crashed) = try await store.claim(started.callId, orgID: owner.orgID) else {
                Issue.record("the call could not be claimed"); return
            }
            #expect(try await client.refusedSay(started.callId, "Bonjour", status: .conflict) == "simulator_busy")
            let later = Date().addingTimeInterval(SimulatedCallStore.claimLease - 5)
            if case .busy = try await store.claim(started.callId, orgID: owner.orgID, now: later) {} else {
                Issue.record("the claim ended before its lease")
            }

            // Past the lease, another process takes it.
            let expired = Date().addingTimeInterval(SimulatedCallStore.claimLease + 5)
            guard case .claimed(let taken) = try await store.claim(started.callId, orgID: owner.orgID, now: expired) else {
                Issue.record("an expired claim was not taken over"); return
            }
            #expect(try await store.release(taken))
            // The dead turn's late write is refused: it no longer holds the call.
            crashed.lines.append(.init(role: "user", text: "never said", at: Date()))
            #expect(try await !store.release(crashed))
            #expect(try await store.get(started.callId, orgID: owner.orgID)?.lines.contains { $0.text == "never said" } == false)

            // And the call goes on normally.
            try await store.setClaimedUntil(started.callId, Date().addingTimeInterval(-1))
            let reply = try await client.say(started.callId, "Bonjour, je voudrais laisser un message")
            #expect(!reply.reply.isEmpty && !reply.ended, "\(reply)")
            #expect(try await client.hangUp(started.callId).status == "ended")
        }
    }

    /// Round trip of the stored form: what a turn wrote is what the next reads, to the millisecond.
    @Test func storedConversationReadsBackIdentical() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "he")
            let client = SimulatorClient(app: app, token: owner.token)
            let started = try #require(try await client.start(["callerName": "Noa"]))
            _ = try await client.say(started.callId, "I would like to book an appointment tomorrow")
            let call = try #require(try await app.simulatedCalls.get(started.callId, orgID: owner.orgID))
            let again = try SimulatedCall.decoded(try SimulatedCall.encoded(call))
            #expect(again.lines == call.lines && again.chat == call.chat && again.script == call.script)
            #expect(again.lastTimestamp == call.lastTimestamp && again.startedAt == call.startedAt)
            #expect(again.factory.clock() == call.factory.clock() && again.factory.callerName == "Noa")
            #expect(again.org.id == owner.orgID && again.locale == .he)
            // Another organisation does not see it.
            #expect(try await app.simulatedCalls.get(started.callId, orgID: UUID()) == nil)
        }
    }
}

