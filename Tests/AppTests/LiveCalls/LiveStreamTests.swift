@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// The Server-Sent Events routes over real HTTP on loopback, as a browser's EventSource uses them.
@Suite("Live calls: SSE streams")
struct LiveStreamTests {
    @Test func oneCallStreamsItsEvents() async throws {
        try await withAVA { app in
            app.liveCalls.streamSettings.heartbeat = .milliseconds(150)
            let owner = try await signUp(app, SignupBody(email: uniqueEmail("live")))
            let org = owner.organisation.id
            let call = try await makeLiveTestCall(app, orgID: org)
            let otherCall = try await makeLiveTestCall(app, orgID: org)
            try await withServer(app) { port in
                let client = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(call)/live", token: owner.tokens.accessToken)
                #expect(client.status == .ok)
                #expect(client.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
                #expect(client.headers.first(name: "Cache-Control") == "no-cache")
                #expect(client.headers.first(name: "X-Accel-Buffering") == "no")
                let ready = await client.next()
                #expect(ready?.event == "ready")
                #expect(ready?.json["callId"]?.lowercased() == call.uuidString.lowercased())
                #expect(await client.raw.hasPrefix("retry: 3000\n"))
                #expect(app.liveCalls.watcherCount == 1)

                app.liveCalls.publish(LiveCallEvent(orgID: org, callID: call, kind: .status, status: "in-progress", at: Date()))
                app.liveCalls.publish(liveTranscript(org: org, call: otherCall, text: "another call of the org"))
                app.liveCalls.publish(liveTranscript(org: org, call: call, role: "assistant", text: "שלום, כאן ה", final: false))
                app.liveCalls.publish(liveTranscript(org: org, call: call, role: "assistant", text: "שלום, כאן המרפאה של ד\"ר כהן.\nאיך אפשר לעזור?"))

                let status = try #require(await client.nextEvent())
                #expect(status.event == "status")
                #expect(status.json["status"] == "in-progress")
                let partial = try #require(await client.nextEvent())
                #expect(partial.event == "transcript")
                #expect(partial.json["final"] == "false")
                let final = try #require(await client.nextEvent())
                #expect(final.json["text"] == "שלום, כאן המרפאה של ד\"ר כהן.\nאיך אפשר לעזור?")
                #expect(final.json["role"] == "assistant")
                #expect(final.json["callId"]?.lowercased() == call.uuidString.lowercased())
                #expect(final.json["orgId"]?.lowercased() == org.uuidString.lowercased())

                // The heartbeat comment keeps quiet streams open.
                #expect(await eventually { await client.comments.contains("heartbeat") })

                // The browser leaves: the watcher goes at the next heartbeat at the latest.
                await client.close()
                #expect(await eventually { app.liveCalls.watcherCount == 0 })
            }
        }
    }

    @Test func organisationStreamSeesEveryCallOfItsOwnOrganisationOnly() async throws {
        try await withAVA { app in
            app.liveCalls.streamSettings.heartbeat = .milliseconds(150)
            let owner = try await signUp(app, SignupBody(email: uniqueEmail("live")))
            let stranger = try await signUp(app, SignupBody(email: uniqueEmail("other")))
            let org = owner.organisation.id
            let first = try await makeLiveTestCall(app, orgID: org)
            let second = try await makeLiveTestCall(app, orgID: org)
            let strangers = try await makeLiveTestCall(app, orgID: stranger.organisation.id)
            try await withServer(app) { port in
                let client = try await SSEClient.open(app, port: port, path: "/api/v1/calls/live", token: owner.tokens.accessToken)
                let strangerClient = try await SSEClient.open(app, port: port, path: "/api/v1/calls/live", token: stranger.tokens.accessToken)
                #expect(await client.next()?.event == "ready")
                #expect(await strangerClient.next()?.event == "ready")
                #expect(app.liveCalls.watcherCount == 2)

                app.liveCalls.publish(liveTranscript(org: stranger.organisation.id, call: strangers, text: "not yours"))
                app.liveCalls.publish(liveTranscript(org: org, call: first, text: "first"))
                app.liveCalls.publish(LiveCallEvent(orgID: org, callID: second, kind: .ended, text: "Résumé", status: "ended", at: Date()))

                #expect(await client.nextEvent()?.json["text"] == "first")
                let ended = try #require(await client.nextEvent())
                #expect(ended.event == "ended")
                #expect(ended.json["callId"]?.lowercased() == second.uuidString.lowercased())
                #expect(await strangerClient.nextEvent()?.json["text"] == "not yours")
                #expect(await strangerClient.nextEvent(timeout: .milliseconds(400)) == nil)

                await client.close()
                await strangerClient.close()
                #expect(await eventually { app.liveCalls.watcherCount == 0 })
            }
        }
    }

    @Test func anotherOrganisationsCallIsNotFound() async throws {
        try await withAVA { app in
            let owner = try await signUp(app, SignupBody(email: uniqueEmail("live")))
            let stranger = try await signUp(app, SignupBody(email: uniqueEmail("other")))
            let strangers = try await makeLiveTestCall(app, orgID: stranger.organisation.id)
            try await withServer(app) { port in
                for path in ["/api/v1/calls/\(strangers)/live", "/api/v1/calls/\(UUID())/live", "/api/v1/calls/not-a-uuid/live"] {
                    let client = try await SSEClient.open(app, port: port, path: path, token: owner.tokens.accessToken)
                    #expect(client.status == .notFound, "\(path)")
                    #expect(await eventually { await client.ended })
                    #expect(await client.raw.contains("not_found"))
                    await client.close()
                }
                for path in ["/api/v1/calls/live", "/api/v1/calls/\(strangers)/live"] {
                    let client = try await SSEClient.open(app, port: port, path: path, token: nil)
                    #expect(client.status == .unauthorized, "\(path)")
                    await client.close()
                }
                #expect(app.liveCalls.watcherCount == 0)
            }
        }
    }

    @Test func shutdownEndsOpenStreams() async throws {
        try await withAVA { app in
            let owner = try await signUp(app, SignupBody(email: uniqueEmail("live")))
            try await withServer(app) { port in
                let client = try await SSEClient.open(app, port: port, path: "/api/v1/calls/live", token: owner.tokens.accessToken)
                #expect(await client.next()?.event == "ready")
                let started = ContinuousClock.now
                await app.liveCalls.shutdown()
                #expect(await eventually { await client.ended })
                #expect(ContinuousClock.now - started < .seconds(3))
                #expect(app.liveCalls.watcherCount == 0)
            }
        }
    }
}
