@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// An organisation (signed up through the API) with a service, a customer and one appointment, made
/// directly with the models so these tests do not depend on the booking service's rules.
struct NoticeFixture {
    var auth: AuthResponse
    var orgID: UUID
    var service: BookingService
    var customer: Customer
    var appointment: Appointment

    static let customerPhone = "+33612345678"

    static func make(_ app: Application, locale: String = "fr", startsIn: TimeInterval = 3 * 24 * 3600,
                     serviceName: String = "Coupe femme") async throws -> NoticeFixture {
        let auth = try await signUp(app, SignupBody(email: uniqueEmail("owner"), locale: locale))
        let orgID = auth.organisation.id
        let service = BookingService(orgID: orgID, name: serviceName, durationMinutes: 30, bufferAfterMinutes: 10)
        try await service.create(on: app.db)
        let customer = Customer(orgID: orgID, phone: customerPhone, name: "Léa Martin", email: "lea@example.com")
        try await customer.create(on: app.db)
        // Whole minutes, so stored and compared times agree on every database.
        let start = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 + startsIn) / 60).rounded() * 60)
        let appointment = Appointment(orgID: orgID, staffID: nil, serviceID: service.id!, customerID: customer.id!,
                                      startsAt: start, endsAt: start.addingTimeInterval(1800),
                                      blocksUntil: start.addingTimeInterval(2400), source: .manual, notes: "Première visite")
        try await appointment.create(on: app.db)
        return NoticeFixture(auth: auth, orgID: orgID, service: service, customer: customer, appointment: appointment)
    }

    func notify(_ app: Application, _ change: AppointmentChange) async throws {
        try await app.db.transaction { db in
            try await BookingNotifications.appointmentChanged(appointment.id!, orgID: orgID, change: change, on: db)
        }
    }

    /// Moves the appointment by `offset` and queues the notices, as the appointment service would.
    func move(_ app: Application, by offset: TimeInterval) async throws {
        appointment.startsAt = appointment.startsAt.addingTimeInterval(offset)
        appointment.endsAt = appointment.endsAt.addingTimeInterval(offset)
        appointment.blocksUntil = appointment.blocksUntil.addingTimeInterval(offset)
        try await appointment.save(on: app.db)
        try await notify(app, .moved)
    }

    func cancel(_ app: Application) async throws {
        appointment.status = .cancelled
        try await appointment.save(on: app.db)
        try await notify(app, .cancelled)
    }
}

/// The texts the development outbox kept for `phone`, oldest first.
func outboxSMS(_ app: Application, to phone: String) async throws -> [String] {
    try await OutboxMessage.query(on: app.db).filter(\.$recipients == phone).filter(\.$subject == "SMS")
        .sort(\.$createdAt).all().map(\.textBody)
}
