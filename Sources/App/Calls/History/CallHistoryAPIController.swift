import Fluent
import Foundation
import Vapor

/// `GET /api/v1/calls` (newest first; `q`, `outcome`, `from`, `to`, `number`, `cursor`, `limit`) and
/// `GET /api/v1/calls/{id}`. The live streams (`/calls/live`, `/calls/{id}/live`) are LiveCallsController's.
struct CallHistoryAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let calls = routes.grouped("calls")
        calls.get(use: list)
        calls.get(":callID", use: detail)
    }

    struct CallItem: Content {
        var id: UUID
        var status: String
        var fromNumber: String?
        var toNumber: String?
        var callerName: String?
        var outcome: String?
        var summary: String?
        var startedAt: Date?
        var endedAt: Date?
        var createdAt: Date?
        var durationSeconds: Int?
        var phoneNumberId: UUID?
        var simulated: Bool
    }

    struct CallList: Content {
        var items: [CallItem]
        /// Pass as `cursor` for the next (older) page; absent on the last page.
        var nextCursor: String?
    }

    struct AppointmentItem: Content {
        var id: UUID
        var startsAt: Date
        var endsAt: Date
        var status: String
        var service: String
        var customerName: String
    }

    struct MessageItem: Content {
        var id: UUID
        var name: String
        var phone: String
        var reason: String
        var urgency: String
        var createdAt: Date?
    }

    struct CallDetail: Content {
        var id: UUID
        var status: String
        var fromNumber: String?
        var toNumber: String?
        var callerName: String?
        var outcome: String?
        var summary: String?
        var startedAt: Date?
        var endedAt: Date?
        var createdAt: Date?
        var durationSeconds: Int?
        var phoneNumberId: UUID?
        var simulated: Bool
        var endedReason: String?
        var cost: Double?
        var recordingUrl: String?
        var transferred: Bool
        var live: Bool
        var transcript: [CallDetails.Line]
        var appointments: [AppointmentItem]
        var messages: [MessageItem]
    }

    @Sendable func list(req: Request) async throws -> CallList {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let query = (try? req.query.decode([String: String].self)) ?? [:]
        let filter = try CallHistoryFilter.parse(query, timeZone: CallHistoryPresenter.timeZone(of: org))
        let page = try await CallHistoryQuery.page(orgID: user.orgID, filter: filter, on: req.db)
        return CallList(items: page.rows.map { row in
            CallItem(id: row.id, status: row.status, fromNumber: row.fromNumber, toNumber: row.toNumber, callerName: row.callerName,
                     outcome: row.outcome, summary: row.summary, startedAt: row.startedAt, endedAt: row.endedAt,
                     createdAt: row.createdAt, durationSeconds: row.durationSeconds, phoneNumberId: row.phoneNumberID,
                     simulated: row.simulated)
        }, nextCursor: page.nextCursor?.encoded)
    }

    @Sendable func detail(req: Request) async throws -> CallDetail {
        let user = try req.requireUser()
        let details = try await CallDetails.load(req.parameters.get("callID"), orgID: user.orgID, on: req.db)
        let call = details.call
        return CallDetail(
            id: call.id!, status: call.status, fromNumber: call.fromNumber, toNumber: call.toNumber, callerName: call.callerName,
            outcome: call.outcome, summary: call.summary, startedAt: call.startedAt, endedAt: call.endedAt, createdAt: call.createdAt,
            durationSeconds: details.durationSeconds, phoneNumberId: call.$phoneNumber.id, simulated: call.simulated,
            endedReason: call.endedReason, cost: call.cost, recordingUrl: call.recordingURL,
            transferred: call.outcome == "transferred", live: details.isLive, transcript: details.lines,
            appointments: details.appointments.map {
                AppointmentItem(id: $0.id!, startsAt: $0.startsAt, endsAt: $0.endsAt, status: $0.status.rawValue,
                                service: $0.service.name, customerName: $0.customer.name)
            },
            messages: details.messages.map {
                MessageItem(id: $0.id!, name: $0.name, phone: $0.phone, reason: $0.reason, urgency: $0.urgency.rawValue,
                            createdAt: $0.createdAt)
            })
    }
}
