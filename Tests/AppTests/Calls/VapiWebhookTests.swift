@testable import App
import Crypto
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Vapi webhook: storing a call")
struct VapiWebhookTests {
    @Test func aCallIsStoredFromItsEventsAndItsReport() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let vapi = org.factory()
            let started = Date()
            for body in [vapi.statusUpdate("ringing"), vapi.statusUpdate("in-progress"),
                         vapi.transcript("assistant", "Bonjour, cabinet Durand.", final: true),
                         vapi.transcript("user", "Je voudrais un rendez", final: false),
                         vapi.transcript("user", "Je voudrais un rendez-vous.", final: true),
                         vapi.speechUpdate("user", started: true), vapi.userInterrupted(), vapi.hang(),
                         vapi.conversationUpdate([["role": "user", "message": "Je voudrais un rendez-vous."]])] {
                let answer = try await postWebhook(app, org.path, body)
                #expect(answer.status == .ok)
                #expect(answer.body == "{}")
            }
            let report = vapi.endOfCallReport(transcript: "AI: Bonjour\nUser: Je voudrais un rendez-vous.",
                                              messages: [["role": "bot", "message": "Bonjour"]], summary: "Demande de rendez-vous.",
                                              startedAt: started, endedAt: started.addingTimeInterval(65), cost: 0.21,
                                              recordingURL: "https://storage.vapi.ai/rec.wav", successEvaluation: "true")
            #expect(try await postWebhook(app, org.path, report).status == .ok)

            let call = try #require(try await Call.query(on: app.db).filter(\.$vapiCallID == vapi.callID).first())
            #expect(call.$org.id == org.owner.orgID)
            #expect(call.status == "ended")
            #expect(call.fromNumber == "+33698765432")
            #expect(call.callerName == "Léa Martin")
            #expect(call.toNumber == org.number.e164)
            #expect(call.$phoneNumber.id == org.number.id)
            #expect(call.summary == "Demande de rendez-vous.")
            #expect(call.recordingURL == "https://storage.vapi.ai/rec.wav")
            #expect(call.cost == 0.21)
            #expect(call.successEvaluation == "true")
            #expect(call.endedReason == "customer-ended-call")
            #expect(call.reportReceivedAt != nil)
            #expect(call.messagesJSON?.contains("Bonjour") == true)

            // Final lines only, in order; the partial never became a line.
            let lines = try await CallTranscriptLine.query(on: app.db).filter(\.$call.$id == call.id!).sort(\.$spokenAt).all()
            #expect(lines.map(\.text) == ["Bonjour, cabinet Durand.", "Je voudrais un rendez-vous."])
            #expect(lines.map(\.role) == ["assistant", "user"])
            #expect(try await CallEvent.query(on: app.db).filter(\.$call.$id == call.id!).count() == 10)
            // The post-call work is queued once.
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.callEnded).count() == 1)
        }
    }

    @Test func replaysAndOutOfOrderEventsConverge() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let vapi = org.factory()
            let now = Date()
            let report = vapi.endOfCallReport(transcript: "AI: Bonjour", summary: "Court appel.", startedAt: now, endedAt: now)
            let final = vapi.transcript("user", "Merci, au revoir.", final: true)
            // The report first, then late status updates and a replayed line, and the report again.
            for body in [report, vapi.statusUpdate("in-progress"), final, final, vapi.statusUpdate("ringing"), report] {
                #expect(try await postWebhook(app, org.path, body).status == .ok)
            }
            let calls = try await Call.query(on: app.db).filter(\.$vapiCallID == vapi.callID).all()
            #expect(calls.count == 1)
            #expect(calls.first?.status == "ended")
            #expect(calls.first?.summary == "Court appel.")
            #expect(try await CallTranscriptLine.query(on: app.db).count() == 1)
            #expect(try await CallEvent.query(on: app.db).count() == 4)
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.callEnded).count() == 1)
        }
    }

    @Test func concurrentDeliveriesOfOneCallMakeOneRow() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let vapi = org.factory()
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for index in 0..<40 {
                    let body = index % 2 == 0 ? vapi.transcript("user", "ligne \(index)", final: true) : vapi.statusUpdate("in-progress")
                    group.addTask { try await postWebhook(app, org.path, body).status }
                }
                for try await status in group { #expect(status == .ok) }
            }
            #expect(try await Call.query(on: app.db).count() == 1)
            #expect(try await CallTranscriptLine.query(on: app.db).count() == 20)
        }
    }

    @Test func anotherOrganisationsCallIsNeverTouched() async throws {
        try await withAVA { app in
            let alice = try await CallingOrg.make(app)
            let bob = try await CallingOrg.make(app)
            let vapi = alice.factory()
            try await postWebhook(app, alice.path, vapi.statusUpdate("in-progress"))
            // Bob's token with Alice's call id: nothing of Alice's call changes.
            let report = vapi.endOfCallReport(transcript: "forged", summary: "forged", startedAt: Date(), endedAt: Date())
            #expect(try await postWebhook(app, bob.path, report).status == .ok)
            let call = try #require(try await Call.query(on: app.db).filter(\.$vapiCallID == vapi.callID).first())
            #expect(call.$org.id == alice.owner.orgID)
            #expect(call.status == "in-progress")
            #expect(call.summary == nil)
            #expect(try await CallEvent.query(on: app.db).filter(\.$org.$id == bob.owner.orgID).count() == 0)
        }
    }

    @Test func theWebhookTokenNeverReachesTheLog() async throws {
        LogCapture.install()
        try await withAVA { app in
            // Info is the level AVA runs at (debug adds Fluent's query dumps, for development only).
            app.logger.logLevel = .info
            let org = try await CallingOrg.make(app)
            _ = try await postWebhook(app, org.path, org.factory().statusUpdate("ringing"))
            _ = try await postWebhook(app, org.path, Data("not json".utf8))
            #expect(LogCapture.text.contains("/api/v1/webhooks/vapi/[redacted]"))
            #expect(!LogCapture.text.contains(org.token))
        }
    }

    @Test func badInputGetsAClearAnswerAndStoresNothing() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let unknownToken = "/api/v1/webhooks/vapi/" + String(repeating: "x", count: 43)
            let wrong = try await postWebhook(app, unknownToken, org.factory().statusUpdate("ringing"))
            #expect(wrong.status == .unauthorized)
            #expect(errorCode(wrong.body) == "webhook_unauthorized")
            for body in [Data("not json".utf8), Data("{}".utf8), Data(#"{"message": {"call": {}}}"#.utf8), Data("[]".utf8)] {
                let answer = try await postWebhook(app, org.path, body)
                #expect(answer.status == .badRequest, "\(String(decoding: body, as: UTF8.self))")
                #expect(errorCode(answer.body) == "webhook_malformed")
            }
            // Unknown types and messages without a call are answered 200 and kept for the record.
            let unknown = Data(#"{"message": {"type": "something-new", "timestamp": 1}}"#.utf8)
            #expect(try await postWebhook(app, org.path, unknown).status == .ok)
            let long = org.factory().transcript("user", String(repeating: "é", count: 20_000), final: true)
            #expect(try await postWebhook(app, org.path, long).status == .ok)
            let line = try #require(try await CallTranscriptLine.query(on: app.db).first())
            #expect(line.text.count == 4000)
            #expect(try await Call.query(on: app.db).count() == 1)
        }
    }
}

@Suite("Vapi webhook: oversized bodies")
struct VapiWebhookSizeTests {
    @Test func aBodyOverTwoMegabytesIsRefusedOverRealHTTP() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let huge = org.factory().transcript("user", String(repeating: "blabla ", count: 400_000), final: true)
            try await app.testing(method: .running(port: 0)).test(.POST, org.path, beforeRequest: { req in
                req.headers.contentType = .json
                req.body = ByteBuffer(data: huge)
            }, afterResponse: { res throws in
                #expect(res.status == .payloadTooLarge)
            })
            #expect(try await CallEvent.query(on: app.db).count() == 0)
        }
    }
}

@Suite("Vapi webhook: authentication")
struct VapiWebhookAuthTests {
    static let secret = "a-shared-secret-of-enough-length"

    @Test func theSharedSecretIsRequiredWhenConfigured() async throws {
        try await withAVA(settings: ["VAPI_WEBHOOK_SECRET": Self.secret]) { app in
            let org = try await CallingOrg.make(app)
            let body = org.factory().statusUpdate("ringing")
            #expect(try await postWebhook(app, org.path, body).status == .unauthorized)
            #expect(try await postWebhook(app, org.path, body, headers: ["Authorization": "Bearer nope-nope-nope-nope"]).status == .unauthorized)
            #expect(try await Call.query(on: app.db).count() == 0)
            #expect(try await postWebhook(app, org.path, body, headers: ["Authorization": "Bearer \(Self.secret)"]).status == .ok)
            #expect(try await postWebhook(app, org.path, org.factory().statusUpdate("ringing"),
                                          headers: ["X-Vapi-Secret": Self.secret]).status == .ok)
            #expect(try await Call.query(on: app.db).count() == 2)
            // The assistant AVA hands Vapi tells it to send the secret back.
            let answer = try await postWebhook(app, org.path, org.factory().assistantRequest(), headers: ["X-Vapi-Secret": Self.secret])
            let server = (jsonObject(answer.body)["assistant"] as? [String: Any])?["server"] as? [String: Any]
            #expect((server?["headers"] as? [String: String])?["X-Vapi-Secret"] == Self.secret)
        }
    }

    @Test func anHMACSignatureOfTheRawBodyIsRequiredWhenConfigured() async throws {
        try await withAVA(settings: ["VAPI_WEBHOOK_HMAC_SECRET": Self.secret]) { app in
            let org = try await CallingOrg.make(app)
            let body = org.factory().statusUpdate("ringing")
            let key = SymmetricKey(data: Data(Self.secret.utf8))
            let hex = { (data: Data) in HMAC<SHA256>.authenticationCode(for: data, using: key).map { String(format: "%02x", $0) }.joined() }
            #expect(try await postWebhook(app, org.path, body).status == .unauthorized)
            #expect(try await postWebhook(app, org.path, body, headers: ["x-signature": hex(Data("other".utf8))]).status == .unauthorized)
            #expect(try await postWebhook(app, org.path, body, headers: ["x-signature": hex(body)]).status == .ok)
            let timestamp = "1764000000"
            let second = org.factory().statusUpdate("ringing")
            #expect(try await postWebhook(app, org.path, second, headers: ["x-signature": hex(Data("\(timestamp).".utf8) + second),
                                                                           "x-timestamp": timestamp]).status == .ok)
        }
    }
}
