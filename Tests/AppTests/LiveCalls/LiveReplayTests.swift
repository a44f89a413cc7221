@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// A watcher of one call who (re)connects mid-call misses nothing: the stream replays the stored final lines
/// after its point (`Last-Event-ID`, or `?since=` from the page), then the call's status, then goes on live,
/// each line once. Over real HTTP on loopback, with lines stored by the webhook pipeline.
@Suite("Live calls: replay on (re)connection")
struct LiveReplayTests {
    /// Whole seconds in the past, so every line's millisecond is known.
    private static func base() -> Date { Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 600).rounded(.down)) }

    private static func callID(_ app: Application, vapiCallID: String) async throws -> UUID {
        try #require(try await Call.query(on: app.db).filter(\.$vapiCallID == vapiCallID).first()?.requireID())
    }

    /// A call in progress with three final lines stored through the webhook, a second apart from `base + 1 s`.
    private static func callWithThreeLines(_ app: Application, _ org: CallingOrg, base: Date,
                                           vapiCallID: String = UUID().uuidString.lowercased()) async throws -> UUID {
        var vapi = org.factory(callID: vapiCallID)
        vapi.clock = { base }
        #expect(try await postWebhook(app, org.path, vapi.statusUpdate("in-progress")).status == .ok)
        for (offset, line) in Self.lines.enumerated() {
            let status = try await postWebhook(app, org.path, vapi.transcript(line.role, line.text, at: base.addingTimeInterval(Double(offset + 1))))
            #expect(status.status == .ok)
        }
        #expect(try await CallTranscriptLine.query(on: app.db).count() >= 3)
        return try await callID(app, vapiCallID: vapiCallID)
    }

    private static let lines: [(role: String, text: String)] = [
        ("assistant", "Cabinet du Dr Cohen, bonjour."),
        ("user", "Bonjour, je voudrais un rendez-vous demain."),
        ("assistant", "Demain à 10 h, cela vous convient ?"),
    ]

    private static func id(_ index: Int, base: Date) -> String {
        LiveEventID(line: base.addingTimeInterval(Double(index + 1)), role: lines[index].role, text: lines[index].text).description
    }

    @Test func lastEventIDReplaysTheLinesAfterItThenLiveOnesEachOnce() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let base = Self.base()
            let vapiCallID = UUID().uuidString.lowercased()
            let call = try await Self.callWithThreeLines(app, org, base: base, vapiCallID: vapiCallID)
            try await withServer(app) { port in
                // EventSource reconnecting after it had seen the first line.
                let client = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(call)/live",
                                                      token: org.owner.auth.tokens.accessToken,
                                                      headers: [("Last-Event-ID", Self.id(0, base: base))])
                #expect(client.status == .ok)
                #expect(await client.next()?.event == "ready")

                let second = try #require(await client.nextEvent())
                #expect(second.event == "transcript")
                #expect(second.json["text"] == Self.lines[1].text)
                #expect(second.json["role"] == "user")
                #expect(second.json["final"] == "true")
                #expect(second.id == Self.id(1, base: base))
                let third = try #require(await client.nextEvent())
                #expect(third.json["text"] == Self.lines[2].text)
                #expect(third.id == Self.id(2, base: base))
                let status = try #require(await client.nextEvent())
                #expect(status.event == "status")
                #expect(status.json["status"] == "in-progress")
                #expect(status.id == Self.id(2, base: base))

                // The live copy of a replayed line (committed while the stream was reading) is not sent again;
                // a new line is, once.
                app.liveCalls.publish(LiveCallEvent(orgID: org.owner.orgID, callID: call, kind: .transcript, role: "assistant",
                                                    text: Self.lines[2].text, final: true, at: base.addingTimeInterval(3)))
                var vapi = org.factory(callID: vapiCallID)
                vapi.clock = { base }
                #expect(try await postWebhook(app, org.path, vapi.transcript("user", "Oui, parfait.", at: base.addingTimeInterval(4))).status == .ok)
                let fourth = try #require(await client.nextEvent())
                #expect(fourth.event == "transcript")
                #expect(fourth.json["text"] == "Oui, parfait.")
                let fourthID = try #require(fourth.id.flatMap(LiveEventID.init(parsing:)))
                #expect(fourthID > LiveEventID(parsing: Self.id(2, base: base))!)
                #expect(await client.nextEvent(timeout: .milliseconds(400)) == nil)

                // Reconnecting with the last id received: nothing to replay but the status.
                await client.close()
                let again = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(call)/live",
                                                     token: org.owner.auth.tokens.accessToken, headers: [("Last-Event-ID", fourthID.description)])
                let statusAgain = try #require(await again.nextEvent())
                #expect(statusAgain.event == "status")
                #expect(statusAgain.id == fourthID.description)
                #expect(await again.nextEvent(timeout: .milliseconds(300)) == nil)
                await again.close()
            }
        }
    }

    @Test func sinceBeforeTheCallReplaysTheWholeTranscriptAndItsEnd() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let base = Self.base()
            let vapiCallID = UUID().uuidString.lowercased()
            let call = try await Self.callWithThreeLines(app, org, base: base, vapiCallID: vapiCallID)
            let token = org.owner.auth.tokens.accessToken
            try await withServer(app) { port in
                let before = LiveEventID.milliseconds(base.addingTimeInterval(-3600))
                let client = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(call)/live?since=\(before)", token: token)
                #expect(await client.next()?.event == "ready")
                for index in 0..<3 {
                    let line = try #require(await client.nextEvent())
                    #expect(line.event == "transcript")
                    #expect(line.json["text"] == Self.lines[index].text)
                    #expect(line.id == Self.id(index, base: base))
                }
                #expect(await client.nextEvent()?.json["status"] == "in-progress")
                #expect(await client.nextEvent(timeout: .milliseconds(300)) == nil)
                await client.close()

                // The call ends while nobody watches: the next watcher gets the status and the summary too.
                var vapi = org.factory(callID: vapiCallID)
                vapi.clock = { base.addingTimeInterval(30) }
                let report = vapi.endOfCallReport(transcript: "AI: Cabinet du Dr Cohen, bonjour.", summary: "Rendez-vous pris pour demain 10 h.",
                                                  startedAt: base, endedAt: base.addingTimeInterval(30))
                #expect(try await postWebhook(app, org.path, report).status == .ok)
                let late = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(call)/live?since=0", token: token)
                #expect(await late.next()?.event == "ready")
                let texts = [await late.nextEvent(), await late.nextEvent(), await late.nextEvent()].map { $0?.json["text"] }
                #expect(texts == Self.lines.map(\.text))
                let status = try #require(await late.nextEvent())
                #expect(status.event == "status")
                #expect(status.json["status"] == "ended")
                let ended = try #require(await late.nextEvent())
                #expect(ended.event == "ended")
                #expect(ended.json["text"] == "Rendez-vous pris pour demain 10 h.")
                #expect(await late.nextEvent(timeout: .milliseconds(300)) == nil)
                await late.close()

                // Last-Event-ID (EventSource reconnecting) wins over the page's `since` of the same URL.
                let reconnected = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(call)/live?since=0", token: token,
                                                           headers: [("Last-Event-ID", Self.id(1, base: base))])
                #expect(await reconnected.nextEvent()?.json["text"] == Self.lines[2].text)
                #expect(await reconnected.nextEvent()?.event == "status")
                #expect(await reconnected.nextEvent()?.event == "ended")
                await reconnected.close()
            }
        }
    }

    @Test func aMalformedPointIsIgnored() async throws {
        try await withAVA { app in
            // Closed clients are noticed at the next write.
            app.liveCalls.streamSettings.heartbeat = .milliseconds(150)
            let org = try await CallingOrg.make(app)
            let base = Self.base()
            let call = try await Self.callWithThreeLines(app, org, base: base)
            let token = org.owner.auth.tokens.accessToken
            try await withServer(app) { port in
                let bad = ["garbage", "-1", "12abc", "1-xyz", "1-123456789", "1-", "-", String(repeating: "9", count: 40),
                           "1790000000000-0a1b2c3d-1", "null", "NaN"]
                var attempts: [(path: String, headers: [(String, String)])] = bad.map { ("/api/v1/calls/\(call)/live", [("Last-Event-ID", $0)]) }
                attempts += ["yesterday", "", "1e12", "%20", "0x10"].map { ("/api/v1/calls/\(call)/live?since=\($0)", []) }
                for attempt in attempts {
                    let client = try await SSEClient.open(app, port: port, path: attempt.path, token: token, headers: attempt.headers)
                    #expect(client.status == .ok, "\(attempt)")
                    #expect(await client.next()?.event == "ready", "\(attempt)")
                    // No replay: the next thing is the live event.
                    app.liveCalls.publish(LiveCallEvent(orgID: org.owner.orgID, callID: call, kind: .status, status: "forwarding", at: Date()))
                    let live = try #require(await client.nextEvent(), "\(attempt)")
                    #expect(live.event == "status", "\(attempt)")
                    #expect(live.json["status"] == "forwarding", "\(attempt)")
                    #expect(live.id.flatMap(LiveEventID.init(parsing:)) != nil, "live frames carry an id: \(attempt)")
                    await client.close()
                }
                #expect(await eventually { app.liveCalls.watcherCount == 0 })
            }
        }
    }

    @Test func anotherOrganisationsCallIsStillNotFound() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let stranger = try await signUp(app, SignupBody(email: uniqueEmail("other")))
            let base = Self.base()
            let call = try await Self.callWithThreeLines(app, org, base: base)
            try await withServer(app) { port in
                for (path, headers) in [("/api/v1/calls/\(call)/live?since=0", [(String, String)]()),
                                        ("/api/v1/calls/\(call)/live", [("Last-Event-ID", Self.id(0, base: base))])] {
                    let client = try await SSEClient.open(app, port: port, path: path, token: stranger.tokens.accessToken, headers: headers)
                    #expect(client.status == .notFound)
                    #expect(await eventually { await client.ended })
                    let raw = await client.raw
                    #expect(raw.contains("not_found"))
                    #expect(!raw.contains(Self.lines[0].text))
                    await client.close()
                }
                // The organisation-wide stream stays live only, without ids.
                let wide = try await SSEClient.open(app, port: port, path: "/api/v1/calls/live?since=0", token: org.owner.auth.tokens.accessToken,
                                                    headers: [("Last-Event-ID", "0")])
                #expect(await wide.next()?.event == "ready")
                app.liveCalls.publish(liveTranscript(org: org.owner.orgID, call: call, text: "live"))
                let frame = try #require(await wide.nextEvent())
                #expect(frame.json["text"] == "live")
                #expect(frame.id == nil)
                await wide.close()
            }
        }
    }

    /// The call page says where its transcript stops (`data-live-since`); a line stored between the page and
    /// the stream's opening is replayed, the page's own lines are not.
    @Test func theCallPagePassesItsLastLineAsSince() async throws {
        try await withAVA { app in
            let (web, orgID) = try await CallHistoryFixture.browser(app, locale: "he")
            let call = try await CallHistoryFixture.call(app, orgID: orgID, at: Date(), status: "in-progress")
            let base = Self.base()
            func store(_ index: Int, _ role: String, _ text: String) async throws {
                let line = CallTranscriptLine()
                line.$org.id = orgID
                line.$call.id = call
                line.role = role
                line.text = text
                line.spokenAt = base.addingTimeInterval(Double(index))
                line.lineKey = CallEventSQL.lineKey(callID: call, role: role, spokenAt: line.spokenAt, text: text)
                try await line.create(on: app.db)
            }
            try await store(1, "assistant", "שלום, כאן המרפאה של ד\"ר כהן.")
            // Two lines in the same millisecond: the page's point is the greater id, whichever it rendered last.
            try await store(2, "user", "אני רוצה לקבוע תור")
            try await store(2, "assistant", "בשמחה")
            let html = try await web.get("/he/calls/\(call)").body.string
            let marker = "data-live-since=\""
            let start = try #require(html.range(of: marker)).upperBound
            let since = String(html[start...].prefix { $0 != "\"" })
            let expected = [LiveEventID(line: base.addingTimeInterval(2), role: "user", text: "אני רוצה לקבוע תור"),
                            LiveEventID(line: base.addingTimeInterval(2), role: "assistant", text: "בשמחה")].max()!
            #expect(since == expected.description)

            try await store(3, "user", "מחר בבוקר?")
            try await withServer(app) { port in
                let cookie = web.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
                let client = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(call)/live?since=\(since)", token: nil,
                                                      headers: [("Cookie", cookie)])
                #expect(client.status == .ok)
                let line = try #require(await client.nextEvent())
                #expect(line.json["text"] == "מחר בבוקר?")
                #expect(await client.nextEvent()?.event == "status")
                #expect(await client.nextEvent(timeout: .milliseconds(300)) == nil)
                await client.close()
            }

            // A live call page with no line yet starts from "0": everything stored later is replayed.
            let empty = try await CallHistoryFixture.call(app, orgID: orgID, at: Date(), status: "ringing")
            #expect(try await web.get("/he/calls/\(empty)").body.string.contains("data-live-since=\"0\""))
        }
    }

    /// The simulator page's point is its last line as stored (the in-memory conversation and the stored lines
    /// give the same ids): the stream replays none of the page's lines, while `since=0` replays them all.
    @Test func theSimulatorPagePassesItsLastLineAsSince() async throws {
        try await withAVA { app in
            app.liveCalls.streamSettings.heartbeat = .milliseconds(150)
            let web = WebClient(app)
            web.acceptLanguage = "fr"
            let email = uniqueEmail("simlive")
            _ = try await web.post("/fr/signup", form: ["name": "Dana Levi", "email": email, "password": "correct-horse-battery-42",
                                                        "acceptTerms": "true"], csrfFrom: "/fr/signup")
            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            let orgID = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first()).$org.id
            try await SimulatorOwner.openAroundTheClock(app, orgID: orgID)
            try await BookingService(orgID: orgID, name: "Coupe", durationMinutes: 30).create(on: app.db)
            let started = try await web.post("/fr/simulator/start", form: ["callerName": "Léa Martin"], csrfFrom: "/fr/simulator")
            let location = try #require(started.headers.first(name: .location))
            let id = String(location[try #require(location.range(of: "call=")).upperBound...].prefix(36))
            _ = try await web.post("/fr/simulator/\(id)/say", form: ["text": "Je voudrais un rendez-vous demain"], csrfFrom: location)
            let html = try await web.get("/fr/simulator?call=\(id)").body.string
            let start = try #require(html.range(of: "data-live-since=\"")).upperBound
            let since = String(html[start...].prefix { $0 != "\"" })
            let rendered = html.components(separatedBy: "<li class=\"live-line").count - 1
            #expect(rendered >= 3)
            #expect(since != "0")
            try await withServer(app) { port in
                let cookie = web.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
                let client = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(id)/live?since=\(since)", token: nil,
                                                      headers: [("Cookie", cookie)])
                #expect(client.status == .ok)
                #expect(await client.nextEvent()?.event == "status", "none of the page's lines again")
                #expect(await client.nextEvent(timeout: .milliseconds(300)) == nil)
                await client.close()
                let all = try await SSEClient.open(app, port: port, path: "/api/v1/calls/\(id)/live?since=0", token: nil,
                                                   headers: [("Cookie", cookie)])
                var lines = 0
                while let frame = await all.nextEvent(timeout: .milliseconds(500)), frame.event == "transcript" { lines += 1 }
                #expect(lines == rendered)
                await all.close()
            }
        }
    }

    /// With PostgreSQL: the lines came through process A while the watcher's stream was down; it reconnects to
    /// process B, which replays them from the database, then relays A's next line once. Skipped on SQLite.
    @Test func reconnectingToAnotherProcessReplaysThenRelays() async throws {
        try await withTwoAVAs { processA, processB in
            let org = try await CallingOrg.make(processA)
            let base = Self.base()
            let vapiCallID = UUID().uuidString.lowercased()
            let call = try await Self.callWithThreeLines(processA, org, base: base, vapiCallID: vapiCallID)
            try await withServer(processB) { port in
                let onB = try await SSEClient.open(processB, port: port, path: "/api/v1/calls/\(call)/live",
                                                   token: org.owner.auth.tokens.accessToken,
                                                   headers: [("Last-Event-ID", Self.id(0, base: base))])
                #expect(await onB.next()?.event == "ready")
                #expect(await onB.nextEvent()?.json["text"] == Self.lines[1].text)
                #expect(await onB.nextEvent()?.json["text"] == Self.lines[2].text)
                #expect(await onB.nextEvent()?.event == "status")
                var vapi = org.factory(callID: vapiCallID)
                vapi.clock = { base }
                #expect(try await postWebhook(processA, org.path, vapi.transcript("user", "Oui, parfait.", at: base.addingTimeInterval(4))).status == .ok)
                #expect(await onB.nextEvent(timeout: .seconds(10))?.json["text"] == "Oui, parfait.")
                #expect(await onB.nextEvent(timeout: .milliseconds(400)) == nil)
                await onB.close()
            }
        }
    }

    @Test func eventIDsParseOrderAndMatchStoredLines() {
        let at = Date(timeIntervalSince1970: 1_790_000_000.123)
        let id = LiveEventID(line: at, role: "user", text: "  Bonjour\n")
        #expect(id.milliseconds == 1_790_000_000_123)
        #expect(id == LiveEventID(line: at, role: "user", text: "Bonjour"), "stored lines are trimmed")
        #expect(id != LiveEventID(line: at, role: "assistant", text: "Bonjour"))
        #expect(LiveEventID(parsing: id.description) == id)
        #expect(id.description.count == "1790000000123-".count + 8)
        // `<ms>` alone: after that whole millisecond.
        #expect(LiveEventID(parsing: "1790000000123")! > id)
        #expect(LiveEventID(parsing: "1790000000122")! < id)
        #expect(LiveEventID(parsing: "0") != nil)
        #expect(LiveEventID(parsing: "1790000000123-0")!.tieBreak == 0)
        for bad in ["", " ", "abc", "-1", "1-", "1-g", "1-123456789", "1.5", "+1", "1 2", "１２３", String(repeating: "1", count: 16)] {
            #expect(LiveEventID(parsing: bad) == nil, "\(bad)")
        }
        // The live event of a final line has its stored line's id.
        let event = LiveCallEvent(orgID: UUID(), callID: UUID(), kind: .transcript, role: "user", text: "Bonjour", final: true, at: at)
        #expect(LiveEventID(event) == id)
    }
}
