@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// An OpenAI-compatible chat-completions server on loopback that records what AVA sends. It answers the
/// way a model would in a booking conversation: first a `checkAvailability` tool call, then, once the tool's
/// result is in the conversation, a sentence; a request without tools (the summary) gets a summary.
final class FakeLanguageModel: Sendable {
    static let apiKey = "fake-llm-key-\(UUID().uuidString.prefix(8))"

    struct Recorded: Sendable {
        var authorization: String?
        var data: Data
        var body: [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }
    }

    actor State {
        var requests: [Recorded] = []
        var failing = false
        func record(_ authorization: String?, _ data: Data) { requests.append(Recorded(authorization: authorization, data: data)) }
        func setFailing(_ value: Bool) { failing = value }
    }

    let app: Application
    let port: Int
    let state: State

    private init(app: Application, port: Int, state: State) { self.app = app; self.port = port; self.state = state }

    static func start() async throws -> FakeLanguageModel {
        let app = try await Application.make(.testing)
        let state = State()
        app.http.server.configuration.hostname = "127.0.0.1"
        app.on(.POST, "v1", "chat", "completions", body: .collect(maxSize: "4mb")) { req async throws -> Response in
            let data = req.body.data.map { Data($0.readableBytesView) } ?? Data()
            let body = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            await state.record(req.headers.first(name: .authorization), data)
            if await state.failing { return Response(status: .internalServerError, body: .init(string: "{\"error\":\"boom\"}")) }
            let messages = body["messages"] as? [[String: Any]] ?? []
            let message: [String: Any]
            if body["tools"] == nil {
                message = ["role": "assistant", "content": "Léa a réservé une coupe."]
            } else if messages.last?["role"] as? String == "tool" {
                message = ["role": "assistant", "content": "C'est noté, à bientôt !"]
            } else {
                message = ["role": "assistant", "content": NSNull(), "tool_calls": [[
                    "id": "call_fake_1", "type": "function",
                    "function": ["name": "checkAvailability", "arguments": "{\"partOfDay\":\"morning\"}"],
                ]]]
            }
            let answer: [String: Any] = ["id": "chatcmpl-1", "object": "chat.completion", "model": body["model"] ?? "",
                                         "choices": [["index": 0, "message": message, "finish_reason": "stop"]]]
            let response = Response(status: .ok, body: .init(data: try JSONSerialization.data(withJSONObject: answer)))
            response.headers.contentType = .json
            return response
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        return FakeLanguageModel(app: app, port: port, state: state)
    }

    var recorded: State { state }

    var settings: [String: String] {
        ["AVA_LLM_BASE_URL": "http://127.0.0.1:\(port)/v1", "AVA_LLM_API_KEY": Self.apiKey, "AVA_LLM_MODEL": "fake-model-1"]
    }

    func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}

@Suite("Call simulator with a language model")
struct SimulatorLLMTests {
    @Test func theModelAnswersWithToolsThroughTheWebhook() async throws {
        let fake = try await FakeLanguageModel.start()
        do {
            try await withAVA(settings: fake.settings) { app in
                let owner = try await SimulatorOwner.make(app, locale: "fr")
                let client = SimulatorClient(app: app, token: owner.token)
                let started = try #require(try await client.start(["callerName": "Léa"]))
                #expect(!started.scripted)
                let reply = try await client.say(started.callId, "Bonjour, un rendez-vous demain matin ?")
                #expect(reply.reply == "C'est noté, à bientôt !")
                #expect(reply.toolCalls.map(\.id) == ["call_fake_1"] && reply.toolCalls[0].name == "checkAvailability")
                #expect(reply.toolCalls[0].result?.contains("\"slots\"") == true)

                let requests = await fake.recorded.requests
                #expect(requests.count == 2)
                let first = try #require(requests.first)
                #expect(first.authorization == "Bearer \(FakeLanguageModel.apiKey)")
                #expect(first.body["model"] as? String == "fake-model-1")
                #expect(first.body["tool_choice"] as? String == "auto")
                let tools = first.body["tools"] as? [[String: Any]] ?? []
                let names = tools.compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
                #expect(names == ReceptionistTools.definitions.map(\.name))
                #expect(tools.allSatisfy { $0["type"] as? String == "function" })
                let messages = first.body["messages"] as? [[String: Any]] ?? []
                #expect(messages.map { $0["role"] as? String ?? "" } == ["system", "assistant", "user"])
                #expect((messages[0]["content"] as? String)?.contains("Tu es AVA") == true)
                #expect(messages[1]["content"] as? String == started.greeting)
                #expect(messages[2]["content"] as? String == "Bonjour, un rendez-vous demain matin ?")
                // The second request carries the tool call and the webhook's answer to it.
                let second = (requests[1].body["messages"] as? [[String: Any]]) ?? []
                #expect(second.map { $0["role"] as? String ?? "" } == ["system", "assistant", "user", "assistant", "tool"])
                #expect(second[4]["tool_call_id"] as? String == "call_fake_1")
                #expect((second[4]["content"] as? String)?.contains("\"slots\"") == true)

                // The tool call went through the webhook path: stored as a tool-calls event of the call.
                #expect(try await CallEvent.query(on: app.db).filter(\.$call.$id == started.callId).filter(\.$type == "tool-calls").count() == 1)

                let ended = try await client.hangUp(started.callId)
                #expect(ended.summary == "Léa a réservé une coupe.")
                #expect(try await Call.find(started.callId, on: app.db)?.summary == "Léa a réservé une coupe.")
                let summaryRequest = try #require(await fake.recorded.requests.last)
                #expect(summaryRequest.body["tools"] == nil)
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }

    @Test func aFailingModelIsAnApologyNotAnError() async throws {
        let fake = try await FakeLanguageModel.start()
        do {
            try await withAVA(settings: fake.settings) { app in
                let owner = try await SimulatorOwner.make(app, locale: "en")
                let client = SimulatorClient(app: app, token: owner.token)
                let started = try #require(try await client.start())
                await fake.recorded.setFailing(true)
                let reply = try await client.say(started.callId, "Hello?")
                #expect(reply.reply.hasPrefix("I'm sorry, I'm having a technical problem"), "\(reply.reply)")
                #expect(!reply.ended)
                let ended = try await client.hangUp(started.callId)
                #expect(ended.summary?.hasPrefix("Simulated call from") == true, "the scripted summary stands in")
            }
        } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }
}
