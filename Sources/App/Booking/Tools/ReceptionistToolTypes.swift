import Foundation

// Inputs and outputs of the receptionist's tools. Every output carries `ok` and a short `message` the
// assistant can say as is, in the organisation's language; `error` is a stable code when `ok` is false.

struct CheckAvailabilityInput: Codable, Sendable {
    var service: String?
    var date: String?
    var partOfDay: String?
}

struct SpokenSlot: Codable, Sendable, Equatable {
    /// Local "YYYY-MM-DDTHH:MM" in the organisation's time zone: what bookAppointment takes back.
    var start: String
    /// The same instant, absolute.
    var at: Date
    var spoken: String
}

struct CheckAvailabilityOutput: Codable, Sendable {
    var ok: Bool
    var message: String
    var error: String?
    var service: String?
    var slots: [SpokenSlot]
}

struct BookAppointmentInput: Codable, Sendable {
    var service: String?
    var start: String
    var name: String
    /// Empty: the number the caller is calling from.
    var phone: String?
    var email: String?
    var notes: String?
}

struct AppointmentToolOutput: Codable, Sendable {
    var ok: Bool
    var message: String
    var error: String?
    var appointmentId: UUID?
    var start: Date?
    /// When the slot was refused: other times to offer.
    var alternatives: [SpokenSlot]?
}

struct FindAppointmentsInput: Codable, Sendable {
    var phone: String?
}

struct FoundAppointment: Codable, Sendable {
    var id: UUID
    var service: String
    var start: Date
    var spoken: String
}

struct FindAppointmentsOutput: Codable, Sendable {
    var ok: Bool
    var message: String
    var error: String?
    var appointments: [FoundAppointment]
}

struct RescheduleAppointmentInput: Codable, Sendable {
    var appointmentId: String
    var phone: String?
    var start: String
}

struct CancelAppointmentInput: Codable, Sendable {
    var appointmentId: String
    var phone: String?
}

struct TakeMessageInput: Codable, Sendable {
    var name: String
    var phone: String?
    var reason: String
    var urgency: String?
}

struct TakeMessageOutput: Codable, Sendable {
    var ok: Bool
    var message: String
    var error: String?
    var messageId: UUID?
}

struct TransferTargetOutput: Codable, Sendable {
    var ok: Bool
    var message: String
    /// E.164 to transfer to, only during business hours.
    var number: String?
}
