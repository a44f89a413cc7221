@testable import App
import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting

@Suite("Observability: request ids and JSON logs")
struct ObservabilityLoggingTests {
    @Test func aValidRequestIdIsEchoedAndLogged() async throws {
        LogCapture.install()
        try await withAVA { app in
            try await app.testing().test(.GET, "/healthz", headers: ["X-Request-Id": "lb-7f3a.trace:42"], afterResponse: { res throws in
                #expect(res.headers.first(name: "X-Request-Id") == "lb-7f3a.trace:42")
            })
            let line = LogCapture.text.split(separator: "\n").first { $0.contains("GET /healthz 200") && $0.contains("request_id=lb-7f3a.trace:42") }
            #expect(line != nil)
        }
    }

    @Test func anInvalidOrMissingRequestIdIsReplaced() async throws {
        try await withAVA { app in
            for header in ["bad id\nwith newline", String(repeating: "x", count: 200), "<script>", nil] as [String?] {
                var headers = HTTPHeaders()
                if let header { headers.add(name: "X-Request-Id", value: header) }
                try await app.testing().test(.GET, "/healthz", headers: headers, afterResponse: { res throws in
                    let id = try #require(res.headers.first(name: "X-Request-Id"))
                    #expect(id != header)
                    #expect(UUID(uuidString: id) != nil)
                })
            }
            // Errors carry it too.
            try await app.testing().test(.GET, "/api/v1/no-such-route", afterResponse: { res throws in
                #expect(res.status == .notFound)
                #expect(res.headers.first(name: "X-Request-Id") != nil)
            })
        }
    }

    @Test func aJobCarriesTheIdOfTheRequestThatQueuedIt() async throws {
        LogCapture.install()
        try await withAVA { app in
            let seen = NIOLockedValueBox<String?>(nil)
            app.jobs.register("test.traced") { context in
                seen.withLockedValue { $0 = RequestID.current }
                context.logger.info("traced job ran")
            }
            try await RequestID.$current.withValue("req-job-0001") {
                try await Jobs.enqueue(kind: "test.traced", payload: ["n": 1], on: app.db)
            }
            let job = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == "test.traced").first())
            #expect(RequestID.from(payload: job.payload) == "req-job-0001")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(job.payload.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["request_id", "n"])
            try await app.jobs.runDue()
            #expect(seen.withLockedValue { $0 } == "req-job-0001")
            #expect(LogCapture.text.split(separator: "\n").contains { $0.contains("traced job ran") && $0.contains("request_id=req-job-0001") })

            // From a webhook: the end-of-call report's job has the webhook request's id.
            let org = try await CallingOrg.make(app)
            let vapi = org.factory()
            let report = vapi.endOfCallReport(transcript: "AI: Bonjour", summary: "Rien.", startedAt: Date(),
                                              endedAt: Date().addingTimeInterval(30), cost: 0.1, recordingURL: nil, successEvaluation: nil)
            #expect(try await postWebhook(app, org.path, report, headers: ["X-Request-Id": "vapi-delivery-77"]).status == .ok)
            let ended = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == CallJobs.callEnded).first())
            #expect(RequestID.from(payload: ended.payload) == "vapi-delivery-77")
            // Payloads queued outside any request are unchanged.
            let plain = try await Jobs.enqueue(kind: "test.plain", payload: ["n": 2], on: app.db)
            #expect(plain.payload == #"{"n":2}"#)
        }
    }

    @Test func jsonLinesParseAndNeverCarrySecrets() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "ava.test") { label in JSONLogHandler(label: label, level: .debug) { line in lines.withLockedValue { $0.append(line) } } }
        logger[metadataKey: "request_id"] = "req-1"
        logger.debug("hidden below?")
        logger.info("signed in\nsecond line", metadata: [
            "password": "hunter2-secret", "Authorization": "Bearer abc.def", "auth_token": "tok-999",
            "session_cookie": "c00kie", "vapiWebhookSecret": "shh-123",
            "nested": ["api_key": "k-777", "ok": "visible"], "list": ["a", "b"], "count": "3",
        ])
        logger.trace("below the level")
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 2)
        for line in written { #expect(!line.contains("\n")) }
        let last = try #require(written.last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["message"] as? String == "signed in\nsecond line")
        #expect(object["request_id"] as? String == "req-1")
        #expect(object["label"] as? String == "ava.test")
        let timestamp = try #require(object["timestamp"] as? String)
        #expect((try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(timestamp)) != nil)
        let metadata = try #require(object["metadata"] as? [String: Any])
        for key in ["password", "Authorization", "auth_token", "session_cookie", "vapiWebhookSecret"] {
            #expect(metadata[key] as? String == "[redacted]", "\(key)")
        }
        #expect((metadata["nested"] as? [String: Any])?["api_key"] as? String == "[redacted]")
        #expect((metadata["nested"] as? [String: Any])?["ok"] as? String == "visible")
        #expect(metadata["list"] as? [String] == ["a", "b"])
        #expect(metadata["count"] as? String == "3")
        #expect(metadata["request_id"] == nil)
        for secret in ["hunter2", "abc.def", "tok-999", "c00kie", "shh-123", "k-777"] { #expect(!last.contains(secret)) }
    }

    @Test func theFormatFollowsTheSettingAndTheEnvironment() {
        #expect(LogFormat.usesJSON(environment: ["AVA_LOG_FORMAT": "json"], isProduction: false))
        #expect(LogFormat.usesJSON(environment: [:], isProduction: true))
        #expect(!LogFormat.usesJSON(environment: ["AVA_LOG_FORMAT": "text"], isProduction: true))
        #expect(!LogFormat.usesJSON(environment: [:], isProduction: false))
    }
}
