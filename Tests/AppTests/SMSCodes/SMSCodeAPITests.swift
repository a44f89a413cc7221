@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("SMS codes: delivery and sign-in")
struct SMSCodeDeliveryTests {
    let phone = "+33612345678"

    @Test func messagesAPIDeliversTheCodeAndSignsIn() async throws {
        try await withFakeTwilio(.messages) { app, fake in
            try await signUpWithPhone(app, phone)
            // A national number, read in the country of the request's language.
            let sent = try await requestCode(app, "06 12 34 56 78", language: "fr-FR")
            #expect(sent.status == .accepted)
            #expect(sent.body == #"{"sent":true}"#)

            let messages = await fake.requests(.messages)
            #expect(messages.count == 1)
            #expect(messages.first?.form["To"] == phone)
            #expect(messages.first?.form["From"] == FakeTwilio.fromNumber)
            #expect(messages.first?.form["Body"]?.contains("est votre code AVA") == true)
            let code = try #require(await fake.lastCode(sentTo: phone))

            // Only an HMAC of the code is stored.
            let row = try #require(try await SMSCode.query(on: app.db).filter(\.$phone == phone).first())
            #expect(row.codeHash != nil && row.codeHash != code && row.codeHash?.contains(code) == false)
            #expect(row.codeHash != sha256Hex(code))

            let signedIn = try await submitCode(app, phone, code)
            #expect(signedIn.status == .ok, "\(signedIn.body)")
            let auth = try smsDecoder().decode(AuthResponse.self, from: Data(signedIn.body.utf8))
            #expect(auth.user.phoneVerified)
            #expect(try await userWithPhone(app, phone: phone).phoneVerified)
            try await app.testing().test(.GET, "/api/v1/me", headers: .bearer(auth.tokens.accessToken)) { res throws in
                #expect(res.status == .ok)
            }
            // Single use.
            #expect(try await submitCode(app, phone, code).errorCode == "code_invalid")
        }
    }

    @Test func verifyOwnsTheCodeWhenConfigured() async throws {
        try await withFakeTwilio(.verify) { app, fake in
            try await signUpWithPhone(app, phone)
            #expect(try await requestCode(app, phone, language: "he").status == .accepted)
            let started = await fake.requests(.verifications)
            #expect(started.count == 1)
            #expect(started.first?.form == ["To": phone, "Channel": "sms", "Locale": "he"])
            #expect(await fake.requests(.messages).isEmpty)
            // AVA keeps the pending attempt only, no code.
            let row = try #require(try await SMSCode.query(on: app.db).filter(\.$phone == phone).first())
            #expect(row.codeHash == nil)

            let code = try #require(await fake.verifyCode(for: phone))
            let wrong = try await submitCode(app, phone, wrongCode(code))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "code_invalid")
            #expect(await fake.requests(.verificationCheck).last?.form == ["To": phone, "Code": wrongCode(code)])
            // Not six digits: refused without asking Twilio.
            #expect(try await submitCode(app, phone, "12ab").errorCode == "code_invalid")
            #expect(await fake.requests(.verificationCheck).count == 1)

            let signedIn = try await submitCode(app, phone, code)
            #expect(signedIn.status == .ok, "\(signedIn.body)")
            #expect(try await userWithPhone(app, phone: phone).phoneVerified)
            // Verify has nothing pending any more; AVA's row is used up too.
            #expect(try await submitCode(app, phone, code).errorCode == "code_invalid")
        }
    }

    @Test func developmentOutboxKeepsTheTextWithoutTwilio() async throws {
        try await withAVA { app in
            try await signUpWithPhone(app, phone)
            #expect(try await requestCode(app, phone).status == .accepted)
            let message = try #require(try await latestMail(app, to: phone))
            #expect(message.subject == "SMS")
            let code = try #require(try await outboxCode(app, phone))
            #expect(message.textBody.contains(code))
            let web = WebClient(app)
            let outbox = try await web.get("/dev/outbox")
            #expect(outbox.status == .ok)
            #expect(outbox.body.string.contains(phone))
            #expect(try await web.get("/dev/outbox/\(message.id!.uuidString)").body.string.contains(code))
            #expect(try await submitCode(app, phone, code).status == .ok)
        }
    }

    @Test func productionWithoutTwilioSaysSMSIsUnavailable() async throws {
        // With no Twilio at all, production cannot text anyone (for known and unknown numbers alike).
        try await withAVA { app in
            app.appConfig.isProduction = true
            try await signUpWithPhone(app, phone)
            for number in [phone, "+33699999999"] {
                let answer = try await requestCode(app, number)
                #expect(answer.status == .serviceUnavailable)
                #expect(answer.errorCode == "sms_unavailable")
            }
        }
    }
}

@Suite("SMS codes: limits")
struct SMSCodeLimitTests {
    let phone = "+972501234567"

    @Test func fiveWrongTriesKillTheCode() async throws {
        try await withAVA { app in
            try await signUpWithPhone(app, phone, locale: "he")
            _ = try await requestCode(app, phone)
            let code = try #require(try await outboxCode(app, phone))
            for _ in 1...4 {
                let answer = try await submitCode(app, phone, wrongCode(code))
                #expect(answer.status == .unauthorized)
                #expect(answer.errorCode == "code_invalid")
            }
            let fifth = try await submitCode(app, phone, wrongCode(code), language: "he")
            #expect(fifth.status == .tooManyRequests)
            #expect(fifth.errorCode == "code_too_many_attempts")
            #expect(fifth.errorMessage == app.translations.text("error_code_too_many_attempts", .he))
            // Dead, even with the right code.
            #expect(try await submitCode(app, phone, code).errorCode == "code_too_many_attempts")
            // A new code works (after the resend wait).
            try await ageCodes(app, phone: phone, by: 31)
            #expect(try await requestCode(app, phone).status == .accepted)
            let fresh = try #require(try await outboxCode(app, phone))
            #expect(try await submitCode(app, phone, fresh).status == .ok)
        }
    }

    @Test func parallelGuessesCannotExceedFiveTries() async throws {
        try await withAVA { app in
            try await signUpWithPhone(app, phone)
            _ = try await requestCode(app, phone)
            let code = try #require(try await outboxCode(app, phone))
            let codes = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<12 { group.addTask { try await submitCode(app, phone, wrongCode(code)).errorCode } }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(codes.allSatisfy { $0 == "code_invalid" || $0 == "code_too_many_attempts" })
            let row = try #require(try await SMSCode.query(on: app.db).filter(\.$phone == phone).first())
            #expect(row.attempts == 5)
            #expect(try await submitCode(app, phone, code).errorCode == "code_too_many_attempts")
        }
    }

    @Test func codesExpireAfterTenMinutes() async throws {
        try await withAVA { app in
            try await signUpWithPhone(app, phone)
            _ = try await requestCode(app, phone)
            let code = try #require(try await outboxCode(app, phone))
            let row = try #require(try await SMSCode.query(on: app.db).filter(\.$phone == phone).first())
            #expect(abs(row.expiresAt.timeIntervalSince(row.createdAt) - 600) < 1)
            try await ageCodes(app, phone: phone, by: 601)
            let answer = try await submitCode(app, phone, code)
            #expect(answer.status == .unauthorized)
            #expect(answer.errorCode == "code_invalid")
        }
    }

    @Test func resendingIsLimited() async throws {
        try await withAVA { app in
            try await signUpWithPhone(app, phone)
            #expect(try await requestCode(app, phone).status == .accepted)
            let first = try #require(try await outboxCode(app, phone))
            let tooSoon = try await requestCode(app, phone)
            #expect(tooSoon.status == .tooManyRequests)
            #expect(tooSoon.errorCode == "sms_resend_wait")
            let wait = try #require(tooSoon.headers.first(name: "Retry-After").flatMap(Int.init))
            #expect((1...30).contains(wait))
            // Once the wait is over, a new code replaces the first.
            try await ageCodes(app, phone: phone, by: 31)
            #expect(try await requestCode(app, phone).status == .accepted)
            #expect(try await submitCode(app, phone, first).errorCode == "code_invalid")

            // Five an hour: three more, 31 s apart, then a wait of the better part of an hour.
            for _ in 0..<3 {
                try await ageCodes(app, phone: phone, by: 31)
                #expect(try await requestCode(app, phone).status == .accepted)
            }
            try await ageCodes(app, phone: phone, by: 31)
            let hourly = try await requestCode(app, phone)
            #expect(hourly.errorCode == "sms_resend_wait")
            #expect((hourly.headers.first(name: "Retry-After").flatMap(Int.init) ?? 0) > 3000)
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$recipients == phone).count() == 5)
        }
    }

    @Test func theFoundationRateLimitAppliesToo() async throws {
        try await withAVA(settings: ["AVA_AUTH_RATE_LIMIT": "2"]) { app in
            _ = try await submitCode(app, phone, "123456")
            _ = try await submitCode(app, phone, "123456")
            #expect(try await submitCode(app, phone, "123456").errorCode == "rate_limited")
        }
    }
}

func smsDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}
