import AVACore
import Fluent
import Foundation
import Vapor

/// Registers the handlers of the booking notices queued by `BookingNotifications`.
func registerBookingNotificationJobs(_ app: Application) {
    app.jobs.register(BookingJobKind.customerSMS) { context in
        try await BookingNoticeJobs.customerSMS(context.decode(AppointmentNotice.self), context: context, reminder: false)
    }
    app.jobs.register(BookingJobKind.reminderSMS) { context in
        try await BookingNoticeJobs.customerSMS(context.decode(AppointmentNotice.self), context: context, reminder: true)
    }
    app.jobs.register(BookingJobKind.ownerEmail) { context in
        try await BookingNoticeJobs.ownerEmail(context.decode(OwnerNotice.self), context: context)
    }
}

enum BookingNoticeJobs {
    /// What a notice talks about, loaded when it runs.
    struct Loaded {
        var org: Org
        var appointment: Appointment
        var customer: Customer
        var service: BookingService
        var locale: AppLocale
    }

    static func load(_ notice: AppointmentNotice, db: any Database) async throws -> Loaded? {
        guard let org = try await Org.find(notice.orgID, on: db),
              let appointment = try await Appointment.query(on: db).filter(\.$id == notice.appointmentID)
                .filter(\.$org.$id == notice.orgID).first(),
              let customer = try await Customer.find(appointment.$customer.id, on: db),
              let service = try await BookingService.find(appointment.$service.id, on: db)
        else { return nil }
        return Loaded(org: org, appointment: appointment, customer: customer, service: service,
                      locale: AppLocale(rawValue: org.locale) ?? .fallback)
    }

    static func customerSMS(_ notice: AppointmentNotice, context: JobContext, reminder: Bool) async throws {
        guard let loaded = try await load(notice, db: context.db) else {
            context.logger.info("appointment gone; notice dropped")
            return
        }
        if reminder {
            // A reminder stands only for the appointment as it was booked, still booked and still ahead.
            guard loaded.appointment.status == .booked,
                  abs(loaded.appointment.startsAt.timeIntervalSince(notice.startsAt)) < 1,
                  loaded.appointment.startsAt > Date()
            else {
                context.logger.info("reminder no longer applies (moved, cancelled or past)")
                return
            }
        }
        let app = context.application
        let when = BookingTexts.when(notice.startsAt, locale: loaded.locale, timeZoneID: loaded.org.timezone)
        let key = reminder ? "booking_sms_reminder" : "booking_sms_\(notice.change.rawValue)"
        let text = app.translations.text(key, loaded.locale, [loaded.org.name, loaded.service.name, when])
        try await BookingSMS.send(text, to: loaded.customer.phone, orgID: notice.orgID, app: app, logger: context.logger)
    }

    static func ownerEmail(_ owner: OwnerNotice, context: JobContext) async throws {
        let notice = owner.notice
        guard let loaded = try await load(notice, db: context.db),
              let user = try await User.find(owner.userID, on: context.db) else { return }
        let userLocale = AppLocale(rawValue: user.locale) ?? loaded.locale
        let when = BookingTexts.when(notice.startsAt, locale: userLocale, timeZoneID: loaded.org.timezone)
        let change = notice.change.rawValue
        var paragraphs = [
            Email.Text("booking_email_\(change)", loaded.customer.name, loaded.service.name, when),
            Email.Text("booking_email_phone", loaded.customer.phone),
        ]
        if let email = loaded.customer.email, !email.isEmpty { paragraphs.append(Email.Text("booking_email_customer_email", email)) }
        if let notes = loaded.appointment.notes, !notes.isEmpty { paragraphs.append(Email.Text("booking_email_notes", notes)) }
        let link = context.application.appConfig.publicURL + "/\(userLocale.rawValue)/app/appointments"
        let email = Email(subject: Email.Text("booking_email_subject_\(change)", loaded.customer.name, when),
                          paragraphs: paragraphs, button: (label: Email.Text("booking_email_open"), link: link))
        try await context.application.mailer.send(email, to: user)
    }
}
