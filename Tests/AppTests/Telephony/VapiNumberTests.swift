@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Free US numbers at Vapi and the assistant they answer with, against the fake Vapi (contract-checked).
@Suite("Free Vapi numbers and assistant sync")
struct VapiNumberTests {
    @Test func createsTheAssistantThenAFreeNumberAndFollowsItToActive() async throws {
        try await withTelephonyFakes { app, vapi, _ in
            let owner = try await Owner.create(app, locale: "en")
            let answer = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "415", "name": "Main line"])
            #expect(answer.status == .created, "\(answer.body)")
            let created = jsonObject(answer.body)
            #expect(created["provider"] as? String == "vapi")
            #expect(created["status"] as? String == "activating")
            #expect(created["sandbox"] as? Bool == false)

            // The assistant went first, whole: prompt in model.messages, tools, webhook, duration, language.
            let assistantCall = try #require(await vapi.requests(.createAssistant).first)
            let body = assistantCall.json
            let model = try #require(body["model"] as? [String: Any])
            let messages = try #require(model["messages"] as? [[String: Any]])
            #expect(messages.first?["role"] as? String == "system")
            #expect((messages.first?["content"] as? String)?.contains("receptionist") == true)
            let tools = try #require(model["tools"] as? [[String: Any]])
            let names = tools.compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
            #expect(names.contains("checkAvailability") && names.contains("bookAppointment") && names.contains("takeMessage"))
            #expect(body["maxDurationSeconds"] as? Int == AssistantSync.maxDurationSeconds)
            #expect((body["transcriber"] as? [String: Any])?["language"] as? String == "en")
            let org = try #require(try await Org.find(owner.orgID, on: app.db))
            let token = try #require(org.webhookToken)
            #expect(token.count >= 43)
            #expect((body["server"] as? [String: Any])?["url"] as? String == "http://127.0.0.1:8080/api/v1/webhooks/vapi/\(token)")
            #expect(body["analysisPlan"] != nil)
            #expect(body["systemPrompt"] == nil)

            // Then the number, linked to that assistant.
            let numberCall = try #require(await vapi.requests(.createPhoneNumber).first)
            let vapiAssistant = try #require(try await Assistant.query(on: app.db).filter(\.$org.$id == owner.orgID).first()?.vapiAssistantID)
            #expect(numberCall.json["provider"] as? String == "vapi")
            #expect(numberCall.json["numberDesiredAreaCode"] as? String == "415")
            #expect(numberCall.json["assistantId"] as? String == vapiAssistant)

            // Followed from activating to active as the owner looks again.
            let id = try #require(created["id"] as? String)
            for _ in 0..<3 {
                try await PhoneNumberRecord.query(on: app.db).set(\.$statusCheckedAt, to: Date(timeIntervalSinceNow: -60)).update()
                _ = try await send(app, .GET, "/api/v1/phone-numbers", owner)
            }
            let shown = jsonObject(try await send(app, .GET, "/api/v1/phone-numbers/\(id)", owner).body)
            #expect(shown["status"] as? String == "active")
            #expect(shown["number"] as? String == "+14155550142")
            // One assistant only, however many numbers.
            #expect(await vapi.requests(.createAssistant).count == 1)
        }
    }

    @Test func aRealNumberNeedsAVerifiedEmail() async throws {
        try await withTelephonyFakes { app, vapi, _ in
            let unverified = try await Owner.create(app, locale: "en", verified: false)
            let refused = try await send(app, .POST, "/api/v1/phone-numbers/create-us", unverified, json: ["areaCode": "415"])
            #expect(refused.status == .forbidden)
            #expect(errorCode(refused.body) == "email_unverified")
            #expect(await vapi.requests(.createPhoneNumber).isEmpty)
        }
    }

    @Test func aRefusedFreeNumberSavesNothingAndSaysWhatToDo() async throws {
        try await withTelephonyFakes { app, vapi, _ in
            let owner = try await Owner.create(app, locale: "fr")
            await vapi.failNext(.createPhoneNumber, .error(status: 400, message: ["Free number limit reached for this account."], array: true))
            let answer = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "415"])
            #expect(answer.status == .unprocessableEntity)
            #expect(errorCode(answer.body) == "vapi_free_number_refused")
            #expect(answer.body.contains("Twilio") && answer.body.contains("Free number limit reached"), "\(answer.body)")
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func vapiDownOrAWrongOperatorKeyAreServiceErrors() async throws {
        try await withTelephonyFakes { app, vapi, _ in
            let owner = try await Owner.create(app, locale: "en")
            await vapi.failNext(.createAssistant, .error(status: 500, message: ["boom"], array: false))
            let down = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "415"])
            #expect(down.status == .serviceUnavailable)
            #expect(errorCode(down.body) == "vapi_unavailable")
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 0)
            let assistant = try #require(try await Assistant.query(on: app.db).first())
            #expect(assistant.syncError == "vapi_unavailable")
            #expect(assistant.vapiAssistantID == nil)
        }
        let vapi = try await FakeVapi.start()
        try await withAVA(settings: vapi.settings(apiKey: "wrong-key")) { app in
            let owner = try await Owner.create(app, locale: "en")
            let refused = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "415"])
            #expect(refused.status == .serviceUnavailable)
            #expect(errorCode(refused.body) == "vapi_key_invalid")
        }
        try await vapi.shutdown()
    }

    @Test func releasingANumberDeletesItAtVapi() async throws {
        try await withTelephonyFakes { app, vapi, _ in
            let owner = try await Owner.create(app, locale: "en")
            let created = jsonObject(try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "212"]).body)
            let id = try #require(created["id"] as? String)
            let vapiID = try #require(try await PhoneNumberRecord.find(UUID(uuidString: id), on: app.db)?.vapiPhoneNumberID)
            await vapi.failNext(.deletePhoneNumber, .error(status: 503, message: ["down"], array: false),
                                .error(status: 503, message: ["down"], array: false), .error(status: 503, message: ["down"], array: false))
            let failed = try await send(app, .DELETE, "/api/v1/phone-numbers/\(id)", owner)
            #expect(failed.status == .serviceUnavailable)
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 1)   // kept: Vapi still has it

            #expect(try await send(app, .DELETE, "/api/v1/phone-numbers/\(id)", owner).status == .noContent)
            #expect(await vapi.requests(.deletePhoneNumber).last?.path == "/phone-number/\(vapiID)")
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func savingTheProfilePatchesTheVapiAssistantOrNothing() async throws {
        try await withTelephonyFakes { app, vapi, _ in
            let owner = try await Owner.create(app, locale: "he")
            let first = try await send(app, .PUT, "/api/v1/assistant", owner, json: ["name": "Noa", "tone": "warm"])
            #expect(first.status == .ok, "\(first.body)")
            #expect(await vapi.requests(.createAssistant).count == 1)
            let created = try #require(await vapi.requests(.createAssistant).first?.json)
            #expect((created["transcriber"] as? [String: Any])?["language"] as? String == "he")
            #expect(created["name"] as? String == "Noa")

            let second = try await send(app, .PUT, "/api/v1/assistant", owner, json: ["firstMessage": "שלום מ{business}!"])
            #expect(second.status == .ok)
            let patch = try #require(await vapi.requests(.updateAssistant).last)
            #expect((patch.json["firstMessage"] as? String)?.hasPrefix("שלום מ") == true)
            #expect((patch.json["firstMessage"] as? String)?.contains("{business}") == false)

            await vapi.failNext(.updateAssistant, .error(status: 502, message: ["bad gateway"], array: false),
                                .error(status: 502, message: ["bad gateway"], array: false), .error(status: 502, message: ["bad gateway"], array: false))
            let failed = try await send(app, .PUT, "/api/v1/assistant", owner, json: ["name": "Maya"])
            #expect(failed.status == .serviceUnavailable)
            let shown = jsonObject(try await send(app, .GET, "/api/v1/assistant", owner).body)
            #expect(shown["name"] as? String == "Noa")
            #expect(shown["syncError"] as? String == "vapi_unavailable")

            let bad = try await send(app, .PUT, "/api/v1/assistant", owner, json: ["tone": "grumpy"])
            #expect(bad.status == .unprocessableEntity)
            #expect(errorCode(bad.body) == "assistant_tone_invalid")
        }
    }
}
