import Foundation

/// One thing that happened on a call, as watchers see it live (the test-call step, the dashboard).
struct LiveCallEvent: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable { case status, transcript, ended, toolCall = "tool-call" }

    var orgID: UUID
    var callID: UUID
    var kind: Kind
    /// `assistant` or `user` for transcript lines.
    var role: String?
    var text: String?
    /// Partial transcripts are replaced by the next partial or final of the same speaker.
    var final: Bool?
    /// Call status (`ringing`, `in-progress`, `ended`...) for status events.
    var status: String?
    var at: Date

    // The JSON browsers read (SSE `data:`) and processes relay: the API's `…Id` spelling.
    enum CodingKeys: String, CodingKey { case orgID = "orgId", callID = "callId", kind, role, text, final, status, at }
}

/// What travels between AVA processes on the PostgreSQL channel: the event and the process that published it
/// (that process already delivered it to its own watchers, so it skips it when it comes back).
struct LiveCallWire: Codable, Sendable, Equatable {
    /// Origin process.
    var p: UUID
    /// Per-process sequence number: keeps payloads distinct (PostgreSQL folds identical payloads sent in
    /// one transaction into one notification) and makes the order visible in logs.
    var s: UInt64
    var e: LiveCallEvent

    /// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
    static let maxPayloadBytes = 7_900

    /// The payload for NOTIFY: JSON under `maxPayloadBytes`, the text shortened (with "…") when needed.
    /// Nil only if even an empty text does not fit, which fixed-size fields make impossible in practice.
    func payload() -> String? {
        var wire = self
        for _ in 0..<8 {
            guard let data = try? Self.encoder.encode(wire) else { return nil }
            if data.count <= Self.maxPayloadBytes { return String(decoding: data, as: UTF8.self) }
            guard let text = wire.e.text, !text.isEmpty else { return nil }
            // Escapes (\", \n, \uXXXX) make a character cost up to 6 bytes of JSON: shrink the text in
            // proportion to the overshoot, then measure again.
            let ratio = Double(Self.maxPayloadBytes - 64) / Double(data.count)
            let keepBytes = max(0, Int(Double(text.utf8.count) * ratio) - 16)
            wire.e.text = Self.prefix(text, utf8Bytes: keepBytes) + "…"
        }
        return nil
    }

    static func decode(_ payload: String) -> LiveCallWire? {
        try? decoder.decode(LiveCallWire.self, from: Data(payload.utf8))
    }

    /// The longest prefix of whole characters within `utf8Bytes` bytes (never splits a Hebrew letter or an emoji).
    static func prefix(_ text: String, utf8Bytes: Int) -> String {
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let size = text[index].utf8.count
            if used + size > utf8Bytes { break }
            used += size
            end = text.index(after: index)
        }
        return String(text[..<end])
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
