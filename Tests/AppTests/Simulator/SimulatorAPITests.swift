@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The call simulator's API in scripted mode (no language model): real slots booked end to end through
/// genuine Vapi messages and the webhook's own code.
@Suite("Call simulator API")
struct SimulatorAPITests {
    @Test func scriptedCallBooksARealSlotInFrench() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "fr")
            let client = SimulatorClient(app: app, token: owner.token)
            let started = try #require(try await client.start(["callerNumber": "06 12 34 56 78"]))
            #expect(started.scripted && !started.ended)
            #expect(started.greeting.contains("AVA") && started.greeting.contains("Comment puis-je vous aider"), "\(started.greeting)")
            let row = try #require(try await Call.find(started.callId, on: app.db))
            #expect(row.simulated && row.vapiCallID == started.vapiCallId && row.status == "in-progress" && row.fromNumber == "+33612345678")

            let asked = try await client.say(started.callId, "Bonjour, je voudrais prendre rendez-vous demain après-midi")
            #expect(asked.reply.contains("nom") && asked.toolCalls.isEmpty, "\(asked.reply)")

            let offered = try await client.say(started.callId, "Je m'appelle Léa Martin")
            #expect(offered.toolCalls.map(\.name) == ["checkAvailability"])
            #expect(offered.toolCalls.first?.result?.contains("\"slots\"") == true)
            #expect(offered.reply.hasPrefix("Les prochains créneaux libres sont demain à 12 h"), "\(offered.reply)")
            #expect(offered.toolCalls.first?.arguments.contains("\"partOfDay\":\"afternoon\"") == true, "the wish said before the name is kept")

            let booked = try await client.say(started.callId, "Le premier, s'il vous plaît")
            #expect(booked.toolCalls.map(\.name) == ["bookAppointment"], "\(booked.reply)")
            let bookTool = try #require(booked.toolCalls.first)
            #expect(bookTool.result != nil && bookTool.error == nil, "\(bookTool)")
            #expect(bookTool.arguments.contains("Léa Martin"))
            #expect(!booked.ended)

            let bye = try await client.say(started.callId, "Non merci, au revoir")
            #expect(bye.ended && bye.outcome == "booked", "\(bye)")
            #expect(bye.summary?.contains("Léa Martin") == true, "\(bye.summary ?? "")")

            let call = try #require(try await Call.find(started.callId, on: app.db))
            #expect(call.status == "ended" && call.outcome == "booked" && call.reportReceivedAt != nil)
            #expect(call.transcript?.contains("User: Le premier") == true)
            #expect(call.messagesJSON?.contains("\"bot\"") == true)
            let appointment = try #require(try await Appointment.query(on: app.db).filter(\.$org.$id == owner.orgID).first())
            #expect(appointment.source == .call && appointment.callID == started.callId)
            let lines = try await CallTranscriptLine.query(on: app.db).filter(\.$call.$id == started.callId).count()
            #expect(lines == 9, "greeting + 4 caller lines + 4 replies")
            #expect(try await CallEvent.query(on: app.db).filter(\.$call.$id == started.callId).filter(\.$type == "tool-calls").count() == 2)
            // Every turn is what Vapi would post: speech starts and stops, and the whole conversation restated.
            #expect(try await CallEvent.query(on: app.db).filter(\.$call.$id == started.callId).filter(\.$type == "speech-update").count() == 16)
            #expect(try await CallEvent.query(on: app.db).filter(\.$call.$id == started.callId).filter(\.$type == "conversation-update").count() == 4)

            // Ended: saying more is refused; hanging up again answers the same.
            #expect(try await client.refusedSay(started.callId, "Allô ?", status: .conflict) == "simulator_call_ended")
            let again = try await client.hangUp(started.callId)
            #expect(again.outcome == "booked" && again.status == "ended")
        }
    }

    @Test func scriptedCallTakesAMessageInEnglish() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "en", serviceName: "Consultation")
            let client = SimulatorClient(app: app, token: owner.token)
            let started = try #require(try await client.start())
            #expect(started.greeting.hasPrefix("Hello"))
            let name = try await client.say(started.callId, "Could someone call me back please?")
            #expect(name.reply.contains("name"), "\(name.reply)")
            let what = try await client.say(started.callId, "My name is Sam Cole")
            #expect(what.reply.contains("message"), "\(what.reply)")
            let taken = try await client.say(started.callId, "It's about my invoice from last month")
            #expect(taken.toolCalls.map(\.name) == ["takeMessage"] && taken.toolCalls[0].result != nil, "\(taken)")
            let ended = try await client.hangUp(started.callId)
            #expect(ended.outcome == "message" && ended.status == "ended")
            let message = try #require(try await OwnerMessage.query(on: app.db).filter(\.$org.$id == owner.orgID).first())
            #expect(message.name == "Sam Cole" && message.reason == "It's about my invoice from last month")
            #expect(message.callID == started.callId && message.phone == "+14155550100")
            #expect(try await Call.find(started.callId, on: app.db)?.summary?.contains("message") == true)
        }
    }

    @Test func scriptedHebrewPicksADayAndATime() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "he", serviceName: "תספורת")
            let client = SimulatorClient(app: app, token: owner.token)
            let started = try #require(try await client.start(["callerName": "דנה לוי"]))
            let offered = try await client.say(started.callId, "שלום, אני רוצה לקבוע תור מחר בבוקר")
            #expect(offered.toolCalls.map(\.name) == ["checkAvailability"], "\(offered.reply)")
            #expect(offered.toolCalls[0].arguments.contains("\"partOfDay\":\"morning\""))
            #expect(offered.reply.contains("מחר"), "\(offered.reply)")
            let booked = try await client.say(started.callId, "בשעה 10:00 בבקשה")
            #expect(booked.toolCalls.map(\.name) == ["bookAppointment"], "\(booked.reply)")
            #expect(booked.toolCalls.first?.arguments.contains("T10:00") == true, "\(booked.toolCalls)")
            #expect(booked.toolCalls.first?.result != nil, "\(booked.toolCalls)")
            let ended = try await client.hangUp(started.callId)
            #expect(ended.outcome == "booked")
        }
    }

    @Test func badInputIsRefusedClearly() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app)
            let client = SimulatorClient(app: app, token: owner.token)
            _ = try await client.start(["callerNumber": "12"], expect: .unprocessableEntity)
            _ = try await client.start(["callerName": String(repeating: "a", count: 81)], expect: .unprocessableEntity)
            let started = try #require(try await client.start())
            #expect(try await client.refusedSay(started.callId, "   ", status: .unprocessableEntity) == "simulator_text_required")
            #expect(try await client.refusedSay(started.callId, String(repeating: "é", count: 1001), status: .unprocessableEntity)
                == "simulator_text_too_long")
            #expect(try await client.refusedSay(UUID(), "Bonjour", status: .notFound) == "not_found")

            // Another organisation cannot see, speak in or hang up this call.
            let stranger = try await SimulatorOwner.make(app)
            let other = SimulatorClient(app: app, token: stranger.token)
            #expect(try await other.refusedSay(started.callId, "Bonjour", status: .notFound) == "not_found")
            try await app.testing().test(.POST, "/api/v1/simulator/calls/\(started.callId)/hang-up", headers: .bearer(stranger.token),
                                         afterResponse: { res throws in #expect(res.status == .notFound) })
            try await app.testing().test(.GET, "/api/v1/simulator/calls/\(started.callId)", headers: .bearer(stranger.token),
                                         afterResponse: { res throws in #expect(res.status == .notFound) })
            try await app.testing().test(.POST, "/api/v1/simulator/calls", afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
            try await app.testing().test(.POST, "/api/v1/simulator/calls/\(started.callId)/say", headers: .bearer(owner.token),
                                         beforeRequest: { req in
                req.headers.contentType = .json
                req.body = ByteBuffer(string: "{\"text\": ")
            }, afterResponse: { res throws in #expect(res.status == .badRequest) })
            // Nothing of the refused turns was stored.
            #expect(try await CallTranscriptLine.query(on: app.db).filter(\.$call.$id == started.callId).count() == 1)
            try await app.testing().test(.GET, "/api/v1/simulator/calls/\(started.callId)", headers: .bearer(owner.token),
                                         afterResponse: { res throws in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("\"scripted\":true"))
            })
        }
    }

    /// A watcher of the organisation's calls sees the simulated call live, line by line, like a real one.
    @Test func aSimulatedCallAppearsLive() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "fr")
            let client = SimulatorClient(app: app, token: owner.token)
            try await withServer(app) { port in
                let watcher = try await SSEClient.open(app, port: port, path: "/api/v1/calls/live", token: owner.token)
                #expect(await watcher.next()?.event == "ready")
                let started = try #require(try await client.start(["callerName": "Léa"]))
                var seen: [SSEFrame] = []
                while let frame = await watcher.nextEvent(timeout: .seconds(2)) {
                    seen.append(frame)
                    if frame.event == "transcript", frame.json["role"] == "assistant" { break }
                }
                #expect(seen.map(\.event) == ["status", "status", "transcript"], "\(seen)")
                #expect(seen.last?.json["text"] == started.greeting)
                #expect(seen.allSatisfy { $0.json["callId"]?.lowercased() == started.callId.uuidString.lowercased() })
                _ = try await client.say(started.callId, "Je voudrais un rendez-vous")
                var texts: [String] = []
                while let frame = await watcher.nextEvent(timeout: .seconds(2)), texts.count < 3 {
                    if frame.event == "transcript", frame.json["final"] == "true" { texts.append(frame.json["text"] ?? "") }
                }
                #expect(texts.first == "Je voudrais un rendez-vous")
                #expect(texts.dropFirst().first?.hasPrefix("Les prochains créneaux libres") == true, "\(texts)")
                _ = try await client.hangUp(started.callId)
                var ended = false
                while let frame = await watcher.nextEvent(timeout: .seconds(2)) {
                    if frame.event == "ended" { ended = true; break }
                }
                #expect(ended)
                await watcher.close()
            }
        }
    }

    /// A call left open (a closed tab) ends after a silence, as Vapi ends one, with its report.
    @Test func abandonedCallsEndAfterSilence() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "fr")
            let client = SimulatorClient(app: app, token: owner.token)
            let quiet = try #require(try await client.start())
            let active = try #require(try await client.start())
            try await app.simulatedCalls.setLastActivity(quiet.callId, Date().addingTimeInterval(-SimulatorEngine.silenceTimeout - 60))
            await SimulatorEngine(app: app, logger: app.logger).endAbandoned()
            // Each start also sweeps in the background: that sweep may be the one that took the quiet call.
            let settled = try await eventually(timeout: .seconds(15)) {
                let reported = try await Call.find(quiet.callId, on: app.db)?.reportReceivedAt != nil
                let closed = try await app.simulatedCalls.get(quiet.callId, orgID: owner.orgID)?.ended == true
                return reported && closed
            }
            #expect(settled)
            let ended = try #require(try await Call.find(quiet.callId, on: app.db))
            #expect(ended.status == "ended" && ended.endedReason == "silence-timed-out" && ended.reportReceivedAt != nil)
            #expect(try await Call.find(active.callId, on: app.db)?.status == "in-progress")
            #expect(try await client.refusedSay(quiet.callId, "Allô ?", status: .conflict) == "simulator_call_ended")
        }
    }

    /// With several services, AVA asks which one (the tool's own question) and takes the answer.
    @Test func scriptedCallAsksWhichService() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "fr")
            try await BookingService(orgID: owner.orgID, name: "Couleur", durationMinutes: 60, position: 1).create(on: app.db)
            let client = SimulatorClient(app: app, token: owner.token)
            let started = try #require(try await client.start(["callerName": "Paul Durand"]))
            let which = try await client.say(started.callId, "Je voudrais réserver")
            #expect(which.toolCalls.first?.error?.contains("Coupe ou Couleur") == true, "\(which)")
            #expect(which.reply.contains("Coupe ou Couleur"), "\(which.reply)")
            let offered = try await client.say(started.callId, "Une couleur s'il vous plaît")
            #expect(offered.toolCalls.first?.result?.contains("\"service\":\"Couleur\"") == true, "\(offered)")
            let booked = try await client.say(started.callId, "le deuxième")
            #expect(booked.toolCalls.first?.name == "bookAppointment" && booked.toolCalls.first?.result != nil, "\(booked)")
            let appointment = try #require(try await Appointment.query(on: app.db).filter(\.$org.$id == owner.orgID).with(\.$service).first())
            #expect(appointment.service.name == "Couleur")
            let ended = try await client.hangUp(started.callId)
            #expect(ended.summary?.contains("Couleur") == true, "\(ended.summary ?? "")")
        }
    }

    /// A request the script does not understand ends, after three tries, in a message rather than a loop;
    /// "c'est tout" inside a message is part of the message, not a goodbye.
    @Test func unclearRequestsBecomeAMessage() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "fr")
            let client = SimulatorClient(app: app, token: owner.token)
            let started = try #require(try await client.start(["callerName": "Paul"]))
            for question in ["Quels sont vos tarifs ?", "Vous êtes ouverts le dimanche ?"] {
                #expect(try await client.say(started.callId, question).reply.contains("rendez-vous ou transmettre un message"))
            }
            let ask = try await client.say(started.callId, "Et pour un devis ?")
            #expect(ask.reply.contains("quel message"), "\(ask.reply)")
            let taken = try await client.say(started.callId, "Un devis pour dix personnes, c'est tout")
            #expect(taken.toolCalls.map(\.name) == ["takeMessage"] && !taken.ended, "\(taken)")
            let message = try #require(try await OwnerMessage.query(on: app.db).filter(\.$org.$id == owner.orgID).first())
            #expect(message.reason == "Un devis pour dix personnes, c'est tout" && message.name == "Paul")
        }
    }

    @Test func openCallsAreCapped() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "en")
            let client = SimulatorClient(app: app, token: owner.token)
            var first: UUID?
            for _ in 0..<SimulatorEngine.maxOpenCalls {
                let started = try await client.start()
                if first == nil { first = started?.callId }
            }
            _ = try await client.start(expect: .tooManyRequests)
            _ = try await client.hangUp(try #require(first))
            _ = try await client.start()
        }
    }

    /// How long a turn takes end to end (API, webhook processing, tools, database): printed, not asserted.
    @Test func turnTimes() async throws {
        try await withAVA { app in
            let owner = try await SimulatorOwner.make(app, locale: "fr")
            let client = SimulatorClient(app: app, token: owner.token)
            var starts: [Double] = [], turns: [Double] = [], hangUps: [Double] = []
            let clock = ContinuousClock()
            func ms(_ duration: Duration) -> Double { Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000 }
            for _ in 0..<10 {
                var started: SimStarted?
                starts.append(ms(try await clock.measure { started = try await client.start(["callerName": "Léa"]) }))
                let id = try #require(started?.callId)
                for text in ["Je voudrais un rendez-vous", "le dernier", "non merci"] {
                    turns.append(ms(try await clock.measure { _ = try await client.say(id, text) }))
                }
                hangUps.append(ms(try await clock.measure { _ = try await client.hangUp(id) }))
            }
            func p(_ values: [Double], _ q: Double) -> String {
                let sorted = values.sorted()
                return String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))])
            }
            print("simulator (\(isPostgres ? "PostgreSQL" : "SQLite"), this build): start p50 \(p(starts, 0.5)) ms, say p50 \(p(turns, 0.5)) ms p90 \(p(turns, 0.9)) ms, hang-up p50 \(p(hangUps, 0.5)) ms")
            #expect(try await Appointment.query(on: app.db).filter(\.$org.$id == owner.orgID).count() == 10)
        }
    }

    @Test func callerWordsAreUnderstood() {
        let today = LocalDate("2026-03-10")!  // a Tuesday
        #expect(CallerWords("Je voudrais un rendez-vous").isBooking)
        #expect(CallerWords("I'd like to book a haircut").isBooking)
        #expect(CallerWords("אני רוצה לקבוע תור").isBooking)
        #expect(CallerWords("Pouvez-vous me rappeler ?").isMessage)
        #expect(CallerWords("אפשר להשאיר הודעה?").isMessage)
        #expect(CallerWords("Non merci, au revoir").isGoodbye)
        #expect(CallerWords("mardi à 10h30").time! == (10, 30))
        #expect(CallerWords("at 3 pm").time! == (15, 0))
        #expect(CallerWords("3:30 pm works").time! == (15, 30))
        #expect(CallerWords("à 10h").time! == (10, 0))
        #expect(CallerWords("בשעה 14:15").time! == (14, 15))
        #expect(CallerWords("jeudi").day(after: today) == LocalDate("2026-03-12"))
        #expect(CallerWords("tomorrow").day(after: today) == LocalDate("2026-03-11"))
        #expect(CallerWords("ביום שני").day(after: today) == LocalDate("2026-03-16"))
        #expect(CallerWords("le deuxième").ordinal == 1)
        #expect(CallerWords("the last one").ordinal == -1)
        #expect(CallerWords("הראשון").ordinal == 0)
        #expect(CallerWords("je m'appelle Léa Martin").name == "Léa Martin")
        #expect(CallerWords("c'est pour un rendez-vous").namesThemselves == false)
        #expect(CallerWords("06 12 34").name == nil)
    }
}
