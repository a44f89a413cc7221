import AVACore
import Fluent
import Foundation
import Vapor

/// What the booking settings forms change (hours, services, closures, staff), validated here so a bad form
/// changes nothing and says why in the page's language.
struct BookingSettingsForms {
    let db: any Database
    let orgID: UUID

    /// How many intervals a day offers on the hours form (a morning, an afternoon, an evening).
    static let intervalsPerDay = 3

    // MARK: Hours

    /// Fields `mon-0-start`, `mon-0-end`, … ; a pair left empty is no interval.
    static func hours(from form: [String: String]) throws -> WeeklyHours {
        var days: [Weekday: [OpeningInterval]] = [:]
        for day in Weekday.allCases {
            for index in 0..<intervalsPerDay {
                let start = (form["\(day.rawValue)-\(index)-start"] ?? "").trimmingCharacters(in: .whitespaces)
                let end = (form["\(day.rawValue)-\(index)-end"] ?? "").trimmingCharacters(in: .whitespaces)
                if start.isEmpty && end.isEmpty { continue }
                guard let from = LocalTime(start), let to = LocalTime(end) else {
                    throw AppError.validation("hours_time_invalid", field: "\(day.rawValue)-\(index)")
                }
                days[day, default: []].append(OpeningInterval(start: from, end: to))
            }
        }
        // The JSON API's rules and codes; the field names the day so the page marks it.
        do {
            _ = try WeeklyHours(days).validated()
        } catch .emptyInterval(let day) {
            _ = try BookingSettingsAPIController.validated(WeeklyHours([day: days[day] ?? []]), field: day.rawValue)
        } catch .overlapping(let day) {
            _ = try BookingSettingsAPIController.validated(WeeklyHours([day: days[day] ?? []]), field: day.rawValue)
        }
        return try BookingSettingsAPIController.validated(WeeklyHours(days), field: "hours")
    }

    func saveHours(_ hours: WeeklyHours) async throws {
        let profile = try await BookingProfile.forOrg(orgID, on: db)
        profile.weeklyHours = hours
        try await profile.save(on: db)
    }

    // MARK: Rules and time zone

    /// The same rules as `PUT /api/v1/booking/settings` (same ranges and error codes).
    func saveRules(_ form: [String: String]) async throws {
        guard let org = try await Org.find(orgID, on: db) else { throw AppError.notFound }
        let profile = try await BookingProfile.forOrg(orgID, on: db)
        let timezone = (form["timezone"] ?? "").trimmingCharacters(in: .whitespaces)
        guard timezone.contains("/") || timezone == "UTC", TimeZone(identifier: timezone) != nil else {
            throw AppError.validation("timezone_invalid", field: "timezone")
        }
        func rule(_ field: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let value = Int((form[field] ?? "").trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw AppError.validation("booking_rules_invalid", field: field)
            }
            return value
        }
        let notice = try rule("minNoticeMinutes", 0...(60 * 24 * 30))
        let ahead = try rule("maxDaysAhead", 1...730)
        let step = try rule("slotStepMinutes", 5...240)
        let number = (form["transferNumber"] ?? "").trimmingCharacters(in: .whitespaces)
        var transfer: String?
        if !number.isEmpty {
            guard let parsed = PhoneNumber(parsing: number, defaultCountry: CountryCode(rawValue: org.country.uppercased()) ?? .FR) else {
                throw AppError.validation("invalid_phone", field: "transferNumber")
            }
            transfer = parsed.e164
        }
        org.timezone = timezone
        profile.minNoticeMinutes = notice
        profile.maxDaysAhead = ahead
        profile.slotStepMinutes = step
        profile.transferNumber = transfer
        try await db.transaction { tx in
            try await org.save(on: tx)
            try await profile.save(on: tx)
        }
    }

    /// Zones offered in the form's list (any IANA zone can be typed).
    static let commonTimeZones = ["Europe/Paris", "Asia/Jerusalem", "America/New_York", "America/Chicago", "America/Denver",
                                  "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
                                  "Europe/London", "Europe/Brussels", "Europe/Zurich", "Indian/Reunion", "America/Martinique"]

    // MARK: Services

    /// The form's text fields as the JSON API's input; the API's `apply` then checks the rules. Messages that
    /// would be vague on this form ("enter your name") get the form's own wording.
    static func service(from form: [String: String], currency: String) throws -> ServiceInput {
        guard let duration = Int((form["duration"] ?? "").trimmingCharacters(in: .whitespaces)) else {
            throw AppError.validation("service_duration_invalid", field: "duration")
        }
        let bufferText = (form["buffer"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let buffer = bufferText.isEmpty ? 0 : Int(bufferText) else { throw AppError.validation("service_buffer_invalid", field: "buffer") }
        let priceText = (form["price"] ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        var priceCents: Int?
        if !priceText.isEmpty {
            guard priceText.range(of: #"^[0-9]{1,7}(\.[0-9]{1,2})?$"#, options: .regularExpression) != nil,
                  let price = Decimal(string: priceText, locale: Locale(identifier: "en_US_POSIX")) else {
                throw AppError.validation("service_price_invalid", field: "price")
            }
            priceCents = NSDecimalNumber(decimal: price * 100).intValue
        }
        return ServiceInput(name: form["name"] ?? "", durationMinutes: duration, bufferAfterMinutes: buffer, priceCents: priceCents,
                            currency: priceCents == nil ? nil : currency, active: true, position: nil)
    }

    func addService(_ input: ServiceInput) async throws {
        let service = BookingService()
        service.$org.id = orgID
        try Self.applyForForm(input, to: service)
        service.position = (try await BookingService.query(on: db).filter(\.$org.$id == orgID).max(\.$position) ?? 0) + 1
        try await service.create(on: db)
    }

    /// Edits a service's name, duration, buffer and price; its place in the list and on/off state stay.
    /// Appointments already booked keep their times (they were booked with the old duration).
    func updateService(_ id: UUID, _ input: ServiceInput) async throws {
        guard let service = try await BookingService.query(on: db).filter(\.$id == id).filter(\.$org.$id == orgID).first() else {
            throw AppError.notFound
        }
        var input = input
        input.active = service.active
        input.position = service.position
        try Self.applyForForm(input, to: service)
        try await service.save(on: db)
    }

    /// The API's checks, with the form's field names and wording.
    private static func applyForForm(_ input: ServiceInput, to service: BookingService) throws {
        do {
            try BookingSettingsAPIController.apply(input, to: service)
        } catch let error as AppError {
            switch error.field {
            case "name": throw AppError.validation("service_name_required", field: "name")
            case "durationMinutes": throw AppError.validation("service_duration_invalid", field: "duration")
            case "bufferAfterMinutes": throw AppError.validation("service_buffer_invalid", field: "buffer")
            case "priceCents", "currency": throw AppError.validation("service_price_invalid", field: "price")
            default: throw error
            }
        }
    }

    func toggleService(_ id: UUID) async throws {
        guard let service = try await BookingService.query(on: db).filter(\.$id == id).filter(\.$org.$id == orgID).first() else {
            throw AppError.notFound
        }
        service.active.toggle()
        try await service.save(on: db)
    }

    // MARK: Closures

    func addClosure(from form: [String: String]) async throws {
        let end = (form["end"] ?? "").trimmingCharacters(in: .whitespaces)
        let input = ClosureInput(staffId: nil, startDate: (form["start"] ?? "").trimmingCharacters(in: .whitespaces),
                                 endDate: end.isEmpty ? nil : end, label: form["label"])
        let closure = BookingClosure()
        closure.$org.id = orgID
        try await BookingSettingsAPIController.apply(input, to: closure, orgID: orgID, on: db)
        try await closure.create(on: db)
    }

    func deleteClosure(_ id: UUID) async throws {
        guard let closure = try await BookingClosure.query(on: db).filter(\.$id == id).filter(\.$org.$id == orgID).first() else {
            throw AppError.notFound
        }
        try await closure.delete(on: db)
    }

    // MARK: Staff

    func addStaff(from form: [String: String]) async throws {
        let member = StaffMember()
        member.$org.id = orgID
        do {
            try BookingSettingsAPIController.apply(StaffInput(name: form["name"] ?? "", hours: nil, active: true), to: member)
        } catch let error as AppError where error.field == "name" {
            throw AppError.validation("staff_name_required", field: "name")
        }
        try await member.create(on: db)
    }

    func toggleStaff(_ id: UUID) async throws {
        guard let member = try await StaffMember.query(on: db).filter(\.$id == id).filter(\.$org.$id == orgID).first() else {
            throw AppError.notFound
        }
        member.active.toggle()
        try await member.save(on: db)
    }
}
