@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The webhook's write path: its own SQLite connection (`SQLiteWriter`) on an SQLite file, Fluent's pool on
/// PostgreSQL, and the batch statements of `CallEventSQL` on both.
@Suite("Call events: the webhook's writer")
struct CallEventWriterTests {
    @Test func anSQLiteFileGetsTheWebhooksOwnWriter() async throws {
        try await withAVA { app in
            #expect((app.callEventWriter.direct != nil) == !isPostgres)
        }
    }

    @Test func manyCallsAtOnceAreEachStoredOnceWithOneReconcileJob() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let calls = (0..<25).map { _ in org.factory() }
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for vapi in calls {
                    group.addTask { try await postWebhook(app, org.path, vapi.statusUpdate("in-progress")).status }
                    group.addTask { try await postWebhook(app, org.path, vapi.transcript("user", "Bonjour", final: true)).status }
                }
                for try await status in group { #expect(status == .ok) }
            }
            #expect(try await Call.query(on: app.db).count() == 25)
            #expect(try await CallEvent.query(on: app.db).count() == 50)
            #expect(try await CallTranscriptLine.query(on: app.db).count() == 25)
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.reconcile).count() == 25)
            // Every call knows the number it came in on (looked up before the transaction).
            #expect(try await Call.query(on: app.db).filter(\.$phoneNumber.$id == nil).count() == 0)
        }
    }

    /// One statement upserts the batch's calls; a Vapi id sent under two organisations in the same batch is
    /// stored for the first and never touched (nor answered) for the other.
    @Test func oneCallIDUnderTwoOrganisationsInOneBatch() async throws {
        try await withAVA { app in
            let alice = try await CallingOrg.make(app)
            let bob = try await CallingOrg.make(app)
            let vapi = alice.factory()
            let events = try await [
                incomingEvent(app, alice, vapi.statusUpdate("in-progress")),
                incomingEvent(app, bob, vapi.endOfCallReport(transcript: "forged", summary: "forged", startedAt: Date(), endedAt: Date())),
                incomingEvent(app, alice, vapi.transcript("user", "Bonjour", final: true)),
            ]
            let profiles = try await CallEventSQL.profiles(for: events, on: app.db)
            let results: [StoredCallEvent]
            if let direct = app.callEventWriter.direct {
                results = try await direct.transaction { sql in try await CallEventSQL.apply(events, sql: sql, profiles: profiles) }
            } else {
                results = try await app.db.transaction { tx in
                    try await CallEventSQL.apply(events, sql: tx as! any SQLDatabase, profiles: profiles)
                }
            }
            #expect(results[0].callID != nil && results[0].callID == results[2].callID)
            #expect(results[1].callID == nil)
            let call = try #require(try await Call.query(on: app.db).filter(\.$vapiCallID == vapi.callID).first())
            #expect(call.$org.id == alice.owner.orgID)
            #expect(call.summary == nil)
            #expect(call.status == "in-progress")
            #expect(try await CallEvent.query(on: app.db).filter(\.$org.$id == bob.owner.orgID).count() == 0)
        }
    }

    /// PostgreSQL: a batch is written by one statement, with the same outcomes as the transactional path: the call
    /// once, its reconcile job once, a replayed body a duplicate, nothing of another organisation's call, a final
    /// line once under the same key as `lineKey`, only the first report stored and its post-call job naming the call.
    @Test func postgresWritesWhatCallersWaitOnInOneStatement() async throws {
        guard isPostgres else { return }
        try await withAVA { app in
            let alice = try await CallingOrg.make(app)
            let bob = try await CallingOrg.make(app)
            let vapi = alice.factory()
            let ringing = try await incomingEvent(app, alice, vapi.assistantRequest())
            let tools = try await incomingEvent(app, alice, vapi.toolCalls([(id: "t1", name: "checkAvailability", arguments: [:])]))
            let first = try #require(try await CallEventSQL.applyInOneStatement([ringing, tools, ringing], database: app.db, profiles: [:]))
            let callID = try #require(first[0].callID)
            #expect(first.map(\.callID) == [callID, callID, callID])
            #expect(first.map(\.duplicate) == [false, false, true])
            let again = try #require(try await CallEventSQL.applyInOneStatement([tools], database: app.db, profiles: [:]))
            #expect(again[0].callID == callID && again[0].duplicate)
            let forged = try await incomingEvent(app, bob, vapi.statusUpdate("ended"))
            let refused = try #require(try await CallEventSQL.applyInOneStatement([forged], database: app.db, profiles: [:]))
            #expect(refused[0].callID == nil)
            #expect(try await Call.query(on: app.db).count() == 1)
            #expect(try await Call.query(on: app.db).first()?.status == "in-progress")
            #expect(try await CallEvent.query(on: app.db).count() == 2)
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.reconcile).count() == 1)
            // A final line, and the same line in another body (another timestamp field): one row.
            let lineBody = vapi.transcript("user", "Bonjour, je voudrais un rendez-vous", final: true)
            let line = try await incomingEvent(app, alice, lineBody)
            var sameLine = line
            sameLine.body += " "
            let lines = try #require(try await CallEventSQL.applyInOneStatement([tools, line, sameLine, line], database: app.db, profiles: [:]))
            #expect(lines.map(\.duplicate) == [true, false, false, true])
            let stored = try await CallTranscriptLine.query(on: app.db).filter(\.$call.$id == callID).all()
            #expect(stored.map(\.text) == ["Bonjour, je voudrais un rendez-vous"])
            let spokenAt = try #require(line.message.eventDate)
            #expect(stored.first?.lineKey == CallEventSQL.lineKey(callID: callID, role: "user", spokenAt: spokenAt,
                                                                  text: "Bonjour, je voudrais un rendez-vous"))

            // Two reports: the first is stored, with one post-call job naming the call; a later one changes nothing.
            let report = try await incomingEvent(app, alice, vapi.endOfCallReport(transcript: "AI: Bonjour", summary: "Premier", startedAt: Date(), endedAt: Date()))
            let later = try await incomingEvent(app, alice, vapi.endOfCallReport(transcript: "AI: Autre", summary: "Second", startedAt: Date(), endedAt: Date()))
            _ = try #require(try await CallEventSQL.applyInOneStatement([report, later], database: app.db, profiles: [:]))
            _ = try #require(try await CallEventSQL.applyInOneStatement([later], database: app.db, profiles: [:]))
            let ended = try #require(try await Call.find(callID, on: app.db))
            #expect(ended.summary == "Premier" && ended.transcript == "AI: Bonjour" && ended.status == "ended")
            let jobs = try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.callEnded).all()
            #expect(jobs.count == 1)
            #expect(jobs.first?.payload.contains(callID.uuidString) == true)

            // A report before anything else of its call makes the call, ended, with its job.
            let other = alice.factory()
            let lone = try await incomingEvent(app, alice, other.endOfCallReport(transcript: "AI: Allô", summary: "Seul", startedAt: Date(), endedAt: Date()))
            let made = try #require(try await CallEventSQL.applyInOneStatement([lone], database: app.db, profiles: [:]))
            let madeID = try #require(made[0].callID)
            #expect(try await Call.find(madeID, on: app.db)?.summary == "Seul")
            let madeJobs = try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.callEnded).all()
            #expect(madeJobs.filter { $0.payload.contains(madeID.uuidString) }.count == 1)
        }
    }

    /// Several batches committing at once (`AVA_WEBHOOK_BATCHES` above 1, PostgreSQL) over the same calls: every
    /// event stored once, each call once, no deadlock (the calls are locked in the same order by every batch).
    @Test func batchesCommittingAtOnceStoreEveryEventOnce() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let writer = CallEventWriter(direct: app.callEventWriter.direct, maxInFlight: 3, eventLoop: app.eventLoopGroup.any()) { _, _ in }
            let calls = (0..<5).map { _ in org.factory() }
            var events: [IncomingCallEvent] = []
            for round in 0..<12 {
                for vapi in calls.shuffled() {
                    events.append(try await incomingEvent(app, org, round == 0 ? vapi.statusUpdate("in-progress")
                                                                       : vapi.transcript("user", "Phrase \(round)", final: round % 3 == 0)))
                }
            }
            let results = try await withThrowingTaskGroup(of: StoredCallEvent.self) { group in
                for event in events { group.addTask { try await writer.store(event, db: { app.db }) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 60 && results.allSatisfy { $0.callID != nil && !$0.duplicate })
            #expect(try await Call.query(on: app.db).filter(\.$org.$id == org.owner.orgID).count() == 5)
            #expect(try await CallEvent.query(on: app.db).filter(\.$org.$id == org.owner.orgID).count() == 60)
            #expect(try await CallTranscriptLine.query(on: app.db).filter(\.$org.$id == org.owner.orgID).count() == 15)
        }
    }

    /// A batch stuck past its deadline (here: a table locked by another transaction) is answered with
    /// `WriteDeadlineExceeded` (503, Vapi delivers it again) and does not hold the events behind it: they are written
    /// by another flush as soon as the database lets them.
    @Test func aBatchStuckPastItsDeadlineIsAnsweredAndTheNextOnesGoOn() async throws {
        guard isPostgres else { return }
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let vapi = org.factory()
            _ = try await postWebhook(app, org.path, vapi.statusUpdate("ringing"))
            let writer = CallEventWriter(maxInFlight: 1, commitDeadline: .seconds(2), eventLoop: app.eventLoopGroup.any()) { _, _ in }
            let locked = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await app.db.transaction { tx in
                    try await (tx as! any SQLDatabase).raw("LOCK TABLE calls IN EXCLUSIVE MODE").run()
                    locked.continuation.yield()
                    try await Task.sleep(for: .seconds(6))
                }
            }
            for await _ in locked.stream { break }
            let stuck = try await incomingEvent(app, org, vapi.statusUpdate("in-progress"))
            let started = ContinuousClock.now
            await #expect(throws: WriteDeadlineExceeded.self) { try await writer.store(stuck, db: { app.db }) }
            #expect(ContinuousClock.now - started < .seconds(5))   // the deadline, not the lock's end
            try await holder.value
            let next = try await incomingEvent(app, org, vapi.transcript("user", "Bonjour", final: true))
            let stored = try await writer.store(next, db: { app.db })
            #expect(stored.callID != nil && !stored.duplicate)
        }
    }

    /// Answering reads the organisation's profile, which creates the default assistant the first time; on SQLite
    /// that write must not wait for the webhook's own transaction (it is read before the transaction begins).
    @Test func theFirstCallOfAnOrganisationWithoutAnAssistantIsAnswered() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            try await Assistant.query(on: app.db).filter(\.$org.$id == org.owner.orgID).delete()
            AnsweringProfiles.shared.forget(org.owner.orgID)
            let status = try await withThrowingTaskGroup(of: HTTPStatus?.self) { group in
                group.addTask { try await postWebhook(app, org.path, org.factory().assistantRequest()).status }
                group.addTask { try await Task.sleep(for: .seconds(15)); return nil }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            #expect(status == .ok)
            #expect(try await Assistant.query(on: app.db).filter(\.$org.$id == org.owner.orgID).count() == 1)
        }
    }
}
