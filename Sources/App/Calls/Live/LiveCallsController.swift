import Fluent
import Foundation
import NIOCore
import Vapor

/// `GET /api/v1/calls/live` and `GET /api/v1/calls/{callID}/live`: Server-Sent Events for the signed-in owner
/// (bearer token or session cookie), scoped to their organisation.
///
/// The stream opens with `retry:` and an `event: ready`, then one `event: <kind>` + `data: <json>` per call
/// event (`status`, `transcript`, `ended`, `tool-call`), and a `: heartbeat` comment every 15 s. It ends when
/// the client leaves (the next write fails: at the latest one heartbeat later), when the app shuts down,
/// or after 30 minutes (the browser reconnects, which checks the session again).
struct LiveCallsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let calls = routes.grouped("calls")
        calls.get("live", use: organisation)
        calls.get(":callID", "live", use: call)
    }

    @Sendable func organisation(req: Request) async throws -> Response {
        let user = try req.requireUser()
        return Self.stream(req, orgID: user.orgID, callID: nil)
    }

    @Sendable func call(req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let callID = req.parameters.get("callID", as: UUID.self),
              try await Call.query(on: req.db).filter(\.$id == callID).filter(\.$org.$id == user.orgID).count() > 0
        else { throw AppError.notFound }
        return Self.stream(req, orgID: user.orgID, callID: callID)
    }

    static func stream(_ req: Request, orgID: UUID, callID: UUID?) -> Response {
        let hub = req.application.liveCalls
        let settings = hub.streamSettings
        let logger = req.logger
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let body = Response.Body(asyncStream: { writer in
            let events = hub.subscribe(orgID: orgID, callID: callID)
            let relaying = await hub.waitUntilRelaying(timeout: settings.relayWait)
            if !relaying { logger.warning("live stream opened before the relay listens: other processes' events may be missed") }
            let (frames, output) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(512))
            output.yield("retry: 3000\n" + frame(event: "ready", json: readyJSON(callID: callID)))
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events { output.yield(frame(event)) }
                    output.finish()  // the app is shutting down
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: settings.heartbeat)
                        output.yield(": heartbeat\n\n")
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: settings.maxStreamDuration)
                    output.finish()
                }
                for await text in frames {
                    do {
                        try await writer.write(.buffer(ByteBuffer(string: text)))
                    } catch {
                        break  // the client went away
                    }
                }
                output.finish()
                group.cancelAll()  // ends the subscription (`onTermination` removes the watcher)
            }
            try? await writer.write(.end)
        })
        return Response(status: .ok, headers: headers, body: body)
    }

    static func frame(_ event: LiveCallEvent) -> String {
        let json = (try? LiveCallWire.encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return frame(event: event.kind.rawValue, json: json)
    }

    /// One SSE message. JSON has no raw newline, so one `data:` line suffices.
    static func frame(event: String, json: String) -> String {
        "event: \(event)\ndata: \(json)\n\n"
    }

    private static func readyJSON(callID: UUID?) -> String {
        callID.map { #"{"callId":"\#($0.uuidString)"}"# } ?? "{}"
    }
}
