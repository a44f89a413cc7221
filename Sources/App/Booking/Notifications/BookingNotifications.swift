import Fluent
import Foundation
/// What happened to an appointment, for the customer's SMS and the owner's email (jobs; see Platform/Jobs).
enum AppointmentChange: String, Codable, Sendable { case booked, moved, cancelled }
enum BookingNotifications {
    /// Called inside the transaction that changed the appointment, so the notice is queued if and only if the change is committed.
    static func appointmentChanged(_ appointmentID: UUID, orgID: UUID, change: AppointmentChange, on db: any Database) async throws {
        guard let appointment = try await Appointment.query(on: db)
            .filter(\.$id == appointmentID).filter(\.$org.$id == orgID).first() else { return }
        let notice = AppointmentNotice(appointmentID: appointmentID, orgID: orgID, change: change, startsAt: appointment.startsAt)
        try await Jobs.enqueue(kind: BookingJobKind.customerSMS, payload: notice, on: db)
        // One job per owner: a failed email is retried for that owner only.
        let owners = try await OrgUser.query(on: db).filter(\.$org.$id == orgID).filter(\.$role == .owner).all()
        for owner in owners {
            try await Jobs.enqueue(kind: BookingJobKind.ownerEmail, payload: OwnerNotice(notice: notice, userID: owner.$user.id), on: db)
        }
        // The reminder carries the start it was made for: if the appointment moves or is cancelled, the old
        // reminder sees it at run time and does nothing (the move queues a new one).
        if change != .cancelled {
            let remindAt = appointment.startsAt.addingTimeInterval(-BookingJobKind.reminderLead)
            if remindAt > Date() {
                try await Jobs.enqueue(kind: BookingJobKind.reminderSMS, payload: notice, runAt: remindAt, on: db)
            }
        }
    }
}
