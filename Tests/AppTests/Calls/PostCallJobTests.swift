@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("After the call")
struct PostCallJobTests {
    @Test func theOwnerGetsTheSummaryAndWhatWasDone() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app, locale: "fr", open: true)
            let vapi = org.factory()
            let takeMessage: [String: Any] = ["name": "Léa Martin", "reason": "Rappeler pour un devis"]
            _ = try await postWebhook(app, org.path, vapi.toolCalls([(id: "t1", name: "takeMessage", arguments: takeMessage)]))
            _ = try await postWebhook(app, org.path, vapi.endOfCallReport(transcript: "…", summary: "Demande de devis.",
                                                                           startedAt: Date(), endedAt: Date()))
            try await app.jobs.runDue()
            let mail = try #require(try await latestMail(app, to: org.owner.auth.user.email))
            #expect(mail.subject.contains("Léa Martin"))
            let text = try await mailText(app, to: org.owner.auth.user.email)
            #expect(text.contains("Demande de devis."))
            #expect(text.contains("Rappeler pour un devis"))
            #expect(text.contains("/fr/calls/"))
            let job = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.callEnded).first())
            #expect(job.status == "done")
        }
    }

    @Test func aCallWithoutItsReportIsCompletedFromVapi() async throws {
        try await withTelephonyFakes { app, fake, _ in
            let org = try await CallingOrg.make(app, locale: "en")
            let vapiCallID = await fake.seedCall(assistantId: UUID().uuidString.lowercased(), phoneNumberId: UUID().uuidString.lowercased(),
                                                 createdAt: VapiDate.format(Date()), transcript: "AI: Hello\nUser: Bye",
                                                 summary: "A short hello.")
            _ = try await postWebhook(app, org.path, org.factory(callID: vapiCallID).statusUpdate("in-progress"))
            let reconcile = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.reconcile).first())
            #expect(reconcile.runAt > Date().addingTimeInterval(CallReconcileJob.delay - 60))

            try await app.jobs.runDue(now: Date().addingTimeInterval(CallReconcileJob.delay + 60))
            let call = try #require(try await Call.query(on: app.db).filter(\.$vapiCallID == vapiCallID).first())
            #expect(call.status == "ended")
            #expect(call.summary == "A short hello.")
            #expect(call.transcript == "AI: Hello\nUser: Bye")
            #expect(call.reportReceivedAt != nil)
            #expect(await fake.requests(.fetchCall).first?.path == "/call/\(vapiCallID)")
            #expect(try await latestMail(app, to: org.owner.auth.user.email)?.subject.contains("AVA") == true)
        }
    }

    @Test func aSimulatedOrSandboxCallWithoutReportIsClosed() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app, locale: "en")
            let vapi = org.factory()
            _ = try await postWebhook(app, org.path, vapi.statusUpdate("in-progress"))
            try await app.jobs.runDue(now: Date().addingTimeInterval(CallReconcileJob.delay + 60))
            let call = try #require(try await Call.query(on: app.db).filter(\.$vapiCallID == vapi.callID).first())
            #expect(call.status == "ended")
            #expect(call.endedReason == "no-end-of-call-report")
        }
    }
}
