@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The four message types Vapi waits on, answered as Vapi's response schemas say.
@Suite("Vapi webhook: answers")
struct VapiWebhookAnswerTests {
    @Test func assistantRequestAnswersWithTheOrganisationsAssistant() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app, locale: "fr", open: true)
            let answer = try await postWebhook(app, org.path, org.factory().assistantRequest())
            #expect(answer.status == .ok)
            await expectVapiSchema("ServerMessageResponseAssistantRequest", answer.body)
            let assistant = try #require(jsonObject(answer.body)["assistant"] as? [String: Any])
            #expect((assistant["firstMessage"] as? String)?.hasPrefix("Bonjour") == true)
            #expect(((assistant["server"] as? [String: Any])?["url"] as? String)?.hasSuffix(org.path) == true)

            // Once the assistant lives at Vapi, its id is enough.
            let profile = try #require(try await Assistant.query(on: app.db).filter(\.$org.$id == org.owner.orgID).first())
            profile.vapiAssistantID = "6f1c1c9e-0f5b-4d55-9c39-3b1d7c2b8a11"
            try await profile.save(on: app.db)
            let byID = try await postWebhook(app, org.path, org.factory().assistantRequest())
            #expect(jsonObject(byID.body)["assistantId"] as? String == "6f1c1c9e-0f5b-4d55-9c39-3b1d7c2b8a11")
            #expect(try await Call.query(on: app.db).filter(\.$status == "ringing").count() == 2)
        }
    }

    @Test func afterHoursTheOwnersChoiceApplies() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app, locale: "en", open: false)
            let message = try await postWebhook(app, org.path, org.factory().assistantRequest())
            await expectVapiSchema("ServerMessageResponseAssistantRequest", message.body)
            let closed = try #require(jsonObject(message.body)["assistant"] as? [String: Any])
            #expect((closed["firstMessage"] as? String)?.contains("closed right now") == true)

            let set = try await send(app, .PUT, "/api/v1/assistant", org.owner, json: ["afterHours": "transfer", "afterHoursNumber": "(415) 555-0199"])
            #expect(set.status == .ok, "\(set.body)")
            #expect(jsonObject(set.body)["afterHoursNumber"] as? String == "+14155550199")
            let transfer = try await postWebhook(app, org.path, org.factory().assistantRequest())
            await expectVapiSchema("ServerMessageResponseAssistantRequest", transfer.body)
            let destination = try #require(jsonObject(transfer.body)["destination"] as? [String: Any])
            #expect(destination["type"] as? String == "number")
            #expect(destination["number"] as? String == "+14155550199")

            let incomplete = try await send(app, .PUT, "/api/v1/assistant", org.owner, json: ["afterHours": "transfer", "afterHoursNumber": ""])
            #expect(errorCode(incomplete.body) == "after_hours_number_required")
        }
    }

    @Test func anUnknownNumberGetsASpokenError() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app, locale: "fr")
            var factory = org.factory()
            factory.phoneNumberID = "not-ours"
            factory.dialledNumber = "+33100000000"
            let answer = try await postWebhook(app, org.path, factory.assistantRequest())
            #expect(answer.status == .ok)
            await expectVapiSchema("ServerMessageResponseAssistantRequest", answer.body)
            #expect((jsonObject(answer.body)["error"] as? String)?.contains("pas encore configuré") == true)
        }
    }

    @Test func toolCallsRunInOrderWhateverTheirShape() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app, locale: "en", open: true)
            try await BookingService(orgID: org.owner.orgID, name: "Consultation", durationMinutes: 30).create(on: app.db)
            let vapi = org.factory()
            // Four shapes from Vapi's documents, arguments as objects and as JSON strings, plus two bad calls.
            let body: [String: Any] = ["message": [
                "type": "tool-calls", "timestamp": Date().timeIntervalSince1970 * 1000,
                "call": ["id": vapi.callID, "customer": ["number": "+33698765432"]],
                "toolCallList": [
                    ["id": "call-1", "name": "checkAvailability", "parameters": ["service": "consultation"]],
                    ["id": "call-2", "name": "checkAvailability", "arguments": #"{"partOfDay": "morning"}"#],
                    ["id": "call-3", "type": "function", "function": ["name": "takeMessage",
                                                                       "arguments": #"{"name": "Léa", "reason": "Call me back"}"#]],
                    ["id": "call-4", "type": "function", "function": ["name": "launchRocket", "arguments": [:]]],
                    ["id": "call-5", "type": "function", "function": ["name": "takeMessage", "arguments": "{not json"]],
                ],
                "toolWithToolCallList": [],
            ]]
            let answer = try await postWebhook(app, org.path, try JSONSerialization.data(withJSONObject: body))
            #expect(answer.status == .ok)
            await expectVapiSchema("ServerMessageResponseToolCalls", answer.body)
            let results = try #require(jsonObject(answer.body)["results"] as? [[String: Any]])
            #expect(results.map { $0["toolCallId"] as? String } == ["call-1", "call-2", "call-3", "call-4", "call-5"])
            #expect(results.map { $0["name"] as? String } == ["checkAvailability", "checkAvailability", "takeMessage", "launchRocket", "takeMessage"])
            #expect((results[0]["result"] as? String)?.contains("Consultation") == true, "\(results[0])")
            #expect(results[2]["result"] != nil)
            #expect(results[3]["error"] as? String == ToolCallsAnswer.text(.unknownTool, .en))
            #expect(results[4]["error"] as? String == ToolCallsAnswer.text(.badArguments, .en))
            for result in results {
                let line = (result["result"] ?? result["error"]) as? String ?? ""
                #expect(!line.contains("\n"))
            }
            // The message was taken, with the caller's own number, and the call knows it.
            let taken = try #require(try await OwnerMessage.query(on: app.db).first())
            #expect(taken.phone == "+33698765432")
            #expect(try await Call.query(on: app.db).first()?.outcome == "message")

            // toolWithToolCallList alone.
            let listOnly: [String: Any] = ["message": [
                "type": "tool-calls", "call": ["id": vapi.callID], "toolCallList": [],
                "toolWithToolCallList": [["type": "function", "function": ["name": "transferTarget"],
                                          "toolCall": ["id": "call-6", "type": "function", "function": ["name": "transferTarget", "arguments": "{}"]]]],
            ]]
            let second = try await postWebhook(app, org.path, try JSONSerialization.data(withJSONObject: listOnly))
            let only = try #require((jsonObject(second.body)["results"] as? [[String: Any]])?.first)
            #expect(only["toolCallId"] as? String == "call-6")
            #expect(only["name"] as? String == "transferTarget")
        }
    }

    @Test func transferGoesToTheHumanOnlyInBusinessHours() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app, locale: "he", open: false)
            try await CallingOrg.setOpen(false, orgID: org.owner.orgID, app, transferNumber: "+972501234567")
            let closed = try await postWebhook(app, org.path, org.factory().transferDestinationRequest())
            await expectVapiSchema("ServerMessageResponseTransferDestinationRequest", closed.body)
            #expect(jsonObject(closed.body)["error"] as? String == AfterHoursRule.nobodyAvailable(.he))

            try await CallingOrg.setOpen(true, orgID: org.owner.orgID, app, transferNumber: "+972501234567")
            let vapi = org.factory()
            let open = try await postWebhook(app, org.path, vapi.transferDestinationRequest())
            await expectVapiSchema("ServerMessageResponseTransferDestinationRequest", open.body)
            let destination = try #require(jsonObject(open.body)["destination"] as? [String: Any])
            #expect(destination["number"] as? String == "+972501234567")
            #expect(try await Call.query(on: app.db).filter(\.$vapiCallID == vapi.callID).first()?.outcome == "transferred")
        }
    }
}
