import Foundation
import NIOCore
import NIOHTTP1
import Vapor

/// The operator's private Vapi key. It goes into the Authorization header and nowhere else: printing or
/// logging a value of this type (or a client holding one) shows no part of it.
struct VapiAPIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    fileprivate let value: String
    init(_ value: String) { self.value = value }
    var description: String { "Vapi API key [redacted]" }
    var debugDescription: String { description }
    /// `dump` and other mirrors show nothing of it either.
    var customMirror: Mirror { Mirror(self, children: []) }
    var authorizationHeader: String { "Bearer \(value)" }
}

/// Vapi's REST API as AVA uses it: JSON bodies, `Authorization: Bearer <VAPI_API_KEY>`, JSON answers.
/// Built against `shared/contracts/vapi-openapi.json` (a copy is in Tests/Contracts); the tests validate
/// every body sent against its schema.
///
/// Requests that are safe to repeat (GET, PATCH, DELETE) are retried with backoff after a timeout, a
/// connection failure or a 5xx; creations (POST) never are, so a slow answer cannot create two numbers.
struct VapiClient: Sendable, CustomStringConvertible {
    let http: any Client
    let apiKey: VapiAPIKey
    /// `https://api.vapi.ai`, without a trailing slash.
    let baseURL: String
    let logger: Logger
    /// Per attempt.
    var timeout: TimeAmount = .seconds(10)
    /// Pauses between attempts of a safe request: 3 tries in all by default.
    var retryDelays: [Duration] = [.milliseconds(200), .milliseconds(500)]
    /// All attempts together: someone is usually waiting on the answer (a page, a form), and a proxy in front of
    /// AVA gives up after about 30 s. A slow Vapi then gets a clear "Vapi is unavailable" in time; background
    /// jobs retry later on their own schedule.
    var deadline: Duration = .seconds(15)

    init(http: any Client, apiKey: VapiAPIKey, baseURL: String, logger: Logger) {
        self.http = http
        self.apiKey = apiKey
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.logger = logger
    }

    var description: String { "Vapi client for \(baseURL)" }

    /// Operation names, as logged and as carried by `VapiError`.
    enum Operation {
        static let createAssistant = "assistant.create"
        static let updateAssistant = "assistant.update"
        static let fetchAssistant = "assistant.fetch"
        static let createFreeNumber = "phone-number.create-free"
        static let importTwilioNumber = "phone-number.import-twilio"
        static let fetchPhoneNumber = "phone-number.fetch"
        static let updatePhoneNumber = "phone-number.update"
        static let deletePhoneNumber = "phone-number.delete"
        static let listCalls = "call.list"
        static let fetchCall = "call.fetch"
    }

    // MARK: Assistants

    /// `POST /assistant` (CreateAssistantDTO) → 201 Assistant.
    func createAssistant(_ assistant: VapiAssistantRequest) async throws -> VapiAssistant {
        try await send(.POST, "/assistant", body: assistant, operation: Operation.createAssistant)
    }

    /// `PATCH /assistant/{id}` (UpdateAssistantDTO) → 200 Assistant.
    func updateAssistant(id: String, _ assistant: VapiAssistantRequest) async throws -> VapiAssistant {
        try await send(.PATCH, "/assistant/\(Self.segment(id))", body: assistant, operation: Operation.updateAssistant)
    }

    /// `GET /assistant/{id}` → 200 Assistant.
    func fetchAssistant(id: String) async throws -> VapiAssistant {
        try await send(.GET, "/assistant/\(Self.segment(id))", operation: Operation.fetchAssistant)
    }

    // MARK: Phone numbers

    /// `POST /phone-number` with `provider: "vapi"` (CreateVapiPhoneNumberDTO): a free US number in the
    /// area code. It usually comes back `activating`. Refused (limit reached, area code without numbers):
    /// `VapiError.reason == .freeNumberRefused`.
    func createFreeNumber(areaCode: String, assistantId: String?, name: String?) async throws -> VapiPhoneNumber {
        try await send(.POST, "/phone-number",
                       body: VapiFreeNumberRequest(numberDesiredAreaCode: areaCode, assistantId: assistantId, name: name),
                       operation: Operation.createFreeNumber)
    }

    /// `POST /phone-number` with `provider: "twilio"` (CreateTwilioPhoneNumberDTO): imports a number of the
    /// owner's Twilio account.
    func importTwilioNumber(number: String, accountSID: String, authToken: String, assistantId: String?,
                            name: String?, smsEnabled: Bool? = nil) async throws -> VapiPhoneNumber {
        try await send(.POST, "/phone-number",
                       body: VapiTwilioImportRequest(number: number, twilioAccountSid: accountSID, twilioAuthToken: authToken,
                                                     assistantId: assistantId, name: name, smsEnabled: smsEnabled),
                       operation: Operation.importTwilioNumber)
    }

    /// `GET /phone-number/{id}` (to follow a free number from `activating` to `active`).
    func fetchPhoneNumber(id: String) async throws -> VapiPhoneNumber {
        try await send(.GET, "/phone-number/\(Self.segment(id))", operation: Operation.fetchPhoneNumber)
    }

    /// `PATCH /phone-number/{id}` (Update<Provider>PhoneNumberDTO), e.g. to link another assistant.
    func updatePhoneNumber(id: String, _ update: VapiPhoneNumberUpdate) async throws -> VapiPhoneNumber {
        try await send(.PATCH, "/phone-number/\(Self.segment(id))", body: update, operation: Operation.updatePhoneNumber)
    }

    /// `DELETE /phone-number/{id}`: releases the number at Vapi (a free number goes back to Vapi).
    @discardableResult
    func deletePhoneNumber(id: String) async throws -> VapiPhoneNumber {
        try await send(.DELETE, "/phone-number/\(Self.segment(id))", operation: Operation.deletePhoneNumber)
    }

    // MARK: Calls

    /// `GET /call?assistantId=&phoneNumberId=&limit=&createdAtGt=`: a bare array.
    func listCalls(_ filter: VapiCallFilter = VapiCallFilter()) async throws -> [VapiCall] {
        try await send(.GET, "/call", query: filter.queryItems, operation: Operation.listCalls)
    }

    /// `GET /call/{id}`.
    func fetchCall(id: String) async throws -> VapiCall {
        try await send(.GET, "/call/\(Self.segment(id))", operation: Operation.fetchCall)
    }

    // MARK: HTTP

    private struct NoBody: Encodable {}

    private func send<Answer: Decodable>(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
                                         operation: String) async throws -> Answer {
        try await send(method, path, query: query, body: NoBody?.none, operation: operation)
    }

    private func send<Body: Encodable, Answer: Decodable>(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
                                                          body: Body?, operation: String) async throws -> Answer {
        var url = baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        var bytes: ByteBuffer?
        if let body {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            bytes = ByteBuffer(data: try encoder.encode(body))
        }
        // Creations are not repeated: Vapi may have acted on a request whose answer was lost.
        let attempts = method == .POST ? 1 : retryDelays.count + 1
        var attempt = 0
        let started = ContinuousClock.now
        while true {
            attempt += 1
            let failure: VapiError
            let remaining = deadline - (ContinuousClock.now - started)
            // Each try gets its own timeout, but never beyond the overall deadline.
            let attemptTimeout = TimeAmount.milliseconds(max(100, min(timeout.nanoseconds / 1_000_000,
                                                                       Int64(remaining / .milliseconds(1)))))
            do {
                let response = try await http.send(request(method, url, body: bytes, timeout: attemptTimeout))
                if (200..<300).contains(response.status.code) {
                    do {
                        return try JSONDecoder().decode(Answer.self, from: response.body ?? ByteBuffer())
                    } catch {
                        let unreadable = VapiError(kind: .transport("unreadable answer"), httpStatus: Int(response.status.code),
                                                   operation: operation)
                        unreadable.log(logger)
                        throw unreadable
                    }
                }
                failure = VapiError.from(status: response.status, body: response.body, operation: operation, secret: apiKey.value)
            } catch let error as VapiError {
                throw error
            } catch {
                failure = Self.transportError(error, operation: operation)
            }
            let retriable = failure.httpStatus >= 500 || failure.httpStatus == 0
            let timeLeft = attempt < attempts
                && deadline - (ContinuousClock.now - started) > retryDelays[attempt - 1] + .milliseconds(200)
            guard retriable, timeLeft else {
                failure.log(logger, attempts: attempt)
                throw failure
            }
            logger.notice("Vapi request will be retried", metadata: ["operation": "\(operation)", "vapi": "\(failure)",
                                                                     "attempt": "\(attempt)"])
            try await Task.sleep(for: retryDelays[attempt - 1])
        }
    }

    private func request(_ method: HTTPMethod, _ url: String, body: ByteBuffer?, timeout: TimeAmount) -> ClientRequest {
        var request = ClientRequest(method: method, url: URI(string: url), timeout: timeout)
        request.headers.replaceOrAdd(name: .authorization, value: apiKey.authorizationHeader)
        request.headers.replaceOrAdd(name: .accept, value: "application/json")
        if let body {
            request.headers.contentType = .json
            request.body = body
        }
        return request
    }

    /// Connection errors name the host at most, never the request's headers.
    private static func transportError(_ error: any Error, operation: String) -> VapiError {
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("timeout") || text.contains("deadlineExceeded") {
            return VapiError(kind: .timeout, httpStatus: 0, operation: operation)
        }
        return VapiError(kind: .transport(String(text.prefix(200))), httpStatus: 0, operation: operation)
    }

    /// An id as one path segment (Vapi's are UUIDs; anything else is percent-encoded, never a new path).
    private static func segment(_ id: String) -> String { percentEncode(id) }

    /// Every byte outside A–Z a–z 0–9 `-._~` percent-encoded (query values such as `+` in dates stay intact).
    static func percentEncode(_ value: String) -> String { percentEncodeUnreserved(value) }
}

extension Application {
    /// The operator's Vapi client, or nil without `VAPI_API_KEY` (AVA then runs in the sandbox).
    var vapi: VapiClient? {
        guard let settings = appConfig.vapi else { return nil }
        return VapiClient(http: client, apiKey: VapiAPIKey(settings.apiKey), baseURL: settings.baseURL, logger: logger)
    }
}
