@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Importing a number from the owner's own Twilio account into Vapi, against both fakes.
@Suite("Twilio number import")
struct TwilioImportTests {
    static let number = "+33612345678"

    @Test func verifyGivesAPreciseAnswer() async throws {
        try await withTelephonyFakes { app, _, twilio in
            let owner = try await Owner.create(app, locale: "fr")
            let (sid, token) = FakeTwilio.ownerCredentials()
            await twilio.addAccount(sid: sid, authToken: token, type: "Trial",
                                    numbers: [Self.number: true, "+33987654321": false])
            let good = jsonObject(try await send(app, .POST, "/api/v1/phone-numbers/twilio/verify", owner,
                                                 json: ["accountSid": sid, "authToken": token, "phoneNumber": "06 12 34 56 78"]).body)
            #expect(good["valid"] as? Bool == true)
            #expect(good["number"] as? String == Self.number)
            #expect(good["country"] as? String == "FR")
            #expect(good["voiceCapable"] as? Bool == true)
            #expect(good["accountType"] as? String == "Trial")

            let cases: [([String: String], String)] = [
                (["accountSid": sid, "authToken": String(token.reversed()), "phoneNumber": Self.number], "twilio_credentials_invalid"),
                (["accountSid": sid, "authToken": token, "phoneNumber": "+33611111111"], "twilio_number_not_on_account"),
                (["accountSid": sid, "authToken": token, "phoneNumber": "+33987654321"], "twilio_number_no_voice"),
            ]
            for (body, reason) in cases {
                let answer = try await send(app, .POST, "/api/v1/phone-numbers/twilio/verify", owner, json: body)
                #expect(answer.status == .ok)
                #expect(jsonObject(answer.body)["valid"] as? Bool == false)
                #expect(jsonObject(answer.body)["reason"] as? String == reason, "\(answer.body)")
                #expect(!answer.body.contains(token) && !answer.body.contains(String(token.reversed())))
            }

            let (suspendedSID, suspendedToken) = FakeTwilio.ownerCredentials()
            await twilio.addAccount(sid: suspendedSID, authToken: suspendedToken, status: "suspended", numbers: [Self.number: true])
            let suspended = jsonObject(try await send(app, .POST, "/api/v1/phone-numbers/twilio/verify", owner,
                                                      json: ["accountSid": suspendedSID, "authToken": suspendedToken, "phoneNumber": Self.number]).body)
            #expect(suspended["reason"] as? String == "twilio_account_suspended")
            #expect((suspended["message"] as? String)?.contains("suspendu") == true)

            // Malformed input never reaches Twilio.
            let before = await twilio.requests(.account).count
            for (body, code) in [(["accountSid": "AC123", "authToken": token, "phoneNumber": Self.number], "twilio_sid_invalid"),
                                 (["accountSid": sid, "authToken": "secret", "phoneNumber": Self.number], "twilio_token_invalid"),
                                 (["accountSid": sid, "authToken": token, "phoneNumber": "hello"], "invalid_phone")] {
                let answer = try await send(app, .POST, "/api/v1/phone-numbers/twilio/verify", owner, json: body)
                #expect(answer.status == .unprocessableEntity)
                #expect(errorCode(answer.body) == code)
            }
            #expect(await twilio.requests(.account).count == before)
        }
    }

    @Test func importStoresTheTokenEncryptedAndNeverShowsIt() async throws {
        try await withTelephonyFakes { app, vapi, twilio in
            let owner = try await Owner.create(app, locale: "fr")
            let (sid, token) = FakeTwilio.ownerCredentials()
            await twilio.addAccount(sid: sid, authToken: token, numbers: [Self.number: true])
            let answer = try await send(app, .POST, "/api/v1/phone-numbers/import-twilio", owner,
                                        json: ["accountSid": sid, "authToken": token, "phoneNumber": "+33 6 12 34 56 78", "name": "Cabinet"])
            #expect(answer.status == .created, "\(answer.body)")
            #expect(!answer.body.contains(token))
            let created = jsonObject(answer.body)
            #expect(created["provider"] as? String == "twilio")
            #expect(created["number"] as? String == Self.number)
            #expect(created["country"] as? String == "FR")
            #expect(created["twilioAccountSid"] as? String == sid)

            let imported = try #require(await vapi.requests(.createPhoneNumber).first)
            #expect(imported.json["provider"] as? String == "twilio")
            #expect(imported.json["number"] as? String == Self.number)
            #expect(imported.json["twilioAccountSid"] as? String == sid)
            #expect(imported.json["twilioAuthToken"] as? String == token)
            #expect(imported.json["assistantId"] as? String != nil)

            let record = try #require(try await PhoneNumberRecord.query(on: app.db).first())
            let sealed = try #require(record.twilioAuthTokenEncrypted)
            #expect(!sealed.contains(token))
            #expect(try app.keyring.decrypt(sealed) == token)

            let list = try await send(app, .GET, "/api/v1/phone-numbers", owner)
            #expect(!list.body.contains(token) && !list.body.contains(sealed))

            // One number, one organisation.
            let again = try await send(app, .POST, "/api/v1/phone-numbers/import-twilio", owner,
                                       json: ["accountSid": sid, "authToken": token, "phoneNumber": Self.number])
            #expect(again.status == .conflict)
            #expect(errorCode(again.body) == "phone_number_taken")
            let other = try await Owner.create(app, locale: "fr")
            let stolen = try await send(app, .POST, "/api/v1/phone-numbers/import-twilio", other,
                                        json: ["accountSid": sid, "authToken": token, "phoneNumber": Self.number])
            #expect(stolen.status == .conflict)
            #expect(await vapi.requests(.createPhoneNumber).count == 1)
        }
    }

    @Test func aVapiFailureAfterTwilioCheckedOutLeavesNothingSaved() async throws {
        try await withTelephonyFakes { app, vapi, twilio in
            let owner = try await Owner.create(app, locale: "en")
            let (sid, token) = FakeTwilio.ownerCredentials()
            await twilio.addAccount(sid: sid, authToken: token, numbers: [Self.number: true])
            await vapi.failNext(.createPhoneNumber, .error(status: 400, message: ["Number is already in use by another org."], array: true))
            let answer = try await send(app, .POST, "/api/v1/phone-numbers/import-twilio", owner,
                                        json: ["accountSid": sid, "authToken": token, "phoneNumber": Self.number])
            #expect(errorCode(answer.body) == "vapi_import_failed", "\(answer.body)")
            #expect(answer.body.contains("Nothing was saved") && answer.body.contains("already in use"))
            #expect(!answer.body.contains(token))
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func theTokenNeverReachesALogEvenWhenThingsFail() async throws {
        LogCapture.install()
        try await withTelephonyFakes { app, vapi, twilio in
            app.logger.logLevel = .trace
            let owner = try await Owner.create(app, locale: "en")
            let (sid, token) = FakeTwilio.ownerCredentials()
            await twilio.addAccount(sid: sid, authToken: token, numbers: [Self.number: true])
            // A wrong token, a Vapi refusal, then a success: every path logs something.
            let wrong = String(token.reversed())
            _ = try await send(app, .POST, "/api/v1/phone-numbers/import-twilio", owner,
                               json: ["accountSid": sid, "authToken": wrong, "phoneNumber": Self.number])
            await vapi.failNext(.createPhoneNumber, .error(status: 400, message: ["twilioAuthToken is invalid"], array: true))
            _ = try await send(app, .POST, "/api/v1/phone-numbers/import-twilio", owner,
                               json: ["accountSid": sid, "authToken": token, "phoneNumber": Self.number])
            let done = try await send(app, .POST, "/api/v1/phone-numbers/import-twilio", owner,
                                      json: ["accountSid": sid, "authToken": token, "phoneNumber": Self.number])
            #expect(done.status == .created)
            let logs = LogCapture.text
            #expect(logs.contains(sid) || logs.contains("Twilio"), "the capture saw this test's requests")
            #expect(!logs.contains(token) && !logs.contains(wrong))
        }
    }

    @Test func aNumberImportedInTheSandboxMovesToVapiOnceAKeyExists() async throws {
        try await withTelephonyFakes { app, vapi, twilio in
            let owner = try await Owner.create(app, locale: "fr")
            let (sid, token) = FakeTwilio.ownerCredentials()
            await twilio.addAccount(sid: sid, authToken: token, numbers: [Self.number: true])
            // What the sandbox left behind: the number, checked with Twilio, never handed to Vapi.
            let record = PhoneNumberRecord(orgID: owner.orgID, assistantID: nil, provider: .twilio,
                                           provisioned: ProvisionedNumber(id: "sandbox-1", e164: Self.number, status: "sandbox"), name: nil)
            record.twilioAccountSID = sid
            record.twilioAuthTokenEncrypted = try app.keyring.encrypt(token)
            try await record.create(on: app.db)

            let list = jsonObject(try await send(app, .GET, "/api/v1/phone-numbers", owner).body)
            let shown = try #require((list["phoneNumbers"] as? [[String: Any]])?.first)
            #expect(shown["sandbox"] as? Bool == false)
            #expect(shown["status"] as? String == "active")
            #expect(await vapi.requests(.createPhoneNumber).first?.json["twilioAuthToken"] as? String == token)
            #expect(await vapi.requests(.createAssistant).count == 1)
        }
    }
}
