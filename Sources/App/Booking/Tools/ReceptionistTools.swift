import AVACore
import Fluent
import Foundation

/// What the assistant can do for a caller, as plain functions of typed inputs. Refusals are answers, not
/// thrown errors: the call goes on, and the assistant says the `message`.
struct ReceptionistTools: Sendable {
    let db: any Database
    let orgID: UUID
    let translations: Translations
    var callID: UUID?
    /// The number the caller is calling from, used when they give none; a caller only reaches the
    /// appointments of the number they name (or call from).
    var callerPhone: String?
    var now: @Sendable () -> Date = { Date() }

    /// How many times are offered at once: more is hard to remember on the phone.
    static let slotsOffered = 3

    func checkAvailability(_ input: CheckAvailabilityInput) async throws -> CheckAvailabilityOutput {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let say = speaker(context)
        let service: BookingService
        switch try await resolveService(input.service, context: context) {
        case .success(let found): service = found
        case .failure(let refusal):
            return CheckAvailabilityOutput(ok: false, message: refusal.message, error: refusal.code, slots: [])
        }
        var from = LocalDate(now(), in: context.timeZone)
        if let text = input.date?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let date = LocalDate(text) else {
                return CheckAvailabilityOutput(ok: false, message: say("tool_date_invalid"), error: "date_invalid", service: service.name, slots: [])
            }
            from = date
        }
        var partOfDay: PartOfDay?
        if let text = input.partOfDay, !text.isEmpty {
            guard let part = PartOfDay(rawValue: text.lowercased()) else {
                return CheckAvailabilityOutput(ok: false, message: say("tool_part_of_day_invalid"), error: "part_of_day_invalid", service: service.name, slots: [])
            }
            partOfDay = part
        }
        let slots = try await spokenSlots(service: service, from: from, partOfDay: partOfDay, context: context)
        guard !slots.isEmpty else {
            return CheckAvailabilityOutput(ok: true, message: say("tool_no_slots"), service: service.name, slots: [])
        }
        return CheckAvailabilityOutput(ok: true, message: say("tool_slots_found", SpokenTime.list(slots.map(\.spoken), locale: context.locale)),
                                       service: service.name, slots: slots)
    }

    func bookAppointment(_ input: BookAppointmentInput) async throws -> AppointmentToolOutput {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let say = speaker(context)
        let service: BookingService
        switch try await resolveService(input.service, context: context) {
        case .success(let found): service = found
        case .failure(let refusal): return AppointmentToolOutput(ok: false, message: refusal.message, error: refusal.code)
        }
        let start: Date
        switch parseStart(input.start, context: context) {
        case .instant(let instant): start = instant
        case .invalid: return AppointmentToolOutput(ok: false, message: say("tool_start_invalid"), error: "start_invalid")
        case .missingLocalTime(let day): return try await refusal(.validation(SlotProblem.outsideHours.rawValue, field: "start"), service: service, near: day, context: context)
        }
        let appointments = AppointmentService(db: db, orgID: orgID, now: now)
        do {
            let appointment = try await appointments.create(.init(
                customerName: input.name, phone: phone(input.phone), email: input.email, serviceID: service.id!, start: start,
                notes: input.notes, source: .call, staffID: nil, callID: callID))
            return AppointmentToolOutput(ok: true, message: say("tool_booked", service.name, spoken(start, context)),
                                         appointmentId: appointment.id, start: start)
        } catch let error as AppError {
            return try await refusal(error, service: service, near: LocalDate(start, in: context.timeZone), context: context)
        }
    }

    func findAppointments(_ input: FindAppointmentsInput) async throws -> FindAppointmentsOutput {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let say = speaker(context)
        let phone = phone(input.phone)
        guard PhoneNumber(parsing: phone, defaultCountry: context.country) != nil else {
            return FindAppointmentsOutput(ok: false, message: say("tool_phone_invalid"), error: "invalid_phone", appointments: [])
        }
        let found = try await AppointmentService(db: db, orgID: orgID, now: now).appointments(phone: phone)
        guard !found.isEmpty else {
            return FindAppointmentsOutput(ok: true, message: say("tool_no_appointments"), appointments: [])
        }
        let items = found.map { FoundAppointment(id: $0.id!, service: $0.service.name, start: $0.startsAt, spoken: spoken($0.startsAt, context)) }
        let list = SpokenTime.list(items.map { say("tool_appointment_item", $0.service, $0.spoken) }, locale: context.locale)
        return FindAppointmentsOutput(ok: true, message: say("tool_appointments_found", list), appointments: items)
    }

    func rescheduleAppointment(_ input: RescheduleAppointmentInput) async throws -> AppointmentToolOutput {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let say = speaker(context)
        guard let appointment = try await callersAppointment(input.appointmentId, phone: phone(input.phone), context: context) else {
            return AppointmentToolOutput(ok: false, message: say("tool_appointment_unknown"), error: "appointment_unknown")
        }
        let start: Date
        switch parseStart(input.start, context: context) {
        case .instant(let instant): start = instant
        case .invalid: return AppointmentToolOutput(ok: false, message: say("tool_start_invalid"), error: "start_invalid")
        case .missingLocalTime(let day):
            return try await refusal(.validation(SlotProblem.outsideHours.rawValue, field: "start"), service: appointment.service, near: day, context: context)
        }
        do {
            let moved = try await AppointmentService(db: db, orgID: orgID, now: now).reschedule(appointment.id!, to: start)
            return AppointmentToolOutput(ok: true, message: say("tool_moved", appointment.service.name, spoken(start, context)),
                                         appointmentId: moved.id, start: start)
        } catch let error as AppError {
            return try await refusal(error, service: appointment.service, near: LocalDate(start, in: context.timeZone), context: context)
        }
    }

    func cancelAppointment(_ input: CancelAppointmentInput) async throws -> AppointmentToolOutput {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let say = speaker(context)
        guard let appointment = try await callersAppointment(input.appointmentId, phone: phone(input.phone), context: context),
              appointment.status == .booked else {
            return AppointmentToolOutput(ok: false, message: say("tool_appointment_unknown"), error: "appointment_unknown")
        }
        _ = try await AppointmentService(db: db, orgID: orgID, now: now).cancel(appointment.id!)
        return AppointmentToolOutput(ok: true, message: say("tool_cancelled", appointment.service.name, spoken(appointment.startsAt, context)),
                                     appointmentId: appointment.id, start: appointment.startsAt)
    }

    func takeMessage(_ input: TakeMessageInput) async throws -> TakeMessageOutput {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let say = speaker(context)
        let name = input.name.cleanedLine
        let reason = input.reason.cleanedLine
        guard !name.isEmpty, name.count <= 120 else { return TakeMessageOutput(ok: false, message: say("tool_name_required"), error: "name_required") }
        guard let phone = PhoneNumber(parsing: phone(input.phone), defaultCountry: context.country) else {
            return TakeMessageOutput(ok: false, message: say("tool_phone_invalid"), error: "invalid_phone")
        }
        guard !reason.isEmpty, reason.count <= 2000 else { return TakeMessageOutput(ok: false, message: say("tool_reason_required"), error: "reason_required") }
        let urgency = input.urgency.flatMap { OwnerMessage.Urgency(rawValue: $0.lowercased()) } ?? .normal
        let message = OwnerMessage(orgID: orgID, callID: callID, name: name, phone: phone.e164, reason: reason, urgency: urgency)
        try await message.create(on: db)
        return TakeMessageOutput(ok: true, message: say("tool_message_taken"), messageId: message.id)
    }

    func transferTarget() async throws -> TransferTargetOutput {
        let context = try await BookingContext.load(orgID: orgID, on: db)
        let say = speaker(context)
        if let number = context.transferNumber, context.isOpen(at: now()) {
            return TransferTargetOutput(ok: true, message: say("tool_transfer_available"), number: number)
        }
        return TransferTargetOutput(ok: false, message: say("tool_transfer_unavailable"), number: nil)
    }

    // MARK: - Pieces

    private struct Refusal: Error { var code: String; var message: String }

    private func speaker(_ context: BookingContext) -> @Sendable (String, String...) -> String {
        let translations = translations, locale = context.locale
        return { key, arguments in translations.text(key, locale, arguments) }
    }

    private func spoken(_ instant: Date, _ context: BookingContext) -> String {
        let day = LocalDate(instant, in: context.timeZone)
        let minute = (Int(instant.timeIntervalSince1970) + context.timeZone.secondsFromGMT(for: instant) - day.dayNumber * 86400) / 60
        return SpokenTime.phrase(date: day, minuteOfDay: minute, locale: context.locale, today: LocalDate(now(), in: context.timeZone))
    }

    private func spokenSlots(service: BookingService, from: LocalDate, partOfDay: PartOfDay?, context: BookingContext) async throws -> [SpokenSlot] {
        let slots = try await context.freeSlots(service: service, staffID: nil, from: from, partOfDay: partOfDay,
                                                limit: Self.slotsOffered, now: now(), on: db)
        let today = LocalDate(now(), in: context.timeZone)
        return slots.map { SpokenSlot(start: Self.localText($0.date, $0.minuteOfDay), at: $0.start, spoken: SpokenTime.phrase(date: $0.date, minuteOfDay: $0.minuteOfDay, locale: context.locale, today: today)) }
    }

    /// The service a caller named: one active service matching the words, or the only one there is.
    private func resolveService(_ words: String?, context: BookingContext) async throws -> Result<BookingService, Refusal> {
        let services = context.services
        let say = speaker(context)
        guard !services.isEmpty else { return .failure(Refusal(code: "no_services", message: say("tool_no_services"))) }
        func fold(_ text: String) -> String { text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
        let wanted = fold(words?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        if wanted.isEmpty {
            if services.count == 1 { return .success(services[0]) }
        } else if let exact = services.first(where: { fold($0.name) == wanted }) {
            return .success(exact)
        } else {
            let partial = services.filter { fold($0.name).contains(wanted) || wanted.contains(fold($0.name)) }
            if partial.count == 1 { return .success(partial[0]) }
        }
        let names = SpokenTime.list(services.prefix(6).map(\.name), locale: context.locale)
        return .failure(Refusal(code: "service_unknown", message: say("tool_service_unknown", names)))
    }

    /// A refused booking or move, said with the next free times when the time itself was the problem.
    private func refusal(_ error: AppError, service: BookingService, near startDay: LocalDate, context: BookingContext) async throws -> AppointmentToolOutput {
        let say = speaker(context)
        switch error.code {
        case "invalid_phone": return AppointmentToolOutput(ok: false, message: say("tool_phone_invalid"), error: error.code)
        case "name_required": return AppointmentToolOutput(ok: false, message: say("tool_name_required"), error: error.code)
        case "invalid_email": return AppointmentToolOutput(ok: false, message: say("tool_email_invalid"), error: error.code)
        case "notes_too_long", "service_unknown", "staff_unknown", "appointment_not_booked":
            return AppointmentToolOutput(ok: false, message: say("tool_booking_failed"), error: error.code)
        default: break
        }
        let day = max(startDay, LocalDate(now(), in: context.timeZone))
        let alternatives = try await spokenSlots(service: service, from: day, partOfDay: nil, context: context)
        let key = error.code == SlotProblem.overlapping.rawValue ? "tool_slot_taken" : "tool_slot_unavailable"
        let message = alternatives.isEmpty
            ? say("tool_slot_unavailable_none")
            : say(key, SpokenTime.list(alternatives.map(\.spoken), locale: context.locale))
        return AppointmentToolOutput(ok: false, message: message, error: error.code, alternatives: alternatives)
    }

    /// The appointment, only if it belongs to the caller's number: a caller cannot touch someone else's.
    private func callersAppointment(_ idText: String, phone: String, context: BookingContext) async throws -> Appointment? {
        guard let id = UUID(uuidString: idText), let e164 = PhoneNumber(parsing: phone, defaultCountry: context.country) else { return nil }
        guard let appointment = try await Appointment.query(on: db).filter(\.$id == id).filter(\.$org.$id == orgID)
            .with(\.$customer).with(\.$service).first(), appointment.customer.phone == e164.e164 else { return nil }
        return appointment
    }

    private func phone(_ given: String?) -> String {
        let trimmed = given?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return trimmed.isEmpty ? (callerPhone ?? "") : trimmed
    }

    enum ParsedStart: Equatable { case instant(Date), missingLocalTime(LocalDate), invalid }

    /// "YYYY-MM-DDTHH:MM" (seconds allowed) in the organisation's time zone, or ISO 8601 with an offset or Z.
    func parseStart(_ text: String, context: BookingContext) -> ParsedStart {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: trimmed) { return .instant(date) }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: trimmed) { return .instant(date) }
        let parts = trimmed.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2, let day = LocalDate(String(parts[0])) else { return .invalid }
        let time = parts[1].split(separator: ":")
        guard (2...3).contains(time.count), time.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }),
              let local = LocalTime("\(time[0]):\(time[1])"), local.minutes < 1440 else { return .invalid }
        guard let instant = context.engine.instant(date: day, minuteOfDay: local.minutes) else { return .missingLocalTime(day) }
        return .instant(instant)
    }

    static func localText(_ day: LocalDate, _ minuteOfDay: Int) -> String {
        "\(day)T" + String(format: "%02d:%02d", minuteOfDay / 60, minuteOfDay % 60)
    }
}
