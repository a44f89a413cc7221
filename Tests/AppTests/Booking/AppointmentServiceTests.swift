@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Appointment service")
struct AppointmentServiceTests {
    func input(_ fixture: BookingFixture, _ start: Date, phone: String = "06 12 34 56 78", name: String = "Léa Martin") -> AppointmentService.CreateInput {
        AppointmentService.CreateInput(customerName: name, phone: phone, email: "lea@example.com", serviceID: fixture.service.id!,
                                       start: start, notes: "Première visite", source: .call)
    }

    func code(of error: any Error) -> String? { (error as? AppError)?.code }

    @Test("50 concurrent attempts at one slot make exactly one appointment")
    func noDoubleBooking() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app)
            let start = localInstant(upcoming(.tue), hour: 10)
            // Up to 24 connections: the attempts really run side by side.
            let db = try await manyConnections(app)
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let service = AppointmentService(db: db, orgID: fixture.orgID)
                        do {
                            _ = try await service.create(input(fixture, start, phone: String(format: "06 12 34 56 %02d", index)))
                            return "booked"
                        } catch {
                            return code(of: error) ?? "unexpected: \(String(reflecting: error))"
                        }
                    }
                }
                var all: [String] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0 == "booked" }.count == 1, "\(Set(outcomes))")
            #expect(outcomes.filter { $0 == "slot_taken" }.count == 49, "\(Set(outcomes))")
            let booked = try await Appointment.query(on: app.db).filter(\.$org.$id == fixture.orgID).count()
            #expect(booked == 1)
            // Overlapping but not identical starts race too: 10:15 overlaps 10:00–10:40.
            let overlapping = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let service = AppointmentService(db: db, orgID: fixture.orgID)
                        return (try? await service.create(input(fixture, start.addingTimeInterval(Double(15 * 60 + (index % 2) * 15 * 60)),
                                                         phone: String(format: "06 22 34 56 %02d", index)))) != nil
                    }
                }
                var count = 0
                for try await ok in group where ok { count += 1 }
                return count
            }
            #expect(overlapping == 0)  // 10:15 and 10:30 both meet the 10:00 booking and its buffer
        }
    }

    @Test func bookMoveCancelAndFindByPhone() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app)
            let tuesday = upcoming(.tue)
            let service = AppointmentService(db: app.db, orgID: fixture.orgID)
            let first = try await service.create(input(fixture, localInstant(tuesday, hour: 9)))
            #expect(first.status == .booked && first.source == .call)
            #expect(first.blocksUntil.timeIntervalSince(first.startsAt) == 40 * 60)
            // The same caller, typed another way, is the same customer.
            let second = try await service.create(input(fixture, localInstant(tuesday, hour: 15), phone: "+33612345678", name: "Léa M."))
            #expect(second.$customer.id == first.$customer.id)
            #expect(try await Customer.query(on: app.db).count() == 1)
            let found = try await service.appointments(phone: "0612345678")
            #expect(found.map(\.id) == [first.id, second.id])

            // 9:30 is free only once the 9:00 booking (with its buffer until 9:40) moves away.
            await #expect(throws: AppError.self) { try await service.create(input(fixture, localInstant(tuesday, hour: 9, minute: 30), phone: "0700000001")) }
            let moved = try await service.reschedule(first.id!, to: localInstant(tuesday, hour: 11))
            #expect(moved.startsAt == localInstant(tuesday, hour: 11))
            _ = try await service.create(input(fixture, localInstant(tuesday, hour: 9, minute: 30), phone: "0700000001"))
            // Moving onto itself (a little later) is fine: it does not collide with its own old time.
            _ = try await service.reschedule(first.id!, to: localInstant(tuesday, hour: 11, minute: 15))

            let cancelled = try await service.cancel(second.id!)
            #expect(cancelled.status == .cancelled)
            #expect(try await service.appointments(phone: "0612345678").map(\.id) == [first.id])
            do { _ = try await service.cancel(second.id!); Issue.record("cancelled twice") } catch { #expect(code(of: error) == "appointment_not_booked") }
            let done = try await service.mark(first.id!, status: .done)
            #expect(done.status == .done)
            // Back to booked: its slot is still free.
            #expect(try await service.mark(first.id!, status: .booked).status == .booked)
        }
    }

    @Test func refusals() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app)
            let tuesday = upcoming(.tue)
            let service = AppointmentService(db: app.db, orgID: fixture.orgID)
            func refusal(_ input: AppointmentService.CreateInput) async -> String? {
                do { _ = try await service.create(input); return nil } catch { return code(of: error) }
            }
            #expect(await refusal(input(fixture, localInstant(tuesday, hour: 13))) == "slot_outside_hours")
            #expect(await refusal(input(fixture, localInstant(tuesday, hour: 12, minute: 15))) == "service_does_not_fit")
            #expect(await refusal(input(fixture, localInstant(upcoming(.sat), hour: 10))) == "slot_outside_hours")
            #expect(await refusal(input(fixture, Date().addingTimeInterval(-86400))) == "slot_in_past")
            #expect(await refusal(input(fixture, localInstant(tuesday.adding(days: 400), hour: 10))) == "slot_too_far_ahead")
            #expect(await refusal(input(fixture, localInstant(tuesday, hour: 10), phone: "not a phone")) == "invalid_phone")
            #expect(await refusal(input(fixture, localInstant(tuesday, hour: 10), name: "  ")) == "name_required")
            var unknown = input(fixture, localInstant(tuesday, hour: 10))
            unknown.serviceID = UUID()
            #expect(await refusal(unknown) == "service_unknown")
            try await BookingClosure(orgID: fixture.orgID, startDate: tuesday.description, endDate: tuesday.description, label: "Férié").create(on: app.db)
            #expect(await refusal(input(fixture, localInstant(tuesday, hour: 10))) == "slot_closed")
            // Another organisation's service is unknown here.
            let other = try await BookingFixture.make(app)
            var foreign = input(fixture, localInstant(tuesday.adding(days: 1), hour: 10))
            foreign.serviceID = other.service.id!
            #expect(await refusal(foreign) == "service_unknown")
            #expect(try await Appointment.query(on: app.db).count() == 0)
            #expect(try await Customer.query(on: app.db).count() == 0)
        }
    }

    @Test func staffCalendars() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app)
            let wednesdays = WeeklyHours([.wed: [OpeningInterval("09:00", "12:00")!]])
            let anna = StaffMember(orgID: fixture.orgID, name: "Anna", hours: wednesdays)
            let ben = StaffMember(orgID: fixture.orgID, name: "Ben")
            try await anna.create(on: app.db)
            try await ben.create(on: app.db)
            let service = AppointmentService(db: app.db, orgID: fixture.orgID)
            let tuesday = upcoming(.tue), wednesday = tuesday.adding(days: 1)

            // Tuesday: only Ben works, so one booking per time.
            let first = try await service.create(input(fixture, localInstant(tuesday, hour: 10), phone: "0700000001"))
            #expect(first.$staff.id == ben.id)
            await #expect(throws: AppError.self) { try await service.create(input(fixture, localInstant(tuesday, hour: 10), phone: "0700000002")) }
            // Wednesday morning: both, then nobody.
            let a = try await service.create(input(fixture, localInstant(wednesday, hour: 10), phone: "0700000003"))
            let b = try await service.create(input(fixture, localInstant(wednesday, hour: 10), phone: "0700000004"))
            #expect(Set([a.$staff.id, b.$staff.id]) == Set([anna.id, ben.id]))
            await #expect(throws: AppError.self) { try await service.create(input(fixture, localInstant(wednesday, hour: 10), phone: "0700000005")) }
            // Asking for Anna on Tuesday: outside her hours.
            var annaTuesday = input(fixture, localInstant(tuesday, hour: 11), phone: "0700000006")
            annaTuesday.staffID = anna.id
            do { _ = try await service.create(annaTuesday); Issue.record("booked outside Anna's hours") } catch {
                #expect(code(of: error) == "slot_outside_hours")
            }
            // Ben's own closure leaves Anna on the following Wednesday.
            let next = wednesday.adding(days: 7)
            try await BookingClosure(orgID: fixture.orgID, staffID: ben.id, startDate: next.description, endDate: next.description, label: "Congé").create(on: app.db)
            let context = try await BookingContext.load(orgID: fixture.orgID, on: app.db)
            let slots = try await context.freeSlots(service: fixture.service, staffID: nil, from: next, through: next, limit: 100, now: Date(), on: app.db)
            #expect(!slots.isEmpty && slots.allSatisfy { $0.calendarID == anna.id })
            #expect(slots.last!.minuteOfDay == 11 * 60 + 30)  // Anna stops at noon
        }
    }

    @Test func countryDefaultsAreCreatedOnce() async throws {
        try await withAVA { app in
            let fixture = try await BookingFixture.make(app, country: "IL", timezone: "Asia/Jerusalem", locale: "he")
            async let a = BookingProfile.forOrg(fixture.orgID, on: app.db)
            async let b = BookingProfile.forOrg(fixture.orgID, on: app.db)
            let (first, second) = try await (a, b)
            #expect(first.id == second.id)
            #expect(first.weeklyHours.intervals(on: .fri).count == 1 && first.weeklyHours.intervals(on: .sat).isEmpty)
            #expect(try await BookingProfile.query(on: app.db).count() == 1)
        }
    }
}
