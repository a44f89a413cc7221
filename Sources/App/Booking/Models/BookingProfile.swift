import AVACore
import Fluent
import Foundation

/// An organisation's booking rules and weekly hours. One row per organisation, created on first use with
/// the country's usual hours. The row doubles as the lock that serializes bookings of the organisation
/// (see `AppointmentService`).
final class BookingProfile: Model, @unchecked Sendable {
    static let schema = "booking_profiles"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    /// `WeeklyHours` JSON: "mon".."sun" → [{"start": "09:00", "end": "12:30"}].
    @Field(key: "hours") var hours: String
    @Field(key: "min_notice_minutes") var minNoticeMinutes: Int
    @Field(key: "max_days_ahead") var maxDaysAhead: Int
    @Field(key: "slot_step_minutes") var slotStepMinutes: Int
    /// E.164 number of the human callers are handed to during business hours.
    @OptionalField(key: "transfer_number") var transferNumber: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(orgID: UUID, hours: WeeklyHours, minNoticeMinutes: Int = 60, maxDaysAhead: Int = 60, slotStepMinutes: Int = 15) {
        self.$org.id = orgID
        self.hours = hours.jsonText
        self.minNoticeMinutes = minNoticeMinutes
        self.maxDaysAhead = maxDaysAhead
        self.slotStepMinutes = slotStepMinutes
    }

    var weeklyHours: WeeklyHours {
        get { WeeklyHours(jsonText: hours) ?? WeeklyHours() }
        set { hours = newValue.jsonText }
    }

    /// The organisation's profile, created with its country's defaults the first time it is asked for.
    static func forOrg(_ orgID: UUID, on db: any Database) async throws -> BookingProfile {
        if let existing = try await BookingProfile.query(on: db).filter(\.$org.$id == orgID).first() {
            return existing
        }
        guard let org = try await Org.find(orgID, on: db) else { throw AppError.notFound }
        let profile = BookingProfile(orgID: orgID, hours: WeeklyHours.defaults(country: org.country))
        do {
            try await profile.create(on: db)
            return profile
        } catch {
            // Two first requests raced on the unique org_id; the other one created it.
            guard (error as? any DatabaseError)?.isConstraintFailure == true,
                  let existing = try await BookingProfile.query(on: db).filter(\.$org.$id == orgID).first() else { throw error }
            return existing
        }
    }
}

/// Days the business (or one staff member) is closed: holidays, leave. Dates are local "YYYY-MM-DD", inclusive.
final class BookingClosure: Model, @unchecked Sendable {
    static let schema = "booking_closures"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @OptionalParent(key: "staff_id") var staff: StaffMember?
    @Field(key: "start_date") var startDate: String
    @Field(key: "end_date") var endDate: String
    @Field(key: "label") var label: String

    init() {}

    init(orgID: UUID, staffID: UUID? = nil, startDate: String, endDate: String, label: String) {
        self.$org.id = orgID
        self.$staff.id = staffID
        self.startDate = startDate
        self.endDate = endDate
        self.label = label
    }
}

/// Something a customer books: a haircut, a consultation. Its length plus a buffer after it block the calendar.
final class BookingService: Model, @unchecked Sendable {
    static let schema = "booking_services"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Field(key: "name") var name: String
    @Field(key: "duration_minutes") var durationMinutes: Int
    @Field(key: "buffer_after_minutes") var bufferAfterMinutes: Int
    @OptionalField(key: "price_cents") var priceCents: Int?
    @OptionalField(key: "currency") var currency: String?
    @Field(key: "active") var active: Bool
    @Field(key: "position") var position: Int

    init() {}

    init(orgID: UUID, name: String, durationMinutes: Int, bufferAfterMinutes: Int = 0, priceCents: Int? = nil,
         currency: String? = nil, active: Bool = true, position: Int = 0) {
        self.$org.id = orgID
        self.name = name
        self.durationMinutes = durationMinutes
        self.bufferAfterMinutes = bufferAfterMinutes
        self.priceCents = priceCents
        self.currency = currency
        self.active = active
        self.position = position
    }
}

/// A person or a room with its own calendar. Without any, the organisation has one calendar.
final class StaffMember: Model, @unchecked Sendable {
    static let schema = "booking_staff"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Field(key: "name") var name: String
    /// Same JSON as `BookingProfile.hours`; nil means the organisation's hours.
    @OptionalField(key: "hours") var hours: String?
    @Field(key: "active") var active: Bool

    init() {}

    init(orgID: UUID, name: String, hours: WeeklyHours? = nil, active: Bool = true) {
        self.$org.id = orgID
        self.name = name
        self.hours = hours?.jsonText
        self.active = active
    }

    var weeklyHours: WeeklyHours? { hours.flatMap { WeeklyHours(jsonText: $0) } }
}
