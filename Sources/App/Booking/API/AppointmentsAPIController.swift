import AVACore
import Fluent
import Vapor

/// `/api/v1/booking/availability` and `/api/v1/booking/appointments`: every member of the organisation
/// reads and manages appointments.
struct AppointmentsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let booking = routes.grouped("booking")
        booking.get("availability", use: availability)
        let appointments = booking.grouped("appointments")
        appointments.get(use: list)
        appointments.post(use: create)
        appointments.get(":id", use: show)
        appointments.patch(":id", use: update)
        appointments.post(":id", "cancel", use: cancel)
    }

    /// `?serviceId=&date=YYYY-MM-DD&days=1..31&staffId=`: free slots from `date` (default today) for `days` days (default 1).
    @Sendable func availability(req: Request) async throws -> AvailabilityDTO {
        let user = try req.requireUser()
        guard let serviceText = req.query[String.self, at: "serviceId"], let serviceID = UUID(uuidString: serviceText),
              let service = try await BookingService.query(on: req.db).filter(\.$id == serviceID).filter(\.$org.$id == user.orgID)
                .filter(\.$active == true).first() else {
            throw AppError.validation("service_unknown", field: "serviceId")
        }
        let context = try await BookingContext.load(orgID: user.orgID, on: req.db)
        var from = LocalDate(Date(), in: context.timeZone)
        if let text = req.query[String.self, at: "date"] {
            guard let date = LocalDate(text) else { throw AppError.validation("date_invalid", field: "date") }
            from = date
        }
        let days = req.query[Int.self, at: "days"] ?? 1
        guard (1...31).contains(days) else { throw AppError.validation("date_range_invalid", field: "days") }
        var staffID: UUID?
        if let text = req.query[String.self, at: "staffId"] {
            guard let id = UUID(uuidString: text) else { throw AppError.validation("staff_unknown", field: "staffId") }
            staffID = id
        }
        let slots = try await context.freeSlots(service: service, staffID: staffID, from: from, through: from.adding(days: days - 1),
                                                limit: 2000, now: Date(), on: req.db)
        return AvailabilityDTO(timezone: context.timeZone.identifier, serviceId: serviceID, slots: slots.map {
            SlotDTO(start: $0.start, end: $0.end, local: ReceptionistTools.localText($0.date, $0.minuteOfDay), staffId: $0.calendarID)
        })
    }

    /// `?from=YYYY-MM-DD&to=YYYY-MM-DD` (local days, inclusive; default: today and the next 6 days), `&status=`.
    @Sendable func list(req: Request) async throws -> AppointmentListDTO {
        let user = try req.requireUser()
        let context = try await BookingContext.load(orgID: user.orgID, on: req.db)
        let today = LocalDate(Date(), in: context.timeZone)
        func day(_ name: String, _ fallback: LocalDate) throws -> LocalDate {
            guard let text = req.query[String.self, at: name] else { return fallback }
            guard let date = LocalDate(text) else { throw AppError.validation("date_invalid", field: name) }
            return date
        }
        let from = try day("from", today)
        let to = try day("to", from.adding(days: 6))
        guard from <= to, to.dayNumber - from.dayNumber <= 366 else { throw AppError.validation("date_range_invalid", field: "to") }
        // Local midnights, found through the engine so a change of offset inside the range is respected.
        let start = Self.midnight(from, context), end = Self.midnight(to.adding(days: 1), context)
        var query = Appointment.query(on: req.db).filter(\.$org.$id == user.orgID)
            .filter(\.$startsAt >= start).filter(\.$startsAt < end)
        if let status = req.query[String.self, at: "status"] {
            guard let value = Appointment.Status(rawValue: status) else { throw AppError.validation("status_invalid", field: "status") }
            query = query.filter(\.$status == value)
        }
        let rows = try await query.with(\.$service).with(\.$customer).sort(\.$startsAt).all()
        return AppointmentListDTO(appointments: rows.map(AppointmentDTO.init))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let input = try req.decodeJSON(AppointmentCreateInput.self)
        let source: Appointment.Source
        switch input.source ?? "manual" {
        case "manual": source = .manual
        case "web": source = .web
        default: throw AppError.validation("status_invalid", field: "source")
        }
        let appointment = try await AppointmentService(db: req.db, orgID: user.orgID).create(.init(
            customerName: input.customerName, phone: input.phone, email: input.email, serviceID: input.serviceId,
            start: input.start, notes: input.notes, source: source, staffID: input.staffId))
        return try await Self.dto(appointment.id!, orgID: user.orgID, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> AppointmentDTO {
        let user = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        return try await Self.dto(id, orgID: user.orgID, on: req.db)
    }

    /// Moves (`start`, `staffId`, `serviceId`) and/or sets `status` (booked, cancelled, no_show, done).
    @Sendable func update(req: Request) async throws -> AppointmentDTO {
        let user = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        // Another organisation's appointment is not found, whatever the body says (nothing is learnt from a 400).
        guard try await Appointment.query(on: req.db).filter(\.$id == id).filter(\.$org.$id == user.orgID).first() != nil else {
            throw AppError.notFound
        }
        let input = try req.decodeJSON(AppointmentPatchInput.self)
        let service = AppointmentService(db: req.db, orgID: user.orgID)
        var status: Appointment.Status?
        if let text = input.status {
            guard let value = Appointment.Status(rawValue: text) else { throw AppError.validation("status_invalid", field: "status") }
            status = value
        }
        if input.start != nil || input.staffId != nil || input.serviceId != nil {
            let current = try await Self.dto(id, orgID: user.orgID, on: req.db)
            _ = try await service.reschedule(id, to: input.start ?? current.start, staffID: input.staffId, serviceID: input.serviceId)
        }
        if let status { _ = try await service.mark(id, status: status) }
        return try await Self.dto(id, orgID: user.orgID, on: req.db)
    }

    @Sendable func cancel(req: Request) async throws -> AppointmentDTO {
        let user = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        _ = try await AppointmentService(db: req.db, orgID: user.orgID).cancel(id)
        return try await Self.dto(id, orgID: user.orgID, on: req.db)
    }

    static func dto(_ id: UUID, orgID: UUID, on db: any Database) async throws -> AppointmentDTO {
        guard let appointment = try await Appointment.query(on: db).filter(\.$id == id).filter(\.$org.$id == orgID)
            .with(\.$service).with(\.$customer).first() else { throw AppError.notFound }
        return AppointmentDTO(appointment)
    }

    /// The first instant of a local day (00:00, or the first existing minute after it on a day that skips midnight).
    static func midnight(_ day: LocalDate, _ context: BookingContext) -> Date {
        for minute in stride(from: 0, to: 180, by: 15) {
            if let instant = context.engine.instant(date: day, minuteOfDay: minute) { return instant }
        }
        return Date(timeIntervalSince1970: Double(day.dayNumber) * 86400)
    }
}
