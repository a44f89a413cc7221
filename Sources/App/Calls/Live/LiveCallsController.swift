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
///
/// The single-call stream also catches a watcher up: each of its event frames carries an `id:` (`LiveEventID`,
/// the call's timeline), and a request with `Last-Event-ID` (EventSource sends it when it reconnects) or
/// `?since=<id or ms>` (a page that rendered the transcript up to a line) first gets, after `ready`, the final
/// lines stored since that point, then the call's current status (and `ended`, once the report is in), then
/// the live events not already replayed. The organisation-wide stream stays live only, without ids: it feeds
/// the dashboard's list of calls in progress, which the page renders fresh from the database, and one id
/// cannot order the events of many calls.
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
        return Self.stream(req, orgID: user.orgID, callID: callID, replayFrom: LiveReplay.point(of: req))
    }

    /// `replayFrom`: only for one call (`callID`), where the watcher is (see `LiveReplay`).
    static func stream(_ req: Request, orgID: UUID, callID: UUID?, replayFrom: LiveEventID? = nil) -> Response {
        let hub = req.application.liveCalls
        let settings = hub.streamSettings
        let logger = req.logger
        let db = req.db
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let body = Response.Body(asyncStream: { writer in
            let events = hub.subscribe(orgID: orgID, callID: callID)
            let relaying = await hub.waitUntilRelaying(timeout: settings.relayWait)
            if !relaying { logger.warning("live stream opened before the relay listens: other processes' events may be missed") }
            // Read after subscribing: a line committed meanwhile is in the database, in the subscription, or both.
            var replay: [LiveReplay.Item] = []
            var boundary: LiveEventID?
            if let callID, let replayFrom {
                do {
                    (replay, boundary) = try await LiveReplay.load(callID: callID, orgID: orgID, after: replayFrom, on: db)
                } catch {
                    // The stream is already answered 200: the watcher gets the live events at least.
                    logger.warning("live replay failed: \(String(reflecting: error))")
                }
            }
            let skipUpTo = boundary
            let (frames, output) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(512 + replay.count))
            output.yield("retry: 3000\n" + frame(event: "ready", json: readyJSON(callID: callID)))
            for item in replay { output.yield(frame(item.event, id: item.id)) }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events {
                        guard callID != nil else {
                            output.yield(frame(event))
                            continue
                        }
                        let id = LiveEventID(event)
                        if let skipUpTo, id <= skipUpTo { continue }  // replayed, or already known to the watcher
                        output.yield(frame(event, id: id))
                    }
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

    /// `id`: on the single-call stream only (EventSource remembers it and sends it back as `Last-Event-ID`).
    static func frame(_ event: LiveCallEvent, id: LiveEventID? = nil) -> String {
        let json = (try? LiveCallWire.encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return (id.map { "id: \($0)\n" } ?? "") + frame(event: event.kind.rawValue, json: json)
    }

    /// One SSE message. JSON has no raw newline, so one `data:` line suffices.
    static func frame(event: String, json: String) -> String {
        "event: \(event)\ndata: \(json)\n\n"
    }

    private static func readyJSON(callID: UUID?) -> String {
        callID.map { #"{"callId":"\#($0.uuidString)"}"# } ?? "{}"
    }
}
