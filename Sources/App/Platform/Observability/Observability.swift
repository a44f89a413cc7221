import Vapor

/// Health, readiness, metrics and request ids. `configure` calls `useObservabilityMiddleware` first thing
/// after resetting the middleware, so they wrap everything else (the request log line carries the id, and the
/// metrics time the whole answer); `routes` registers the endpoints.
func useObservabilityMiddleware(_ app: Application) {
    app.middleware.use(MetricsMiddleware(metrics: app.appMetrics))
    app.middleware.use(RequestIDMiddleware())
}

func registerObservabilityRoutes(_ app: Application) {
    HealthController.register(on: app)
    MetricsController.register(on: app)
}
