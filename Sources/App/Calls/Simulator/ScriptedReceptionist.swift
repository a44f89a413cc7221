import AVACore
import Foundation

/// Where the scripted receptionist is in a conversation.
struct ScriptState: Sendable, Equatable, Codable {
    enum Stage: String, Sendable, Equatable, Codable { case listening, askingName, choosingSlot, askingService, takingMessage }
    enum Intent: String, Sendable, Equatable, Codable { case booking, message }

    var stage: Stage = .listening
    var intent: Intent?
    var name: String?
    /// The times last offered (tools' `start` and how they were said).
    var offered: [ToolResultLine.Slot] = []
    var service: String?
    /// The day and part of the day the caller asked for with their request, kept while AVA asks their name.
    var wantedDate: String?
    var wantedPartOfDay: String?
    var failedChecks = 0
    var misunderstood = 0
}

/// The receptionist used when no language model is configured: simple but real. It follows the assistant's
/// greeting, recognises a booking or a message, asks for a name, offers the real free times through the same
/// `checkAvailability` tool call Vapi would make, books the one the caller picks ("the first", "10h",
/// "mardi"...), takes messages with `takeMessage`, and says goodbye.
struct ScriptedReceptionist {
    let engine: SimulatorEngine

    func respond(to text: String, call: inout SimulatedCall) async throws -> BrainReply {
        let words = CallerWords(text)
        let locale = call.locale
        if call.script.name == nil, let known = call.factory.callerName, !known.isEmpty { call.script.name = known }

        // "Goodbye" ends the call from anywhere but the middle of a message (whose words are the message);
        // "no" ends it once something was done or asked.
        if (words.isGoodbye && call.script.stage != .takingMessage)
            || (call.script.stage == .listening && words.isNo && !call.toolCalls.isEmpty) {
            return BrainReply(text: ScriptedLines.text(.goodbye, locale), ended: true)
        }

        switch call.script.stage {
        case .askingName:
            guard let name = words.name else { return reply(.askNameAgain, locale) }
            call.script.name = name
            return try await proceed(call.script.intent ?? .booking, words: nil, call: &call)
        case .askingService:
            call.script.service = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return try await offer(words: nil, call: &call)
        case .takingMessage:
            return try await takeMessage(reason: text, call: &call)
        case .choosingSlot:
            if words.isMessage { return try await proceed(.message, words: words, call: &call) }
            return try await choose(words, call: &call)
        case .listening:
            if words.isBooking { return try await proceed(.booking, words: words, call: &call) }
            if words.isMessage { return try await proceed(.message, words: words, call: &call) }
            if call.script.intent == .booking, words.isYes { return try await proceed(.message, words: nil, call: &call) }
            call.script.misunderstood += 1
            // Not understood three times: someone will call back, rather than the caller going round in circles.
            if call.script.misunderstood >= 3 { return try await proceed(.message, words: nil, call: &call) }
            return reply(.clarify, locale)
        }
    }

    private func reply(_ line: ScriptedLines.Line, _ locale: AppLocale) -> BrainReply {
        BrainReply(text: ScriptedLines.text(line, locale), ended: false)
    }

    /// Moves on towards the intent: a name first, then the times or the message.
    private func proceed(_ intent: ScriptState.Intent, words: CallerWords?, call: inout SimulatedCall) async throws -> BrainReply {
        call.script.intent = intent
        if call.script.name == nil, let name = words?.name, words?.namesThemselves == true { call.script.name = name }
        if let words {
            let today = LocalDate(Date(), in: TimeZone(identifier: call.org.timezone) ?? .current)
            if let day = words.day(after: today) { call.script.wantedDate = day.description }
            if let part = words.partOfDay { call.script.wantedPartOfDay = part }
        }
        guard call.script.name != nil else {
            call.script.stage = .askingName
            return reply(.askName, call.locale)
        }
        switch intent {
        case .booking: return try await offer(words: words, call: &call)
        case .message:
            call.script.stage = .takingMessage
            return reply(.askMessage, call.locale)
        }
    }

    /// Asks `checkAvailability` (for the day or part of day the caller named, if any) and offers its times.
    private func offer(words: CallerWords?, call: inout SimulatedCall, date: LocalDate? = nil) async throws -> BrainReply {
        var arguments: [String: JSONValue] = [:]
        if let service = call.script.service, !service.isEmpty { arguments["service"] = .string(service) }
        let today = LocalDate(Date(), in: TimeZone(identifier: call.org.timezone) ?? .current)
        if let day = date ?? words?.day(after: today) {
            arguments["date"] = .string(day.description)
        } else if let wanted = call.script.wantedDate {
            arguments["date"] = .string(wanted)
        }
        if let part = words?.partOfDay ?? call.script.wantedPartOfDay { arguments["partOfDay"] = .string(part) }
        // Asked once: a later "another day" starts afresh.
        call.script.wantedDate = nil
        call.script.wantedPartOfDay = nil
        let record = try await engine.runTools([.init(name: "checkAvailability", arguments: arguments)], call: &call).first
        let locale = call.locale
        guard let record, let result = record.result else {
            call.script.failedChecks += 1
            if call.script.failedChecks >= 2 {
                call.script.intent = .message
                call.script.stage = .takingMessage
                return BrainReply(text: (record?.error.map { $0 + " " } ?? "") + ScriptedLines.text(.serviceQuestionFailed, locale), ended: false)
            }
            // Most refusals ask which service: the next words are the answer.
            call.script.stage = .askingService
            return BrainReply(text: record?.error ?? ScriptedLines.text(.apology, locale), ended: false)
        }
        let slots = ToolResultLine.slots(of: result)
        let said = ToolResultLine.message(of: result) ?? ""
        guard !slots.isEmpty else {
            call.script.stage = .listening
            call.script.intent = .booking
            return BrainReply(text: said + " " + ScriptedLines.text(.noSlotsMessageInstead, locale), ended: false)
        }
        call.script.offered = slots
        call.script.stage = .choosingSlot
        return BrainReply(text: said + " " + ScriptedLines.text(.pickSlot, locale), ended: false)
    }

    /// The caller picks one of the offered times, or names another day.
    private func choose(_ words: CallerWords, call: inout SimulatedCall) async throws -> BrainReply {
        let offered = call.script.offered
        let today = LocalDate(Date(), in: TimeZone(identifier: call.org.timezone) ?? .current)
        var candidates = offered
        let day = words.day(after: today)
        if let day { candidates = candidates.filter { $0.start.hasPrefix(day.description) } }
        if let time = words.time { candidates = candidates.filter { $0.start.hasSuffix(String(format: "T%02d:%02d", time.hour, time.minute)) } }
        var picked: ToolResultLine.Slot?
        if let ordinal = words.ordinal {
            let pool = (day != nil || words.time != nil) ? candidates : offered
            picked = ordinal < 0 ? pool.last : (ordinal < pool.count ? pool[ordinal] : nil)
        } else if (day != nil || words.time != nil), candidates.count >= 1 {
            picked = candidates.first
        } else if words.isYes, offered.count == 1 {
            picked = offered.first
        } else if let time = words.time, let first = offered.first {
            // A time that was not offered: try it (on the day named, else the day offered); a refusal names
            // the free times around it.
            let onDay = day?.description ?? String(first.start.prefix(10))
            let start = onDay + String(format: "T%02d:%02d", time.hour, time.minute)
            picked = ToolResultLine.Slot(start: start, spoken: start)
        }
        guard let slot = picked else {
            if day != nil || words.partOfDay != nil || words.isNo {
                // Another day or part of the day: look there.
                return try await offer(words: words, call: &call, date: day)
            }
            return BrainReply(text: ScriptedLines.text(.pickSlot, call.locale), ended: false)
        }
        var arguments: [String: JSONValue] = ["start": .string(slot.start), "name": .string(call.script.name ?? "")]
        if let service = call.script.service, !service.isEmpty { arguments["service"] = .string(service) }
        let record = try await engine.runTools([.init(name: "bookAppointment", arguments: arguments)], call: &call).first
        if let result = record?.result {
            call.script.stage = .listening
            call.script.intent = nil
            call.script.offered = []
            return BrainReply(text: (ToolResultLine.message(of: result) ?? "") + " " + ScriptedLines.text(.anythingElse, call.locale), ended: false)
        }
        // Refused (taken meanwhile, outside hours): the refusal names the next free times; offer those.
        let refusal = record?.error ?? ScriptedLines.text(.apology, call.locale)
        let slotDay = LocalDate(String(slot.start.prefix(10)))
        var check: [String: JSONValue] = [:]
        if let slotDay { check["date"] = .string(slotDay.description) }
        if let service = call.script.service, !service.isEmpty { check["service"] = .string(service) }
        if let again = try await engine.runTools([.init(name: "checkAvailability", arguments: check)], call: &call).first?.result {
            call.script.offered = ToolResultLine.slots(of: again)
        }
        return BrainReply(text: refusal, ended: false)
    }

    private func takeMessage(reason: String, call: inout SimulatedCall) async throws -> BrainReply {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        let record = try await engine.runTools([.init(name: "takeMessage", arguments: [
            "name": .string(call.script.name ?? call.factory.callerNumber), "reason": .string(reason),
        ])], call: &call).first
        call.script.stage = .listening
        call.script.intent = nil
        if let result = record?.result {
            return BrainReply(text: (ToolResultLine.message(of: result) ?? "") + " " + ScriptedLines.text(.anythingElse, call.locale), ended: false)
        }
        return BrainReply(text: record?.error ?? ScriptedLines.text(.apology, call.locale), ended: false)
    }
}
