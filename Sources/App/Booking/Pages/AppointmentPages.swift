import AVACore
import Fluent
import Vapor

/// `/{locale}/appointments`: the week (a column a day on desktop, a day after another on a phone), the list
/// of that week, and a form to book by hand; `/{locale}/appointments/{id}` moves, cancels or closes one.
/// Every change goes through `AppointmentService` (the same rules, locks and notices as bookings by phone).
struct AppointmentPagesController {
    let locale: AppLocale
    static let path = "/appointments"

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("appointments")
        pages.get { req in try await week(req) }
        pages.post { req in try await create(req) }
        pages.get(":id") { req in try await detail(req) }
        pages.post(":id", "reschedule") { req in try await reschedule(req) }
        pages.post(":id", "cancel") { req in try await change(req, to: .cancelled) }
        pages.post(":id", "status") { req in
            let status = (try? req.content.get(String.self, at: "status")).flatMap(Appointment.Status.init(rawValue:))
            guard let status, status != .cancelled else { throw AppError.validation("appointment_status_invalid", field: "status") }
            return try await change(req, to: status)
        }
    }

    struct Row: Encodable {
        var id: String
        /// Local "YYYY-MM-DD" (groups the week) and the same day as people read it.
        var day: String
        var dayLabel: String
        var start: String
        var end: String
        var service: String
        var customer: String
        var phone: String
        var status: String
        var statusLabel: String
        var staff: String?
    }
    struct Day: Encodable { var date: String; var heading: String; var isToday: Bool; var appointments: [Row] }
    struct Option: Encodable { var id: String; var name: String; var selected: Bool }

    struct WeekExtra: Encodable {
        var days: [Day]
        var list: [Row]
        var weekLabel: String
        var previousWeek: String
        var nextWeek: String
        var thisWeek: String
        var services: [Option]
        var staff: [Option]
        var timezone: String
        var form: [String: String]
        var formError: String?
        var errorField: String?
        var created: Bool
    }

    // MARK: Week

    private func week(_ req: Request, form: [String: String] = [:], error: AppError? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let clock = BookingPageClock(org: org, locale: locale)
        let now = Date()
        let requested = (try? req.query.get(String.self, at: "week")).flatMap { clock.instant(date: $0, time: "12:00") } ?? now
        let start = clock.weekStart(containing: requested)
        let calendar = clock.calendar
        let end = calendar.date(byAdding: .day, value: 7, to: start)!
        let appointments = try await Appointment.query(on: req.db)
            .filter(\.$org.$id == user.orgID)
            .filter(\.$startsAt >= start).filter(\.$startsAt < end)
            .sort(\.$startsAt).with(\.$service).with(\.$customer).with(\.$staff)
            .all()
        let rows = appointments.map { row($0, clock: clock, req) }
        let today = clock.localDate(now)
        let days = (0..<7).map { offset -> Day in
            let date = calendar.date(byAdding: .day, value: offset, to: start)!
            let key = clock.localDate(date)
            return Day(date: key, heading: clock.dayHeading(date), isToday: key == today, appointments: rows.filter { $0.day == key })
        }
        let services = try await BookingService.query(on: req.db).filter(\.$org.$id == user.orgID).filter(\.$active == true)
            .sort(\.$position).sort(\.$name).all()
        let staff = try await StaffMember.query(on: req.db).filter(\.$org.$id == user.orgID).filter(\.$active == true).sort(\.$name).all()
        var echo = form
        echo["_csrf"] = nil
        if echo["date"] == nil { echo["date"] = clock.localDate(max(start, now)) }
        let extra = WeekExtra(
            days: days, list: rows,
            weekLabel: "\(clock.shortDay(start)) – \(clock.shortDay(calendar.date(byAdding: .day, value: 6, to: start)!))",
            previousWeek: clock.localDate(calendar.date(byAdding: .day, value: -7, to: start)!),
            nextWeek: clock.localDate(end), thisWeek: today,
            services: services.map { Option(id: $0.id!.uuidString, name: $0.name, selected: echo["serviceId"] == $0.id!.uuidString) },
            staff: staff.map { Option(id: $0.id!.uuidString, name: $0.name, selected: echo["staffId"] == $0.id!.uuidString) },
            timezone: org.timezone, form: echo, formError: error.map(req.message), errorField: error?.field,
            created: (try? req.query.get(String.self, at: "created")) != nil)
        return try await PageRenderer.render(req, "app/appointments", page: "appointments", titleKey: "title_appointments",
                                             status: status, extra: extra)
    }

    private func row(_ appointment: Appointment, clock: BookingPageClock, _ req: Request) -> Row {
        Row(id: appointment.id!.uuidString, day: clock.localDate(appointment.startsAt), dayLabel: clock.shortDay(appointment.startsAt),
            start: clock.time(appointment.startsAt), end: clock.time(appointment.endsAt),
            service: appointment.service.name, customer: appointment.customer.name, phone: appointment.customer.phone,
            status: appointment.status.rawValue,
            statusLabel: req.application.translations.text("appointment_status_\(appointment.status.rawValue)", locale),
            staff: appointment.staff?.name)
    }

    private func create(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let clock = BookingPageClock(org: org, locale: locale)
        do {
            guard let serviceID = form["serviceId"].flatMap(UUID.init(uuidString:)) else {
                throw AppError.validation("service_unknown", field: "serviceId")
            }
            guard let start = clock.instant(date: form["date"] ?? "", time: form["time"] ?? "") else {
                throw AppError.validation("appointment_time_invalid", field: "time")
            }
            let staffID = form["staffId"].flatMap { $0.isEmpty ? nil : UUID(uuidString: $0) }
            let appointment = try await AppointmentService(db: req.db, orgID: user.orgID).create(.init(
                customerName: form["customerName"] ?? "", phone: form["phone"] ?? "", email: form["email"],
                serviceID: serviceID, start: start, notes: form["notes"], source: .manual, staffID: staffID, callID: nil))
            return req.redirect(to: PageRenderer.path(locale, Self.path) + "?week=\(clock.localDate(appointment.startsAt))&created=1")
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await week(req, form: form, error: error, status: .unprocessableEntity)
        }
    }

    // MARK: One appointment

    struct DetailExtra: Encodable {
        var appointment: Row
        var when: String
        var email: String?
        var notes: String?
        var source: String
        var sourceLabel: String
        var isBooked: Bool
        var date: String
        var time: String
        var weekOf: String
        var formError: String?
        var form: [String: String]
        /// What the last action did ("moved", "cancelled"...), said once after the redirect.
        var doneMessage: String?
    }

    private func load(_ req: Request) async throws -> (Appointment, BookingPageClock) {
        let user = try req.requireUser()
        guard let id = req.parameters.get("id", as: UUID.self),
              let appointment = try await Appointment.query(on: req.db).filter(\.$id == id).filter(\.$org.$id == user.orgID)
                .with(\.$service).with(\.$customer).with(\.$staff).first(),
              let org = try await Org.find(user.orgID, on: req.db)
        else { throw AppError.notFound }
        return (appointment, BookingPageClock(org: org, locale: locale))
    }

    private func detail(_ req: Request, error: AppError? = nil, form: [String: String] = [:], status: HTTPStatus = .ok) async throws -> Response {
        let (appointment, clock) = try await load(req)
        var echo = form
        echo["_csrf"] = nil
        let extra = DetailExtra(
            appointment: row(appointment, clock: clock, req), when: clock.long(appointment.startsAt),
            email: appointment.customer.email, notes: appointment.notes, source: appointment.source.rawValue,
            sourceLabel: req.t("appointment_source_\(appointment.source.rawValue)"),
            isBooked: appointment.status == .booked,
            date: echo["date"] ?? clock.localDate(appointment.startsAt), time: echo["time"] ?? clock.localTime(appointment.startsAt),
            weekOf: clock.localDate(appointment.startsAt), formError: error.map(req.message), form: echo,
            doneMessage: (try? req.query.get(String.self, at: "done"))
                .flatMap { ["moved", "cancelled", "done", "no_show", "booked"].contains($0) ? req.t("appointment_done_\($0)") : nil })
        return try await PageRenderer.render(req, "app/appointment", page: "appointments", titleKey: "title_appointment",
                                             status: status, extra: extra)
    }

    private func reschedule(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let (appointment, clock) = try await load(req)
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            guard let start = clock.instant(date: form["date"] ?? "", time: form["time"] ?? "") else {
                throw AppError.validation("appointment_time_invalid", field: "time")
            }
            _ = try await AppointmentService(db: req.db, orgID: user.orgID).reschedule(appointment.id!, to: start)
            return req.redirect(to: PageRenderer.path(locale, "\(Self.path)/\(appointment.id!.uuidString)") + "?done=moved")
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await detail(req, error: error, form: form, status: .unprocessableEntity)
        }
    }

    private func change(_ req: Request, to status: Appointment.Status) async throws -> Response {
        let user = try req.requireUser()
        let (appointment, _) = try await load(req)
        do {
            let service = AppointmentService(db: req.db, orgID: user.orgID)
            _ = status == .cancelled ? try await service.cancel(appointment.id!) : try await service.mark(appointment.id!, status: status)
            return req.redirect(to: PageRenderer.path(locale, "\(Self.path)/\(appointment.id!.uuidString)") + "?done=\(status.rawValue)")
        } catch let error as AppError where error.status == .unprocessableEntity {
            return try await detail(req, error: error, status: .unprocessableEntity)
        }
    }
}
