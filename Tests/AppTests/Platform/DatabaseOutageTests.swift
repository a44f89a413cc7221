@testable import App
import Foundation
import NIOCore
import NIOPosix
import Testing
import Vapor
import VaporTesting

/// A database out of reach (restarting, no connection in time, a commit past its deadline) is a 503 with
/// `Retry-After` and a localized message, so clients and Vapi try again; never a bare 500.
@Suite("Database outage")
struct DatabaseOutageTests {
    @Test func outagesAre503WithRetryAfter() async throws {
        try await withAVA { app in
            app.get("api", "v1", "test-outage", ":kind") { req async throws -> String in
                switch req.parameters.get("kind") {
                case "pool": throw ConnectionPoolTimeoutError.connectionRequestTimeout
                case "deadline": throw WriteDeadlineExceeded()
                default: throw Abort(.internalServerError)
                }
            }
            for kind in ["pool", "deadline"] {
                try await app.testing().test(.GET, "/api/v1/test-outage/\(kind)", headers: ["Accept-Language": "fr"],
                                             afterResponse: { res throws in
                    #expect(res.status == .serviceUnavailable)
                    #expect(res.headers.first(name: "Retry-After") == "5")
                    #expect(errorCode(res.body.string) == "database_unavailable")
                    #expect(res.body.string.contains("indisponible"))
                })
            }
            try await app.testing().test(.GET, "/api/v1/test-outage/other", afterResponse: { res throws in
                #expect(res.status == .internalServerError)
            })
        }
    }

    @Test func theClassifierKnowsConnectionFailures() {
        #expect(DatabaseOutage.isOutage(ConnectionPoolTimeoutError.connectionRequestTimeout))
        #expect(DatabaseOutage.isOutage(ChannelError.ioOnClosedChannel))
        #expect(DatabaseOutage.isOutage(IOError(errnoCode: ECONNREFUSED, reason: "connect")))
        #expect(!DatabaseOutage.isOutage(AppError.notFound))
        #expect(!DatabaseOutage.isOutage(DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "x"))))
    }
}
