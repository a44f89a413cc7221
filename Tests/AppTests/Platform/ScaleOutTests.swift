@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// Several AVA processes share one PostgreSQL: what limits and signs people in lives in the database, so a load
/// balancer may send each request to any process. (Live transcripts across processes: LiveRelayTests.)
@Suite("Scale out: two processes, one database (PostgreSQL)", .enabled(if: isPostgres))
struct ScaleOutTests {
    func login(_ app: Application, _ identifier: String, _ password: String) async throws -> HTTPStatus {
        var status = HTTPStatus.internalServerError
        try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
            try req.content.encode(["identifier": identifier, "password": password], as: .json)
        }, afterResponse: { res throws in status = res.status })
        return status
    }

    @Test("a burst of failed sign-ins split across two processes hits the one shared limit")
    func signInLimitIsShared() async throws {
        try await withTwoAVAs(settings: ["AVA_AUTH_RATE_LIMIT": "5"]) { processA, processB in
            let email = uniqueEmail("burst")
            _ = try await signUp(processA, SignupBody(email: email))
            var statuses: [HTTPStatus] = []
            // Alternating A, B, A, B…: each process alone saw at most three attempts, together they saw six.
            for index in 0..<6 {
                statuses.append(try await login(index % 2 == 0 ? processA : processB, email, "wrong-password-123"))
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == .unauthorized }, "\(statuses)")
            #expect(statuses.last == .tooManyRequests, "\(statuses)")
            // And the other process refuses too, even with the right password.
            #expect(try await login(processA, email, SignupBody(email: email).password) == .tooManyRequests)
        }
    }

    @Test("a session opened on one process works on the other, and signing out on one ends it on both")
    func sessionsAreShared() async throws {
        try await withTwoAVAs { processA, processB in
            let auth = try await signUp(processA, SignupBody(email: uniqueEmail("shared")))
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: auth.tokens.accessToken)
            try await processB.testing().test(.GET, "/api/v1/me", headers: headers, afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.body.string.contains(auth.user.email))
            })
            try await processB.testing().test(.POST, "/api/v1/auth/logout", headers: headers, afterResponse: { res throws in
                #expect(res.status.code < 300)
            })
            try await processA.testing().test(.GET, "/api/v1/me", headers: headers, afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
        }
    }

    @Test("jobs queued on one process run exactly once when both processes' workers claim them")
    func eachJobRunsOnceAcrossProcesses() async throws {
        try await withTwoAVAs { processA, processB in
            let log = RunLog()
            for process in [processA, processB] {
                process.jobs.register("test.scale-out") { context in
                    _ = await log.record(try context.decode(TestPayload.self).name)
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            let count = 60
            for index in 0..<count {
                try await Jobs.enqueue(kind: "test.scale-out", payload: TestPayload(name: "job-\(index)"), on: processA.db)
            }
            let ran = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<6 {
                    let process = worker % 2 == 0 ? processA : processB
                    group.addTask { try await process.jobs.runDue() }
                }
                return try await group.reduce(0, +)
            }
            #expect(ran == count)
            let runs = await log.runs
            #expect(runs.count == count)
            #expect(runs.values.allSatisfy { $0 == 1 }, "\(runs.filter { $0.value != 1 })")
        }
    }
}
