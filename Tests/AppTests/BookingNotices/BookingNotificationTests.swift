@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Booking notifications")
struct BookingNotificationTests {
    @Test func bookingQueuesTextEmailAndReminderInOneTransaction() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app)
            try await fixture.notify(app, .booked)
            let jobs = try await JobRecord.query(on: app.db).all()
            #expect(Set(jobs.map(\.kind)) == [BookingJobKind.customerSMS, BookingJobKind.ownerEmail, BookingJobKind.reminderSMS])
            let reminder = try #require(jobs.first { $0.kind == BookingJobKind.reminderSMS })
            #expect(abs(reminder.runAt.timeIntervalSince(fixture.appointment.startsAt) + 24 * 3600) < 1)
        }
    }

    @Test func withoutTwilioTextsLandInTheOutboxInTheOrgsLanguageAndZone() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app, locale: "fr")
            try await fixture.notify(app, .booked)
            #expect(try await app.jobs.runDue() == 2)
            let texts = try await outboxSMS(app, to: NoticeFixture.customerPhone)
            #expect(texts.count == 1)
            let expectedWhen = BookingTexts.when(fixture.appointment.startsAt, locale: .fr, timeZoneID: "Europe/Paris")
            #expect(texts.first?.contains("Coupe femme") == true)
            #expect(texts.first?.contains("est confirmé pour le \(expectedWhen)") == true, "\(texts)")
            // The owner's email, in their language, with the customer's details.
            let mail = try #require(try await latestMail(app, to: fixture.auth.user.email))
            #expect(mail.subject.hasPrefix("Nouveau rendez-vous : Léa Martin"))
            #expect(mail.textBody.contains("+33612345678"))
            #expect(mail.textBody.contains("Première visite"))
            #expect(mail.textBody.contains("/fr/app/appointments"))
            // The reminder waits for its time, then goes.
            #expect(try await app.jobs.runDue() == 0)
            let remindAt = fixture.appointment.startsAt.addingTimeInterval(-24 * 3600 + 1)
            #expect(try await app.jobs.runDue(now: remindAt) == 1)
            let after = try await outboxSMS(app, to: NoticeFixture.customerPhone)
            #expect(after.count == 2)
            #expect(after.last?.contains("petit rappel") == true)
        }
    }

    @Test func hebrewOrganisationsTextInHebrewThroughThePlatformsTwilio() async throws {
        let fake = try await FakeTwilio.start()
        do {
            try await withAVA(settings: fake.settings(.messages)) { app in
                let fixture = try await NoticeFixture.make(app, locale: "he", serviceName: "תספורת")
                try await fixture.notify(app, .booked)
                try await app.jobs.runDue()
                let sent = await fake.requests(.messages)
                #expect(sent.count == 1)
                let message = try #require(sent.first)
                #expect(message.form["To"] == NoticeFixture.customerPhone)
                #expect(message.form["From"] == FakeTwilio.fromNumber)
                let when = BookingTexts.when(fixture.appointment.startsAt, locale: .he, timeZoneID: "Asia/Jerusalem")
                #expect(message.form["Body"] == "\(fixture.auth.organisation.name): התור שלך לתספורת נקבע ל\(when).")
                #expect(await fake.violations.isEmpty)
                #expect(try await outboxSMS(app, to: NoticeFixture.customerPhone).isEmpty)
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }

    @Test func anImportedTwilioNumberSendsTheOrgsTexts() async throws {
        let fake = try await FakeTwilio.start()
        do {
            // No platform account at all: only the owner's imported number can send.
            let settings = ["TWILIO_API_BASE_URL": "http://127.0.0.1:\(fake.port)/2010-04-01"]
            try await withAVA(settings: settings) { app in
                let fixture = try await NoticeFixture.make(app, locale: "en")
                let number = PhoneNumberRecord()
                number.$org.id = fixture.orgID
                number.provider = .twilio
                number.e164 = "+33187654321"
                number.status = "active"
                number.twilioAccountSID = FakeTwilio.accountSID
                number.twilioAuthTokenEncrypted = try app.keyring.encrypt(FakeTwilio.authToken)
                number.routingJSON = "{}"
                number.businessHoursJSON = "{}"
                number.voicemailJSON = "{}"
                try await number.create(on: app.db)

                try await fixture.notify(app, .booked)
                try await app.jobs.runDue()
                let sent = await fake.requests(.messages)
                #expect(sent.count == 1)
                #expect(sent.first?.form["From"] == "+33187654321")
                #expect(sent.first?.path.contains(FakeTwilio.accountSID) == true)
                #expect(sent.first?.form["Body"]?.contains("is confirmed for") == true)
                #expect(await fake.violations.isEmpty)
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }

    @Test func aTwilioFailureIsRetriedAndItsErrorKeptWithoutSecrets() async throws {
        let fake = try await FakeTwilio.start()
        do {
            try await withAVA(settings: fake.settings(.messages)) { app in
                let fixture = try await NoticeFixture.make(app, locale: "en")
                try await fixture.notify(app, .booked)
                await fake.failNext(.messages, code: 20500, status: 500)
                let now = Date()
                try await app.jobs.runDue(now: now)
                let job = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == BookingJobKind.customerSMS).first())
                #expect(job.status == "queued")
                let lastError = try #require(job.lastError)
                #expect(lastError.contains("20500"))
                #expect(!lastError.contains(FakeTwilio.authToken))
                try await app.jobs.runDue(now: now.addingTimeInterval(60))
                let reloaded = try #require(try await JobRecord.find(job.id, on: app.db))
                #expect(reloaded.status == "done")
                #expect(await fake.requests(.messages).count == 2)
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }

    @Test func aMovedAppointmentsOldReminderDoesNotFire() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app, locale: "en")
            let oldStart = fixture.appointment.startsAt
            try await fixture.notify(app, .booked)
            try await fixture.move(app, by: 2 * 24 * 3600)
            try await app.jobs.runDue()
            var texts = try await outboxSMS(app, to: NoticeFixture.customerPhone)
            #expect(texts.count == 2)
            #expect(texts.last?.contains("has moved to") == true)
            // The old reminder's time comes: nothing is sent.
            #expect(try await app.jobs.runDue(now: oldStart.addingTimeInterval(-24 * 3600 + 1)) == 1)
            texts = try await outboxSMS(app, to: NoticeFixture.customerPhone)
            #expect(texts.count == 2)
            // The new one fires at its time.
            #expect(try await app.jobs.runDue(now: fixture.appointment.startsAt.addingTimeInterval(-24 * 3600 + 1)) == 1)
            texts = try await outboxSMS(app, to: NoticeFixture.customerPhone)
            #expect(texts.count == 3)
            #expect(texts.last?.contains("a reminder") == true)
        }
    }

    @Test func aCancelledAppointmentIsNotReminded() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app, locale: "en")
            try await fixture.notify(app, .booked)
            try await fixture.cancel(app)
            try await app.jobs.runDue()
            let texts = try await outboxSMS(app, to: NoticeFixture.customerPhone)
            #expect(texts.count == 2)
            #expect(texts.last?.contains("is cancelled") == true)
            let cancelledMail = try #require(try await latestMail(app, to: fixture.auth.user.email))
            #expect(cancelledMail.subject.hasPrefix("Appointment cancelled"))
            try await app.jobs.runDue(now: fixture.appointment.startsAt.addingTimeInterval(-3600))
            #expect(try await outboxSMS(app, to: NoticeFixture.customerPhone).count == 2)
        }
    }

    @Test func noReminderWhenTheStartIsLessThanADayAway() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app, locale: "en", startsIn: 3 * 3600)
            try await fixture.notify(app, .booked)
            let reminders = try await JobRecord.query(on: app.db).filter(\.$kind == BookingJobKind.reminderSMS).count()
            #expect(reminders == 0)
        }
    }
}
