import AVACore
import Fluent
import Vapor

/// `/{locale}/settings/booking/staff/{id}`: one person's or room's name and own opening hours (or the
/// business's), as a plain form.
struct StaffHoursPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("settings", "booking", "staff", ":id")
        pages.get { req in try await render(req) }
        pages.post { req in try await save(req) }
    }

    struct Extra: Encodable {
        var id: String
        var name: String
        var active: Bool
        var ownHours: Bool
        var days: [BookingSettingsPagesController.DayRow]
        var formError: String?
        var saved: Bool
    }

    private func member(_ req: Request, orgID: UUID) async throws -> StaffMember {
        guard let id = req.parameters.get("id", as: UUID.self),
              let member = try await StaffMember.query(on: req.db).filter(\.$id == id).filter(\.$org.$id == orgID).first()
        else { throw AppError.notFound }
        return member
    }

    private func render(_ req: Request, form: [String: String]? = nil, error: AppError? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        let member = try await member(req, orgID: user.orgID)
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let clock = BookingPageClock(org: org, locale: locale)
        let businessHours = try await BookingProfile.forOrg(user.orgID, on: req.db).weeklyHours
        let hours = member.weeklyHours ?? businessHours
        let days = BookingSettingsPagesController.dayRows(clock: clock, hours: hours, form: form, error: error, req: req)
        let extra = Extra(id: member.id!.uuidString, name: form?["name"] ?? member.name, active: member.active,
                          ownHours: form.map { $0["ownHours"] == "on" } ?? (member.hours != nil),
                          days: days, formError: error.map(req.message), saved: (try? req.query.get(String.self, at: "saved")) != nil)
        return try await PageRenderer.render(req, "app/booking-staff", page: "booking-settings", titleKey: "title_booking_settings",
                                             status: status, extra: extra)
    }

    private func save(_ req: Request) async throws -> Response {
        let user = try BookingSettingsAPIController.requireManager(req)
        let member = try await member(req, orgID: user.orgID)
        var form = (try? req.content.decode([String: String].self)) ?? [:]
        form["_csrf"] = nil
        do {
            let ownHours = form["ownHours"] == "on"
            let hours = ownHours ? try BookingSettingsForms.hours(from: form) : nil
            do {
                try BookingSettingsAPIController.apply(StaffInput(name: form["name"] ?? "", hours: hours, active: member.active), to: member)
            } catch let error as AppError where error.field == "name" {
                throw AppError.validation("staff_name_required", field: "name")
            }
            try await member.save(on: req.db)
            return req.redirect(to: PageRenderer.path(locale, "/settings/booking/staff/\(member.id!.uuidString)") + "?saved=1")
        } catch let error as AppError where error.status == .unprocessableEntity {
            return try await render(req, form: form, error: error, status: .unprocessableEntity)
        }
    }
}
