import AVACore
import Fluent
import Vapor

/// `tool-calls`: runs the receptionist's tools in call order and answers HTTP 200 whatever happens, with one
/// single-line `result` (the tool's output as compact JSON, whose `message` the assistant can say) or `error`
/// (a sentence the assistant can say) per call.
struct ToolCallsAnswer {
    let app: Application
    let db: any Database
    let logger: Logger

    func answer(_ message: VapiServerMessage, org: WebhookOrg, callID: UUID?, locale: AppLocale) async throws -> WebhookAnswer {
        let tools = ReceptionistTools(db: db, orgID: org.id, translations: app.translations, callID: callID)
        var results: [WebhookAnswer.ToolCallResult] = []
        for call in message.allToolCalls {
            let id = call.id ?? ""
            let name = call.toolName ?? ""
            let started = ContinuousClock.now
            let outcome = await run(tools, name: name, arguments: call.argumentObject, caller: message.callerNumber, locale: locale)
            app.appMetrics.toolCall(name, since: started)
            switch outcome {
            case .success(let (line, effect)):
                results.append(.init(toolCallId: id, name: name, result: line))
                if let effect, let callID { try await record(effect, callID: callID) }
            case .failure(let refusal):
                results.append(.init(toolCallId: id, name: name, error: refusal.spoken))
            }
        }
        return WebhookAnswer(results: results)
    }

    /// Tools that change nothing: their answer does not need the stored call.
    static let readOnlyTools: Set<String> = ["checkAvailability", "findAppointments", "transferTarget"]

    static func onlyReads(_ message: VapiServerMessage) -> Bool {
        let calls = message.allToolCalls
        return !calls.isEmpty && calls.allSatisfy { readOnlyTools.contains($0.toolName ?? "") }
    }

    struct Refusal: Error { var spoken: String }

    /// What a successful tool did to the call's outcome.
    enum Effect { case booked, message }

    private func run(_ tools: ReceptionistTools, name: String, arguments: [String: JSONValue]?, caller: String?,
                     locale: AppLocale) async -> Result<(String, Effect?), Refusal> {
        guard var arguments else { return .failure(Refusal(spoken: Self.text(.badArguments, locale))) }
        // The caller's own number is the natural default for every phone argument.
        if arguments["phone"]?.stringValue?.isEmpty ?? true, let caller { arguments["phone"] = .string(caller) }
        do {
            switch name {
            case "checkAvailability":
                let output = try await tools.checkAvailability(try decode(arguments))
                return output.ok ? .success((try line(output), nil)) : .failure(Refusal(spoken: output.message))
            case "bookAppointment":
                let output = try await tools.bookAppointment(try decode(arguments))
                return output.ok ? .success((try line(output), .booked)) : .failure(Refusal(spoken: output.message))
            case "findAppointments":
                let output = try await tools.findAppointments(try decode(arguments))
                return output.ok ? .success((try line(output), nil)) : .failure(Refusal(spoken: output.message))
            case "rescheduleAppointment":
                let output = try await tools.rescheduleAppointment(try decode(arguments))
                return output.ok ? .success((try line(output), .booked)) : .failure(Refusal(spoken: output.message))
            case "cancelAppointment":
                let output = try await tools.cancelAppointment(try decode(arguments))
                return output.ok ? .success((try line(output), nil)) : .failure(Refusal(spoken: output.message))
            case "takeMessage":
                let output = try await tools.takeMessage(try decode(arguments))
                return output.ok ? .success((try line(output), .message)) : .failure(Refusal(spoken: output.message))
            case "transferTarget":
                let output = try await tools.transferTarget()
                return .success((try line(output), nil))
            default:
                return .failure(Refusal(spoken: Self.text(.unknownTool, locale)))
            }
        } catch is DecodingError {
            return .failure(Refusal(spoken: Self.text(.badArguments, locale)))
        } catch {
            logger.error("a receptionist tool failed", metadata: ["tool": "\(name)", "error": "\(String(describing: error).prefix(300))"])
            return .failure(Refusal(spoken: Self.text(.failed, locale)))
        }
    }

    private func decode<Input: Decodable>(_ arguments: [String: JSONValue]) throws -> Input {
        try JSONDecoder().decode(Input.self, from: JSONEncoder().encode(arguments))
    }

    /// Compact JSON never spans lines: newlines inside strings are escaped.
    private func line<Output: Encodable>(_ output: Output) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }

    /// A booking outranks a message as what came of the call.
    private func record(_ effect: Effect, callID: UUID) async throws {
        switch effect {
        case .booked:
            try await Call.query(on: db).filter(\.$id == callID).set(\.$outcome, to: "booked").update()
        case .message:
            try await Call.query(on: db).filter(\.$id == callID).group(.or) { $0.filter(\.$outcome == nil).filter(\.$outcome != "booked") }
                .set(\.$outcome, to: "message").update()
        }
    }

    enum Problem { case badArguments, unknownTool, failed }

    static func text(_ problem: Problem, _ locale: AppLocale) -> String {
        switch (problem, locale) {
        case (.badArguments, .fr): "Il me manque une information pour faire cela. Pouvez-vous me la redonner ?"
        case (.badArguments, .en): "I'm missing a detail to do that. Could you tell me again?"
        case (.badArguments, .he): "חסר לי פרט כדי לעשות את זה. אפשר לחזור עליו?"
        case (.unknownTool, .fr): "Je ne peux pas faire cela, mais je peux prendre un message."
        case (.unknownTool, .en): "I can't do that, but I can take a message."
        case (.unknownTool, .he): "אני לא יכולה לעשות את זה, אבל אפשר להשאיר הודעה."
        case (.failed, .fr): "Je rencontre un souci technique. Je peux prendre un message pour qu'on vous rappelle."
        case (.failed, .en): "I'm having a technical problem. I can take a message so someone calls you back."
        case (.failed, .he): "יש לי תקלה טכנית. אפשר להשאיר הודעה ונחזור אליכם."
        }
    }
}
