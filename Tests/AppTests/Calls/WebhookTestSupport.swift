@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// `body` as the webhook hands it to `CallEventWriter`, from `org`.
func incomingEvent(_ app: Application, _ org: CallingOrg, _ body: Data) async throws -> IncomingCallEvent {
    let found = try #require(try await app.webhookOrgs.find(token: org.token, on: app.db))
    let message = try JSONDecoder().decode(VapiWebhookEnvelope.self, from: body).message
    return IncomingCallEvent(org: found, message: message, body: String(decoding: body, as: UTF8.self), receivedAt: Date(), simulated: false)
}

/// An organisation ready to take calls: its webhook token, a number, and hours that make it open (or closed) now.
struct CallingOrg {
    var owner: Owner
    var token: String
    var number: PhoneNumberRecord
    var path: String { "/api/v1/webhooks/vapi/\(token)" }

    static func make(_ app: Application, locale: String = "fr", open: Bool = true) async throws -> CallingOrg {
        let owner = try await Owner.create(app, locale: locale)
        let org = try #require(try await Org.find(owner.orgID, on: app.db))
        let token = try await org.ensureWebhookToken(on: app.db)
        let number = PhoneNumberRecord(orgID: owner.orgID, assistantID: nil, provider: .sandbox,
                                       provisioned: ProvisionedNumber(id: "sandbox-\(UUID().uuidString.lowercased())",
                                                                      e164: "+1415555\(String(format: "%04d", Int.random(in: 100...9999)))",
                                                                      status: "sandbox"), name: nil)
        try await number.create(on: app.db)
        try await setOpen(open, orgID: owner.orgID, app)
        return CallingOrg(owner: owner, token: token, number: number)
    }

    /// Open all week, all day, or never.
    static func setOpen(_ open: Bool, orgID: UUID, _ app: Application, transferNumber: String? = nil) async throws {
        let profile = try await BookingProfile.forOrg(orgID, on: app.db)
        let allDay = [OpeningInterval("00:00", "23:59")!]
        profile.weeklyHours = open ? WeeklyHours(Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, allDay) })) : WeeklyHours()
        profile.minNoticeMinutes = 0
        profile.transferNumber = transferNumber
        try await profile.save(on: app.db)
    }

    func factory(callID: String = UUID().uuidString.lowercased()) -> VapiMessageFactory {
        VapiMessageFactory(callID: callID, phoneNumberID: number.vapiPhoneNumberID, dialledNumber: number.e164,
                           callerNumber: "+33698765432", callerName: "Léa Martin")
    }
}

/// Posts a raw webhook body; returns status and body.
@discardableResult
func postWebhook(_ app: Application, _ path: String, _ body: Data, headers: HTTPHeaders = [:]) async throws -> (status: HTTPStatus, body: String) {
    var result: (HTTPStatus, String) = (.internalServerError, "")
    try await app.testing().test(.POST, path, headers: headers, beforeRequest: { req in
        req.headers.contentType = .json
        req.body = ByteBuffer(data: body)
    }, afterResponse: { res throws in
        result = (res.status, res.body.string)
    })
    return result
}

/// Checks an answer against one of Vapi's response schemas (vapi-openapi.json).
func expectVapiSchema(_ name: String, _ body: String, sourceLocation: SourceLocation = #_sourceLocation) async {
    let check = await VapiContract.checkBody(method: "SCHEMA", path: name, body: Data(body.utf8))
    #expect(check.problems.isEmpty, "\(name): \(check.problems) in \(body)", sourceLocation: sourceLocation)
}
