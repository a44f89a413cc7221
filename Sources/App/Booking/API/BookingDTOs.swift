import AVACore
import Foundation
import Vapor

struct BookingSettingsDTO: Content {
    var timezone: String
    var hours: WeeklyHours
    var minNoticeMinutes: Int
    var maxDaysAhead: Int
    var slotStepMinutes: Int
    var transferNumber: String?
}

/// PUT body: every field optional, absent ones are kept. `transferNumber: ""` removes it.
struct BookingSettingsUpdate: Content {
    var timezone: String?
    var hours: WeeklyHours?
    var minNoticeMinutes: Int?
    var maxDaysAhead: Int?
    var slotStepMinutes: Int?
    var transferNumber: String?
}

struct ClosureDTO: Content {
    var id: UUID
    var staffId: UUID?
    var startDate: String
    var endDate: String
    var label: String

    init(_ closure: BookingClosure) {
        id = closure.id!
        staffId = closure.$staff.id
        startDate = closure.startDate
        endDate = closure.endDate
        label = closure.label
    }
}

struct ClosureInput: Content {
    var staffId: UUID?
    var startDate: String
    var endDate: String?
    var label: String?
}

struct ServiceDTO: Content {
    var id: UUID
    var name: String
    var durationMinutes: Int
    var bufferAfterMinutes: Int
    var priceCents: Int?
    var currency: String?
    var active: Bool
    var position: Int

    init(_ service: BookingService) {
        id = service.id!
        name = service.name
        durationMinutes = service.durationMinutes
        bufferAfterMinutes = service.bufferAfterMinutes
        priceCents = service.priceCents
        currency = service.currency
        active = service.active
        position = service.position
    }
}

struct ServiceInput: Content {
    var name: String
    var durationMinutes: Int
    var bufferAfterMinutes: Int?
    var priceCents: Int?
    var currency: String?
    var active: Bool?
    var position: Int?
}

struct StaffDTO: Content {
    var id: UUID
    var name: String
    var hours: WeeklyHours?
    var active: Bool

    init(_ staff: StaffMember) {
        id = staff.id!
        name = staff.name
        hours = staff.weeklyHours
        active = staff.active
    }
}

struct StaffInput: Content {
    var name: String
    var hours: WeeklyHours?
    var active: Bool?
}

struct SlotDTO: Content {
    var start: Date
    var end: Date
    /// Local "YYYY-MM-DDTHH:MM" in the organisation's time zone.
    var local: String
    var staffId: UUID?
}

struct AvailabilityDTO: Content {
    var timezone: String
    var serviceId: UUID
    var slots: [SlotDTO]
}

struct AppointmentDTO: Content {
    struct CustomerDTO: Content { var id: UUID; var name: String; var phone: String; var email: String? }
    var id: UUID
    var serviceId: UUID
    var serviceName: String?
    var staffId: UUID?
    var customer: CustomerDTO?
    var start: Date
    var end: Date
    var blocksUntil: Date
    var status: String
    var source: String
    var notes: String?
    var callId: UUID?

    init(_ appointment: Appointment) {
        id = appointment.id!
        serviceId = appointment.$service.id
        serviceName = appointment.$service.value?.name
        staffId = appointment.$staff.id
        if let customer = appointment.$customer.value {
            self.customer = CustomerDTO(id: customer.id!, name: customer.name, phone: customer.phone, email: customer.email)
        }
        start = appointment.startsAt
        end = appointment.endsAt
        blocksUntil = appointment.blocksUntil
        status = appointment.status.rawValue
        source = appointment.source.rawValue
        notes = appointment.notes
        callId = appointment.callID
    }
}

struct AppointmentListDTO: Content {
    var appointments: [AppointmentDTO]
}

struct AppointmentCreateInput: Content {
    var serviceId: UUID
    var start: Date
    var customerName: String
    var phone: String
    var email: String?
    var notes: String?
    var staffId: UUID?
    /// `manual` (default) or `web`; `call` is for the assistant.
    var source: String?
}

struct AppointmentPatchInput: Content {
    var start: Date?
    var staffId: UUID?
    var serviceId: UUID?
    var status: String?
}
