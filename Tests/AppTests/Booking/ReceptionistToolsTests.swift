@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Receptionist tools")
struct ReceptionistToolsTests {
    func tools(_ app: Application, _ fixture: BookingFixture, caller: String? = "+33612345678") -> ReceptionistTools {
        ReceptionistTools(db: app.db, orgID: fixture.orgID, translations: app.translations, callID: UUID(), callerPhone: caller)
    }

    @Test func bookFindMoveCancelInFrench() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app)
            let tools = tools(app, fixture)
            let tuesday = upcoming(.tue)
            let free = try await tools.checkAvailability(.init(service: "coupe", date: tuesday.description, partOfDay: "morning"))
            #expect(free.ok && free.slots.count == 3 && free.service == "Coupe")
            #expect(free.slots[0].start == "\(tuesday)T09:00")
            #expect(free.slots[0].spoken.hasPrefix("mardi ") && free.slots[0].spoken.hasSuffix(" à 9 h"), "\(free.slots[0].spoken)")
            #expect(free.message.hasPrefix("Les prochains créneaux libres sont mardi"), "\(free.message)")

            let booked = try await tools.bookAppointment(.init(service: nil, start: free.slots[0].start, name: "Léa Martin", phone: nil))
            #expect(booked.ok, "\(booked.message)")
            #expect(booked.message.contains("Coupe"))
            let appointment = try #require(try await Appointment.find(booked.appointmentId, on: app.db))
            #expect(appointment.source == .call && appointment.callID != nil)

            // The same slot again: refused, with the next free ones said aloud.
            let again = try await tools.bookAppointment(.init(start: free.slots[0].start, name: "Paul", phone: "0700000000"))
            #expect(!again.ok && again.error == "slot_taken")
            #expect(again.message.hasPrefix("Ce créneau vient d'être pris ; les prochains libres sont mardi"), "\(again.message)")
            #expect(again.alternatives?.first?.start == "\(tuesday)T09:45")  // 9:00 + 30 min + 10 min buffer, on the 15-minute grid

            let found = try await tools.findAppointments(.init(phone: "06 12 34 56 78"))
            #expect(found.appointments.map(\.id) == [appointment.id!])
            #expect(try await tools.findAppointments(.init(phone: "0700000000")).appointments.isEmpty)

            // Someone else's number cannot move or cancel it.
            let stranger = try await tools.cancelAppointment(.init(appointmentId: appointment.id!.uuidString, phone: "0700000000"))
            #expect(!stranger.ok && stranger.error == "appointment_unknown")
            let moved = try await tools.rescheduleAppointment(.init(appointmentId: appointment.id!.uuidString, phone: nil, start: "\(tuesday)T15:00"))
            #expect(moved.ok, "\(moved.message)")
            #expect(moved.message.contains("15 h"))
            let outside = try await tools.rescheduleAppointment(.init(appointmentId: appointment.id!.uuidString, phone: nil, start: "\(tuesday)T13:00"))
            #expect(!outside.ok && outside.error == "slot_outside_hours" && outside.message.contains("les prochains libres"))
            let cancelled = try await tools.cancelAppointment(.init(appointmentId: appointment.id!.uuidString, phone: nil))
            #expect(cancelled.ok && cancelled.message.contains("annulé"))
            #expect(try await Appointment.find(appointment.id, on: app.db)?.status == .cancelled)
        }
    }

    @Test func refusalsAreSpeakable() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app, country: "US", timezone: "America/New_York", locale: "en")
            try await BookingService(orgID: fixture.orgID, name: "Consultation", durationMinutes: 60, position: 1).create(on: app.db)
            let tools = tools(app, fixture, caller: nil)
            let which = try await tools.checkAvailability(.init())
            #expect(!which.ok && which.error == "service_unknown" && which.message == "Which service would you like: Coupe or Consultation?")
            let badDate = try await tools.checkAvailability(.init(service: "consultation", date: "next tuesday"))
            #expect(!badDate.ok && badDate.error == "date_invalid")
            let free = try await tools.checkAvailability(.init(service: "Consultation", date: upcoming(.tue, zone: "America/New_York").description))
            #expect(free.slots.first?.spoken.hasSuffix(" at 9 am") == true, "\(free.slots)")
            let noPhone = try await tools.bookAppointment(.init(service: "consultation", start: free.slots[0].start, name: "Sam"))
            #expect(!noPhone.ok && noPhone.message == "I didn't get the phone number; could you say it again?")
            let badStart = try await tools.bookAppointment(.init(service: "consultation", start: "soon", name: "Sam", phone: "(415) 555-0100"))
            #expect(!badStart.ok && badStart.error == "start_invalid")
            let message = try await tools.takeMessage(.init(name: "Sam", phone: "(415) 555-0100", reason: "Invoice question", urgency: "high"))
            #expect(message.ok)
            let stored = try #require(try await OwnerMessage.find(message.messageId, on: app.db))
            #expect(stored.phone == "+14155550100" && stored.urgency == .high && stored.readAt == nil)
            #expect(try await tools.takeMessage(.init(name: "Sam", phone: "12", reason: "x")).error == "invalid_phone")
            // Control characters a speech-to-text glitch might produce never reach the database (PostgreSQL refuses NUL).
            let odd = try await tools.takeMessage(.init(name: "Sa\u{0}m", phone: "(415) 555-0100", reason: "Call\u{0} back\t"))
            #expect(odd.ok)
            #expect(try await OwnerMessage.find(odd.messageId, on: app.db)?.name == "Sam")
            #expect(try await tools.takeMessage(.init(name: "Sam", phone: "(415) 555-0100", reason: " ")).error == "reason_required")
        }
    }

    @Test func transferOnlyDuringOpeningHours() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app, country: "IL", timezone: "Asia/Jerusalem", locale: "he")
            let profile = try await BookingProfile.forOrg(fixture.orgID, on: app.db)
            profile.transferNumber = "+972501234567"
            try await profile.save(on: app.db)
            let sunday = upcoming(.sun, zone: "Asia/Jerusalem")
            var tools = tools(app, fixture)
            tools.now = { localInstant(sunday, hour: 10, zone: "Asia/Jerusalem") }
            let open = try await tools.transferTarget()
            #expect(open.ok && open.number == "+972501234567")
            tools.now = { localInstant(sunday, hour: 13, minute: 30, zone: "Asia/Jerusalem") }  // lunch
            #expect(try await tools.transferTarget().number == nil)
            tools.now = { localInstant(sunday.adding(days: 6), hour: 10, zone: "Asia/Jerusalem") }  // Saturday
            let closed = try await tools.transferTarget()
            #expect(!closed.ok && closed.number == nil && closed.message.contains("הודעה"))
            // Hebrew slots.
            tools.now = { localInstant(sunday.adding(days: -3), hour: 8, zone: "Asia/Jerusalem") }
            let free = try await tools.checkAvailability(.init(date: sunday.description))
            #expect(free.slots.first?.spoken.hasPrefix("יום ראשון ה-") == true && free.slots.first?.spoken.hasSuffix("בשעה 9:00") == true, "\(free.slots)")
        }
    }

    @Test func catalogueMatchesTheFunctions() throws {
        let names = ReceptionistTools.definitions.map(\.name)
        #expect(names == ["checkAvailability", "bookAppointment", "findAppointments", "rescheduleAppointment",
                          "cancelAppointment", "takeMessage", "transferTarget"])
        for definition in ReceptionistTools.definitions {
            #expect(definition.parameters.type == "object")
            for required in definition.parameters.required ?? [] {
                #expect(definition.parameters.properties?[required] != nil, "\(definition.name).\(required)")
            }
        }
        let json = try JSONEncoder().encode(ReceptionistTools.definitions)
        #expect(String(decoding: json, as: UTF8.self).contains("\"partOfDay\""))
    }
}
