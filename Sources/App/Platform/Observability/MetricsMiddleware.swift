import Vapor

/// Counts and times every request by its route's pattern (`/api/v1/webhooks/vapi/:orgToken`, never the
/// path itself, which may carry a token and would make one series per id) and status.
struct MetricsMiddleware: AsyncMiddleware {
    let metrics: AppMetrics

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next.respond(to: request)
            record(request, status: response.status.code, since: start)
            return response
        } catch {
            record(request, status: (error as? any AbortError)?.status.code ?? 500, since: start)
            throw error
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
