import Foundation
import Vapor

/// What went wrong talking to Vapi: its error body (`{message: string | [string], error, statusCode}`),
/// a timeout, or no usable answer. Carries no credential (the API key is scrubbed from Vapi's text too),
/// so it can be logged and described as is.
struct VapiError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// Vapi answered with an error status. `messages`: Vapi's text (one or several lines), kept as sent.
        case api(messages: [String], error: String?)
        /// No answer in time (after the retries, for requests safe to repeat).
        case timeout
        /// No answer (connection refused, reset) or one that could not be read.
        case transport(String)
    }

    /// Why, in the terms AVA acts on.
    enum Reason: Sendable, Equatable {
        /// 401/403: the operator's `VAPI_API_KEY` is wrong. The operator's problem, not the user's.
        case operatorKeyInvalid
        /// Vapi would not create a free number (limit reached, area code unavailable).
        case freeNumberRefused
        /// 404: the assistant, number or call is not (or no longer) at Vapi.
        case notFound
        /// Any other 4xx: Vapi refused the request; its text says why.
        case rejected
        /// 5xx, timeout, unreachable: try again later.
        case unavailable
    }

    var kind: Kind
    /// The HTTP status Vapi answered with (0 when there was no answer).
    var httpStatus: Int
    /// The client operation, e.g. `phone-number.create-free`.
    var operation: String

    /// Vapi's text, lines joined; empty without an error body.
    var message: String {
        switch kind {
        case .api(let messages, let error): messages.isEmpty ? (error ?? "") : messages.joined(separator: "; ")
        case .timeout: "no answer in time"
        case .transport(let reason): reason
        }
    }

    var reason: Reason {
        switch kind {
        case .timeout, .transport: return .unavailable
        case .api:
            switch httpStatus {
            case 401, 403: return .operatorKeyInvalid
            case 404: return .notFound
            case 500...: return .unavailable
            case 400..<500 where operation == VapiClient.Operation.createFreeNumber && Self.isFreeNumberRefusal(message):
                return .freeNumberRefused
            default: return .rejected
            }
        }
    }

    /// Vapi's wording for a refused free number varies (the count of free numbers changed in July 2026, and
    /// AVA must not depend on it): a limit, a quota, or an area code without numbers.
    static func isFreeNumberRefusal(_ message: String) -> Bool {
        let text = message.lowercased()
        return ["limit", "quota", "maximum", "area code", "areacode", "numberdesiredareacode", "not available",
                "unavailable", "no numbers", "no available", "free number"].contains { text.contains($0) }
    }

    var description: String {
        switch kind {
        case .api:
            let hint = reason == .operatorKeyInvalid ? " (the AVA operator's Vapi key is wrong: check VAPI_API_KEY)" : ""
            return "Vapi error (HTTP \(httpStatus)) on \(operation): \(message)\(hint)"
        case .timeout: return "Vapi did not answer \(operation) in time"
        case .transport(let reason): return "Vapi unreachable on \(operation): \(reason)"
        }
    }

    /// Vapi's error body. Anything else (an HTML page from a proxy) keeps the status only.
    /// `secret` (the API key) is removed from whatever Vapi wrote, should it ever echo it.
    static func from(status: HTTPResponseStatus, body: ByteBuffer?, operation: String, secret: String) -> VapiError {
        struct Body: Decodable {
            var message: [String]?
            var error: String?
            enum CodingKeys: String, CodingKey { case message, error }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                if let one = try? container.decode(String.self, forKey: .message) {
                    message = [one]
                } else {
                    message = try? container.decode([String].self, forKey: .message)
                }
                error = try? container.decode(String.self, forKey: .error)
            }
        }
        let scrub = { (text: String) -> String in
            secret.isEmpty ? text : text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        var messages: [String] = []
        var error: String?
        if let body, let decoded = try? JSONDecoder().decode(Body.self, from: body) {
            messages = (decoded.message ?? []).map { scrub(String($0.prefix(500))) }
            error = decoded.error.map(scrub)
        }
        if messages.isEmpty, error == nil { error = status.reasonPhrase }
        return VapiError(kind: .api(messages: messages, error: error), httpStatus: Int(status.code), operation: operation)
    }
}

extension VapiError {
    /// The error shown to the user, in their language. Operator problems say so without blaming the
    /// user; `log` has already told the operator.
    var appError: AppError {
        switch reason {
        case .operatorKeyInvalid: .vapiKeyInvalid
        case .freeNumberRefused: .vapiFreeNumberRefused(message)
        case .notFound: .vapiNotFound
        case .rejected: .vapiRejected(message)
        case .unavailable: .vapiUnavailable
        }
    }

    /// Faults the operator must fix (the key, Vapi down) are errors in the log; refusals caused by what
    /// the user asked for are only noted.
    func log(_ logger: Logger, attempts: Int = 1) {
        var metadata: Logger.Metadata = ["operation": "\(operation)", "vapi": "\(self)"]
        if attempts > 1 { metadata["attempts"] = "\(attempts)" }
        switch reason {
        case .operatorKeyInvalid:
            metadata["hint"] = "the AVA operator's Vapi key is wrong: check VAPI_API_KEY"
            logger.error("Vapi refused AVA's API key", metadata: metadata)
        case .unavailable:
            logger.error("Vapi request failed", metadata: metadata)
        case .rejected:
            logger.warning("Vapi refused the request", metadata: metadata)
        case .freeNumberRefused, .notFound:
            logger.notice("Vapi refused the request", metadata: metadata)
        }
    }
}

/// The errors of Vapi operations. Codes are stable; messages are `error_<code>` in Resources/Locales.
extension AppError {
    /// The operator's Vapi key is wrong: nothing the user can do but try later.
    static let vapiKeyInvalid = AppError(status: .serviceUnavailable, code: "vapi_key_invalid", messageKey: "error_vapi_key_invalid")
    /// Vapi is down, slow or unreachable.
    static let vapiUnavailable = AppError(status: .serviceUnavailable, code: "vapi_unavailable", messageKey: "error_vapi_unavailable")
    /// The assistant, number or call is gone at Vapi.
    static let vapiNotFound = AppError(status: .notFound, code: "vapi_not_found", messageKey: "error_vapi_not_found")

    /// No free number: pick another area code, or import a Twilio number. `vapiMessage`: what Vapi said.
    static func vapiFreeNumberRefused(_ vapiMessage: String) -> AppError {
        AppError(status: .unprocessableEntity, code: "vapi_free_number_refused", messageKey: "error_vapi_free_number_refused",
                 messageArguments: [vapiMessage], field: "areaCode")
    }

    /// Vapi refused the request for another reason; its text says why.
    static func vapiRejected(_ vapiMessage: String) -> AppError {
        AppError(status: .badGateway, code: "vapi_rejected", messageKey: "error_vapi_rejected", messageArguments: [vapiMessage])
    }
}
