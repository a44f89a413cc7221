import AVACore
import Foundation
import Vapor

/// The receptionist when `AVA_LLM_BASE_URL` is set: the assistant's own system prompt and first message, the
/// receptionist's tools as OpenAI function tools, and up to four rounds of tool calls per caller sentence,
/// each run as a genuine `tool-calls` message through the webhook. Any failure is said as an apology.
struct LanguageModelReceptionist {
    let engine: SimulatorEngine
    static let maxToolRounds = 4
    /// A caller waits for an answer: past this, the turn ends with an apology whatever the model is doing.
    static let turnBudget: TimeInterval = 45

    func respond(to text: String, call: inout SimulatedCall) async -> BrainReply {
        guard let settings = engine.app.appConfig.languageModel else {
            return BrainReply(text: ScriptedLines.text(.apology, call.locale), ended: false)
        }
        let deadline = Date().addingTimeInterval(Self.turnBudget)
        let ended = CallerWords(text).isGoodbye
        call.chat.append(ChatMessage(role: "user", content: text))
        do {
            for _ in 0..<Self.maxToolRounds {
                let remaining = deadline.timeIntervalSinceNow
                guard remaining > 1 else { throw ChatCompletionsClient.Failure.transport("the turn took too long") }
                let client = ChatCompletionsClient(http: engine.app.client, settings: settings,
                                                   timeout: .milliseconds(Int64(min(30, remaining) * 1000)))
                let answer = try await client.complete(call.chat, tools: ReceptionistTools.definitions)
                let toolCalls = answer.toolCalls ?? []
                if toolCalls.isEmpty {
                    let said = answer.content?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                    let reply = said.isEmpty ? ScriptedLines.text(.apology, call.locale) : String(said.prefix(2000))
                    call.chat.append(ChatMessage(role: "assistant", content: reply))
                    return BrainReply(text: reply, ended: ended)
                }
                call.chat.append(ChatMessage(role: "assistant", content: answer.content, toolCalls: toolCalls))
                let requests = toolCalls.map { toolCall -> SimulatorEngine.ToolRequest in
                    SimulatorEngine.ToolRequest(id: toolCall.id, name: toolCall.function.name,
                                                arguments: Self.object(toolCall.function.arguments))
                }
                let records = try await engine.runTools(requests, call: &call)
                for record in records {
                    call.chat.append(ChatMessage(role: "tool", content: record.result ?? record.error ?? "", toolCallID: record.id))
                }
            }
            engine.logger.notice("the language model kept calling tools", metadata: ["rounds": "\(Self.maxToolRounds)"])
            let reply = ScriptedLines.text(.tooManyRounds, call.locale)
            call.chat.append(ChatMessage(role: "assistant", content: reply))
            return BrainReply(text: reply, ended: false)
        } catch {
            engine.logger.warning("the language model failed", metadata: ["error": "\(String(describing: error).prefix(300))"])
            let reply = ScriptedLines.text(.apology, call.locale)
            call.chat.append(ChatMessage(role: "assistant", content: reply))
            return BrainReply(text: reply, ended: false)
        }
    }

    /// Arguments as the model wrote them (a JSON object in a string); anything else is no arguments, which
    /// the tool answers with a sentence the model can use.
    static func object(_ text: String) -> [String: JSONValue] {
        guard let data = text.data(using: .utf8), let value = try? JSONDecoder().decode(JSONValue.self, from: data),
              case .object(let object) = value else { return [:] }
        return object
    }
}
