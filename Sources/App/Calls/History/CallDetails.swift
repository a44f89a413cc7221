import Fluent
import Foundation
import Vapor

/// One call with what came of it, for the call page and `GET /api/v1/calls/{id}`.
struct CallDetails: Sendable {
    struct Line: Sendable, Codable {
        /// `assistant` or `user`.
        var role: String
        var text: String
        var at: Date?
    }

    var call: Call
    var lines: [Line]
    var appointments: [Appointment]
    var messages: [OwnerMessage]

    var durationSeconds: Int? {
        guard let started = call.startedAt, let ended = call.endedAt, ended >= started else { return nil }
        return Int(ended.timeIntervalSince(started).rounded())
    }

    /// Still going: not ended, and heard from in the last two hours (a call whose report never came is not
    /// shown as live forever).
    var isLive: Bool {
        call.statusRank < 6 && call.status != "ended"
            && (call.lastEventAt ?? call.createdAt ?? .distantPast) > Date().addingTimeInterval(-2 * 3600)
    }

    /// The call `idText` of organisation `orgID`; a malformed id or another organisation's call is not found.
    static func load(_ idText: String?, orgID: UUID, on db: any Database) async throws -> CallDetails {
        guard let idText, let id = UUID(uuidString: idText),
              let call = try await Call.query(on: db).filter(\.$id == id).filter(\.$org.$id == orgID).first()
        else { throw AppError.notFound }
        let stored = try await CallTranscriptLine.query(on: db).filter(\.$call.$id == id).filter(\.$org.$id == orgID)
            .sort(\.$spokenAt).limit(2000).all()
        let lines = stored.isEmpty
            ? transcriptLines(messagesJSON: call.messagesJSON, transcript: call.transcript)
            : stored.map { Line(role: $0.role, text: $0.text, at: $0.spokenAt) }
        let appointments = try await Appointment.query(on: db).filter(\.$org.$id == orgID).filter(\.$callID == id)
            .with(\.$service).with(\.$customer).sort(\.$startsAt).all()
        let messages = try await OwnerMessage.query(on: db).filter(\.$org.$id == orgID).filter(\.$callID == id)
            .sort(\.$createdAt).all()
        return CallDetails(call: call, lines: lines, appointments: appointments, messages: messages)
    }

    /// When no live line was stored (a call imported from Vapi's report only): the report's messages
    /// (`artifact.messages`), else its plain transcript ("AI: …" / "User: …" lines).
    static func transcriptLines(messagesJSON: String?, transcript: String?) -> [Line] {
        struct Message: Decodable {
            var role: String?
            var message: String?
            var time: Double?
        }
        if let json = messagesJSON, let messages = try? JSONDecoder().decode([Message].self, from: Data(json.utf8)) {
            let lines = messages.compactMap { message -> Line? in
                guard let text = message.message?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
                      let role = message.role else { return nil }
                switch role {
                case "assistant", "bot": return Line(role: "assistant", text: text, at: message.time.map { Date(timeIntervalSince1970: $0 / 1000) })
                case "user": return Line(role: "user", text: text, at: message.time.map { Date(timeIntervalSince1970: $0 / 1000) })
                default: return nil
                }
            }
            if !lines.isEmpty { return lines }
        }
        guard let transcript else { return [] }
        var lines: [Line] = []
        for raw in transcript.split(whereSeparator: \.isNewline) {
            let text = raw.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            if let range = text.range(of: ":"), text.distance(from: text.startIndex, to: range.lowerBound) <= 12 {
                let speaker = text[..<range.lowerBound].lowercased()
                let said = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
                if ["ai", "bot", "assistant", "ava"].contains(speaker) {
                    lines.append(Line(role: "assistant", text: said, at: nil)); continue
                }
                if ["user", "customer", "caller"].contains(speaker) {
                    lines.append(Line(role: "user", text: said, at: nil)); continue
                }
            }
            // A line that continues the previous speaker's words.
            if let last = lines.indices.last { lines[last].text += " " + text } else { lines.append(Line(role: "user", text: text, at: nil)) }
        }
        return lines
    }
}
