@testable import App
import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import NIOHTTP1
import SQLKit
import Testing
import Vapor

/// Two AVA processes (two `Application`s, as two `ava serve` would be) on ONE database, for cross-process tests:
/// one PostgreSQL schema with `DATABASE_URL=postgres…`; otherwise, with `sqliteToo`, one SQLite file (callers that
/// need PostgreSQL, such as the live relay, leave it false and are skipped).
func withTwoAVAs(settings: [String: String] = [:], sqliteToo: Bool = false,
                 _ body: (Application, Application) async throws -> Void) async throws {
    let url = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.hasPrefix("postgres") ? $0 : nil }
    guard url != nil || sqliteToo else { return }
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
    // On SQLite both share one data directory (their database file); on PostgreSQL each has its own.
    let shared = url == nil ? FileManager.default.temporaryDirectory.appendingPathComponent("ava-test-\(UUID().uuidString)").path : nil
    var apps: [Application] = []
    var directories: [String] = []
    func shutDown() async {
        if url != nil, let sql = apps.first?.db as? any SQLDatabase {
            try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
        }
        for app in apps.reversed() { try? await app.asyncShutdown() }
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
    }
    do {
        // One after the other: the first creates the schema (or file) and migrates, the second finds it done.
        for _ in 0..<2 {
            let directory = shared ?? FileManager.default.temporaryDirectory.appendingPathComponent("ava-test-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !directories.contains(directory) { directories.append(directory) }
            let environment = ["AVA_DATA_DIR": directory, "AVA_AUTH_RATE_LIMIT": "1000"].merging(settings) { $1 }
            var config = try AppConfig.load(from: environment, isProduction: false,
                                            generatedSecretKey: { _ in "test-secret-key-that-is-long-enough-0123456789" })
            if let url { config.database = .postgres(url: url, schema: schema) }
            let app = try await Application.make(.testing)
            apps.append(app)
            try await configure(app, config: config)
        }
        try await body(apps[0], apps[1])
    } catch {
        await shutDown()
        throw error
    }
    await shutDown()
}

/// Serves `app` on a free loopback port for the duration of `body` (real HTTP, real chunked responses).
func withServer(_ app: Application, _ body: (Int) async throws -> Void) async throws {
    try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    do {
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        try await body(port)
    } catch {
        // Open streams end first, so the server does not wait for them.
        await app.liveCalls.shutdown()
        await app.server.shutdown()
        throw error
    }
    await app.liveCalls.shutdown()
    await app.server.shutdown()
}

/// One Server-Sent Event as a browser's EventSource would see it.
struct SSEFrame: Sendable, Equatable {
    var event: String
    var data: String
    /// The frame's own `id:` line, if it has one.
    var id: String? = nil
    var json: [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return [:] }
        return object.mapValues { value in
            if let text = value as? String { return text }
            if let flag = value as? Bool { return flag ? "true" : "false" }
            return "\(value)"
        }
    }
}

/// Reads an SSE response over real HTTP in the background; tests take frames (and comments) as they come.
final class SSEClient: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    private let inbox: Inbox
    private let task: Task<Void, Never>

    actor Inbox {
        var frames: [SSEFrame] = []
        var comments: [String] = []
        var ended = false
        /// Bytes not yet cut into frames. Kept as bytes: a chunk from the network can end inside a character, and a
        /// frame's end ("\n\n") never can.
        var pending: [UInt8] = []
        var rawBytes: [UInt8] = []
        var raw: String { String(decoding: rawBytes, as: UTF8.self) }

        func feed(_ bytes: [UInt8]) {
            rawBytes += bytes
            pending += bytes
            while let end = pending.indices.dropLast().first(where: { pending[$0] == 10 && pending[$0 + 1] == 10 }) {
                let block = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 2)
                var event = "message"
                var data: [String] = []
                var id: String?
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") { comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)) }
                    else if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                    else if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
                    else if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                }
                if !data.isEmpty { frames.append(SSEFrame(event: event, data: data.joined(separator: "\n"), id: id)) }
            }
        }
        func end() { ended = true }
        func take() -> SSEFrame? { frames.isEmpty ? nil : frames.removeFirst() }
        var commentCount: Int { comments.count }
    }

    private init(status: HTTPResponseStatus, headers: HTTPHeaders, inbox: Inbox, task: Task<Void, Never>) {
        self.status = status; self.headers = headers; self.inbox = inbox; self.task = task
    }

    /// Opens `path` on the loopback server. A non-200 answer is returned with its body read (no stream).
    /// `headers`: more request headers (`Last-Event-ID`, as EventSource sends when it reconnects).
    static func open(_ app: Application, port: Int, path: String, token: String?,
                     headers extra: [(String, String)] = []) async throws -> SSEClient {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let (stream, continuation) = AsyncStream<(HTTPResponseStatus, HTTPHeaders)>.makeStream()
        let inbox = Inbox()
        let client = app.http.client.shared
        let task = Task {
            do {
                let response = try await client.execute(request, timeout: .seconds(120))
                continuation.yield((response.status, response.headers))
                continuation.finish()
                for try await buffer in response.body {
                    await inbox.feed(Array(buffer.readableBytesView))
                }
            } catch {
                continuation.finish()
            }
            await inbox.end()
        }
        var iterator = stream.makeAsyncIterator()
        guard let (status, headers) = await iterator.next() else { throw Abort(.badGateway, reason: "no answer") }
        return SSEClient(status: status, headers: headers, inbox: inbox, task: task)
    }

    /// The next frame, waiting up to `timeout`; nil if none came.
    func next(timeout: Duration = .seconds(5)) async -> SSEFrame? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let frame = await inbox.take() { return frame }
            if await inbox.ended { return await inbox.take() }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// The next frame other than `ready`.
    func nextEvent(timeout: Duration = .seconds(5)) async -> SSEFrame? {
        while let frame = await next(timeout: timeout) {
            if frame.event != "ready" { return frame }
        }
        return nil
    }

    var comments: [String] { get async { await inbox.comments } }
    var ended: Bool { get async { await inbox.ended } }
    var raw: String { get async { await inbox.raw } }

    /// Goes away as a closed browser tab does (the connection closes).
    func close() async {
        task.cancel()
        await task.value
    }
}

/// Waits (up to `timeout`) for `condition`; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A call row of `orgID`, as the webhook would have made it.
func makeLiveTestCall(_ app: Application, orgID: UUID) async throws -> UUID {
    let call = Call()
    call.$org.id = orgID
    call.status = "in-progress"
    call.statusRank = 3
    call.simulated = true
    try await call.create(on: app.db)
    return try call.requireID()
}

func liveTranscript(org: UUID, call: UUID, role: String = "user", text: String, final: Bool = true) -> LiveCallEvent {
    LiveCallEvent(orgID: org, callID: call, kind: .transcript, role: role, text: text, final: final,
                  at: Date(timeIntervalSince1970: 1_790_000_000))
}

/// The next event of `stream`, or nil after `timeout` (the stream is then ended).
func firstEvent(of stream: AsyncStream<LiveCallEvent>, timeout: Duration = .seconds(5)) async -> LiveCallEvent? {
    let reader = Task {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
    let timer = Task {
        try? await Task.sleep(for: timeout)
        reader.cancel()
    }
    defer { timer.cancel() }
    return await reader.value
}
