@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// Rows written straight into the tables, dated at will (the webhook dates calls "now").
enum DashboardFixture {
    struct CallSpec {
        var at: Date
        var statusRank = 6
        var status = "ended"
        var endedReason: String? = "customer-ended-call"
        var evaluation: String? = nil
        var outcome: String? = nil
        var summary: String? = nil
        var callerName: String? = nil
        var from: String? = "+33612345678"
        var simulated = false
    }

    @discardableResult
    static func call(_ app: Application, org: UUID, _ spec: CallSpec) async throws -> UUID {
        let id = UUID()
        let sql = app.db as! any SQLDatabase
        try await sql.insert(into: "calls")
            .columns("id", "org_id", "status", "status_rank", "ended_reason", "success_evaluation", "outcome", "summary",
                     "caller_name", "from_number", "simulated", "created_at", "updated_at", "vapi_call_id")
            .values(SQLBind(id), SQLBind(org), SQLBind(spec.status), SQLBind(spec.statusRank), SQLBind(spec.endedReason),
                    SQLBind(spec.evaluation), SQLBind(spec.outcome), SQLBind(spec.summary), SQLBind(spec.callerName),
                    SQLBind(spec.from), SQLBind(spec.simulated), SQLBind(spec.at), SQLBind(spec.at), SQLBind("fixture-\(id.uuidString)"))
            .run()
        return id
    }

    @discardableResult
    static func appointment(_ app: Application, org: UUID, createdAt: Date, source: Appointment.Source) async throws -> UUID {
        let service = BookingService(orgID: org, name: "Consultation", durationMinutes: 30)
        try await service.create(on: app.db)
        let customer = Customer(orgID: org, phone: "+336" + String(Int.random(in: 10_000_000...99_999_999)), name: "Lucie Martin")
        try await customer.create(on: app.db)
        let start = createdAt.addingTimeInterval(86_400)
        let appointment = Appointment(orgID: org, staffID: nil, serviceID: service.id!, customerID: customer.id!, startsAt: start,
                                      endsAt: start.addingTimeInterval(1800), blocksUntil: start.addingTimeInterval(1800), source: source)
        try await appointment.create(on: app.db)
        let sql = app.db as! any SQLDatabase
        try await sql.raw("UPDATE appointments SET created_at = \(bind: createdAt) WHERE id = \(bind: appointment.id!)").run()
        return appointment.id!
    }

    @discardableResult
    static func message(_ app: Application, org: UUID, name: String, reason: String, urgency: OwnerMessage.Urgency = .normal,
                        callID: UUID? = nil, createdAt: Date) async throws -> UUID {
        let message = OwnerMessage(orgID: org, callID: callID, name: name, phone: "+33612345678", reason: reason, urgency: urgency)
        try await message.create(on: app.db)
        let sql = app.db as! any SQLDatabase
        try await sql.raw("UPDATE owner_messages SET created_at = \(bind: createdAt) WHERE id = \(bind: message.id!)").run()
        return message.id!
    }

    static func setTimeZone(_ app: Application, org: UUID, _ zone: String) async throws {
        let record = try #require(try await Org.find(org, on: app.db))
        record.timezone = zone
        try await record.save(on: app.db)
    }

    /// "2026-11-27T12:00:00Z" as a date.
    static func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    /// A user signed in through the pages, and their organisation.
    static func signedIn(_ app: Application, locale: String = "fr", name: String = "Dana Levi") async throws -> (WebClient, UUID) {
        let web = WebClient(app)
        let email = uniqueEmail("dash")
        _ = try await web.post("/\(locale)/signup", form: ["name": name, "email": email, "password": "correct-horse-battery-42",
                                                          "acceptTerms": "true"], csrfFrom: "/\(locale)/signup")
        let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
        let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
        return (web, membership.$org.id)
    }
}
