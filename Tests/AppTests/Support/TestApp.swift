@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Runs `body` against a fresh AVA application, configured as `swift run ava` would be, on its own database:
/// a new SQLite file, or, when `DATABASE_URL` is set (scripts/test.sh does), its own PostgreSQL schema
/// so tests can run in parallel on one server.
func withAVA(
    settings: [String: String] = [:],
    mailTransport: (any MailTransport)? = nil,
    _ body: (Application) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ava-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var environment = ["AVA_DATA_DIR": directory, "AVA_AUTH_RATE_LIMIT": "1000"]
    environment.merge(settings) { _, new in new }
    var config = try AppConfig.load(from: environment, isProduction: false,
                                    generatedSecretKey: { _ in "test-secret-key-that-is-long-enough-0123456789" })
    var schema: String?
    if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") {
        schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        config.database = .postgres(url: url, schema: schema)
    }
    let app = try await Application.make(.testing)
    do {
        try await configure(app, config: config, mailTransport: mailTransport)
        try await body(app)
    } catch {
        try await cleanUp(app, schema: schema, directory: directory)
        throw error
    }
    try await cleanUp(app, schema: schema, directory: directory)
}

private func cleanUp(_ app: Application, schema: String?, directory: String) async throws {
    if let schema, let sql = app.db as? any SQLDatabase {
        try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }
    try await app.asyncShutdown()
    try? FileManager.default.removeItem(atPath: directory)
}

var isPostgres: Bool { ProcessInfo.processInfo.environment["DATABASE_URL"]?.hasPrefix("postgres") == true }

// MARK: - Helpers for what users do

struct SignupBody: Content {
    var email: String
    var phone: String?
    var name: String = "Camille Durand"
    var password: String = "correct-horse-battery-42"
    var acceptTerms: Bool = true
    var newsletter: Bool? = nil
    var locale: String? = nil
}

struct ErrorEnvelope: Content {
    struct Detail: Content { var code: String; var message: String; var field: String? }
    var error: Detail
}

func uniqueEmail(_ prefix: String = "user") -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

/// Signs up through the API and returns the answer.
@discardableResult
func signUp(_ app: Application, _ body: SignupBody, headers: HTTPHeaders = [:]) async throws -> AuthResponse {
    var result: AuthResponse?
    try await app.testing().test(.POST, "/api/v1/auth/signup", headers: headers, beforeRequest: { req in
        try req.content.encode(body, as: .json)
    }, afterResponse: { res throws in
        #expect(res.status == .created, "\(res.body.string)")
        result = try? res.content.decode(AuthResponse.self)
    })
    return try #require(result)
}

/// The newest message in the development outbox sent to `email`.
func latestMail(_ app: Application, to email: String) async throws -> OutboxMessage? {
    try await OutboxMessage.query(on: app.db).filter(\.$recipients == email).sort(\.$createdAt, .descending).first()
}

/// The `token` query value of the first link in `text` that carries one.
func token(inLinkOf text: String) -> String? {
    for word in text.split(whereSeparator: \.isWhitespace) where word.contains("token=") {
        guard let components = URLComponents(string: String(word)) else { continue }
        return components.queryItems?.first { $0.name == "token" }?.value
    }
    return nil
}

extension HTTPHeaders {
    static func bearer(_ token: String) -> HTTPHeaders { ["Authorization": "Bearer \(token)"] }
}


/// The text part of the newest mail to `email` (empty when there is none).
func mailText(_ app: Application, to email: String) async throws -> String {
    try await latestMail(app, to: email)?.textBody ?? ""
}

/// Waits (up to five seconds) until `count` mails to `email` are in the outbox: some are sent in the
/// background so the answer costs the same time whether or not the account exists.
@discardableResult
func waitForMail(_ app: Application, to email: String, count: Int = 1) async throws -> OutboxMessage {
    for _ in 0..<100 {
        if try await OutboxMessage.query(on: app.db).filter(\.$recipients == email).count() >= count,
           let mail = try await latestMail(app, to: email) { return mail }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("no mail number \(count) to \(email)")
    throw Abort(.notFound)
}

/// The path and query of the first link in `text` (to open it through the in-memory tester).
func linkPath(in text: String) -> String? {
    for word in text.split(whereSeparator: \.isWhitespace) where word.hasPrefix("http") {
        guard let components = URLComponents(string: String(word)) else { continue }
        return components.path + (components.query.map { "?\($0)" } ?? "")
    }
    return nil
}
