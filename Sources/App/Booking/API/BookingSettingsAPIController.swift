import AVACore
import Fluent
import Vapor

/// `/api/v1/booking/settings|closures|services|staff`: anyone in the organisation reads; owners and admins change.
struct BookingSettingsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let booking = routes.grouped("booking")
        booking.get("settings", use: settings)
        booking.put("settings", use: updateSettings)

        booking.get("closures", use: closures)
        booking.post("closures", use: createClosure)
        booking.put("closures", ":id", use: updateClosure)
        booking.delete("closures", ":id", use: deleteClosure)

        booking.get("services", use: services)
        booking.post("services", use: createService)
        booking.put("services", ":id", use: updateService)
        booking.delete("services", ":id", use: deleteService)

        booking.get("staff", use: staff)
        booking.post("staff", use: createStaff)
        booking.put("staff", ":id", use: updateStaff)
        booking.delete("staff", ":id", use: deleteStaff)
    }

    // MARK: Settings

    @Sendable func settings(req: Request) async throws -> BookingSettingsDTO {
        let user = try req.requireUser()
        return try await Self.settingsDTO(orgID: user.orgID, on: req.db)
    }

    @Sendable func updateSettings(req: Request) async throws -> BookingSettingsDTO {
        let user = try Self.requireManager(req)
        let input = try req.decodeJSON(BookingSettingsUpdate.self)
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let profile = try await BookingProfile.forOrg(user.orgID, on: req.db)
        if let timezone = input.timezone {
            guard timezone.contains("/") || timezone == "UTC", TimeZone(identifier: timezone) != nil else {
                throw AppError.validation("timezone_invalid", field: "timezone")
            }
            org.timezone = timezone
        }
        if let hours = input.hours { profile.weeklyHours = try Self.validated(hours, field: "hours") }
        func rule(_ value: Int?, _ range: ClosedRange<Int>, _ field: String) throws -> Int? {
            guard let value else { return nil }
            guard range.contains(value) else { throw AppError.validation("booking_rules_invalid", field: field) }
            return value
        }
        if let value = try rule(input.minNoticeMinutes, 0...(60 * 24 * 30), "minNoticeMinutes") { profile.minNoticeMinutes = value }
        if let value = try rule(input.maxDaysAhead, 1...730, "maxDaysAhead") { profile.maxDaysAhead = value }
        if let value = try rule(input.slotStepMinutes, 5...240, "slotStepMinutes") { profile.slotStepMinutes = value }
        if let number = input.transferNumber {
            if number.trimmingCharacters(in: .whitespaces).isEmpty {
                profile.transferNumber = nil
            } else {
                let country = CountryCode(rawValue: org.country.uppercased()) ?? .FR
                guard let parsed = PhoneNumber(parsing: number, defaultCountry: country) else {
                    throw AppError.validation("invalid_phone", field: "transferNumber")
                }
                profile.transferNumber = parsed.e164
            }
        }
        try await req.db.transaction { tx in
            try await org.save(on: tx)
            try await profile.save(on: tx)
        }
        return try await Self.settingsDTO(orgID: user.orgID, on: req.db)
    }

    static func settingsDTO(orgID: UUID, on db: any Database) async throws -> BookingSettingsDTO {
        guard let org = try await Org.find(orgID, on: db) else { throw AppError.notFound }
        let profile = try await BookingProfile.forOrg(orgID, on: db)
        return BookingSettingsDTO(timezone: org.timezone, hours: profile.weeklyHours, minNoticeMinutes: profile.minNoticeMinutes,
                                  maxDaysAhead: profile.maxDaysAhead, slotStepMinutes: profile.slotStepMinutes,
                                  transferNumber: profile.transferNumber)
    }

    // MARK: Closures

    @Sendable func closures(req: Request) async throws -> [ClosureDTO] {
        let user = try req.requireUser()
        return try await BookingClosure.query(on: req.db).filter(\.$org.$id == user.orgID).sort(\.$startDate).all().map(ClosureDTO.init)
    }

    @Sendable func createClosure(req: Request) async throws -> Response {
        let user = try Self.requireManager(req)
        let closure = BookingClosure()
        closure.$org.id = user.orgID
        try await Self.apply(try req.decodeJSON(ClosureInput.self), to: closure, orgID: user.orgID, on: req.db)
        try await closure.create(on: req.db)
        return try await ClosureDTO(closure).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateClosure(req: Request) async throws -> ClosureDTO {
        let user = try Self.requireManager(req)
        let closure = try await Self.owned(BookingClosure.self, req, orgID: user.orgID)
        try await Self.apply(try req.decodeJSON(ClosureInput.self), to: closure, orgID: user.orgID, on: req.db)
        try await closure.save(on: req.db)
        return ClosureDTO(closure)
    }

    @Sendable func deleteClosure(req: Request) async throws -> HTTPStatus {
        let user = try Self.requireManager(req)
        try await Self.owned(BookingClosure.self, req, orgID: user.orgID).delete(on: req.db)
        return .noContent
    }

    static func apply(_ input: ClosureInput, to closure: BookingClosure, orgID: UUID, on db: any Database) async throws {
        guard let start = LocalDate(input.startDate) else { throw AppError.validation("date_invalid", field: "startDate") }
        let endText = input.endDate ?? input.startDate
        guard let end = LocalDate(endText) else { throw AppError.validation("date_invalid", field: "endDate") }
        guard start <= end, end.dayNumber - start.dayNumber <= 366 else { throw AppError.validation("date_range_invalid", field: "endDate") }
        let label = input.label?.cleanedLine ?? ""
        guard label.count <= 120 else { throw AppError.validation("label_required", field: "label") }
        if let staffID = input.staffId {
            guard try await StaffMember.query(on: db).filter(\.$id == staffID).filter(\.$org.$id == orgID).first() != nil else {
                throw AppError.validation("staff_unknown", field: "staffId")
            }
        }
        closure.$staff.id = input.staffId
        closure.startDate = start.description
        closure.endDate = end.description
        closure.label = label
    }

    // MARK: Services

    @Sendable func services(req: Request) async throws -> [ServiceDTO] {
        let user = try req.requireUser()
        return try await BookingService.query(on: req.db).filter(\.$org.$id == user.orgID).sort(\.$position).sort(\.$name).all().map(ServiceDTO.init)
    }

    @Sendable func createService(req: Request) async throws -> Response {
        let user = try Self.requireManager(req)
        let service = BookingService()
        service.$org.id = user.orgID
        try Self.apply(try req.decodeJSON(ServiceInput.self), to: service)
        try await service.create(on: req.db)
        return try await ServiceDTO(service).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateService(req: Request) async throws -> ServiceDTO {
        let user = try Self.requireManager(req)
        let service = try await Self.owned(BookingService.self, req, orgID: user.orgID)
        try Self.apply(try req.decodeJSON(ServiceInput.self), to: service)
        try await service.save(on: req.db)
        return ServiceDTO(service)
    }

    /// A service with appointments is switched off rather than deleted, so its history stays readable.
    @Sendable func deleteService(req: Request) async throws -> HTTPStatus {
        let user = try Self.requireManager(req)
        let service = try await Self.owned(BookingService.self, req, orgID: user.orgID)
        if try await Appointment.query(on: req.db).filter(\.$service.$id == service.id!).count() > 0 {
            service.active = false
            try await service.save(on: req.db)
        } else {
            try await service.delete(on: req.db)
        }
        return .noContent
    }

    static func apply(_ input: ServiceInput, to service: BookingService) throws {
        let name = input.name.cleanedLine
        guard !name.isEmpty, name.count <= 120 else { throw AppError.validation("name_required", field: "name") }
        guard (5...720).contains(input.durationMinutes) else { throw AppError.validation("duration_invalid", field: "durationMinutes") }
        let buffer = input.bufferAfterMinutes ?? 0
        guard (0...240).contains(buffer) else { throw AppError.validation("duration_invalid", field: "bufferAfterMinutes") }
        if let price = input.priceCents, !(0...100_000_000).contains(price) { throw AppError.validation("price_invalid", field: "priceCents") }
        let currency = input.currency?.trimmingCharacters(in: .whitespaces).uppercased()
        if let currency, !currency.isEmpty, currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw AppError.validation("price_invalid", field: "currency")
        }
        service.name = name
        service.durationMinutes = input.durationMinutes
        service.bufferAfterMinutes = buffer
        service.priceCents = input.priceCents
        service.currency = currency?.isEmpty == false ? currency : nil
        service.active = input.active ?? true
        service.position = input.position ?? 0
    }

    // MARK: Staff

    @Sendable func staff(req: Request) async throws -> [StaffDTO] {
        let user = try req.requireUser()
        return try await StaffMember.query(on: req.db).filter(\.$org.$id == user.orgID).sort(\.$name).all().map(StaffDTO.init)
    }

    @Sendable func createStaff(req: Request) async throws -> Response {
        let user = try Self.requireManager(req)
        let member = StaffMember()
        member.$org.id = user.orgID
        try Self.apply(try req.decodeJSON(StaffInput.self), to: member)
        try await member.create(on: req.db)
        return try await StaffDTO(member).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateStaff(req: Request) async throws -> StaffDTO {
        let user = try Self.requireManager(req)
        let member = try await Self.owned(StaffMember.self, req, orgID: user.orgID)
        try Self.apply(try req.decodeJSON(StaffInput.self), to: member)
        try await member.save(on: req.db)
        return StaffDTO(member)
    }

    /// Their appointments stay (with no staff member); their own closures go.
    @Sendable func deleteStaff(req: Request) async throws -> HTTPStatus {
        let user = try Self.requireManager(req)
        let member = try await Self.owned(StaffMember.self, req, orgID: user.orgID)
        try await req.db.transaction { tx in
            try await BookingClosure.query(on: tx).filter(\.$staff.$id == member.id!).delete()
            try await Appointment.query(on: tx).filter(\.$staff.$id == member.id!).set(\.$staff.$id, to: nil).update()
            try await member.delete(on: tx)
        }
        return .noContent
    }

    static func apply(_ input: StaffInput, to member: StaffMember) throws {
        let name = input.name.cleanedLine
        guard !name.isEmpty, name.count <= 120 else { throw AppError.validation("name_required", field: "name") }
        member.name = name
        member.hours = try input.hours.map { try validated($0, field: "hours").jsonText }
        member.active = input.active ?? true
    }

    // MARK: Shared

    static func validated(_ hours: WeeklyHours, field: String) throws -> WeeklyHours {
        do {
            return try hours.validated()
        } catch .overlapping {
            throw AppError.validation("hours_overlapping", field: field)
        } catch {
            throw AppError.validation("hours_invalid", field: field)
        }
    }

    /// Settings change only for owners and admins.
    static func requireManager(_ req: Request) throws -> CurrentUser {
        let user = try req.requireUser()
        guard user.role == .owner || user.role == .admin else { throw AppError.forbiddenRole }
        return user
    }

    /// The row with the path's `:id` in the user's organisation; 404 otherwise (another organisation's included).
    static func owned<M: Model>(_ type: M.Type, _ req: Request, orgID: UUID) async throws -> M where M.IDValue == UUID {
        guard let id = req.parameters.get("id", as: UUID.self),
              let row = try await M.find(id, on: req.db),
              try orgOf(row) == orgID else { throw AppError.notFound }
        return row
    }

    private static func orgOf<M: Model>(_ row: M) throws -> UUID? {
        switch row {
        case let row as BookingClosure: row.$org.id
        case let row as BookingService: row.$org.id
        case let row as StaffMember: row.$org.id
        case let row as Appointment: row.$org.id
        default: nil
        }
    }
}
