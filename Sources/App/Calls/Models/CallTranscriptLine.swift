import Fluent
import Foundation

/// One final line of a call's transcript, in the order it was spoken. Partial transcripts are only shown live,
/// never stored, so a late partial can never overwrite what was finally said.
final class CallTranscriptLine: Model, @unchecked Sendable {
    static let schema = "call_transcript_lines"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @Parent(key: "call_id") var call: Call
    /// `assistant` or `user`.
    @Field(key: "role") var role: String
    @Field(key: "text") var text: String
    @Field(key: "spoken_at") var spokenAt: Date
    /// Derived from the call, the speaker, the time and the words: the same line twice is stored once.
    @Field(key: "line_key") var lineKey: String

    init() {}
}

/// A server message as Vapi sent it (capped), kept for the call's history and for replays to be recognised.
final class CallEvent: Model, @unchecked Sendable {
    static let schema = "call_events"

    @ID(key: .id) var id: UUID?
    @Parent(key: "org_id") var org: Org
    @OptionalParent(key: "call_id") var call: Call?
    @Field(key: "type") var type: String
    @Field(key: "body") var body: String
    @Field(key: "received_at") var receivedAt: Date
    /// SHA-256 of the organisation and the raw body.
    @Field(key: "event_key") var eventKey: String

    init() {}
}
