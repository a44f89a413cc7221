import Foundation

/// Server messages exactly as Vapi posts them (`{"message": {...}}`, fields named as in `vapi-openapi.json`),
/// for one call. The call simulator sends these through the webhook, so a simulated call is stored, streamed,
/// tool-called and reported like a real one; tests use them too.
struct VapiMessageFactory: Sendable {
    /// Vapi's call id.
    var callID: String
    var phoneNumberID: String?
    var dialledNumber: String?
    var callerNumber: String
    var callerName: String?
    var assistantID: String?
    /// Added to every message's timestamp (tests move time).
    var clock: @Sendable () -> Date = { Date() }

    init(callID: String = UUID().uuidString.lowercased(), phoneNumberID: String? = nil, dialledNumber: String? = nil,
         callerNumber: String = "+33612345678", callerName: String? = nil, assistantID: String? = nil) {
        self.callID = callID
        self.phoneNumberID = phoneNumberID
        self.dialledNumber = dialledNumber
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.assistantID = assistantID
    }

    // MARK: The messages

    func assistantRequest() -> Data { envelope("assistant-request", [:]) }

    func statusUpdate(_ status: String, endedReason: String? = nil) -> Data {
        var fields: [String: Any] = ["status": status]
        if let endedReason { fields["endedReason"] = endedReason }
        return envelope("status-update", fields)
    }

    /// `role`: `assistant` or `user`; `final`: Vapi's `transcriptType` final (else partial).
    func transcript(_ role: String, _ text: String, final: Bool = true, at date: Date? = nil) -> Data {
        envelope("transcript", ["role": role, "transcriptType": final ? "final" : "partial", "transcript": text], at: date)
    }

    func speechUpdate(_ role: String, started: Bool) -> Data {
        envelope("speech-update", ["role": role, "status": started ? "started" : "stopped", "turn": 0])
    }

    func conversationUpdate(_ messages: [[String: Any]]) -> Data {
        envelope("conversation-update", ["messages": messages, "messagesOpenAIFormatted": []])
    }

    /// Tool calls in Vapi's current shape (`toolCallList` of `{id, type: "function", function: {name, arguments}}`,
    /// arguments as an object) and the matching `toolWithToolCallList`.
    func toolCalls(_ calls: [(id: String, name: String, arguments: [String: Any])]) -> Data {
        let list: [[String: Any]] = calls.map { ["id": $0.id, "type": "function", "function": ["name": $0.name, "arguments": $0.arguments]] }
        let withTools: [[String: Any]] = calls.map { call in
            ["type": "function", "function": ["name": call.name], "toolCall": ["id": call.id, "type": "function",
                                                                                 "function": ["name": call.name, "arguments": call.arguments]]]
        }
        return envelope("tool-calls", ["toolCallList": list, "toolWithToolCallList": withTools])
    }

    func transferDestinationRequest() -> Data { envelope("transfer-destination-request", [:]) }

    func hang() -> Data { envelope("hang", [:]) }

    func userInterrupted() -> Data { envelope("user-interrupted", [:]) }

    /// The report Vapi sends once the call is over: transcript and messages in `artifact`, summary in `analysis`.
    func endOfCallReport(transcript: String, messages: [[String: Any]] = [], summary: String?, startedAt: Date, endedAt: Date,
                         endedReason: String = "customer-ended-call", cost: Double = 0, recordingURL: String? = nil,
                         successEvaluation: String? = nil) -> Data {
        var artifact: [String: Any] = ["transcript": transcript, "messages": messages]
        if let recordingURL { artifact["recordingUrl"] = recordingURL }
        var analysis: [String: Any] = [:]
        if let summary { analysis["summary"] = summary }
        if let successEvaluation { analysis["successEvaluation"] = successEvaluation }
        return envelope("end-of-call-report", [
            "endedReason": endedReason, "cost": cost, "artifact": artifact, "analysis": analysis,
            "startedAt": VapiDate.format(startedAt), "endedAt": VapiDate.format(endedAt),
        ])
    }

    // MARK: Envelope

    private func envelope(_ type: String, _ fields: [String: Any], at date: Date? = nil) -> Data {
        var phoneNumber: [String: Any] = [:]
        if let phoneNumberID { phoneNumber["id"] = phoneNumberID }
        if let dialledNumber { phoneNumber["number"] = dialledNumber }
        var customer: [String: Any] = ["number": callerNumber]
        if let callerName { customer["name"] = callerName }
        var call: [String: Any] = ["id": callID, "type": "inboundPhoneCall", "customer": customer]
        if let phoneNumberID { call["phoneNumberId"] = phoneNumberID }
        if let assistantID { call["assistantId"] = assistantID }
        var message: [String: Any] = ["type": type, "timestamp": ((date ?? clock()).timeIntervalSince1970 * 1000).rounded(),
                                      "call": call, "customer": customer]
        if !phoneNumber.isEmpty { message["phoneNumber"] = phoneNumber }
        message.merge(fields) { _, new in new }
        return (try? JSONSerialization.data(withJSONObject: ["message": message], options: [.sortedKeys])) ?? Data()
    }
}
