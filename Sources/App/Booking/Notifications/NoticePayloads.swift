import Foundation

/// The job kinds of booking notices.
enum BookingJobKind {
    static let customerSMS = "booking.customer_sms"
    static let ownerEmail = "booking.owner_email"
    static let reminderSMS = "booking.reminder_sms"
    /// Reminders go this long before the start.
    static let reminderLead: TimeInterval = 24 * 3600
}

/// An appointment change, as it was when it happened (the start it was made for).
struct AppointmentNotice: Codable, Sendable {
    var appointmentID: UUID
    var orgID: UUID
    var change: AppointmentChange
    var startsAt: Date
}

struct OwnerNotice: Codable, Sendable {
    var notice: AppointmentNotice
    var userID: UUID
}
