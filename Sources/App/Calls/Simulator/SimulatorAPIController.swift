import AVACore
import Fluent
import Vapor

/// `/api/v1/simulator/calls`: call your own AVA by typing. Each step goes through the Vapi webhook's code
/// with genuine Vapi messages, so the call is stored, streamed (`GET /api/v1/calls/{callId}/live`),
/// tool-called and reported like a real one. Scoped to the signed-in user's organisation.
struct SimulatorAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let calls = routes.grouped("simulator", "calls")
        calls.post(use: start)
        calls.get(":callID", use: show)
        calls.post(":callID", "say", use: say)
        calls.post(":callID", "hang-up", use: hangUp)
    }

    struct StartRequest: Content { var callerNumber: String?; var callerName: String? }
    struct SayRequest: Content { var text: String? }

    struct StartResponse: Content {
        var callId: UUID
        var vapiCallId: String
        var greeting: String
        var scripted: Bool
        var ended: Bool
    }

    struct ToolCallDTO: Content {
        var id: String
        var name: String
        var arguments: String
        var result: String?
        var error: String?
    }

    struct SayResponse: Content {
        var reply: String
        var toolCalls: [ToolCallDTO]
        var ended: Bool
        var summary: String?
        var outcome: String?
    }

    struct HangUpResponse: Content {
        var callId: UUID
        var status: String
        var summary: String?
        var outcome: String?
    }

    struct LineDTO: Content { var role: String; var text: String; var at: Date }

    struct CallResponse: Content {
        var callId: UUID
        var scripted: Bool
        var ended: Bool
        var lines: [LineDTO]
        var summary: String?
        var outcome: String?
    }

    static let maxText = 1000

    @Sendable func start(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let body = (req.body.data?.readableBytes ?? 0) == 0 ? StartRequest() : try req.decodeJSON(StartRequest.self)
        let input = try await Self.caller(body, orgID: user.orgID, db: req.db)
        let call = try await SimulatorEngine(app: req.application, logger: req.logger)
            .start(orgID: user.orgID, callerNumber: input.number, callerName: input.name)
        let response = Response(status: .created)
        try response.content.encode(StartResponse(callId: call.callID, vapiCallId: call.factory.callID, greeting: call.greeting,
                                                  scripted: call.scripted, ended: call.ended), as: .json)
        return response
    }

    @Sendable func show(req: Request) async throws -> CallResponse {
        let user = try req.requireUser()
        guard let id = req.parameters.get("callID", as: UUID.self),
              let call = try await req.application.simulatedCalls.get(id, orgID: user.orgID) else { throw AppError.notFound }
        return CallResponse(callId: call.callID, scripted: call.scripted, ended: call.ended,
                            lines: call.lines.map { LineDTO(role: $0.role, text: $0.text, at: $0.at) },
                            summary: call.summary, outcome: call.outcome)
    }

    @Sendable func say(req: Request) async throws -> SayResponse {
        let user = try req.requireUser()
        // Another organisation's call is not found, whatever the body says.
        guard let id = req.parameters.get("callID", as: UUID.self),
              try await req.application.simulatedCalls.get(id, orgID: user.orgID) != nil else { throw AppError.notFound }
        let text = try Self.spoken(try req.decodeJSON(SayRequest.self).text)
        let turn = try await SimulatorEngine(app: req.application, logger: req.logger).say(text, callID: id, orgID: user.orgID)
        return SayResponse(reply: turn.reply, toolCalls: turn.toolCalls.map(Self.dto), ended: turn.ended,
                           summary: turn.summary, outcome: turn.outcome)
    }

    @Sendable func hangUp(req: Request) async throws -> HangUpResponse {
        let user = try req.requireUser()
        guard let id = req.parameters.get("callID", as: UUID.self) else { throw AppError.notFound }
        let ending = try await SimulatorEngine(app: req.application, logger: req.logger).hangUp(callID: id, orgID: user.orgID)
        return HangUpResponse(callId: id, status: ending.status, summary: ending.summary, outcome: ending.outcome)
    }

    static func dto(_ record: SimulatedCall.ToolCallRecord) -> ToolCallDTO {
        ToolCallDTO(id: record.id, name: record.name, arguments: record.arguments, result: record.result, error: record.error)
    }

    // MARK: Checks (shared with the page)

    /// What the caller says: one to 1000 characters once trimmed, no control characters but line breaks.
    static func spoken(_ text: String?) throws -> String {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        let clean = String(trimmed.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) })
        guard !clean.isEmpty else { throw AppError.validation("simulator_text_required", field: "text") }
        guard clean.count <= maxText else { throw AppError.validation("simulator_text_too_long", field: "text", String(maxText)) }
        return clean
    }

    /// The caller's number (E.164; a sample number of the organisation's country when none is given) and name.
    static func caller(_ body: StartRequest, orgID: UUID, db: any Database) async throws -> (number: String, name: String?) {
        guard let org = try await Org.find(orgID, on: db) else { throw AppError.notFound }
        let country = CountryCode(rawValue: org.country.uppercased()) ?? .FR
        var number = sampleNumber(country: org.country)
        if let given = body.callerNumber?.trimmingCharacters(in: .whitespacesAndNewlines), !given.isEmpty {
            guard let parsed = PhoneNumber(parsing: given, defaultCountry: country) else {
                throw AppError.validation("simulator_caller_invalid", field: "callerNumber")
            }
            number = parsed.e164
        }
        var name: String?
        if let given = body.callerName?.trimmingCharacters(in: .whitespacesAndNewlines), !given.isEmpty {
            guard given.count <= 80, !given.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
                throw AppError.validation("simulator_caller_name_invalid", field: "callerName", "80")
            }
            name = given
        }
        return (number, name)
    }

    /// A plausible mobile number of the country (reserved for fiction or tests where the country has such a range).
    static func sampleNumber(country: String) -> String {
        switch country.uppercased() {
        case "US": "+14155550100"
        case "IL": "+972501234567"
        default: "+33612345678"
        }
    }
}
