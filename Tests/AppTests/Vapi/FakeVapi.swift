@testable import App
import Foundation
import Testing
import Vapor

/// Vapi's REST API on loopback, in the test process. Every request must carry the right bearer key
/// (else Vapi's real 401 body) and honour Vapi's published contract: the operation exists, ids are UUIDs,
/// query parameters are declared, and the JSON body validates against the operation's schema in
/// `vapi-openapi.json` (else it is recorded as a violation and refused with a 400, as Vapi would).
/// Assistants and phone numbers are kept as Vapi keeps them; calls are seeded by tests. Tests can script
/// the next answers of an operation: an error body, a 5xx, or a hang past the client's timeout.
final class FakeVapi: Sendable {
    static let apiKey = "fake-vapi-key-\(UUID().uuidString.lowercased())"
    static let orgId = UUID().uuidString.lowercased()

    enum Operation: String, Sendable {
        case createAssistant, updateAssistant, fetchAssistant, createPhoneNumber, fetchPhoneNumber, updatePhoneNumber,
             deletePhoneNumber, listCalls, fetchCall, other
    }

    enum Script: Sendable {
        /// Answer `status` with Vapi's error body; `message` is a string or an array of strings.
        case error(status: Int, message: [String], array: Bool)
        /// Answer only after `seconds` (longer than the client's timeout).
        case hang(seconds: Double)
    }

    struct Recorded: Sendable {
        var operation: Operation
        var method: String
        var path: String
        var query: [String: String]
        var authorization: String?
        var contentType: String?
        /// The raw body, as sent.
        var body: Data?
        /// The schema of vapi-openapi.json the body validated against (nil: no body).
        var schema: String?

        var json: [String: Any] { body.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:] }
        var bodyText: String { body.map { String(decoding: $0, as: UTF8.self) } ?? "" }
    }

    actor State {
        var requests: [Recorded] = []
        var violations: [String] = []
        var scripted: [Operation: [Script]] = [:]
        var assistants: [String: Data] = [:]
        var phoneNumbers: [String: Data] = [:]
        var calls: [Data] = []
        /// Fetches of a new free number before it turns `active`.
        var activatingFetches: [String: Int] = [:]

        @discardableResult
        func record(_ request: Recorded) -> Int { requests.append(request); return requests.count - 1 }
        func setSchema(_ index: Int, _ schema: String?) { requests[index].schema = schema }
        func violated(_ problems: [String]) { violations += problems }
        func script(_ operation: Operation, _ scripts: [Script]) { scripted[operation, default: []] += scripts }
        func takeScripted(_ operation: Operation) -> Script? {
            guard var queue = scripted[operation], !queue.isEmpty else { return nil }
            let next = queue.removeFirst()
            scripted[operation] = queue
            return next
        }
        func setAssistant(_ id: String, _ data: Data) { assistants[id] = data }
        func assistant(_ id: String) -> Data? { assistants[id] }
        func setPhoneNumber(_ id: String, _ data: Data) { phoneNumbers[id] = data }
        func phoneNumber(_ id: String) -> Data? { phoneNumbers[id] }
        func removePhoneNumber(_ id: String) -> Data? { phoneNumbers.removeValue(forKey: id) }
        func addCall(_ data: Data) { calls.append(data) }
        func allCalls() -> [Data] { calls }
        func fetchedWhileActivating(_ id: String) -> Int {
            activatingFetches[id, default: 0] += 1
            return activatingFetches[id]!
        }
    }

    let app: Application
    let port: Int
    let state = State()

    private init(app: Application, port: Int) { self.app = app; self.port = port }

    static func start() async throws -> FakeVapi {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let box = StateBox()
        for method in [HTTPMethod.GET, .DELETE] {
            app.on(method, .catchall) { req in try await box.fake!.handle(req) }
        }
        for method in [HTTPMethod.POST, .PATCH] {
            app.on(method, .catchall, body: .collect(maxSize: "1mb")) { req in try await box.fake!.handle(req) }
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        let fake = FakeVapi(app: app, port: port)
        box.fake = fake
        return fake
    }

    func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private final class StateBox: @unchecked Sendable { var fake: FakeVapi? }

    /// The settings that point AVA at this fake.
    func settings(apiKey: String = FakeVapi.apiKey) -> [String: String] {
        ["VAPI_API_KEY": apiKey, "VAPI_BASE_URL": "http://127.0.0.1:\(port)"]
    }

    // MARK: What tests read and script

    func requests(_ operation: Operation) async -> [Recorded] { await state.requests.filter { $0.operation == operation } }
    var allRequests: [Recorded] { get async { await state.requests } }
    var violations: [String] { get async { await state.violations } }

    func failNext(_ operation: Operation, _ scripts: Script...) async { await state.script(operation, scripts) }

    /// A call as Vapi reports it once ended: transcript and recording in `artifact`, summary in `analysis`.
    @discardableResult
    func seedCall(assistantId: String, phoneNumberId: String, createdAt: String, transcript: String = "AI: Bonjour\nUser: Bonjour",
                  summary: String = "Rendez-vous pris pour mardi.") async -> String {
        let id = UUID().uuidString.lowercased()
        let call: [String: Any] = [
            "id": id, "orgId": Self.orgId, "type": "inboundPhoneCall", "status": "ended", "endedReason": "customer-ended-call",
            "assistantId": assistantId, "phoneNumberId": phoneNumberId, "createdAt": createdAt, "updatedAt": createdAt,
            "startedAt": createdAt, "endedAt": createdAt, "cost": 0.12,
            "customer": ["number": "+33612345678"],
            "artifact": ["transcript": transcript, "recordingUrl": "https://storage.vapi.ai/\(id)-mono.wav", "messages": []],
            "analysis": ["summary": summary, "successEvaluation": "true"],
            "costBreakdown": ["total": 0.12], "monitor": ["listenUrl": "wss://example"],
        ]
        await state.addCall(try! JSONSerialization.data(withJSONObject: call))
        return id
    }

    // MARK: Serving

    private func handle(_ req: Request) async throws -> Response {
        let path = req.url.path
        let query = (req.url.query ?? "").split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        let body = req.body.data.map { Data(buffer: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let operation = Self.operation(req.method, path)
        var recorded = Recorded(operation: operation, method: req.method.rawValue, path: path,
                                query: Dictionary(query, uniquingKeysWith: { a, _ in a }),
                                authorization: req.headers.first(name: .authorization), contentType: req.headers.first(name: .contentType),
                                body: body)

        // Recorded on arrival (a client that gave up waiting must still see its request counted).
        let index = await state.record(recorded)
        guard recorded.authorization == "Bearer \(Self.apiKey)" else {
            return Self.error(401, ["Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa."],
                              array: false)
        }
        var problems = VapiContract.shared.violations(method: req.method.rawValue, path: path, query: query)
        let needsBody = VapiContract.shared.operation(req.method.rawValue, path)?.0.hasBody ?? false
        if needsBody || body != nil {
            if needsBody, recorded.contentType?.hasPrefix("application/json") != true {
                problems.append("\(path): body must be application/json, not \(recorded.contentType ?? "none")")
            }
            let check = await VapiContract.checkBody(method: req.method.rawValue, path: path, body: body)
            recorded.schema = check.schema
            await state.setSchema(index, check.schema)
            problems += check.problems.map { "\(req.method.rawValue) \(path) against \(check.schema ?? "?"): \($0)" }
        }
        if !problems.isEmpty {
            await state.violated(problems)
            return Self.error(400, problems, array: true)
        }
        switch await state.takeScripted(operation) {
        case .error(let status, let message, let array)?: return Self.error(status, message, array: array)
        case .hang(let seconds)?:
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return Self.error(504, ["too late"], array: false)
        case nil: break
        }
        let json = recorded.json
        let id = path.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        let now = VapiDate.format(Date())
        switch operation {
        case .createAssistant:
            var assistant = json
            assistant["id"] = UUID().uuidString.lowercased()
            assistant["orgId"] = Self.orgId
            assistant["createdAt"] = now
            assistant["updatedAt"] = now
            assistant["isServerUrlSecretSet"] = false
            let data = try JSONSerialization.data(withJSONObject: assistant)
            await state.setAssistant(assistant["id"] as! String, data)
            return Self.json(201, data)
        case .updateAssistant, .fetchAssistant:
            guard let stored = await state.assistant(id),
                  var assistant = try JSONSerialization.jsonObject(with: stored) as? [String: Any] else { return Self.notFound() }
            if operation == .updateAssistant {
                assistant.merge(json) { _, new in new }
                assistant["updatedAt"] = now
                await state.setAssistant(id, try JSONSerialization.data(withJSONObject: assistant))
            }
            return Self.json(200, try JSONSerialization.data(withJSONObject: assistant))
        case .createPhoneNumber:
            var number: [String: Any] = ["id": UUID().uuidString.lowercased(), "orgId": Self.orgId, "createdAt": now, "updatedAt": now]
            number.merge(json) { _, new in new }
            if json["provider"] as? String == "vapi" {
                number["status"] = "activating"
                number["number"] = "+1\(json["numberDesiredAreaCode"] as? String ?? "415")5550142"
            } else {
                number["status"] = "active"
            }
            let data = try JSONSerialization.data(withJSONObject: number)
            await state.setPhoneNumber(number["id"] as! String, data)
            return Self.json(201, data)
        case .fetchPhoneNumber, .updatePhoneNumber:
            guard let stored = await state.phoneNumber(id),
                  var number = try JSONSerialization.jsonObject(with: stored) as? [String: Any] else { return Self.notFound() }
            if operation == .updatePhoneNumber {
                number.merge(json) { _, new in new }
                number["updatedAt"] = now
            } else if number["status"] as? String == "activating", await state.fetchedWhileActivating(id) >= 2 {
                number["status"] = "active"   // a free number turns active after a while
            }
            let data = try JSONSerialization.data(withJSONObject: number)
            await state.setPhoneNumber(id, data)
            return Self.json(200, data)
        case .deletePhoneNumber:
            guard let stored = await state.removePhoneNumber(id) else { return Self.notFound() }
            return Self.json(200, stored)
        case .listCalls:
            var calls = try await state.allCalls().map { try JSONSerialization.jsonObject(with: $0) as! [String: Any] }
            if let assistantId = recorded.query["assistantId"] { calls = calls.filter { $0["assistantId"] as? String == assistantId } }
            if let phoneNumberId = recorded.query["phoneNumberId"] { calls = calls.filter { $0["phoneNumberId"] as? String == phoneNumberId } }
            if let after = recorded.query["createdAtGt"].flatMap(VapiDate.parse) {
                calls = calls.filter { ($0["createdAt"] as? String).flatMap(VapiDate.parse).map { $0 > after } ?? false }
            }
            if let limit = recorded.query["limit"].flatMap(Int.init) { calls = Array(calls.prefix(limit)) }
            return Self.json(200, try JSONSerialization.data(withJSONObject: calls))
        case .fetchCall:
            for data in await state.allCalls() {
                if let call = try JSONSerialization.jsonObject(with: data) as? [String: Any], call["id"] as? String == id {
                    return Self.json(200, data)
                }
            }
            return Self.notFound()
        case .other:
            return Self.notFound()
        }
    }

    private static func operation(_ method: HTTPMethod, _ path: String) -> Operation {
        let parts = path.split(separator: "/").map(String.init)
        switch (method, parts.first, parts.count) {
        case (.POST, "assistant"?, 1): return .createAssistant
        case (.PATCH, "assistant"?, 2): return .updateAssistant
        case (.GET, "assistant"?, 2): return .fetchAssistant
        case (.POST, "phone-number"?, 1): return .createPhoneNumber
        case (.GET, "phone-number"?, 2): return .fetchPhoneNumber
        case (.PATCH, "phone-number"?, 2): return .updatePhoneNumber
        case (.DELETE, "phone-number"?, 2): return .deletePhoneNumber
        case (.GET, "call"?, 1): return .listCalls
        case (.GET, "call"?, 2): return .fetchCall
        default: return .other
        }
    }

    /// Vapi's error body: `{message: string | [string], error, statusCode}`.
    private static func error(_ status: Int, _ message: [String], array: Bool) -> Response {
        let body: [String: Any] = ["message": array ? message : (message.first ?? "") as Any,
                                   "error": HTTPResponseStatus(statusCode: status).reasonPhrase, "statusCode": status]
        return json(status, try! JSONSerialization.data(withJSONObject: body))
    }

    private static func notFound() -> Response { error(404, ["Not Found"], array: false) }

    private static func json(_ status: Int, _ data: Data) -> Response {
        let response = Response(status: HTTPResponseStatus(statusCode: status), body: .init(data: data))
        response.headers.contentType = .json
        return response
    }
}

/// Runs `body` against AVA configured for the fake Vapi, and checks that every request AVA sent
/// honoured Vapi's contract.
func withFakeVapi(apiKey: String = FakeVapi.apiKey, _ body: (Application, FakeVapi) async throws -> Void) async throws {
    let fake = try await FakeVapi.start()
    do {
        try await withAVA(settings: fake.settings(apiKey: apiKey)) { app in try await body(app, fake) }
    } catch {
        try await fake.shutdown()
        throw error
    }
    let violations = await fake.violations
    try await fake.shutdown()
    #expect(violations.isEmpty, "requests broke Vapi's contract: \(violations)")
}
