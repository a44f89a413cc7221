import Vapor

/// One log line per request: method, path (never the query, which can carry tokens), status, duration.
struct RequestLogMiddleware: Middleware {
    /// EventLoopFuture-based (see `MetricsMiddleware`).
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let start = ContinuousClock.now
        return next.respond(to: request).map { response in
            let elapsed = ContinuousClock.now - start
            request.logger.info("\(request.method) \(Self.loggable(request.url.path)) \(response.status.code)", metadata: [
                "ms": .string(String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)),
            ])
            return response
        }
    }

    static func loggable(_ path: String) -> String {
        for prefix in ["/api/v1/webhooks/vapi/", "/calendar/"] where path.hasPrefix(prefix) {
            return prefix + "[redacted]"
        }
        return path
    }
}
