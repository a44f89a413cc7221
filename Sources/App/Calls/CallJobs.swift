import Foundation

/// Durable work that follows a call (see Platform/Jobs).
enum CallJobs {
    /// The end-of-call report arrived: email the owner the summary and what was done.
    static let callEnded = "call.ended"
    /// A call with no end-of-call report after a while: ask Vapi how it ended.
    static let reconcile = "call.reconcile"

    struct CallPayload: Codable, Sendable { var callID: UUID }
}
