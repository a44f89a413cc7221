@testable import App
import Foundation
import Testing
import Vapor

/// Twilio's REST API and Verify on loopback, in the test process. Every request must carry the right
/// Basic credentials (else the real 401/20003) and honour Twilio's published contract (else it is
/// recorded as a violation and refused). Messages are recorded; Verify keeps its own codes, as Twilio does.
/// Tests can script the next answer of an operation to be one of Twilio's errors.
final class FakeTwilio: Sendable {
    static let accountSID = "AC" + String(repeating: "0123456789abcdef", count: 2)
    static let authToken = "fake-twilio-token-\(UUID().uuidString.lowercased())"
    static let serviceSID = "VA" + String(repeating: "fedcba9876543210", count: 2)
    static let fromNumber = "+14155550100"

    enum Operation: String, Sendable { case messages, verifications, verificationCheck, account, incomingNumbers, other }

    /// A Twilio account the fake knows: the platform's (`accountSID`) and, for number imports, owners' accounts
    /// that tests add with `addAccount`.
    struct Account: Sendable {
        var authToken: String
        var status = "active"
        var type = "Full"
        /// E.164 → voice capability.
        var numbers: [String: Bool] = [:]
    }

    struct Recorded: Sendable {
        var operation: Operation
        var method: String
        var path: String
        var form: [String: String]
        var query: [String: String] = [:]
        var authorization: String?
    }

    actor State {
        var requests: [Recorded] = []
        var violations: [String] = []
        var scripted: [Operation: (code: Int, status: Int)] = [:]
        /// Verify's pending codes by number, with the wrong checks so far.
        var pending: [String: (code: String, wrongChecks: Int)] = [:]

        var accounts: [String: Account] = [FakeTwilio.accountSID: Account(authToken: FakeTwilio.authToken)]

        func record(_ request: Recorded) { requests.append(request) }
        func setAccount(_ sid: String, _ account: Account) { accounts[sid] = account }
        func account(_ sid: String) -> Account? { accounts[sid] }
        func violated(_ problems: [String]) { violations += problems }
        func script(_ operation: Operation, code: Int, status: Int) { scripted[operation] = (code, status) }
        func takeScripted(_ operation: Operation) -> (code: Int, status: Int)? { scripted.removeValue(forKey: operation) }

        func startVerification(to: String) -> String {
            // Twilio resends the same code while the verification is pending.
            if let existing = pending[to] { return existing.code }
            let code = String(format: "%06d", Int.random(in: 0..<1_000_000))
            pending[to] = (code, 0)
            return code
        }

        enum CheckResult { case approved, pending, notFound, maxAttempts }
        func check(to: String, code: String) -> CheckResult {
            guard let entry = pending[to] else { return .notFound }
            if entry.wrongChecks >= 5 { return .maxAttempts }
            if entry.code == code { pending[to] = nil; return .approved }
            pending[to] = (entry.code, entry.wrongChecks + 1)
            return .pending
        }

        func expireAll() { pending = [:] }
        func code(for phone: String) -> String? { pending[phone]?.code }
    }

    let app: Application
    let port: Int
    let state = State()

    private init(app: Application, port: Int) { self.app = app; self.port = port }

    static func start() async throws -> FakeTwilio {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let box = StateBox()
        app.on(.GET, .catchall) { req in try await box.fake!.handle(req) }
        app.on(.POST, .catchall, body: .collect(maxSize: "64kb")) { req in try await box.fake!.handle(req) }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        let fake = FakeTwilio(app: app, port: port)
        box.fake = fake
        return fake
    }

    func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private final class StateBox: @unchecked Sendable { var fake: FakeTwilio? }

    enum Mode { case messages, verify }

    /// The settings that point AVA at this fake, for the Messages API or for Verify.
    func settings(_ mode: Mode, authToken: String = FakeTwilio.authToken) -> [String: String] {
        var settings = [
            "TWILIO_ACCOUNT_SID": Self.accountSID, "TWILIO_AUTH_TOKEN": authToken,
            "TWILIO_API_BASE_URL": "http://127.0.0.1:\(port)/2010-04-01", "TWILIO_VERIFY_BASE_URL": "http://127.0.0.1:\(port)/v2",
        ]
        switch mode {
        case .messages: settings["TWILIO_FROM_NUMBER"] = Self.fromNumber
        case .verify: settings["TWILIO_VERIFY_SERVICE_SID"] = Self.serviceSID
        }
        return settings
    }

    // MARK: What tests read

    func requests(_ operation: Operation) async -> [Recorded] { await state.requests.filter { $0.operation == operation } }
    var violations: [String] { get async { await state.violations } }

    /// The six digits of the last text sent to `phone` through the Messages API.
    func lastCode(sentTo phone: String) async -> String? {
        guard let body = await requests(.messages).last(where: { $0.form["To"] == phone })?.form["Body"] else { return nil }
        return body.range(of: #"[0-9]{6}"#, options: .regularExpression).map { String(body[$0]) }
    }

    /// The code Verify sent to `phone`.
    func verifyCode(for phone: String) async -> String? { await state.code(for: phone) }

    func failNext(_ operation: Operation, code: Int, status: Int) async { await state.script(operation, code: code, status: status) }

    /// An owner's Twilio account, with its numbers (E.164 → takes voice calls).
    func addAccount(sid: String, authToken: String, status: String = "active", type: String = "Full",
                    numbers: [String: Bool]) async {
        await state.setAccount(sid, Account(authToken: authToken, status: status, type: type, numbers: numbers))
    }

    /// A random, well-formed owner account: `AC` + 32 hex, a 32-hex token.
    static func ownerCredentials() -> (sid: String, token: String) { ("AC" + hex(32), hex(32)) }

    // MARK: Serving

    private func handle(_ req: Request) async throws -> Response {
        let path = req.url.path
        let form = Self.parseForm(req.body.string ?? "")
        let query = Dictionary(Self.parseForm(req.url.query ?? ""), uniquingKeysWith: { a, _ in a })
        let operation = Self.operation(req.method, path)
        await state.record(Recorded(operation: operation, method: req.method.rawValue, path: path,
                                    form: Dictionary(form, uniquingKeysWith: { a, _ in a }), query: query,
                                    authorization: req.headers.first(name: .authorization)))

        // REST paths name the account; Verify belongs to the platform's account.
        let parts = path.split(separator: "/")
        let accountSID = parts.count >= 3 && parts[1] == "Accounts"
            ? String(parts[2]).replacingOccurrences(of: ".json", with: "") : Self.accountSID
        guard let account = await state.account(accountSID),
              req.headers.first(name: .authorization) == "Basic " + Data("\(accountSID):\(account.authToken)".utf8).base64EncodedString()
        else {
            return Self.error(20003, status: 401, message: "Authenticate")
        }
        let problems = TwilioContract.shared.violations(method: req.method.rawValue, path: path,
                                                        contentType: req.headers.first(name: .contentType), form: form)
            + Self.semanticProblems(operation, form)
        if !problems.isEmpty {
            await state.violated(problems)
            return Self.error(21999, status: 400, message: problems.joined(separator: "; "))
        }
        if let scripted = await state.takeScripted(operation) {
            return Self.error(scripted.code, status: scripted.status, message: "Scripted error \(scripted.code)")
        }
        let fields = Dictionary(form, uniquingKeysWith: { a, _ in a })
        switch operation {
        case .messages:
            return Self.json(201, ["sid": "SM" + Self.hex(32), "status": "queued", "to": fields["To"]!, "from": fields["From"]!,
                                   "body": fields["Body"]!, "account_sid": accountSID])
        case .account where path.hasSuffix("/\(accountSID).json"):
            // As Twilio does, the answer carries the auth token: AVA must never pass it on.
            return Self.json(200, ["sid": accountSID, "status": account.status, "type": account.type, "friendly_name": "AVA test",
                                   "auth_token": account.authToken])
        case .incomingNumbers:
            guard let wanted = query["PhoneNumber"], TwilioContract.isE164(wanted) else {
                await state.violated(["IncomingPhoneNumbers.json needs PhoneNumber in E.164, got \(query)"])
                return Self.error(21421, status: 400, message: "PhoneNumber is invalid")
            }
            let found = account.numbers[wanted].map { voice -> [String: Any] in
                ["sid": "PN" + Self.hex(32), "account_sid": accountSID, "phone_number": wanted, "friendly_name": wanted,
                 "capabilities": ["voice": voice, "sms": true, "mms": false, "fax": false],
                 "voice_url": "https://demo.twilio.com/welcome/voice/", "status": "in-use"]
            }
            return Self.json(200, ["incoming_phone_numbers": found.map { [$0] } ?? [], "page": 0, "page_size": 20,
                                   "uri": path, "first_page_uri": path, "next_page_uri": NSNull(), "previous_page_uri": NSNull()])
        case .verifications where path.contains(Self.serviceSID):
            _ = await state.startVerification(to: fields["To"]!)
            return Self.json(201, ["sid": "VE" + Self.hex(32), "service_sid": Self.serviceSID, "to": fields["To"]!,
                                   "channel": "sms", "status": "pending"])
        case .verificationCheck where path.contains(Self.serviceSID):
            switch await state.check(to: fields["To"]!, code: fields["Code"]!) {
            case .approved: return Self.json(200, ["sid": "VE" + Self.hex(32), "to": fields["To"]!, "status": "approved", "valid": true])
            case .pending: return Self.json(200, ["sid": "VE" + Self.hex(32), "to": fields["To"]!, "status": "pending", "valid": false])
            case .maxAttempts: return Self.error(60202, status: 429, message: "Max check attempts reached")
            case .notFound: return Self.error(20404, status: 404, message: "The requested resource was not found")
            }
        default:
            return Self.error(20404, status: 404, message: "The requested resource \(path) was not found")
        }
    }

    /// What the contract cannot say: Verify's numbers are E.164 too, AVA only texts, codes are digits.
    private static func semanticProblems(_ operation: Operation, _ form: [(String, String)]) -> [String] {
        let fields = Dictionary(form, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        switch operation {
        case .verifications:
            if !TwilioContract.isE164(fields["To"] ?? "") { problems.append("To must be E.164") }
            if fields["Channel"] != "sms" { problems.append("Channel must be sms") }
        case .verificationCheck:
            if !TwilioContract.isE164(fields["To"] ?? "") { problems.append("To must be E.164") }
            if fields["Code"]?.range(of: #"^[0-9]{4,10}$"#, options: .regularExpression) == nil { problems.append("Code must be digits") }
        case .messages:
            if (fields["Body"] ?? "").isEmpty { problems.append("Body is empty") }
        default: break
        }
        return problems
    }

    private static func operation(_ method: HTTPMethod, _ path: String) -> Operation {
        if method == .POST, path.hasSuffix("/Messages.json") { return .messages }
        if method == .POST, path.hasSuffix("/Verifications") { return .verifications }
        if method == .POST, path.hasSuffix("/VerificationCheck") { return .verificationCheck }
        if method == .GET, path.hasPrefix("/2010-04-01/Accounts/"), path.split(separator: "/").count == 3 { return .account }
        if method == .GET, path.hasSuffix("/IncomingPhoneNumbers.json") { return .incomingNumbers }
        return .other
    }

    static func parseForm(_ body: String) -> [(String, String)] {
        body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    private static func error(_ code: Int, status: Int, message: String) -> Response {
        json(status, ["code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status])
    }

    private static func json(_ status: Int, _ body: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        let response = Response(status: HTTPResponseStatus(statusCode: status), body: .init(data: data))
        response.headers.contentType = .json
        return response
    }

    private static func hex(_ count: Int) -> String {
        String((0..<count).map { _ in "0123456789abcdef".randomElement()! })
    }
}

/// Runs `body` against AVA configured for the fake Twilio (Messages API or Verify), and checks that
/// every request AVA sent honoured Twilio's contract.
func withFakeTwilio(_ mode: FakeTwilio.Mode, settings extra: [String: String] = [:], authToken: String = FakeTwilio.authToken,
                    _ body: (Application, FakeTwilio) async throws -> Void) async throws {
    let fake = try await FakeTwilio.start()
    do {
        try await withAVA(settings: fake.settings(mode, authToken: authToken).merging(extra) { _, new in new }) { app in
            try await body(app, fake)
        }
    } catch {
        try await fake.shutdown()
        throw error
    }
    let violations = await fake.violations
    try await fake.shutdown()
    #expect(violations.isEmpty, "requests broke Twilio's contract: \(violations)")
}
