@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite("Observability: health, readiness, metrics")
struct ObservabilityHealthTests {
    @Test func healthzAnswersWithoutASession() async throws {
        try await withAVA { app in
            try await app.testing().test(.GET, "/healthz", afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.body.string == #"{"status":"ok"}"#)
                #expect(res.headers.first(name: .setCookie) == nil)
            })
        }
    }

    @Test func readyzNeedsEveryMigration() async throws {
        try await withAVA { app in
            try await app.testing().test(.GET, "/readyz", afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.body.string == #"{"status":"ok"}"#)
            })
            // The last migration no longer applied (as after restoring an older backup under a newer AVA).
            let last = try #require(AppMigrations.all.last).name
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: last)").run()
            try await app.testing().test(.GET, "/readyz", afterResponse: { res throws in
                #expect(res.status == .serviceUnavailable)
                let status = try res.content.decode(HealthController.Status.self)
                #expect(status.status == "unavailable")
                #expect(status.missingMigrations == [last])
                #expect(status.reason?.contains("ava migrate") == true)
            })
            // No migrations table at all (an empty database): 503, not 500.
            try await sql.raw("DROP TABLE _fluent_migrations").run()
            try await app.testing().test(.GET, "/readyz", afterResponse: { res throws in
                #expect(res.status == .serviceUnavailable)
                #expect(try res.content.decode(HealthController.Status.self).reason == "database unreachable or not migrated")
            })
            // Liveness does not depend on the database.
            try await app.testing().test(.GET, "/healthz", afterResponse: { res throws in #expect(res.status == .ok) })
        }
    }

    @Test func metricsListEveryFamilyAfterARequestAndAWebhookEvent() async throws {
        let token = "metrics-token-0123456789abcdef"
        try await withAVA(settings: ["AVA_METRICS_TOKEN": token]) { app in
            try await app.testing().test(.GET, "/healthz", afterResponse: { res throws in #expect(res.status == .ok) })
            try await app.testing().test(.GET, "/no/such/page/12345", afterResponse: { res throws in #expect(res.status == .notFound) })
            // Any token is a method: unknown ones share one label value.
            try await app.testing().test(HTTPMethod(rawValue: "BREW"), "/no/such/page/67890", afterResponse: { res throws in #expect(res.status == .notFound) })
            let org = try await CallingOrg.make(app, locale: "en")
            let vapi = org.factory()
            #expect(try await postWebhook(app, org.path, vapi.statusUpdate("ringing")).status == .ok)
            #expect(try await postWebhook(app, org.path, vapi.toolCalls([(id: "t1", name: "checkAvailability", arguments: [:])])).status == .ok)
            // A job that fails for good, and one still queued.
            try await Jobs.enqueue(kind: "test.nobody", payload: ["x": 1], maxAttempts: 1, on: app.db)
            try await app.jobs.runDue()
            try await Jobs.enqueue(kind: "test.later", payload: ["x": 2], runAt: Date().addingTimeInterval(3600), on: app.db)

            var text = ""
            try await app.testing().test(.GET, "/metrics", headers: .bearer(token), afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.description.hasPrefix("text/plain") == true)
                text = res.body.string
            })
            #expect(text.contains(#"ava_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
            #expect(text.contains(#"ava_http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
            #expect(text.contains(#"route="/api/v1/webhooks/vapi/:orgToken",status="200""#))
            #expect(text.contains(#"ava_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="#))
            #expect(text.contains(#"ava_webhook_events_total{type="status-update"} 1"#))
            #expect(text.contains(#"ava_webhook_events_total{type="tool-calls"} 1"#))
            #expect(text.contains(#"ava_tool_call_duration_seconds_count{tool="checkAvailability"} 1"#))
            #expect(text.contains(#"ava_job_failures_total{kind="test.nobody",final="true"} 1"#))
            #expect(text.contains(#"ava_jobs{status="queued"}"#))
            #expect(text.contains(#"ava_jobs{status="failed"} 1.0"#))
            #expect(text.contains("ava_live_watchers 0.0"))
            // Route patterns only: neither the organisation's token nor the unknown path is a label.
            #expect(!text.contains(org.token))
            #expect(!text.contains("12345"))
            #expect(text.contains(#"ava_http_requests_total{method="OTHER",route="unmatched",status="404"} 1"#))
            #expect(!text.contains("BREW") && !text.contains("67890"))
        }
    }

    @Test func metricsAreClosedToRemoteScrapersWithoutTheToken() async throws {
        let token = "metrics-token-0123456789abcdef"
        try await withAVA(settings: ["AVA_METRICS_TOKEN": token]) { app in
            // The in-memory tester has no peer address: a remote client.
            try await app.testing().test(.GET, "/metrics", afterResponse: { res throws in
                #expect(res.status == .unauthorized)
                #expect(!res.body.string.contains("ava_"))
            })
            try await app.testing().test(.GET, "/metrics", headers: .bearer("metrics-token-0123456789abcdeX"), afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
            try await app.testing().test(.GET, "/metrics", headers: .bearer(token), afterResponse: { res throws in
                #expect(res.status == .ok)
            })
        }
        try await withAVA { app in
            // No token configured: closed to everyone but this machine.
            try await app.testing().test(.GET, "/metrics", headers: .bearer("anything-at-all-0123456789"), afterResponse: { res throws in
                #expect(res.status == .forbidden)
            })
            // Over real loopback TCP: open, unless a proxy forwarded the request.
            try await app.testing(method: .running(hostname: "127.0.0.1", port: 0)).test(.GET, "/metrics", afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("ava_live_watchers"))
            })
            try await app.testing(method: .running(hostname: "127.0.0.1", port: 0)).test(
                .GET, "/metrics", headers: ["X-Forwarded-For": "203.0.113.9"], afterResponse: { res throws in
                    #expect(res.status == .forbidden)
                })
        }
    }

    @Test func aShortMetricsTokenIsASettingsError() throws {
        #expect(throws: ConfigurationErrors.self) {
            _ = try AppConfig.load(from: ["AVA_METRICS_TOKEN": "short", "AVA_SECRET_KEY": String(repeating: "k", count: 40)],
                                   isProduction: false, generatedSecretKey: { _ in "" })
        }
    }
}
