import Foundation
import Vapor

/// The id that ties together everything one request caused: its log lines, the jobs it queued (their payload
/// carries it, see `Jobs.enqueue`) and those jobs' log lines. A client's `X-Request-Id` is kept when it is a
/// sane token (a load balancer's id then follows the request); anything else is replaced, so a header cannot
/// inject text into the logs.
enum RequestID {
    /// The id of the request (or job) the current task works for.
    @TaskLocal static var current: String?

    /// The key under which a job's payload carries the id of the request that queued it.
    static let payloadKey = "request_id"

    static func isValid(_ candidate: String) -> Bool {
        guard (1...128).contains(candidate.utf8.count) else { return false }
        return candidate.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x3A  // - . _ :
        }
    }

    static func make() -> String { UUID().uuidString.lowercased() }

    /// `payload` (a JSON object) with the id added as its first key; unchanged without an id.
    static func tag(payload: String, with id: String?) -> String {
        guard let id, isValid(id), payload.hasPrefix("{") else { return payload }
        let rest = payload.dropFirst().drop { $0 == " " }
        return "{\"\(payloadKey)\":\"\(id)\"" + (rest.hasPrefix("}") ? "" : ",") + rest
    }

    /// The id a job's payload carries, if any.
    static func from(payload: String) -> String? {
        guard payload.contains("\"\(payloadKey)\""),
              let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
              let id = object[payloadKey] as? String, isValid(id) else { return nil }
        return id
    }
}

/// Gives every request its id: in `X-Request-Id` of the answer, in the request logger's metadata
/// (`request_id`) and in `RequestID.current` while the request is handled.
struct RequestIDMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let id = request.headers.first(name: "X-Request-Id").flatMap { RequestID.isValid($0) ? $0 : nil } ?? RequestID.make()
        var logger = request.logger
        // Vapor copies the raw header into `request-id`, unchecked: replaced by the checked one.
        logger[metadataKey: "request-id"] = nil
        logger[metadataKey: "request_id"] = .string(id)
        request.logger = logger
        let response = try await RequestID.$current.withValue(id) { try await next.respond(to: request) }
        response.headers.replaceOrAdd(name: "X-Request-Id", value: id)
        return response
    }
}
