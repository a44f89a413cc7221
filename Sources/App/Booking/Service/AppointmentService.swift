import AVACore
import Fluent
import Foundation
import SQLKit

/// Books, moves, cancels and closes appointments of one organisation, never twice in one slot.
///
/// Every change runs in one transaction that first writes the organisation's `booking_profiles` row.
/// On PostgreSQL that row lock makes concurrent bookings of the organisation wait for each other, and
/// READ COMMITTED then shows each one the appointments committed before it. On SQLite the first write
/// takes the database's single write lock, so the check and the insert cannot interleave with another
/// writer (and no read happens before it, so no stale snapshot is ever upgraded).
struct AppointmentService: Sendable {
    let db: any Database
    let orgID: UUID
    var now: @Sendable () -> Date = { Date() }

    init(db: any Database, orgID: UUID, now: @escaping @Sendable () -> Date = { Date() }) {
        self.db = db
        self.orgID = orgID
        self.now = now
    }

    struct CreateInput: Sendable {
        var customerName: String
        var phone: String
        var email: String?
        var serviceID: UUID
        var start: Date
        var notes: String?
        var source: Appointment.Source
        var staffID: UUID?
        var callID: UUID?
    }

    func create(_ input: CreateInput) async throws -> Appointment {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let name = input.customerName.cleanedLine
        guard !name.isEmpty, name.count <= 120 else { throw AppError.validation("name_required", field: "customerName") }
        guard let phone = PhoneNumber(parsing: input.phone, defaultCountry: context.country) else {
            throw AppError.validation("invalid_phone", field: "phone")
        }
        let email = try Self.normalizedEmail(input.email)
        let notes = try Self.normalizedNotes(input.notes)
        let service = try await activeService(input.serviceID)
        return try await locked { tx in
            let staffID = try await self.checkSlot(context: context, service: service, start: input.start, staffID: input.staffID,
                                                   excluding: nil, on: tx)
            let customer = try await self.customer(phone: phone.e164, name: name, email: email, on: tx)
            let appointment = Appointment(
                orgID: self.orgID, staffID: staffID, serviceID: service.id!, customerID: customer.id!,
                startsAt: input.start, endsAt: input.start.addingTimeInterval(Double(service.durationMinutes * 60)),
                blocksUntil: input.start.addingTimeInterval(Double((service.durationMinutes + service.bufferAfterMinutes) * 60)),
                source: input.source, notes: notes, callID: input.callID)
            try await appointment.create(on: tx)
            try await BookingNotifications.appointmentChanged(appointment.id!, orgID: self.orgID, change: .booked, on: tx)
            return appointment
        }
    }

    /// Moves a booked appointment (keeping its service unless another is given).
    func reschedule(_ id: UUID, to start: Date, staffID: UUID? = nil, serviceID: UUID? = nil) async throws -> Appointment {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        return try await locked { tx in
            let appointment = try await self.find(id, on: tx)
            guard appointment.status == .booked else { throw AppError.validation("appointment_not_booked", field: "status") }
            let service = try await self.activeService(serviceID ?? appointment.$service.id, on: tx)
            let staff = try await self.checkSlot(context: context, service: service, start: start,
                                                 staffID: staffID ?? appointment.$staff.id, excluding: id, on: tx)
            appointment.$service.id = service.id!
            appointment.$staff.id = staff
            appointment.startsAt = start
            appointment.endsAt = start.addingTimeInterval(Double(service.durationMinutes * 60))
            appointment.blocksUntil = start.addingTimeInterval(Double((service.durationMinutes + service.bufferAfterMinutes) * 60))
            try await appointment.save(on: tx)
            try await BookingNotifications.appointmentChanged(id, orgID: self.orgID, change: .moved, on: tx)
            return appointment
        }
    }

    func cancel(_ id: UUID) async throws -> Appointment {
        try await locked { tx in
            let appointment = try await self.find(id, on: tx)
            guard appointment.status == .booked else { throw AppError.validation("appointment_not_booked", field: "status") }
            appointment.status = .cancelled
            try await appointment.save(on: tx)
            try await BookingNotifications.appointmentChanged(id, orgID: self.orgID, change: .cancelled, on: tx)
            return appointment
        }
    }

    /// Records how a booked appointment went (or puts a closed one back to booked, when its slot is still free).
    func mark(_ id: UUID, status: Appointment.Status) async throws -> Appointment {
        if status == .cancelled { return try await cancel(id) }
        let context = try await BookingContext.load(orgID: orgID, on: db)
        return try await locked { tx in
            let appointment = try await self.find(id, on: tx)
            if status == .booked && appointment.status != .booked {
                // Back in the calendar only if nobody took the time meanwhile (the past is fine for a correction).
                let overlapping = try await BookingContext.activeAppointments(
                    orgID: self.orgID, from: appointment.startsAt, to: appointment.blocksUntil, excluding: id, on: tx)
                let calendars = try context.calendars(staffID: appointment.$staff.id, appointments: overlapping)
                if calendars.allSatisfy({ $0.busy.overlaps(start: appointment.startsAt.timeIntervalSince1970,
                                                             end: appointment.blocksUntil.timeIntervalSince1970) }) {
                    throw AppError.validation("slot_taken", field: "status")
                }
            } else if appointment.status == .cancelled && status != .booked {
                throw AppError.validation("appointment_not_booked", field: "status")
            }
            let restored = status == .booked && appointment.status != .booked
            appointment.status = status
            try await appointment.save(on: tx)
            if restored {
                // Back in the calendar: the customer hears of it as of a new booking.
                try await BookingNotifications.appointmentChanged(id, orgID: self.orgID, change: .booked, on: tx)
            }
            return appointment
        }
    }

    /// The organisation's appointments for a phone number, soonest first (only those still to come when `upcoming`).
    func appointments(phone: String, upcoming: Bool = true) async throws -> [Appointment] {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        guard let e164 = PhoneNumber(parsing: phone, defaultCountry: context.country) else {
            throw AppError.validation("invalid_phone", field: "phone")
        }
        guard let customer = try await Customer.query(on: db).filter(\.$org.$id == orgID).filter(\.$phone == e164.e164).first() else {
            return []
        }
        var query = Appointment.query(on: db).filter(\.$org.$id == orgID).filter(\.$customer.$id == customer.id!)
        if upcoming { query = query.filter(\.$status == .booked).filter(\.$startsAt >= now()) }
        return try await query.sort(\.$startsAt).with(\.$service).with(\.$customer).all()
    }

    // MARK: - Pieces

    /// Checks the slot against hours, closures, rules and other appointments; returns the staff member it goes to.
    private func checkSlot(context: BookingContext, service: BookingService, start: Date, staffID: UUID?,
                           excluding: UUID?, on tx: any Database) async throws -> UUID? {
        let blocksUntil = start.addingTimeInterval(Double((service.durationMinutes + service.bufferAfterMinutes) * 60))
        let overlapping = try await BookingContext.activeAppointments(orgID: orgID, from: start, to: blocksUntil, excluding: excluding, on: tx)
        let calendars = try context.calendars(staffID: staffID, appointments: overlapping)
        var firstProblem: SlotProblem?
        for calendar in calendars {
            guard let problem = context.engine.problem(start: start, durationMinutes: service.durationMinutes,
                                                       bufferMinutes: service.bufferAfterMinutes, calendar: calendar, now: now()) else {
                return calendar.id
            }
            firstProblem = firstProblem ?? problem
        }
        throw AppError.validation(firstProblem?.rawValue ?? SlotProblem.outsideHours.rawValue, field: "start")
    }

    private func activeService(_ id: UUID, on db: (any Database)? = nil) async throws -> BookingService {
        guard let service = try await BookingService.query(on: db ?? self.db).filter(\.$id == id).filter(\.$org.$id == orgID)
            .filter(\.$active == true).first() else {
            throw AppError.validation("service_unknown", field: "serviceId")
        }
        return service
    }

    private func find(_ id: UUID, on tx: any Database) async throws -> Appointment {
        guard let appointment = try await Appointment.query(on: tx).filter(\.$id == id).filter(\.$org.$id == orgID).first() else {
            throw AppError.notFound
        }
        return appointment
    }

    /// The customer with this number, created or brought up to date with the name and email just given.
    private func customer(phone: String, name: String, email: String?, on tx: any Database) async throws -> Customer {
        if let existing = try await Customer.query(on: tx).filter(\.$org.$id == orgID).filter(\.$phone == phone).first() {
            existing.name = name
            if let email { existing.email = email }
            if existing.hasChanges { try await existing.save(on: tx) }
            return existing
        }
        let customer = Customer(orgID: orgID, phone: phone, name: name, email: email)
        try await customer.create(on: tx)
        return customer
    }

    static func normalizedEmail(_ email: String?) throws -> String? {
        guard let email = email?.cleanedLine, !email.isEmpty else { return nil }
        guard email.count <= 254, let at = email.firstIndex(of: "@"), at != email.startIndex,
              email[email.index(after: at)...].contains("."), !email.contains(" ") else {
            throw AppError.validation("invalid_email", field: "email")
        }
        return email.lowercased()
    }

    static func normalizedNotes(_ notes: String?) throws -> String? {
        // Line breaks are kept in notes; other control characters (NUL included) are not.
        let kept = notes.map { String(String.UnicodeScalarView($0.unicodeScalars.filter { $0 == "\n" || $0.properties.generalCategory != .control })) }
        guard let notes = kept?.trimmingCharacters(in: .whitespacesAndNewlines), !notes.isEmpty else { return nil }
        guard notes.count <= 2000 else { throw AppError.validation("notes_too_long", field: "notes") }
        return notes
    }

    /// Runs `body` in a transaction holding the organisation's booking lock, retrying when the database
    /// reports a lock conflict (SQLite busy, PostgreSQL deadlock or serialization failure).
    private func locked<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        _ = try await BookingProfile.forOrg(orgID, on: db)
        var attempt = 0
        while true {
            do {
                return try await db.transaction { tx in
                    try await (tx as! any SQLDatabase).update(BookingProfile.schema)
                        .set("updated_at", to: SQLBind(Date()))
                        .where("org_id", .equal, SQLBind(self.orgID))
                        .run()
                    return try await body(tx)
                }
            } catch {
                attempt += 1
                guard attempt < 8, Self.isLockConflict(error) else { throw error }
                try await Task.sleep(nanoseconds: UInt64(attempt) * 20_000_000)
            }
        }
    }

    static func isLockConflict(_ error: any Error) -> Bool {
        let text = String(reflecting: error).lowercased()
        return text.contains("busy") || text.contains("database is locked") || text.contains("deadlock")
            || text.contains("40001") || text.contains("40p01") || text.contains("could not serialize")
    }
}
