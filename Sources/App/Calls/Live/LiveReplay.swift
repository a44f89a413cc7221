import Fluent
import Foundation
import Vapor

/// Where an event sits in its call's timeline: the `id:` of the single-call stream's frames, `<ms>-<8 hex>`.
///
/// The milliseconds are the event's `at` (for a final transcript line, its `spoken_at`), rounded to the
/// millisecond, which survives every database's date precision. The tie-breaker is a hash of what the event
/// says, so two lines of the same millisecond get distinct ids, and a line gets the same id whether it is sent
/// live or read back from `call_transcript_lines`: a replayed line and its live copy are recognised as one.
struct LiveEventID: Sendable, Hashable, Comparable, CustomStringConvertible {
    var milliseconds: Int64
    var tieBreak: UInt32

    init(milliseconds: Int64, tieBreak: UInt32) {
        self.milliseconds = milliseconds
        self.tieBreak = tieBreak
    }

    /// A final transcript line, live or stored (the webhook stores the text trimmed and capped at 4000).
    init(line at: Date, role: String, text: String) {
        let said = String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(4000))
        self.init(milliseconds: Self.milliseconds(at), tieBreak: Self.hash("transcript|\(role)|\(said)"))
    }

    init(_ event: LiveCallEvent) {
        if event.kind == .transcript {
            self.init(line: event.at, role: event.role ?? "", text: event.text ?? "")
        } else {
            self.init(milliseconds: Self.milliseconds(event.at),
                      tieBreak: Self.hash("\(event.kind.rawValue)|\(event.status ?? "")|\(event.text ?? "")"))
        }
    }

    /// `<ms>-<hex>` (as sent), or `<ms>` alone: after that whole millisecond. Anything else (empty, negative,
    /// too long, not digits) is nil: a malformed `Last-Event-ID` or `since` means no replay, never an error.
    init?(parsing raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts[0]
        // 15 digits reach the year 33658: enough, and far from Int64's limits.
        guard (1...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let milliseconds = Int64(digits) else { return nil }
        var tieBreak = UInt32.max
        if parts.count == 2 {
            let hex = parts[1]
            guard (1...8).contains(hex.count), hex.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                  let value = UInt32(hex, radix: 16) else { return nil }
            tieBreak = value
        }
        self.init(milliseconds: milliseconds, tieBreak: tieBreak)
    }

    var description: String {
        let hex = String(tieBreak, radix: 16)
        return "\(milliseconds)-" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    static func < (lhs: LiveEventID, rhs: LiveEventID) -> Bool {
        (lhs.milliseconds, lhs.tieBreak) < (rhs.milliseconds, rhs.tieBreak)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return 0 }
        return Int64(max(0, min(value, 999_999_999_999_999)))
    }

    /// FNV-1a, 32 bits: stable across processes and releases (Swift's `Hasher` is seeded per process).
    static func hash(_ text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }
}

/// What a watcher of one call missed, read from the database: the final lines stored after its point, then the
/// call's current status (and `ended` with the summary once the end-of-call report is in).
enum LiveReplay {
    struct Item: Sendable {
        var event: LiveCallEvent
        var id: LiveEventID
    }

    /// More lines than any real call has; past it the rest comes with the next reconnection.
    static let maxLines = 5_000

    /// Where the watcher is: `Last-Event-ID` (what EventSource sends when it reconnects by itself), else
    /// `?since=` (a page that rendered the transcript up to some line). Nil, meaning live only, when neither
    /// is present or well-formed.
    static func point(of req: Request) -> LiveEventID? {
        if let header = req.headers.first(name: "Last-Event-ID"), let point = LiveEventID(parsing: header) { return point }
        if let since = req.query[String.self, at: "since"], let point = LiveEventID(parsing: since) { return point }
        return nil
    }

    /// The frames to send before the live ones, and the boundary: live events whose id is not greater were
    /// replayed (or were known to the watcher) and are dropped. Read this after subscribing to the hub, so an
    /// event committed meanwhile is either read here or delivered live (or both: then dropped once).
    static func load(callID: UUID, orgID: UUID, after point: LiveEventID,
                     on db: any Database) async throws -> (items: [Item], boundary: LiveEventID) {
        // A millisecond of margin below the point: the exact comparison happens on the ids.
        let from = Date(timeIntervalSince1970: Double(point.milliseconds - 1) / 1000)
        let stored = try await CallTranscriptLine.query(on: db)
            .filter(\.$call.$id == callID).filter(\.$org.$id == orgID).filter(\.$spokenAt >= from)
            .sort(\.$spokenAt).limit(maxLines).all()
        var items = stored.map { line in
            Item(event: LiveCallEvent(orgID: orgID, callID: callID, kind: .transcript, role: line.role, text: line.text,
                                      final: true, at: line.spokenAt),
                 id: LiveEventID(line: line.spokenAt, role: line.role, text: line.text))
        }
        .filter { $0.id > point }
        items.sort { $0.id < $1.id }
        let boundary = items.last?.id ?? point
        guard let call = try await Call.query(on: db).filter(\.$id == callID).filter(\.$org.$id == orgID).first() else {
            return (items, boundary)
        }
        // The status is the call's now: it carries the boundary's id, so it never hides a later live event.
        let now = call.lastEventAt ?? call.updatedAt ?? Date()
        items.append(Item(event: LiveCallEvent(orgID: orgID, callID: callID, kind: .status, status: call.status, at: now),
                          id: boundary))
        if call.reportReceivedAt != nil {
            items.append(Item(event: LiveCallEvent(orgID: orgID, callID: callID, kind: .ended, text: call.summary,
                                                   status: "ended", at: call.endedAt ?? now),
                              id: boundary))
        }
        return (items, boundary)
    }
}
