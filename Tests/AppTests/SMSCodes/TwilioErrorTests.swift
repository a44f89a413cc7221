@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Twilio's errors and secrets")
struct TwilioErrorTests {
    let phone = "+33612345678"

    struct Case: Sendable, CustomTestStringConvertible {
        var mode: FakeTwilio.Mode
        var operation: FakeTwilio.Operation
        var twilioCode: Int
        var twilioStatus: Int
        var status: HTTPStatus
        var code: String
        var testDescription: String { "\(twilioCode) on \(operation) → \(code)" }
    }

    static let sendCases: [Case] = [
        Case(mode: .verify, operation: .verifications, twilioCode: 60200, twilioStatus: 400, status: .unprocessableEntity, code: "invalid_phone"),
        Case(mode: .messages, operation: .messages, twilioCode: 21211, twilioStatus: 400, status: .unprocessableEntity, code: "invalid_phone"),
        Case(mode: .verify, operation: .verifications, twilioCode: 60203, twilioStatus: 429, status: .tooManyRequests, code: "sms_send_limit"),
        Case(mode: .messages, operation: .messages, twilioCode: 20003, twilioStatus: 401, status: .serviceUnavailable, code: "sms_unavailable"),
        Case(mode: .messages, operation: .messages, twilioCode: 30007, twilioStatus: 400, status: .badGateway, code: "sms_failed"),
        Case(mode: .verify, operation: .verifications, twilioCode: 20500, twilioStatus: 500, status: .serviceUnavailable, code: "sms_unavailable"),
        // A Verify service that does not exist is the operator's mistake, not the user's code.
        Case(mode: .verify, operation: .verifications, twilioCode: 20404, twilioStatus: 404, status: .serviceUnavailable, code: "sms_unavailable"),
    ]

    @Test(arguments: sendCases)
    func sendErrorsBecomeLocalizedErrors(_ c: Case) async throws {
        try await withFakeTwilio(c.mode) { app, fake in
            try await signUpWithPhone(app, phone)
            await fake.failNext(c.operation, code: c.twilioCode, status: c.twilioStatus)
            let answer = try await requestCode(app, phone, language: "fr")
            #expect(answer.status == c.status)
            #expect(answer.errorCode == c.code)
            #expect(answer.errorMessage == app.translations.text("error_\(c.code)", .fr))
            expectNoSecret(answer)
            // Nothing went out, so nothing counts against the resend limit: trying again works at once.
            #expect(try await requestCode(app, phone).status == .accepted)
        }
    }

    @Test func badCredentialsSayUnavailableWithoutTellingWhy() async throws {
        // A real 20003 from the fake: AVA is configured with the wrong token.
        try await withFakeTwilio(.verify, authToken: "not-the-token") { app, fake in
            try await signUpWithPhone(app, phone)
            let answer = try await requestCode(app, phone, language: "he")
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.errorCode == "sms_unavailable")
            #expect(answer.errorMessage == app.translations.text("error_sms_unavailable", .he))
            #expect(!answer.body.contains("not-the-token") && !answer.body.contains("20003"))
            #expect(await fake.requests(.verifications).count == 1)
        }
    }

    @Test func unreachableTwilioSaysUnavailable() async throws {
        let settings = ["TWILIO_ACCOUNT_SID": FakeTwilio.accountSID, "TWILIO_AUTH_TOKEN": FakeTwilio.authToken,
                        "TWILIO_FROM_NUMBER": FakeTwilio.fromNumber, "TWILIO_API_BASE_URL": "http://127.0.0.1:1/2010-04-01"]
        try await withAVA(settings: settings) { app in
            try await signUpWithPhone(app, phone)
            let answer = try await requestCode(app, phone)
            #expect(answer.errorCode == "sms_unavailable")
            expectNoSecret(answer)
        }
    }

    @Test func checkErrorsBecomeLocalizedErrors() async throws {
        try await withFakeTwilio(.verify) { app, fake in
            try await signUpWithPhone(app, phone)
            _ = try await requestCode(app, phone)
            let code = try #require(await fake.verifyCode(for: phone))
            // 60202: Verify stopped counting; AVA's code is dead too.
            await fake.failNext(.verificationCheck, code: 60202, status: 429)
            let tooMany = try await submitCode(app, phone, code, language: "fr")
            #expect(tooMany.status == .tooManyRequests)
            #expect(tooMany.errorCode == "code_too_many_attempts")
            #expect(tooMany.errorMessage == app.translations.text("error_code_too_many_attempts", .fr))
            #expect(try await submitCode(app, phone, code).errorCode == "code_too_many_attempts")
            expectNoSecret(tooMany)

            // 20404: nothing pending at Verify (expired there, or approved elsewhere).
            try await ageCodes(app, phone: phone, by: 31)
            _ = try await requestCode(app, phone)
            let second = try #require(await fake.verifyCode(for: phone))
            await fake.state.expireAll()
            let gone = try await submitCode(app, phone, second, language: "he")
            #expect(gone.status == .unauthorized)
            #expect(gone.errorCode == "code_invalid")
            #expect(gone.errorMessage == app.translations.text("error_code_invalid", .he))
            expectNoSecret(gone)
        }
    }

    @Test func unknownNumbersGetTheSameAnswersAndNoText() async throws {
        try await withFakeTwilio(.messages) { app, fake in
            try await signUpWithPhone(app, phone)
            let unknown = "+33698765432"
            let answers = [try await requestCode(app, phone), try await requestCode(app, unknown)]
            #expect(answers.map(\.status) == [.accepted, .accepted])
            #expect(answers[0].body == answers[1].body)
            #expect(await fake.requests(.messages).map { $0.form["To"] } == [phone])

            let code = try #require(await fake.lastCode(sentTo: phone))
            for _ in 1...4 {
                let known = try await submitCode(app, phone, wrongCode(code)), other = try await submitCode(app, unknown, code)
                #expect(known.status == other.status && known.body == other.body)
            }
            let known = try await submitCode(app, phone, wrongCode(code)), other = try await submitCode(app, unknown, code)
            #expect(known.body == other.body)
            #expect(other.errorCode == "code_too_many_attempts")
            // Resend limits too.
            let again = [try await requestCode(app, phone), try await requestCode(app, unknown)]
            #expect(again[0].errorCode == "sms_resend_wait" && again[1].errorCode == "sms_resend_wait")
        }
    }

    @Test func withVerifyUnknownNumbersNeverReachTwilio() async throws {
        try await withFakeTwilio(.verify) { app, fake in
            try await signUpWithPhone(app, phone)
            let unknown = "+33698765432"
            let answers = [try await requestCode(app, phone), try await requestCode(app, unknown)]
            #expect(answers[0].status == .accepted && answers[0].body == answers[1].body)
            let code = try #require(await fake.verifyCode(for: phone))
            let known = try await submitCode(app, phone, wrongCode(code)), other = try await submitCode(app, unknown, code)
            #expect(known.body == other.body && other.errorCode == "code_invalid")
            let reached = await fake.requests(.verifications).map { $0.form["To"] } + fake.requests(.verificationCheck).map { $0.form["To"] }
            #expect(reached == [phone, phone])
        }
    }

    @Test func theClientKeepsTheTokenToItself() async throws {
        try await withFakeTwilio(.messages) { app, fake in
            let credentials = TwilioCredentials(accountSID: FakeTwilio.accountSID, authToken: FakeTwilio.authToken)
            #expect(!"\(credentials)".contains(FakeTwilio.authToken))
            #expect(!String(reflecting: credentials).contains(FakeTwilio.authToken))
            let account = try await app.twilio(credentials).fetchAccount()
            #expect(account.sid == FakeTwilio.accountSID && account.status == "active" && account.type == "Full")
            #expect(!String(reflecting: account).contains(FakeTwilio.authToken))
            #expect(await fake.requests(.account).count == 1)

            let wrong = TwilioCredentials(accountSID: FakeTwilio.accountSID, authToken: "wrong-token")
            let error = await #expect(throws: TwilioError.self) { try await app.twilio(wrong).fetchAccount() }
            #expect(error?.code == 20003)
            #expect(error?.appError.code == "sms_unavailable")
            #expect(!String(describing: error).contains("wrong-token"))
        }
    }

    @Test func formBodiesAreStrictlyPercentEncoded() {
        let body = TwilioClient.formEncode([("To", "+972501234567"), ("Body", "קוד 123 & é=1")])
        #expect(body.hasPrefix("To=%2B972501234567&Body=%D7%A7"))
        #expect(!body.contains(" ") && !body.contains("+"))
        let parsed = FakeTwilio.parseForm(body)
        #expect(parsed.map(\.0) == ["To", "Body"] && parsed.map(\.1) == ["+972501234567", "קוד 123 & é=1"])
    }

    @Test func decoysTakeAboutAsLongAsRealCalls() async throws {
        let timing = DecoyTiming()
        try await timing.measure("op") { try await Task.sleep(nanoseconds: 80_000_000) }
        var average: Double?
        for _ in 0..<100 where average == nil {  // the measurement is recorded asynchronously
            try await Task.sleep(nanoseconds: 10_000_000)
            average = await timing.average("op")
        }
        let measured = try #require(average)
        #expect(measured >= 0.08)
        let start = ContinuousClock.now
        await timing.imitate("op")
        // Sleeping never ends early, so the lower bound holds however busy the machine is.
        #expect(start.duration(to: .now) >= .milliseconds(Int(measured * 800)))
    }

    func expectNoSecret(_ answer: SMSAnswer, sourceLocation: SourceLocation = #_sourceLocation) {
        let basic = Data("\(FakeTwilio.accountSID):\(FakeTwilio.authToken)".utf8).base64EncodedString()
        #expect(!answer.body.contains(FakeTwilio.authToken), sourceLocation: sourceLocation)
        #expect(!answer.body.contains(basic), sourceLocation: sourceLocation)
        #expect(!answer.headers.description.contains(FakeTwilio.authToken), sourceLocation: sourceLocation)
    }
}
