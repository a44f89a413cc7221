@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// An owner signed up through the API, with one service and every day open around the clock, so free
/// times exist whatever the hour the tests run.
struct SimulatorOwner {
    let token: String
    let orgID: UUID
    let service: BookingService

    static func make(_ app: Application, locale: String = "fr", serviceName: String = "Coupe") async throws -> SimulatorOwner {
        let auth = try await signUp(app, SignupBody(email: uniqueEmail("sim"), locale: locale))
        let orgID = auth.organisation.id
        try await openAroundTheClock(app, orgID: orgID)
        let service = BookingService(orgID: orgID, name: serviceName, durationMinutes: 30, bufferAfterMinutes: 0)
        try await service.create(on: app.db)
        return SimulatorOwner(token: auth.tokens.accessToken, orgID: orgID, service: service)
    }

    static func openAroundTheClock(_ app: Application, orgID: UUID) async throws {
        let profile = try await BookingProfile.forOrg(orgID, on: app.db)
        var days: [Weekday: [OpeningInterval]] = [:]
        for day in Weekday.allCases { days[day] = [OpeningInterval("00:00", "24:00")!] }
        profile.weeklyHours = WeeklyHours(days)
        try await profile.save(on: app.db)
    }
}

struct SimStarted: Content { var callId: UUID; var vapiCallId: String; var greeting: String; var scripted: Bool; var ended: Bool }
struct SimToolCall: Content { var id: String; var name: String; var arguments: String; var result: String?; var error: String? }
struct SimReply: Content { var reply: String; var toolCalls: [SimToolCall]; var ended: Bool; var summary: String?; var outcome: String? }
struct SimEnded: Content { var callId: UUID; var status: String; var summary: String?; var outcome: String? }

/// Drives the simulator API as a client would.
struct SimulatorClient {
    let app: Application
    let token: String

    func start(_ body: [String: String] = [:], expect status: HTTPStatus = .created) async throws -> SimStarted? {
        var started: SimStarted?
        try await app.testing().test(.POST, "/api/v1/simulator/calls", headers: .bearer(token), beforeRequest: { req in
            try req.content.encode(body, as: .json)
        }, afterResponse: { res throws in
            #expect(res.status == status, "\(res.body.string)")
            started = try? res.content.decode(SimStarted.self)
        })
        return started
    }

    @discardableResult
    func say(_ callID: UUID, _ text: String) async throws -> SimReply {
        var reply: SimReply?
        try await app.testing().test(.POST, "/api/v1/simulator/calls/\(callID)/say", headers: .bearer(token), beforeRequest: { req in
            try req.content.encode(["text": text], as: .json)
        }, afterResponse: { res throws in
            #expect(res.status == .ok, "\(text): \(res.body.string)")
            reply = try? res.content.decode(SimReply.self)
        })
        return try #require(reply)
    }

    /// Says `text` and returns the error code of the refusal.
    func refusedSay(_ callID: UUID, _ text: String, status: HTTPStatus) async throws -> String? {
        var code: String?
        try await app.testing().test(.POST, "/api/v1/simulator/calls/\(callID)/say", headers: .bearer(token), beforeRequest: { req in
            try req.content.encode(["text": text], as: .json)
        }, afterResponse: { res throws in
            #expect(res.status == status, "\(res.body.string)")
            code = try? res.content.decode(ErrorEnvelope.self).error.code
        })
        return code
    }

    func hangUp(_ callID: UUID) async throws -> SimEnded {
        var ended: SimEnded?
        try await app.testing().test(.POST, "/api/v1/simulator/calls/\(callID)/hang-up", headers: .bearer(token), afterResponse: { res throws in
            #expect(res.status == .ok, "\(res.body.string)")
            ended = try? res.content.decode(SimEnded.self)
        })
        return try #require(ended)
    }
}
