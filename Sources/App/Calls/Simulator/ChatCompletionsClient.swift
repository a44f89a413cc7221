import Foundation
import NIOCore
import Vapor

/// One message of an OpenAI-style chat (`/chat/completions`).
struct ChatMessage: Codable, Sendable, Equatable {
    var role: String
    var content: String?
    var toolCalls: [ChatToolCall]?
    var toolCallID: String?

    enum CodingKeys: String, CodingKey { case role, content, toolCalls = "tool_calls", toolCallID = "tool_call_id" }

    init(role: String, content: String?, toolCalls: [ChatToolCall]? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        // Some servers want `content` present (null) next to tool calls.
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
        try container.encodeIfPresent(toolCallID, forKey: .toolCallID)
    }
}

struct ChatToolCall: Codable, Sendable, Equatable {
    var id: String
    var type: String = "function"
    var function: Function

    struct Function: Codable, Sendable, Equatable {
        var name: String
        /// A JSON object as a string, as OpenAI sends it.
        var arguments: String
    }

    init(id: String, name: String, arguments: String) {
        self.id = id
        self.function = Function(name: name, arguments: arguments)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = (try? container.decode(String.self, forKey: .id)) ?? "call_\(UUID().uuidString.prefix(8).lowercased())"
        type = (try? container.decode(String.self, forKey: .type)) ?? "function"
        // Some servers (older Ollama) send `arguments` as an object rather than a string.
        let nested = try container.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
        let name = try nested.decode(String.self, forKey: .name)
        if let text = try? nested.decode(String.self, forKey: .arguments) {
            function = Function(name: name, arguments: text)
        } else if let object = try? nested.decode(JSONValue.self, forKey: .arguments),
                  let data = try? JSONEncoder().encode(object) {
            function = Function(name: name, arguments: String(decoding: data, as: UTF8.self))
        } else {
            function = Function(name: name, arguments: "{}")
        }
    }

    private enum CodingKeys: String, CodingKey { case id, type, function }
    private enum FunctionKeys: String, CodingKey { case name, arguments }
}

/// A function tool as OpenAI declares it.
struct ChatTool: Encodable, Sendable {
    var type = "function"
    var function: ToolDefinition
}

struct ChatCompletionRequest: Encodable, Sendable {
    var model: String
    var messages: [ChatMessage]
    var tools: [ChatTool]?
    var toolChoice: String?
    var temperature: Double?
    var maxTokens: Int?

    enum CodingKeys: String, CodingKey {
        case model, messages, tools, toolChoice = "tool_choice", temperature, maxTokens = "max_tokens"
    }
}

struct ChatCompletionResponse: Decodable, Sendable {
    struct Choice: Decodable, Sendable {
        var message: ChatMessage
    }
    var choices: [Choice]
}

/// A client for any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, llama.cpp's server, vLLM):
/// `POST {AVA_LLM_BASE_URL}/chat/completions` with `Authorization: Bearer {AVA_LLM_API_KEY}` when a key is set.
struct ChatCompletionsClient: Sendable {
    let http: any Client
    let settings: AppConfig.LanguageModel
    var timeout: TimeAmount = .seconds(30)

    enum Failure: Error, CustomStringConvertible {
        case status(UInt)
        case transport(String)
        case malformed

        var description: String {
            switch self {
            case .status(let code): "the language model answered HTTP \(code)"
            case .transport(let text): "the language model could not be reached: \(text)"
            case .malformed: "the language model's answer was not a chat completion"
            }
        }
    }

    var endpoint: String {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        return base + "/chat/completions"
    }

    func complete(_ messages: [ChatMessage], tools: [ToolDefinition]?) async throws -> ChatMessage {
        let body = ChatCompletionRequest(
            model: settings.model, messages: messages,
            tools: tools.map { $0.map { ChatTool(function: $0) } },
            toolChoice: tools == nil ? nil : "auto", temperature: 0.3, maxTokens: 400)
        var request = ClientRequest(method: .POST, url: URI(string: endpoint), timeout: timeout)
        request.headers.contentType = .json
        request.headers.replaceOrAdd(name: .accept, value: "application/json")
        if let key = settings.apiKey, !key.isEmpty {
            request.headers.replaceOrAdd(name: .authorization, value: "Bearer \(key)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        request.body = ByteBuffer(data: try encoder.encode(body))
        let response: ClientResponse
        do {
            response = try await http.send(request)
        } catch {
            throw Failure.transport(String(String(describing: error).prefix(200)))
        }
        guard response.status.code < 300 else { throw Failure.status(response.status.code) }
        guard let buffer = response.body,
              let decoded = try? JSONDecoder().decode(ChatCompletionResponse.self, from: Data(buffer.readableBytesView)),
              let message = decoded.choices.first?.message else { throw Failure.malformed }
        return message
    }
}
