import Crypto
import Foundation
import Vapor

/// `GET /metrics`: the Prometheus text exposition. Open to a scraper on the same machine (a loopback peer
/// with no proxy header: behind a reverse proxy every request comes from loopback, and a forwarded one is
/// not local); from anywhere else it takes `Authorization: Bearer <AVA_METRICS_TOKEN>`, and without that
/// setting it is closed (403).
struct MetricsController {
    static func register(on app: Application) {
        app.get("metrics") { req async throws -> Response in
            switch access(req) {
            case .allowed: break
            case .needsToken: return plain(.unauthorized, "bearer token required\n", challenge: true)
            case .closed: return plain(.forbidden, "metrics are only served on loopback unless AVA_METRICS_TOKEN is set\n")
            }
            let metrics = req.application.appMetrics
            await metrics.refreshGauges(app: req.application)
            let response = Response(status: .ok, body: .init(string: metrics.registry.emitToString()))
            response.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
    }

    enum Access { case allowed, needsToken, closed }

    static func access(_ req: Request) -> Access {
        if isLocal(req) { return .allowed }
        guard let expected = req.application.appConfig.metricsToken else { return .closed }
        guard let given = req.headers.bearerAuthorization?.token else { return .needsToken }
        // Constant time: compare digests, whose length does not depend on the guess.
        let match = SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(expected.utf8))
        return match ? .allowed : .needsToken
    }

    /// The TCP peer is this machine and no proxy says the request came from elsewhere.
    static func isLocal(_ req: Request) -> Bool {
        guard let ip = req.remoteAddress?.ipAddress else { return false }
        let loopback = ip == "::1" || ip.hasPrefix("127.") || ip.hasPrefix("::ffff:127.")
        let forwarded = req.headers.contains(name: "X-Forwarded-For") || req.headers.contains(name: "Forwarded")
            || req.headers.contains(name: "X-Real-IP")
        return loopback && !forwarded
    }

    private static func plain(_ status: HTTPResponseStatus, _ text: String, challenge: Bool = false) -> Response {
        let response = Response(status: status, body: .init(string: text))
        response.headers.replaceOrAdd(name: .contentType, value: "text/plain; charset=utf-8")
        if challenge { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        return response
    }
}
