import Vapor

/// Counts and times every request by its route's pattern (`/api/v1/webhooks/vapi/:orgToken`, never the
/// path itself, which may carry a token and would make one series per id) and status.
struct MetricsMiddleware: Middleware {
    let metrics: AppMetrics

    // EventLoopFuture-based, not AsyncMiddleware: an async middleware starts a Task and hops threads twice for
    // every request, which the webhook (thousands a second) pays for nothing here.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let start = ContinuousClock.now
        return next.respond(to: request).always { result in
            switch result {
            case .success(let response): record(request, status: response.status.code, since: start)
            case .failure(let error): record(request, status: (error as? any AbortError)?.status.code ?? 500, since: start)
            }
        }
    }

    private func record(_ request: Request, status: UInt, since start: ContinuousClock.Instant) {
        // Unknown methods (any token is a valid HTTP method) would each make a series.
        let method = Self.methods.contains(request.method.rawValue) ? request.method.rawValue : "OTHER"
        metrics.recordRequest(method: method, route: Self.pattern(of: request), status: status,
                              duration: ContinuousClock.now - start)
    }

    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// The matched route's path with its parameters as `:name`; `unmatched` when no route answered.
    static func pattern(of request: Request) -> String {
        guard let route = request.route else { return "unmatched" }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}
