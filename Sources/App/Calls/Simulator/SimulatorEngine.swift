import AVACore
import Fluent
import Foundation
import Vapor

/// Runs simulated calls: every step is a genuine Vapi server message (`VapiMessageFactory`) decoded and handed
/// to `VapiWebhookProcessor`, exactly as the webhook does with Vapi's, so the call is stored, streamed,
/// tool-called and reported like a real one. The replies come from the language model when one is configured,
/// else from the scripted receptionist.
struct SimulatorEngine: Sendable {
    let app: Application
    let logger: Logger

    struct Turn: Sendable {
        var reply: String
        var toolCalls: [SimulatedCall.ToolCallRecord]
        var ended: Bool
        var summary: String?
        var outcome: String?
    }

    struct Ending: Sendable { var summary: String?; var outcome: String?; var status: String }

    var usesLanguageModel: Bool { app.appConfig.languageModel != nil }

    // MARK: Start

    /// Open simulated calls an organisation may have at once.
    static let maxOpenCalls = 10

    func start(orgID: UUID, callerNumber: String, callerName: String?) async throws -> SimulatedCall {
        guard try await app.simulatedCalls.openCount(orgID: orgID) < Self.maxOpenCalls else { throw SimulatorErrors.tooManyCalls }
        guard let orgModel = try await Org.find(orgID, on: app.db) else { throw AppError.notFound }
        let token = try await orgModel.ensureWebhookToken(on: app.db)
        guard let org = try await app.webhookOrgs.find(token: token, on: app.db) else { throw AppError.notFound }
        let locale = AppLocale(rawValue: org.locale) ?? .fallback
        // The call comes in on the organisation's first number when it has one, as a real call would.
        let number = try await PhoneNumberRecord.query(on: app.db).filter(\.$org.$id == orgID).first()
        var factory = VapiMessageFactory(phoneNumberID: number?.vapiPhoneNumberID, dialledNumber: number?.e164,
                                         callerNumber: callerNumber, callerName: callerName)
        let now = Date()
        factory.clock = { now }
        var call = SimulatedCall(callID: UUID(), orgID: orgID, org: org, factory: factory, locale: locale, startedAt: now,
                                 greeting: "", systemPrompt: "", scripted: !usesLanguageModel, lastTimestamp: now, lastActivity: now)

        let answer = try await send(call.factory.assistantRequest(), call: call)
        guard let row = try await Call.query(on: app.db).filter(\.$vapiCallID == factory.callID).filter(\.$org.$id == orgID).first(),
              let callID = row.id else { throw AppError.notFound }
        call.callID = callID
        let assistant = try await Assistant.forOrg(orgModel, on: app.db)
        let full = AssistantSync.vapiRequest(assistant, org: orgModel, webhookURL: AssistantSync.webhookURL(publicURL: app.appConfig.publicURL, token: token))
        var hangUpAfterGreeting = false
        if let given = answer.assistant {
            call.greeting = given.firstMessage ?? full.firstMessage ?? ""
            call.systemPrompt = given.model.systemPrompt ?? full.model.systemPrompt ?? ""
        } else if answer.assistantId != nil {
            // The live assistant at Vapi is this same profile.
            call.greeting = full.firstMessage ?? ""
            call.systemPrompt = full.model.systemPrompt ?? ""
        } else if let destination = answer.destination {
            call.greeting = destination.message ?? AfterHoursRule.transferMessage(locale)
            hangUpAfterGreeting = true
        } else {
            call.greeting = answer.error ?? AfterHoursRule.unknownNumber(locale)
            hangUpAfterGreeting = true
        }
        call.chat = [ChatMessage(role: "system", content: call.systemPrompt), ChatMessage(role: "assistant", content: call.greeting)]

        _ = try await send(stamp(&call).statusUpdate("ringing"), call: call)
        _ = try await send(stamp(&call).statusUpdate("in-progress"), call: call)
        try await speak(call.greeting, role: "assistant", call: &call)
        if hangUpAfterGreeting {
            _ = try await finish(&call, endedReason: answer.destination != nil ? "assistant-forwarded-call" : "assistant-ended-call")
        }
        try await app.simulatedCalls.insert(call)
        // Calls left open in a closed tab end as Vapi ends a silent call, so none stays "in progress".
        // The store (and its database) is taken now: the task may outlive a shutting-down application.
        let engine = self, store = app.simulatedCalls
        Task { await engine.endAbandoned(store: store) }
        return call
    }

    /// Nobody spoke for this long: the call ends (`silence-timed-out`, as Vapi says).
    static let silenceTimeout: TimeInterval = 15 * 60

    func endAbandoned(now: Date = Date(), store: SimulatedCallStore? = nil) async {
        let abandoned: [SimulatedCall]
        do {
            abandoned = try await (store ?? app.simulatedCalls).takeAbandoned(idle: Self.silenceTimeout, now: now)
        } catch {
            logger.warning("abandoned simulated calls could not be looked up", metadata: ["error": "\(String(describing: error).prefix(200))"])
            return
        }
        for var call in abandoned {
            do {
                _ = try await finish(&call, endedReason: "silence-timed-out")
            } catch {
                logger.warning("an abandoned simulated call could not be ended", metadata: ["error": "\(String(describing: error).prefix(200))"])
            }
            await release(call, touch: false)
        }
    }

    /// Writes the call back after a turn, whatever happened during it. A failure here leaves the call's lease
    /// to expire (`SimulatedCallStore.claimLease`); the turn's answer stands.
    private func release(_ call: SimulatedCall, touch: Bool = true) async {
        do {
            try await app.simulatedCalls.release(call, touch: touch)
        } catch {
            logger.error("a simulated call could not be written back", metadata: ["error": "\(String(describing: error).prefix(200))"])
        }
    }

    /// Runs `body` on the call, then writes it back, also when `body` throws (as a turn that failed half-way
    /// keeps what it did).
    private func withReleasing<T>(_ call: inout SimulatedCall, _ body: (inout SimulatedCall) async throws -> T) async throws -> T {
        do {
            let result = try await body(&call)
            await release(call)
            return result
        } catch {
            await release(call)
            throw error
        }
    }

    // MARK: Say

    func say(_ text: String, callID: UUID, orgID: UUID) async throws -> Turn {
        var call: SimulatedCall
        switch try await app.simulatedCalls.claim(callID, orgID: orgID) {
        case .claimed(let claimed): call = claimed
        case .unknown: throw AppError.notFound
        case .ended: throw SimulatorErrors.callEnded
        case .busy: throw SimulatorErrors.busy
        }
        return try await withReleasing(&call) { call in try await turn(text, call: &call) }
    }

    private func turn(_ text: String, call: inout SimulatedCall) async throws -> Turn {
        let toolsBefore = call.toolCalls.count
        // The caller speaks: speech starts, a partial transcript as the words come, the final one, speech stops.
        _ = try await send(stamp(&call).speechUpdate("user", started: true), call: call)
        let words = text.split(separator: " ")
        if words.count > 2 {
            try await speak(words.prefix((words.count + 1) / 2).joined(separator: " "), role: "user", final: false, call: &call)
        }
        try await speak(text, role: "user", call: &call)
        _ = try await send(stamp(&call).speechUpdate("user", started: false), call: call)

        let reply: BrainReply
        do {
            if call.scripted {
                reply = try await ScriptedReceptionist(engine: self).respond(to: text, call: &call)
            } else {
                reply = await LanguageModelReceptionist(engine: self).respond(to: text, call: &call)
            }
        } catch {
            logger.error("the simulator's receptionist failed", metadata: ["error": "\(String(describing: error).prefix(300))"])
            reply = BrainReply(text: ScriptedLines.text(.apology, call.locale), ended: false)
        }
        _ = try await send(stamp(&call).speechUpdate("assistant", started: true), call: call)
        try await speak(reply.text, role: "assistant", call: &call)
        _ = try await send(stamp(&call).speechUpdate("assistant", started: false), call: call)
        // Vapi restates the whole conversation after each turn.
        _ = try await send(stamp(&call).conversationUpdate(Self.artifactMessages(call)), call: call)
        var turn = Turn(reply: reply.text, toolCalls: Array(call.toolCalls[toolsBefore...]), ended: reply.ended)
        if reply.ended {
            let ending = try await finish(&call, endedReason: "assistant-ended-call")
            turn.summary = ending.summary
            turn.outcome = ending.outcome
        }
        return turn
    }

    // MARK: Hang up

    func hangUp(callID: UUID, orgID: UUID) async throws -> Ending {
        var call: SimulatedCall
        switch try await app.simulatedCalls.claim(callID, orgID: orgID) {
        case .claimed(let claimed): call = claimed
        case .unknown: throw AppError.notFound
        case .ended:
            // Hanging up twice answers what the first time did.
            guard let ended = try await app.simulatedCalls.get(callID, orgID: orgID) else { throw AppError.notFound }
            return Ending(summary: ended.summary, outcome: ended.outcome, status: "ended")
        case .busy: throw SimulatorErrors.busy
        }
        return try await withReleasing(&call) { call in try await finish(&call, endedReason: "customer-ended-call") }
    }

    /// `status-update` ended, then the end-of-call report with the transcript, the messages and a summary.
    private func finish(_ call: inout SimulatedCall, endedReason: String) async throws -> Ending {
        let summary = await summarise(call)
        _ = try await send(stamp(&call).statusUpdate("ended", endedReason: endedReason), call: call)
        let transcript = call.lines.map { ($0.role == "assistant" ? "AI: " : "User: ") + $0.text }.joined(separator: "\n")
        let messages = Self.artifactMessages(call)
        let endedAt = stampDate(&call)
        call.factory.clock = { endedAt }
        _ = try await send(call.factory.endOfCallReport(transcript: transcript, messages: messages, summary: summary,
                                                        startedAt: call.startedAt, endedAt: endedAt, endedReason: endedReason),
                           call: call)
        call.ended = true
        let row = try await Call.find(call.callID, on: app.db)
        call.summary = row?.summary ?? summary
        call.outcome = row?.outcome
        return Ending(summary: call.summary, outcome: call.outcome, status: row?.status ?? "ended")
    }

    /// The conversation as Vapi's `artifact.messages`: `{role: bot|user, message, time, secondsFromStart}`.
    static func artifactMessages(_ call: SimulatedCall) -> [[String: Any]] {
        call.lines.map { line in
            ["role": line.role == "assistant" ? "bot" : "user", "message": line.text,
             "time": (line.at.timeIntervalSince1970 * 1000).rounded(),
             "secondsFromStart": max(0, line.at.timeIntervalSince(call.startedAt))]
        }
    }

    private func summarise(_ call: SimulatedCall) async -> String {
        let booked = call.toolCalls.last { $0.name == "bookAppointment" && $0.result != nil }
        // "Coupe, vendredi 27 novembre à 09:00": the service asked for and the time booked, in the business's zone.
        let bookedText = booked?.result.flatMap { line -> String? in
            guard let start = ToolResultLine.start(of: line) else { return ToolResultLine.message(of: line) }
            let when = BookingTexts.when(start, locale: call.locale, timeZoneID: call.org.timezone)
            let checked = call.toolCalls.last { $0.name == "checkAvailability" && $0.result != nil }?.result
            let service = checked.flatMap(ToolResultLine.service(of:))
            return [service, when].compactMap { $0 }.joined(separator: ", ")
        }
        let message = call.toolCalls.contains { $0.name == "takeMessage" && $0.result != nil }
        let transferred = call.toolCalls.contains { $0.name == "transferTarget" && $0.result != nil }
        let caller = call.factory.callerName ?? call.script.name ?? call.factory.callerNumber
        let scripted = ScriptedLines.summary(caller: caller, booked: bookedText, message: message, transferred: transferred, locale: call.locale)
        guard !call.scripted, let settings = app.appConfig.languageModel, call.lines.count > 1 else { return scripted }
        let transcript = call.lines.map { ($0.role == "assistant" ? "AI: " : "User: ") + $0.text }.joined(separator: "\n")
        let client = ChatCompletionsClient(http: app.client, settings: settings, timeout: .seconds(20))
        do {
            let answer = try await client.complete([
                ChatMessage(role: "system", content: ScriptedLines.summaryInstruction(call.locale)),
                ChatMessage(role: "user", content: transcript),
            ], tools: nil)
            let text = answer.content?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return text.isEmpty ? scripted : String(text.prefix(2000))
        } catch {
            logger.notice("the language model gave no summary", metadata: ["error": "\(error)"])
            return scripted
        }
    }

    // MARK: Tools

    struct ToolRequest: Sendable {
        var id: String?
        var name: String
        var arguments: [String: JSONValue]
    }

    /// Runs tools the way Vapi does: one `tool-calls` message through the webhook processor, whose `results`
    /// are the answers.
    func runTools(_ requests: [ToolRequest], call: inout SimulatedCall) async throws -> [SimulatedCall.ToolCallRecord] {
        guard !requests.isEmpty else { return [] }
        let prepared = requests.map { request -> (id: String, name: String, arguments: [String: Any]) in
            let id = request.id ?? "call_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24).lowercased()
            let data = (try? JSONEncoder().encode(request.arguments)) ?? Data("{}".utf8)
            let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            return (id, request.name, object)
        }
        let answer = try await send(stamp(&call).toolCalls(prepared), call: call)
        var records: [SimulatedCall.ToolCallRecord] = []
        for (index, request) in prepared.enumerated() {
            let results = answer.results ?? []
            let result = results.first { $0.toolCallId == request.id } ?? (index < results.count ? results[index] : nil)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let arguments = (try? encoder.encode(requests[index].arguments)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            records.append(.init(id: request.id, name: request.name, arguments: arguments, result: result?.result,
                                 error: result?.error ?? (result == nil ? ToolCallsAnswer.text(.failed, call.locale) : nil)))
        }
        call.toolCalls += records
        return records
    }

    // MARK: Messages

    /// One line spoken: the transcript message, and the line kept for the report.
    func speak(_ text: String, role: String, final: Bool = true, call: inout SimulatedCall) async throws {
        let at = stampDate(&call)
        _ = try await send(call.factory.transcript(role, text, final: final, at: at), call: call)
        if final { call.lines.append(.init(role: role, text: text, at: at)) }
    }

    /// The factory with its clock at the call's next instant: every message gets its own millisecond, so two
    /// identical messages (the caller saying "yes" twice) are two events, not one replayed.
    private func stamp(_ call: inout SimulatedCall) -> VapiMessageFactory {
        let at = stampDate(&call)
        var factory = call.factory
        factory.clock = { at }
        return factory
    }

    private func stampDate(_ call: inout SimulatedCall) -> Date {
        let next = max(Date(), call.lastTimestamp.addingTimeInterval(0.001))
        call.lastTimestamp = next
        return next
    }

    /// Exactly what the webhook does with a body it received, minus the authentication (the simulator is
    /// AVA itself, acting for a signed-in user of the organisation).
    @discardableResult
    func send(_ body: Data, call: SimulatedCall) async throws -> WebhookAnswer {
        let message = try JSONDecoder().decode(VapiWebhookEnvelope.self, from: body).message
        return try await VapiWebhookProcessor(app: app, logger: logger)
            .process(message, body: String(decoding: body, as: UTF8.self), org: call.org, simulated: true)
    }
}

struct BrainReply: Sendable {
    var text: String
    var ended: Bool
}

enum SimulatorErrors {
    static let callEnded = AppError(status: .conflict, code: "simulator_call_ended", messageKey: "error_simulator_call_ended")
    static let busy = AppError(status: .conflict, code: "simulator_busy", messageKey: "error_simulator_busy")
    static let tooManyCalls = AppError(status: .tooManyRequests, code: "simulator_too_many_calls",
                                       messageKey: "error_simulator_too_many_calls", messageArguments: [String(SimulatorEngine.maxOpenCalls)])
}

/// Reading a tool's one-line `result` (compact JSON).
enum ToolResultLine {
    struct Slot: Codable, Sendable, Equatable { var start: String; var spoken: String }
    private struct Fields: Decodable { var message: String?; var service: String?; var slots: [Slot]?; var alternatives: [Slot]? }

    private static func fields(_ line: String) -> Fields? {
        try? JSONDecoder().decode(Fields.self, from: Data(line.utf8))
    }

    static func message(of line: String) -> String? { fields(line)?.message }
    static func service(of line: String) -> String? { fields(line)?.service }

    /// The booked instant (`start`, ISO 8601) of a bookAppointment result.
    static func start(of line: String) -> Date? {
        struct Start: Decodable { var start: String? }
        guard let text = (try? JSONDecoder().decode(Start.self, from: Data(line.utf8)))?.start else { return nil }
        return ISO8601DateFormatter().date(from: text)
    }
    static func slots(of line: String) -> [Slot] { fields(line)?.slots ?? fields(line)?.alternatives ?? [] }
}
