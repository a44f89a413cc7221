import Vapor

/// One log line per request: method, path (never the query, which can carry tokens), status, duration.
struct RequestLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        request.logger.info("\(request.method) \(Self.loggable(request.url.path)) \(response.status.code)", metadata: [
            "ms": .string(String(format: "%.1f", milliseconds)),
        ])
        return response
    }

    /// Paths that carry a secret (the organisation's webhook token, a calendar feed's token) are logged without it.
    static func loggable(_ path: String) -> String {
        for prefix in ["/api/v1/webhooks/vapi/", "/calendar/"] where path.hasPrefix(prefix) {
            return prefix + "[redacted]"
        }
        return path
    }
}
