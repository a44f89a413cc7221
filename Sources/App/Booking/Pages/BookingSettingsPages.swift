import AVACore
import Fluent
import Vapor

/// `/{locale}/settings/booking`: opening hours, services, closures, staff and the calendar address, each a
/// plain form (no JavaScript needed). A rejected form re-renders the page with the error beside it.
struct BookingSettingsPagesController {
    let locale: AppLocale
    static let path = "/settings/booking"

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("settings", "booking")
        pages.get { req in try await render(req) }
        pages.post("hours") { req in try await saveHours(req) }
        pages.post("rules") { req in
            try await attempt(req, section: "rules") { settings, form in try await settings.saveRules(form) }
        }
        pages.post("services") { req in try await addService(req) }
        pages.post("services", ":id", "toggle") { req in try await toggle(req, kind: "services") }
        pages.post("services", ":id") { req in try await editService(req) }
        pages.post("closures") { req in try await addClosure(req) }
        pages.post("closures", ":id", "delete") { req in try await toggle(req, kind: "closures") }
        pages.post("staff") { req in try await addStaff(req) }
        pages.post("staff", ":id", "toggle") { req in try await toggle(req, kind: "staff") }
        pages.post("calendar-feed", "regenerate") { req in try await regenerateFeed(req) }
    }

    struct Interval: Encodable { var index: Int; var start: String; var end: String }
    struct DayRow: Encodable { var key: String; var name: String; var intervals: [Interval]; var error: String? }
    struct ServiceRow: Encodable {
        var id: String; var name: String; var duration: Int; var buffer: Int; var price: String?; var active: Bool
        /// The edit form's values: what was typed when its save was refused, else the stored ones.
        var edit: [String: String]; var editError: String?
    }
    struct ClosureRow: Encodable { var id: String; var start: String; var end: String; var label: String; var singleDay: Bool }
    struct StaffRow: Encodable { var id: String; var name: String; var active: Bool }

    struct Extra: Encodable {
        var days: [DayRow]
        var services: [ServiceRow]
        var closures: [ClosureRow]
        var staff: [StaffRow]
        var timezone: String
        var timezones: [String]
        var rules: [String: String]
        var currency: String
        var feedURL: String?
        /// The section whose form failed, its message, and what was typed.
        var errorSection: String?
        var formError: String?
        var errorField: String?
        var form: [String: String]
        var saved: String?
    }

    private func render(_ req: Request, errorSection: String? = nil, error: AppError? = nil, form: [String: String] = [:],
                        status: HTTPStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let clock = BookingPageClock(org: org, locale: locale)
        let profile = try await BookingProfile.forOrg(user.orgID, on: req.db)
        let hours = profile.weeklyHours
        let days = Self.dayRows(clock: clock, hours: hours, form: errorSection == "hours" ? form : nil,
                                error: errorSection == "hours" ? error : nil, req: req)
        let services = try await BookingService.query(on: req.db).filter(\.$org.$id == user.orgID).sort(\.$position).sort(\.$name).all()
        let closures = try await BookingClosure.query(on: req.db).filter(\.$org.$id == user.orgID).sort(\.$startDate).all()
        let staff = try await StaffMember.query(on: req.db).filter(\.$org.$id == user.orgID).sort(\.$name).all()
        let feed = try await CalendarFeedService.address(orgID: user.orgID, app: req.application, on: req.db)
        let saved = (try? req.query.get(String.self, at: "saved")).flatMap { ["hours", "rules", "services", "closures", "staff", "feed"].contains($0) ? $0 : nil }
        let extra = Extra(
            days: days,
            services: services.map { service -> ServiceRow in
                let failed = errorSection == "service-\(service.id!.uuidString)"
                let stored = ["name": service.name, "duration": String(service.durationMinutes), "buffer": String(service.bufferAfterMinutes),
                              "price": service.priceCents.map { String(format: "%d.%02d", $0 / 100, $0 % 100) } ?? ""]
                return ServiceRow(id: service.id!.uuidString, name: service.name, duration: service.durationMinutes,
                                  buffer: service.bufferAfterMinutes,
                                  price: BookingCurrency.format(cents: service.priceCents, currency: service.currency, locale: locale),
                                  active: service.active, edit: failed ? form : stored, editError: failed ? error.map(req.message) : nil)
            },
            closures: closures.map { ClosureRow(id: $0.id!.uuidString, start: $0.startDate, end: $0.endDate, label: $0.label,
                                                singleDay: $0.startDate == $0.endDate) },
            staff: staff.map { StaffRow(id: $0.id!.uuidString, name: $0.name, active: $0.active) },
            timezone: org.timezone, timezones: BookingSettingsForms.commonTimeZones,
            rules: errorSection == "rules" ? form : [
                "timezone": org.timezone, "minNoticeMinutes": String(profile.minNoticeMinutes),
                "maxDaysAhead": String(profile.maxDaysAhead), "slotStepMinutes": String(profile.slotStepMinutes),
                "transferNumber": profile.transferNumber ?? "",
            ],
            currency: BookingCurrency.code(country: org.country), feedURL: feed.url,
            errorSection: errorSection, formError: error.map(req.message), errorField: error?.field,
            form: errorSection == "hours" || errorSection?.hasPrefix("service-") == true ? [:] : form, saved: saved)
        return try await PageRenderer.render(req, "app/booking-settings", page: "booking-settings", titleKey: "title_booking_settings",
                                             status: status, extra: extra)
    }

    /// The hours grid: what was typed when `form` is given (a rejected form), else the stored hours.
    static func dayRows(clock: BookingPageClock, hours: WeeklyHours, form: [String: String]?, error: AppError?, req: Request) -> [DayRow] {
        clock.orderedWeekdays.map { weekday -> DayRow in
            let stored = hours.intervals(on: weekday.day)
            let intervals = (0..<BookingSettingsForms.intervalsPerDay).map { index -> Interval in
                if let form {
                    return Interval(index: index, start: form["\(weekday.day.rawValue)-\(index)-start"] ?? "",
                                    end: form["\(weekday.day.rawValue)-\(index)-end"] ?? "")
                }
                return index < stored.count
                    ? Interval(index: index, start: stored[index].start.description, end: stored[index].end.description)
                    : Interval(index: index, start: "", end: "")
            }
            let dayError = (error?.field ?? "").hasPrefix(weekday.day.rawValue) ? error.map(req.message) : nil
            return DayRow(key: weekday.day.rawValue, name: weekday.name, intervals: intervals, error: dayError)
        }
    }

    private func done(_ req: Request, _ section: String) -> Response {
        req.redirect(to: PageRenderer.path(locale, Self.path) + "?saved=\(section)#\(section)")
    }

    private func attempt(_ req: Request, section: String, _ body: (BookingSettingsForms, [String: String]) async throws -> Void) async throws -> Response {
        // Settings change only for owners and admins, as in the JSON API.
        let user = try BookingSettingsAPIController.requireManager(req)
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            try await body(BookingSettingsForms(db: req.db, orgID: user.orgID), form)
            return done(req, section)
        } catch let error as AppError where error.status == .unprocessableEntity {
            var echo = form
            echo["_csrf"] = nil
            return try await render(req, errorSection: section, error: error, form: echo, status: .unprocessableEntity)
        }
    }

    private func saveHours(_ req: Request) async throws -> Response {
        try await attempt(req, section: "hours") { settings, form in
            try await settings.saveHours(try BookingSettingsForms.hours(from: form))
        }
    }

    private func addService(_ req: Request) async throws -> Response {
        let user = try BookingSettingsAPIController.requireManager(req)
        let country = try await Org.find(user.orgID, on: req.db)?.country ?? "FR"
        return try await attempt(req, section: "services") { settings, form in
            try await settings.addService(try BookingSettingsForms.service(from: form, currency: BookingCurrency.code(country: country)))
        }
    }

    private func editService(_ req: Request) async throws -> Response {
        let user = try BookingSettingsAPIController.requireManager(req)
        // Another organisation's service is not found, whatever the form says.
        guard let id = req.parameters.get("id", as: UUID.self),
              try await BookingService.query(on: req.db).filter(\.$id == id).filter(\.$org.$id == user.orgID).count() > 0
        else { throw AppError.notFound }
        let country = try await Org.find(user.orgID, on: req.db)?.country ?? "FR"
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            try await BookingSettingsForms(db: req.db, orgID: user.orgID)
                .updateService(id, try BookingSettingsForms.service(from: form, currency: BookingCurrency.code(country: country)))
            return done(req, "services")
        } catch let error as AppError where error.status == .unprocessableEntity {
            var echo = form
            echo["_csrf"] = nil
            return try await render(req, errorSection: "service-\(id.uuidString)", error: error, form: echo, status: .unprocessableEntity)
        }
    }

    private func addClosure(_ req: Request) async throws -> Response {
        try await attempt(req, section: "closures") { settings, form in
            try await settings.addClosure(from: form)
        }
    }

    private func addStaff(_ req: Request) async throws -> Response {
        try await attempt(req, section: "staff") { settings, form in
            try await settings.addStaff(from: form)
        }
    }

    private func toggle(_ req: Request, kind: String) async throws -> Response {
        let user = try BookingSettingsAPIController.requireManager(req)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound }
        let settings = BookingSettingsForms(db: req.db, orgID: user.orgID)
        switch kind {
        case "services": try await settings.toggleService(id)
        case "closures": try await settings.deleteClosure(id)
        default: try await settings.toggleStaff(id)
        }
        return done(req, kind)
    }

    private func regenerateFeed(_ req: Request) async throws -> Response {
        let user = try BookingSettingsAPIController.requireManager(req)
        _ = try await CalendarFeedService.regenerate(orgID: user.orgID, app: req.application, on: req.db)
        return done(req, "feed")
    }
}
