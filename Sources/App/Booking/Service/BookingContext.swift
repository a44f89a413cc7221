import AVACore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Everything availability needs about one organisation, loaded in a handful of queries.
struct BookingContext: Sendable {
    let orgID: UUID
    let country: CountryCode
    let locale: AppLocale
    let timeZone: TimeZone
    let hours: WeeklyHours
    let transferNumber: String?
    let engine: AvailabilityEngine
    /// Active staff; empty means one calendar for the organisation.
    let staff: [StaffSnapshot]
    let closures: [ClosureSnapshot]
    /// Active services in the owner's order. Read-only snapshots: nothing may change these models.
    let services: [BookingService]

    /// A booked appointment as availability sees it: whose time, from when, blocked until when.
    struct BusyAppointment: Sendable { let id: UUID; let staffID: UUID?; let startsAt: Date; let blocksUntil: Date }
    struct StaffSnapshot: Sendable { let id: UUID; let name: String; let hours: WeeklyHours? }
    struct ClosureSnapshot: Sendable { let staffID: UUID?; let days: ClosedRange<Int> }

    /// The organisation's settings and services, from `BookingContextCache` when fresh (appointments are never cached).
    static func load(orgID: UUID, on db: any Database) async throws -> BookingContext {
        try await BookingContextCache.shared.value(for: orgID) { try await read(orgID: orgID, on: db) }
    }

    private static func read(orgID: UUID, on db: any Database) async throws -> BookingContext {
        guard let org = try await Org.find(orgID, on: db) else { throw AppError.notFound }
        let profile = try await BookingProfile.forOrg(orgID, on: db)
        let timeZone = TimeZone(identifier: org.timezone) ?? TimeZone(identifier: WeeklyHours.defaultTimeZone(country: org.country))!
        let staff = try await StaffMember.query(on: db).filter(\.$org.$id == orgID).filter(\.$active == true)
            .sort(\.$name).all()
        let closures = try await BookingClosure.query(on: db).filter(\.$org.$id == orgID).all()
        let services = try await BookingService.query(on: db).filter(\.$org.$id == orgID).filter(\.$active == true)
            .sort(\.$position).all()
        return BookingContext(
            orgID: orgID,
            country: CountryCode(rawValue: org.country.uppercased()) ?? .FR,
            locale: AppLocale(rawValue: org.locale) ?? .en,
            timeZone: timeZone,
            hours: profile.weeklyHours,
            transferNumber: profile.transferNumber,
            engine: AvailabilityEngine(timeZone: timeZone, minNoticeMinutes: profile.minNoticeMinutes,
                                       maxDaysAhead: profile.maxDaysAhead, slotStepMinutes: profile.slotStepMinutes),
            staff: staff.map { StaffSnapshot(id: $0.id!, name: $0.name, hours: $0.weeklyHours) },
            closures: closures.compactMap { closure in
                guard let start = LocalDate(closure.startDate), let end = LocalDate(closure.endDate), start <= end else { return nil }
                return ClosureSnapshot(staffID: closure.$staff.id, days: start.dayNumber...end.dayNumber)
            },
            services: services
        )
    }

    /// The calendars a booking may go to: one staff member, every active one, or the organisation's single one.
    func calendars(staffID: UUID?, appointments: [BusyAppointment]) throws -> [BookingCalendar] {
        func busy(_ staffID: UUID?) -> BusySchedule {
            // An appointment with no staff member takes everyone's time (booked before staff existed).
            BusySchedule(appointments.filter { staffID == nil || $0.staffID == nil || $0.staffID == staffID }
                .map { BusyInterval(start: $0.startsAt, end: $0.blocksUntil) })
        }
        func closedDays(_ staffID: UUID?) -> [ClosedRange<Int>] {
            closures.filter { $0.staffID == nil || $0.staffID == staffID }.map(\.days)
        }
        if let staffID {
            guard let member = staff.first(where: { $0.id == staffID }) else {
                throw AppError(status: .unprocessableEntity, code: "staff_unknown", messageKey: "error_staff_unknown", field: "staffId")
            }
            return [BookingCalendar(id: staffID, hours: member.hours ?? hours, closedDays: closedDays(staffID), busy: busy(staffID))]
        }
        if staff.isEmpty {
            return [BookingCalendar(id: nil, hours: hours, closedDays: closedDays(nil), busy: busy(nil))]
        }
        return staff.map { BookingCalendar(id: $0.id, hours: $0.hours ?? hours, closedDays: closedDays($0.id), busy: busy($0.id)) }
    }

    /// Booked appointments whose blocked time meets [from, to), with only what availability reads
    /// (id, staff, start, end of blocked time).
    static func activeAppointments(orgID: UUID, from: Date, to: Date, excluding: UUID? = nil, on db: any Database) async throws -> [BusyAppointment] {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
        // Plain SQL into a small struct: this runs on every checkAvailability during a call, and decoding Fluent
        // models (reflection) cost more than the query itself.
        // No appointment blocks a day or more (services last at most 12 h, buffers 4 h): the lower bound on
        // starts_at keeps the scan of the (org_id, starts_at) index to the window instead of everything before it.
        let rows = try await sql.raw("""
            SELECT id, staff_id, starts_at, blocks_until FROM appointments
            WHERE org_id = \(bind: orgID) AND status = \(bind: Appointment.Status.booked.rawValue)
              AND starts_at < \(bind: to) AND starts_at > \(bind: from.addingTimeInterval(-86400)) AND blocks_until > \(bind: from)
            """).all()
        return try rows.compactMap { row in
            let id = try row.decode(column: "id", as: UUID.self)
            if id == excluding { return nil }
            return BusyAppointment(id: id, staffID: try row.decode(column: "staff_id", as: UUID?.self),
                                   startsAt: try row.decode(column: "starts_at", as: Date.self),
                                   blocksUntil: try row.decode(column: "blocks_until", as: Date.self))
        }
    }

    /// Free slots from a day, reading appointments a window at a time so a far-off first free slot
    /// does not load the whole future at once.
    func freeSlots(service: BookingService, staffID: UUID?, from: LocalDate, through: LocalDate? = nil, partOfDay: PartOfDay? = nil,
                   limit: Int, now: Date, on db: any Database) async throws -> [FreeSlot] {
        let today = LocalDate(now, in: timeZone)
        let horizon = min(through ?? today.adding(days: engine.maxDaysAhead), today.adding(days: engine.maxDaysAhead))
        var day = max(from, today)
        var result: [FreeSlot] = []
        // Two days first (the answer is usually there), then wider and wider windows.
        var chunkDays = through == nil ? 2 : 14
        while day <= horizon && result.count < limit {
            let chunkEnd = min(day.adding(days: chunkDays - 1), horizon)
            chunkDays = min(chunkDays * 2, 28)
            // A day ±14 hours covers every UTC offset.
            let windowStart = Date(timeIntervalSince1970: Double(day.dayNumber) * 86400 - 14 * 3600)
            let windowEnd = Date(timeIntervalSince1970: Double(chunkEnd.dayNumber + 1) * 86400 + 14 * 3600)
            let appointments = try await Self.activeAppointments(orgID: orgID, from: windowStart, to: windowEnd, on: db)
            let calendars = try calendars(staffID: staffID, appointments: appointments)
            result += engine.freeSlots(durationMinutes: service.durationMinutes, bufferMinutes: service.bufferAfterMinutes,
                                       from: day, through: chunkEnd, partOfDay: partOfDay, limit: limit - result.count,
                                       calendars: calendars, now: now)
            day = chunkEnd.adding(days: 1)
        }
        return result
    }

    /// Whether now falls inside the organisation's opening hours (for handing a caller to a human).
    func isOpen(at now: Date) -> Bool {
        let day = LocalDate(now, in: timeZone)
        guard !closures.contains(where: { $0.staffID == nil && $0.days.contains(day.dayNumber) }) else { return false }
        let wall = Int(now.timeIntervalSince1970) + timeZone.secondsFromGMT(for: now) - day.dayNumber * 86400
        let minute = wall / 60
        return hours.intervals(on: day.weekday).contains { $0.start.minutes <= minute && minute < $0.end.minutes }
    }
}
