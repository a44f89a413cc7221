import Vapor

/// Headers every answer carries. Pages load only AVA's own scripts and styles (no inline code), may not be
/// framed, and leak no path to other sites. HSTS only when AVA is served over HTTPS.
struct SecurityHeadersMiddleware: Middleware {
    let sendHSTS: Bool

    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'",
        "form-action 'self'", "frame-ancestors 'none'", "frame-src 'self'",
    ].joined(separator: "; ")

    /// EventLoopFuture-based (see `MetricsMiddleware`): headers only, no Task per request.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in addHeaders(request, response) }
    }

    private func addHeaders(_ request: Request, _ response: Response) -> Response {
        let headers = [
            ("Content-Security-Policy", Self.contentSecurityPolicy),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("Permissions-Policy", "camera=(), geolocation=(), microphone=(self)"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in headers where !response.headers.contains(name: name) {
            response.headers.replaceOrAdd(name: name, value: value)
        }
        if sendHSTS {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        if request.url.path.hasPrefix("/api/") || response.headers.contentType == .html {
            // Signed-in pages and API answers are personal: never cached by a shared cache.
            if !response.headers.contains(name: .cacheControl) {
                response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            }
        }
        return response
    }
}
