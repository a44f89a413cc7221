@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("Verifying the phone number of a profile")
struct VerifyPhoneTests {
    func send(_ app: Application, token: String?, phone: String? = nil) async throws -> SMSAnswer {
        var answer: SMSAnswer?
        var headers: HTTPHeaders = ["Accept-Language": "en"]
        if let token { headers.add(contentsOf: .bearer(token)) }
        try await app.testing().test(.POST, "/api/v1/auth/verify-phone", headers: headers, beforeRequest: { req in
            if let phone { try req.content.encode(["phone": phone], as: .json) }
        }, afterResponse: { res throws in
            answer = SMSAnswer(status: res.status, headers: res.headers, body: res.body.string)
        })
        return try #require(answer)
    }

    func confirm(_ app: Application, token: String, code: String) async throws -> SMSAnswer {
        try await postJSON(app, "/api/v1/auth/verify-phone/confirm", ["code": code], headers: .bearer(token))
    }

    @Test func verifiesTheNumberAlreadyOnTheProfile() async throws {
        try await withFakeTwilio(.messages) { app, fake in
            let phone = "+14155550199"
            let account = try await signUpWithPhone(app, phone, locale: "en")
            let token = account.tokens.accessToken
            // No body: the profile's number.
            #expect(try await send(app, token: token).status == .accepted)
            let code = try #require(await fake.lastCode(sentTo: phone))
            #expect(try await confirm(app, token: token, code: wrongCode(code)).errorCode == "code_invalid")
            let confirmed = try await confirm(app, token: token, code: code)
            #expect(confirmed.status == .ok)
            #expect(confirmed.body == #"{"phone":"+14155550199","phoneVerified":true}"#)
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer(token)) { res throws in
                #expect(try res.content.decode(AccountDTO.self).user.phoneVerified)
            }
            let again = try await send(app, token: token)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "phone_already_verified")
        }
    }

    @Test func aNewNumberBecomesTheProfilesOnceConfirmed() async throws {
        try await withAVA { app in
            let account = try await signUp(app, SignupBody(email: uniqueEmail()))
            let token = account.tokens.accessToken
            let missing = try await send(app, token: token)
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.errorCode == "phone_required")

            let newPhone = "+972501234567"
            #expect(try await send(app, token: token, phone: newPhone).status == .accepted)
            #expect(try await User.find(account.user.id, on: app.db)?.phone == nil)  // not before the code
            let code = try #require(try await outboxCode(app, newPhone))
            #expect(try await confirm(app, token: token, code: code).status == .ok)
            let user = try #require(try await User.find(account.user.id, on: app.db))
            #expect(user.phone == newPhone && user.phoneVerified)
        }
    }

    @Test func aNumberOfAnotherAccountIsRefused() async throws {
        try await withAVA { app in
            try await signUpWithPhone(app, "+33612345678")
            let account = try await signUp(app, SignupBody(email: uniqueEmail()))
            let takenE164 = try await send(app, token: account.tokens.accessToken, phone: "+33612345678")
            #expect(takenE164.status == .conflict)
            #expect(takenE164.errorCode == "phone_taken")
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$recipients == "+33612345678").count() == 0)
        }
    }

    @Test func aCodeForSignInDoesNotVerifyAnotherUsersNumber() async throws {
        try await withAVA { app in
            let owner = try await signUpWithPhone(app, "+33612345678")
            _ = try await requestCode(app, "+33612345678")
            let code = try #require(try await outboxCode(app, "+33612345678"))
            // The purposes are separate: a sign-in code is no phone-verification code.
            #expect(try await confirm(app, token: owner.tokens.accessToken, code: code).errorCode == "code_invalid")
        }
    }

    @Test func signedOutRequestsAreRefused() async throws {
        try await withAVA { app in
            let send = try await send(app, token: nil, phone: "+33612345678")
            let confirm = try await postJSON(app, "/api/v1/auth/verify-phone/confirm", ["code": "123456"])
            #expect(send.errorCode == "unauthorized" && confirm.errorCode == "unauthorized")
        }
    }
}
