@testable import App
import AVACore
import Foundation
import Testing
import Vapor

/// AVA's Vapi client against a fake Vapi that validates every request against Vapi's published
/// OpenAPI document (`Tests/Contracts/vapi-openapi.json`).
@Suite("Vapi client")
struct VapiClientTests {
    static let webhook = "https://ava.example.com/webhooks/vapi/org-token-0123456789abcdef"

    /// The assistant AVA declares: system prompt in `model.messages`, tools in `model.tools`, webhook,
    /// explicit `maxDurationSeconds`, summary plan.
    static func assistant(language: String = "fr", firstMessage: String = "Bonjour, cabinet Durand, Ava à l’appareil.") -> VapiAssistantRequest {
        let book = VapiTool(name: "book_appointment", description: "Book an appointment in the owner's calendar.",
                            parameters: .object([
                                "start": .string("Start time, ISO 8601", format: "date-time"),
                                "service": .string("What the appointment is for"),
                                "callerName": .string("The caller's full name"),
                                "attendees": VapiJSONSchema(type: "array", description: "Other people", items: .string("A name")),
                            ], required: ["start", "callerName"]))
        let message = VapiTool(name: "take_message", description: "Leave a message for the owner.",
                               parameters: .object(["text": .string("The message"),
                                                    "urgency": .string("How urgent", enumValues: ["low", "normal", "high"])],
                                                   required: ["text"]))
        return VapiAssistantRequest(
            name: "Ava – Cabinet Durand", firstMessage: firstMessage,
            model: VapiModel(systemPrompt: "Tu es Ava, la réceptionniste du cabinet Durand.", tools: [book, message], temperature: 0.4),
            voice: VapiVoice(provider: "azure", voiceId: "fr-FR-DeniseNeural"),
            transcriber: .deepgram(language: language),
            server: VapiServer(url: webhook, timeoutSeconds: 20),
            maxDurationSeconds: 1800, analysisPlan: .summary)
    }

    @Test func createsUpdatesAndFetchesAnAssistantWithValidBodies() async throws {
        try await withFakeVapi { app, fake in
            let vapi = try #require(app.vapi)
            let created = try await vapi.createAssistant(Self.assistant())
            #expect(UUID(uuidString: created.id) != nil)
            #expect(created.model?.systemPrompt == "Tu es Ava, la réceptionniste du cabinet Durand.")
            #expect(created.server?.url == Self.webhook)
            #expect(created.maxDurationSeconds == 1800)

            let create = try #require(await fake.requests(.createAssistant).first)
            #expect(create.method == "POST" && create.path == "/assistant")
            #expect(create.schema == "CreateAssistantDTO")
            #expect(create.authorization == "Bearer \(FakeVapi.apiKey)")
            let body = create.json
            #expect(body["systemPrompt"] == nil)
            let model = try #require(body["model"] as? [String: Any])
            let messages = try #require(model["messages"] as? [[String: Any]])
            #expect(messages.first?["role"] as? String == "system")
            let tools = try #require(model["tools"] as? [[String: Any]])
            #expect(tools.map { $0["type"] as? String } == ["function", "function"])
            #expect(((tools.first?["function"] as? [String: Any])?["parameters"] as? [String: Any])?["type"] as? String == "object")
            #expect(body["maxDurationSeconds"] as? Int == 1800)
            #expect((body["server"] as? [String: Any])?["timeoutSeconds"] as? Int == 20)
            #expect(((body["analysisPlan"] as? [String: Any])?["summaryPlan"] as? [String: Any])?["enabled"] as? Bool == true)
            #expect((body["transcriber"] as? [String: Any])?["language"] as? String == "fr")

            // Hebrew profile, patched in full.
            let hebrew = Self.assistant(language: "he", firstMessage: "שלום, מדברת אווה.")
            let updated = try await vapi.updateAssistant(id: created.id, hebrew)
            #expect(updated.firstMessage == "שלום, מדברת אווה.")
            let update = try #require(await fake.requests(.updateAssistant).first)
            #expect(update.method == "PATCH" && update.path == "/assistant/\(created.id)")
            #expect(update.schema == "UpdateAssistantDTO")

            let fetched = try await vapi.fetchAssistant(id: created.id)
            #expect(fetched.id == created.id && fetched.firstMessage == "שלום, מדברת אווה.")
            #expect(await fake.requests(.fetchAssistant).first?.body == nil)
        }
    }

    @Test func createsFollowsUpdatesAndDeletesAFreeNumber() async throws {
        try await withFakeVapi { app, fake in
            let vapi = try #require(app.vapi)
            let assistantId = try await vapi.createAssistant(Self.assistant(language: "en")).id
            let number = try await vapi.createFreeNumber(areaCode: "415", assistantId: assistantId, name: "Front desk")
            #expect(number.status == "activating" && number.assistantId == assistantId)
            let create = try #require(await fake.requests(.createPhoneNumber).first)
            #expect(create.schema == "CreateVapiPhoneNumberDTO")
            #expect(create.json["provider"] as? String == "vapi" && create.json["numberDesiredAreaCode"] as? String == "415")
            #expect(create.json["name"] as? String == "Front desk")

            // Activating for a while, then active.
            var fetched = try await vapi.fetchPhoneNumber(id: number.id)
            #expect(fetched.status == "activating" && !fetched.isActive)
            fetched = try await vapi.fetchPhoneNumber(id: number.id)
            #expect(fetched.isActive && fetched.number?.hasPrefix("+1415") == true)

            let renamed = try await vapi.updatePhoneNumber(id: number.id, VapiPhoneNumberUpdate(provider: .vapi, name: "Reception",
                                                                                                assistantId: assistantId))
            #expect(renamed.name == "Reception")
            #expect(await fake.requests(.updatePhoneNumber).first?.schema == "UpdateVapiPhoneNumberDTO")

            let deleted = try await vapi.deletePhoneNumber(id: number.id)
            #expect(deleted.id == number.id)
            #expect(await fake.requests(.deletePhoneNumber).first?.path == "/phone-number/\(number.id)")
            // Gone at Vapi: a 404 the user is told about plainly.
            let gone = await #expect(throws: VapiError.self) { try await vapi.fetchPhoneNumber(id: number.id) }
            #expect(gone?.reason == .notFound && gone?.appError.code == "vapi_not_found")
        }
    }

    @Test func importsATwilioNumberWithoutEverShowingItsToken() async throws {
        try await withFakeVapi { app, fake in
            let vapi = try #require(app.vapi)
            let token = "twilio-secret-\(UUID().uuidString)"
            let number = try await vapi.importTwilioNumber(number: "+33987654321", accountSID: "AC" + String(repeating: "a1", count: 16),
                                                           authToken: token, assistantId: nil, name: "Paris office")
            #expect(number.provider == "twilio" && number.number == "+33987654321" && number.isActive)
            let create = try #require(await fake.requests(.createPhoneNumber).first)
            #expect(create.schema == "CreateTwilioPhoneNumberDTO")
            #expect(create.json["twilioAuthToken"] as? String == token)
            #expect(create.json["twilioAccountSid"] as? String == "AC" + String(repeating: "a1", count: 16))
            // The decoded answer does not keep the token Vapi echoes; descriptions never show it.
            #expect(!String(reflecting: number).contains(token))
            let request = VapiTwilioImportRequest(number: "+33987654321", twilioAccountSid: "AC1", twilioAuthToken: token)
            #expect(!"\(request)".contains(token) && !String(reflecting: request).contains(token))

            _ = try await vapi.updatePhoneNumber(id: number.id, VapiPhoneNumberUpdate(provider: .twilio, name: "Paris"))
            #expect(await fake.requests(.updatePhoneNumber).first?.schema == "UpdateTwilioPhoneNumberDTO")
        }
    }

    @Test func listsAndFetchesCallsWithTheirArtifacts() async throws {
        try await withFakeVapi { app, fake in
            let vapi = try #require(app.vapi)
            let assistantId = UUID().uuidString.lowercased(), phoneNumberId = UUID().uuidString.lowercased()
            await fake.seedCall(assistantId: assistantId, phoneNumberId: phoneNumberId, createdAt: "2026-08-01T09:00:00.000Z")
            let recent = await fake.seedCall(assistantId: assistantId, phoneNumberId: phoneNumberId, createdAt: "2026-08-02T10:30:00.000Z")
            await fake.seedCall(assistantId: UUID().uuidString.lowercased(), phoneNumberId: phoneNumberId, createdAt: "2026-08-03T10:30:00.000Z")

            let since = try #require(VapiDate.parse("2026-08-01T12:00:00Z"))
            let calls = try await vapi.listCalls(VapiCallFilter(assistantId: assistantId, phoneNumberId: phoneNumberId, limit: 50,
                                                                createdAtGt: since))
            #expect(calls.map(\.id) == [recent])
            let call = try #require(calls.first)
            #expect(call.transcript?.contains("Bonjour") == true)
            #expect(call.summary == "Rendez-vous pris pour mardi.")
            #expect(call.recordingURL?.hasPrefix("https://storage.vapi.ai/") == true)
            #expect(call.callerNumber == "+33612345678" && call.status == "ended" && call.endedReason == "customer-ended-call")
            #expect(call.createdDate == VapiDate.parse("2026-08-02T10:30:00.000Z"))

            let list = try #require(await fake.requests(.listCalls).first)
            #expect(list.query["assistantId"] == assistantId && list.query["phoneNumberId"] == phoneNumberId)
            #expect(list.query["limit"] == "50" && list.query["createdAtGt"] == "2026-08-01T12:00:00.000Z")

            #expect(try await vapi.listCalls().count == 3)
            let fetched = try await vapi.fetchCall(id: recent)
            #expect(fetched.id == recent && fetched.summary == call.summary)
        }
    }

    // MARK: Errors

    @Test func aWrongKeyIsTheOperatorsProblemAndNeverShown() async throws {
        let wrongKey = "wrong-vapi-key-\(UUID().uuidString)"
        try await withFakeVapi(apiKey: wrongKey) { app, fake in
            let vapi = try #require(app.vapi)
            let error = await #expect(throws: VapiError.self) { try await vapi.fetchAssistant(id: UUID().uuidString.lowercased()) }
            let failure = try #require(error)
            #expect(failure.httpStatus == 401 && failure.reason == .operatorKeyInvalid)
            #expect(failure.message.contains("Invalid Key"))
            #expect("\(failure)".contains("the AVA operator's Vapi key is wrong"))
            #expect(failure.appError.code == "vapi_key_invalid" && failure.appError.status == .serviceUnavailable)
            // Not retried: the key will not get better.
            #expect(await fake.requests(.fetchAssistant).count == 1)
            for text in ["\(failure)", String(reflecting: failure), "\(vapi)", String(reflecting: vapi), "\(vapi.apiKey)",
                         failure.appError.reason] {
                #expect(!text.contains(wrongKey))
            }
            #expect(await fake.requests(.fetchAssistant).first?.authorization == "Bearer \(wrongKey)")
        }
    }

    @Test func aRefusedFreeNumberOffersAnotherAreaCodeOrATwilioImport() async throws {
        try await withFakeVapi { app, fake in
            let vapi = try #require(app.vapi)
            for vapiText in ["Free phone number limit reached. Please upgrade or import your own number.",
                             "No numbers available for area code 212. Try another area code."] {
                await fake.failNext(.createPhoneNumber, .error(status: 400, message: [vapiText], array: false))
                let error = await #expect(throws: VapiError.self) {
                    try await vapi.createFreeNumber(areaCode: "212", assistantId: nil, name: nil)
                }
                let failure = try #require(error)
                #expect(failure.reason == .freeNumberRefused && failure.message == vapiText)
                let appError = failure.appError
                #expect(appError.code == "vapi_free_number_refused" && appError.field == "areaCode")
                #expect(appError.messageArguments == [vapiText])
                for locale in AppLocale.allCases {
                    let text = app.translations.text(appError.messageKey, locale, appError.messageArguments)
                    #expect(text.contains(vapiText) && text.contains("Twilio"), "\(locale): \(text)")
                }
            }
            // A creation is never repeated.
            #expect(await fake.requests(.createPhoneNumber).count == 2)
            // The same words on another operation are not a free-number refusal.
            await fake.failNext(.createAssistant, .error(status: 400, message: ["Assistant limit reached"], array: false))
            let other = await #expect(throws: VapiError.self) { try await vapi.createAssistant(Self.assistant()) }
            #expect(other?.reason == .rejected && other?.appError.code == "vapi_rejected")
        }
    }

    @Test func aValidationRefusalKeepsEveryLineOfVapisText() async throws {
        try await withFakeVapi { app, fake in
            let vapi = try #require(app.vapi)
            let lines = ["name must be shorter than or equal to 40 characters", "assistantId must be a UUID"]
            await fake.failNext(.createPhoneNumber, .error(status: 400, message: lines, array: true))
            let error = await #expect(throws: VapiError.self) {
                try await vapi.importTwilioNumber(number: "+14155550123", accountSID: "AC123", authToken: "secret-token",
                                                  assistantId: nil, name: "x")
            }
            let failure = try #require(error)
            #expect(failure.kind == .api(messages: lines, error: "Bad Request"))
            #expect(failure.reason == .rejected && failure.httpStatus == 400)
            #expect(failure.message == lines.joined(separator: "; "))
            #expect(failure.appError.code == "vapi_rejected" && failure.appError.messageArguments == [failure.message])
            #expect(!"\(failure)".contains("secret-token"))
            let french = app.translations.text(failure.appError.messageKey, .fr, failure.appError.messageArguments)
            #expect(french.contains(lines[0]) && french.contains(lines[1]))
        }
    }

    @Test func aServerErrorIsRetriedForSafeRequestsOnly() async throws {
        try await withFakeVapi { app, fake in
            let vapi = try #require(app.vapi)
            let id = try await vapi.createAssistant(Self.assistant()).id

            // GET: 500, then success.
            await fake.failNext(.fetchAssistant, .error(status: 500, message: ["Internal server error"], array: false))
            #expect(try await vapi.fetchAssistant(id: id).id == id)
            #expect(await fake.requests(.fetchAssistant).count == 2)

            // PATCH: 502 and 503, then success (three tries).
            await fake.failNext(.updateAssistant, .error(status: 502, message: ["Bad gateway"], array: false),
                                .error(status: 503, message: ["Unavailable"], array: false))
            #expect(try await vapi.updateAssistant(id: id, Self.assistant()).id == id)
            #expect(await fake.requests(.updateAssistant).count == 3)

            // GET: three 500s: given up after three tries.
            await fake.failNext(.fetchAssistant, .error(status: 500, message: ["a"], array: false),
                                .error(status: 500, message: ["b"], array: false), .error(status: 500, message: ["c"], array: false))
            let gaveUp = await #expect(throws: VapiError.self) { try await vapi.fetchAssistant(id: id) }
            #expect(gaveUp?.reason == .unavailable && gaveUp?.message == "c" && gaveUp?.appError.code == "vapi_unavailable")
            #expect(await fake.requests(.fetchAssistant).count == 5)

            // POST: 500 once is not retried (Vapi may have created it).
            await fake.failNext(.createAssistant, .error(status: 500, message: ["Internal server error"], array: false))
            let created = await #expect(throws: VapiError.self) { try await vapi.createAssistant(Self.assistant()) }
            #expect(created?.reason == .unavailable && created?.httpStatus == 500)
            #expect(await fake.requests(.createAssistant).count == 2)
        }
    }

    @Test func aTimeoutIsRetriedForSafeRequestsOnly() async throws {
        try await withFakeVapi { app, fake in
            var vapi = try #require(app.vapi)
            vapi.timeout = .milliseconds(1500)
            let callId = await fake.seedCall(assistantId: UUID().uuidString.lowercased(), phoneNumberId: UUID().uuidString.lowercased(),
                                             createdAt: "2026-08-02T10:30:00.000Z")

            await fake.failNext(.fetchCall, .hang(seconds: 3))
            #expect(try await vapi.fetchCall(id: callId).id == callId)
            #expect(await fake.requests(.fetchCall).count == 2)

            await fake.failNext(.createPhoneNumber, .hang(seconds: 4))
            let error = await #expect(throws: VapiError.self) {
                try await vapi.createFreeNumber(areaCode: "415", assistantId: nil, name: nil)
            }
            #expect(error?.kind == .timeout && error?.reason == .unavailable && error?.appError.code == "vapi_unavailable")
            // Long enough for a retry to have arrived, had there been one.
            try await Task.sleep(for: .seconds(1))
            #expect(await fake.requests(.createPhoneNumber).count == 1)
        }
    }

    @Test func unreachableVapiIsUnavailable() async throws {
        try await withAVA(settings: ["VAPI_API_KEY": "k-\(UUID().uuidString)", "VAPI_BASE_URL": "http://127.0.0.1:9"]) { app in
            var vapi = try #require(app.vapi)
            vapi.retryDelays = [.milliseconds(10)]
            vapi.timeout = .seconds(2)
            let error = await #expect(throws: VapiError.self) { try await vapi.listCalls() }
            #expect(error?.httpStatus == 0 && error?.reason == .unavailable)
        }
    }

    @Test func withoutAKeyThereIsNoClient() async throws {
        try await withAVA { app in
            #expect(app.vapi == nil && app.appConfig.isSandbox)
        }
        try await withAVA(settings: ["VAPI_API_KEY": "k"]) { app in
            #expect(app.vapi?.baseURL == "https://api.vapi.ai")
        }
    }

    // MARK: The contract check itself

    /// The validator is not a rubber stamp: the mistakes the contracts page warns about are caught.
    @Test(arguments: [
        ("POST", "/assistant", #"{"systemPrompt": "You are Ava", "maxDurationSeconds": 1800}"#),
        ("POST", "/assistant", #"{"model": {"provider": "openai", "model": "gpt-4o", "messages": [{"role": "boss", "content": "x"}]}}"#),
        ("POST", "/assistant", #"{"maxDurationSeconds": 5}"#),
        ("POST", "/assistant", #"{"server": {"uri": "https://ava.example.com"}}"#),
        ("PATCH", "/assistant/1c7c5b8e-0000-4000-8000-000000000000", #"{"firstMesage": "Hello"}"#),
        ("POST", "/phone-number", #"{"provider": "vapi", "numberDesiredAreaCode": "4155"}"#),
        ("POST", "/phone-number", #"{"provider": "twilio", "number": "+33612345678"}"#),
        ("POST", "/phone-number", #"{"provider": "vapi", "areaCode": "415"}"#),
        ("PATCH", "/phone-number/1c7c5b8e-0000-4000-8000-000000000000", #"{"name": "no provider"}"#),
    ])
    func theValidatorRefusesWrongBodies(method: String, path: String, body: String) async {
        let check = await VapiContract.checkBody(method: method, path: path, body: Data(body.utf8))
        #expect(!check.problems.isEmpty, "\(method) \(path) \(body) passed")
    }

    @Test func theContractKnowsTheOperationsAndQueries() {
        let contract = VapiContract.shared
        #expect(contract.violations(method: "POST", path: "/phone-numbers/import", query: []).count == 1)
        #expect(contract.violations(method: "GET", path: "/call", query: [("assistantId", "a"), ("limit", "10")]).isEmpty)
        #expect(!contract.violations(method: "GET", path: "/call", query: [("limit", "5000")]).isEmpty)
        #expect(!contract.violations(method: "GET", path: "/call", query: [("createdAfter", "2026-01-01T00:00:00Z")]).isEmpty)
        #expect(!contract.violations(method: "GET", path: "/call/not-a-uuid", query: []).isEmpty)
    }
}

/// The API key never reaches a log line, a description or a mirror; the operator is told what to fix.
@Suite("Vapi client secrecy")
struct VapiSecrecyTests {
    final class Capture: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var text: String { lock.withLock { lines.joined(separator: "\n") } }
    }

    struct CapturingHandler: LogHandler {
        let capture: Capture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let all = self.metadata.merging(metadata ?? [:]) { _, new in new }
            capture.append("\(level) \(message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }

    @Test func theKeyIsNeverLoggedAndA401TellsTheOperator() async throws {
        let fake = try await FakeVapi.start()
        let capture = Capture()
        let wrongKey = "sk-wrong-\(UUID().uuidString)"
        do {
            try await withAVA(settings: fake.settings()) { app in
                let logger = Logger(label: "vapi-test") { _ in CapturingHandler(capture: capture) }
                let good = VapiClient(http: app.client, apiKey: VapiAPIKey(FakeVapi.apiKey), baseURL: "http://127.0.0.1:\(fake.port)/",
                                      logger: logger)
                await fake.failNext(.listCalls, .error(status: 500, message: ["boom"], array: false))
                _ = try await good.listCalls()
                let bad = VapiClient(http: app.client, apiKey: VapiAPIKey(wrongKey), baseURL: good.baseURL, logger: logger)
                await #expect(throws: VapiError.self) { try await bad.fetchCall(id: UUID().uuidString) }

                var dumped = ""
                dump(bad, to: &dumped)
                dump(VapiTwilioImportRequest(number: "+33612345678", twilioAccountSid: "AC1", twilioAuthToken: wrongKey), to: &dumped)
                #expect(!dumped.contains(wrongKey), "\(dumped)")
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
        let logs = capture.text
        #expect(logs.contains("the AVA operator's Vapi key is wrong"), "\(logs)")
        #expect(logs.contains("will be retried"))
        #expect(!logs.contains(wrongKey) && !logs.contains(FakeVapi.apiKey), "\(logs)")
    }

    /// The fake really refuses a body that breaks the contract (so green tests mean valid bodies).
    @Test func theFakeRefusesABodyThatBreaksTheContract() async throws {
        let fake = try await FakeVapi.start()
        do {
            try await withAVA(settings: fake.settings()) { app in
                let response = try await app.client.post(URI(string: "http://127.0.0.1:\(fake.port)/phone-number"),
                                                         headers: ["Authorization": "Bearer \(FakeVapi.apiKey)"]) { req in
                    try req.content.encode(["provider": "vapi", "areaCode": "415"], as: .json)
                }
                #expect(response.status == .badRequest)
                let error = VapiError.from(status: response.status, body: response.body, operation: "raw", secret: FakeVapi.apiKey)
                #expect(error.message.contains("areaCode is not declared"), "\(error)")
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        #expect(await !fake.violations.isEmpty)
        try await fake.shutdown()
    }
}
