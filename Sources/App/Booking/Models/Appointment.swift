import Fluent
import Foundation

/// Someone who booked, known by phone number within one organisation, so a caller can find their own bookings.
final class Customer: Model, @unchecked Sendable {
    static let schema = "customers"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    /// E.164.
    @Field(key: "phone") var phone: String
    @Field(key: "name") var name: String
    @OptionalField(key: "email") var email: String?

    init() {}

    init(orgID: UUID, phone: String, name: String, email: String? = nil) {
        self.$org.id = orgID
        self.phone = phone
        self.name = name
        self.email = email
    }
}

/// A booked service at a time. `blocksUntil` (end plus the service's buffer) is what availability subtracts.
final class Appointment: Model, @unchecked Sendable {
    static let schema = "appointments"

    enum Status: String, Codable, Sendable, CaseIterable {
        case booked, cancelled
        case noShow = "no_show"
        case done
    }

    enum Source: String, Codable, Sendable, CaseIterable {
        case call, manual, web
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @OptionalParent(key: "staff_id") var staff: StaffMember?
    @Parent(key: "service_id") var service: BookingService
    @Parent(key: "customer_id") var customer: Customer
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "blocks_until") var blocksUntil: Date
    @Field(key: "status") var status: Status
    @Field(key: "source") var source: Source
    @OptionalField(key: "notes") var notes: String?
    /// The call that booked it, when AVA did.
    @OptionalField(key: "call_id") var callID: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(orgID: UUID, staffID: UUID?, serviceID: UUID, customerID: UUID, startsAt: Date, endsAt: Date,
         blocksUntil: Date, status: Status = .booked, source: Source, notes: String? = nil, callID: UUID? = nil) {
        self.$org.id = orgID
        self.$staff.id = staffID
        self.$service.id = serviceID
        self.$customer.id = customerID
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.blocksUntil = blocksUntil
        self.status = status
        self.source = source
        self.notes = notes
        self.callID = callID
    }
}

/// A message a caller left for the owner ("call me back about my invoice").
final class OwnerMessage: Model, @unchecked Sendable {
    static let schema = "owner_messages"

    enum Urgency: String, Codable, Sendable, CaseIterable {
        case low, normal, high
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @OptionalField(key: "call_id") var callID: UUID?
    @Field(key: "name") var name: String
    @Field(key: "phone") var phone: String
    @Field(key: "reason") var reason: String
    @Field(key: "urgency") var urgency: Urgency
    @OptionalField(key: "read_at") var readAt: Date?
    @OptionalField(key: "done_at") var doneAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(orgID: UUID, callID: UUID? = nil, name: String, phone: String, reason: String, urgency: Urgency) {
        self.$org.id = orgID
        self.callID = callID
        self.name = name
        self.phone = phone
        self.reason = reason
        self.urgency = urgency
    }
}
