@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// `GET /api/v1/calls` and `GET /api/v1/calls/{id}`: scoped to the organisation, newest first, filters,
/// search, cursor pages without gaps or repeats, and 4xx (never 500) for what a client gets wrong.
@Suite("CallHistory API")
struct CallHistoryAPITests {
    typealias Fixture = CallHistoryFixture
    typealias List = CallHistoryAPIController.CallList

    @Test func listsOnlyTheOrganisationsCallsNewestFirst() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app)
            let other = try await Owner.create(app)
            let now = Date()
            let old = try await Fixture.call(app, orgID: owner.orgID, at: now.addingTimeInterval(-7200), name: "Ancien")
            let new = try await Fixture.call(app, orgID: owner.orgID, at: now.addingTimeInterval(-60), name: "Récent")
            let middle = try await Fixture.call(app, orgID: owner.orgID, at: now.addingTimeInterval(-3600), name: "Milieu")
            try await Fixture.call(app, orgID: other.orgID, at: now, name: "Autre")
            let list = try #require(try await Fixture.get(app, "/api/v1/calls", as: owner, List.self))
            #expect(list.items.map(\.id) == [new, middle, old])
            #expect(list.nextCursor == nil)
            #expect(list.items[0].callerName == "Récent")
            #expect(list.items[0].durationSeconds == 95)
            let theirs = try #require(try await Fixture.get(app, "/api/v1/calls", as: other, List.self))
            #expect(theirs.items.count == 1)
        }
    }

    @Test func filtersByOutcomeDatesAndNumber() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let owner = org.owner
            try await Fixture.paris(app, orgID: owner.orgID)
            let second = PhoneNumberRecord(orgID: owner.orgID, assistantID: nil, provider: .sandbox,
                                           provisioned: ProvisionedNumber(id: "sandbox-\(UUID().uuidString.lowercased())",
                                                                          e164: "+14155550199", status: "sandbox"), name: nil)
            try await second.create(on: app.db)
            let march14 = localInstant(LocalDate("2026-03-14")!, hour: 23, minute: 30)  // late evening in Paris, UTC 22:30
            let march15 = localInstant(LocalDate("2026-03-15")!, hour: 0, minute: 15)   // just after midnight in Paris
            let march20 = localInstant(LocalDate("2026-03-20")!, hour: 10)
            let booked = try await Fixture.call(app, orgID: owner.orgID, at: march14, outcome: "booked", phoneNumberID: org.number.id)
            let message = try await Fixture.call(app, orgID: owner.orgID, at: march15, outcome: "message", phoneNumberID: second.id)
            let transferred = try await Fixture.call(app, orgID: owner.orgID, at: march20, outcome: "transferred", phoneNumberID: org.number.id)
            let nothing = try await Fixture.call(app, orgID: owner.orgID, at: march20.addingTimeInterval(60), outcome: nil)

            func ids(_ query: String) async throws -> [UUID] {
                try #require(try await Fixture.get(app, "/api/v1/calls?\(query)", as: owner, List.self)).items.map(\.id)
            }
            #expect(try await ids("outcome=booked") == [booked])
            #expect(try await ids("outcome=message") == [message])
            #expect(try await ids("outcome=transferred") == [transferred])
            #expect(try await ids("outcome=none") == [nothing])
            // Days are the organisation's (Paris): 23:30 on the 14th is the 14th, 00:15 on the 15th the 15th.
            #expect(try await ids("from=2026-03-14&to=2026-03-14") == [booked])
            #expect(try await ids("from=2026-03-15&to=2026-03-15") == [message])
            #expect(try await ids("from=2026-03-15") == [nothing, transferred, message])
            #expect(try await ids("to=2026-03-19") == [message, booked])
            #expect(try await ids("number=\(second.id!.uuidString)") == [message])
            #expect(try await ids("number=\(org.number.id!.uuidString)&outcome=transferred") == [transferred])
            #expect(try await ids("number=\(UUID().uuidString)").isEmpty)
        }
    }

    @Test func searchesWordsNamesAndNumbers() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app)
            let other = try await Owner.create(app)
            let now = Date()
            let lea = try await Fixture.call(app, orgID: owner.orgID, at: now.addingTimeInterval(-300), name: "Léa Martin",
                                             from: "+33698765432", summary: "Rendez-vous pris pour une coupe mardi.",
                                             transcript: "AI: Bonjour, salon Test.\nUser: Je voudrais un rendez-vous pour une coupe.")
            let noam = try await Fixture.call(app, orgID: owner.orgID, at: now.addingTimeInterval(-200), name: "נועם כהן",
                                              from: "+972541234567", summary: "ביקש לדבר עם בעל העסק.",
                                              transcript: "User: שלום, אני צריך חשבונית")
            let john = try await Fixture.call(app, orgID: owner.orgID, at: now.addingTimeInterval(-100), name: nil,
                                              from: "+14155550123", summary: "Asked about the invoice.",
                                              transcript: "User: Hi, I need my invoice, please.")
            // Another organisation's call says the same words: never found.
            try await Fixture.call(app, orgID: other.orgID, at: now, name: "Léa Martin", from: "+33698765432",
                                   summary: "Rendez-vous coupe invoice", transcript: "invoice coupe")

            func search(_ q: String) async throws -> [UUID] {
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                return try #require(try await Fixture.get(app, "/api/v1/calls?q=\(encoded)", as: owner, List.self)).items.map(\.id)
            }
            #expect(try await search("coupe") == [lea], "a word of the summary and transcript")
            #expect(try await search("invoice") == [john], "a word of the transcript")
            #expect(try await search("INVOI") == [john], "a prefix, any case")
            #expect(try await search("martin") == [lea], "the caller's name")
            #expect(try await search("rendez-vous coupe") == [lea], "several words, all required")
            #expect(try await search("coupe invoice").isEmpty)
            #expect(try await search("חשבונית") == [noam], "Hebrew words")
            #expect(try await search("נועם") == [noam])
            // Numbers: national form, international form, with spaces, partial.
            #expect(try await search("06 98 76") == [lea])
            #expect(try await search("+33 6 98 76 54 32") == [lea])
            #expect(try await search("0033698") == [lea])
            #expect(try await search("698765") == [lea])
            #expect(try await search("054-123") == [noam])
            #expect(try await search("(415) 555-0123") == [john])
            #expect(try await search("+1 415") == [john])
            if !isPostgres {
                #expect(try await search("lea") == [lea], "accents ignored (SQLite's FTS5)")
            }
            // Nothing a user types breaks the query.
            for hostile in ["\"", "'", "*", "(", "a OR b", "NEAR(x y)", "col:val", "a & b | !c", "\\", "％", "ü*"] {
                let encoded = hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                _ = try #require(try await Fixture.get(app, "/api/v1/calls?q=\(encoded)", as: owner, List.self), "\(hostile)")
            }
        }
    }

    @Test func searchFollowsChangesToTheCall() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app)
            let id = try await Fixture.call(app, orgID: owner.orgID, at: Date(), name: "Paul", summary: "Appel court.")
            let call = try #require(try await Call.find(id, on: app.db))
            call.summary = "Demande de devis pour une terrasse."
            call.status = "ended"
            try await call.save(on: app.db)
            let found = try #require(try await Fixture.get(app, "/api/v1/calls?q=terrasse", as: owner, List.self))
            #expect(found.items.map(\.id) == [id])
            let gone = try #require(try await Fixture.get(app, "/api/v1/calls?q=court", as: owner, List.self))
            #expect(gone.items.isEmpty)
            try await call.delete(on: app.db)
            let deleted = try #require(try await Fixture.get(app, "/api/v1/calls?q=terrasse", as: owner, List.self))
            #expect(deleted.items.isEmpty)
        }
    }

    @Test func cursorPagesHaveNoGapsOrRepeats() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app)
            let base = Date(timeIntervalSince1970: 1_780_000_000.123456)
            var expected: [(Date, UUID)] = []
            for index in 0..<45 {
                // Groups of five calls share the very same start: the id breaks the tie.
                let at = base.addingTimeInterval(Double(index / 5) * 61.5)
                let id = try await Fixture.call(app, orgID: owner.orgID, at: at, summary: "Appel numéro \(index) pour un devis")
                expected.append((at, id))
            }
            let all = try #require(try await Fixture.get(app, "/api/v1/calls?limit=100", as: owner, List.self)).items.map(\.id)
            #expect(all.count == 45)
            #expect(Set(all).count == 45)
            // Newest first: each call's time is not after the previous one's.
            let times = Dictionary(uniqueKeysWithValues: expected.map { ($0.1, $0.0) })
            #expect(zip(all, all.dropFirst()).allSatisfy { times[$0]! >= times[$1]! })
            for limit in [1, 4, 5, 7, 44] {
                let pages = try await Fixture.allPages(app, "/api/v1/calls", as: owner, limit: limit)
                #expect(pages.flatMap { $0 } == all, "limit \(limit)")
                #expect(pages.allSatisfy { $0.count <= limit })
            }
            // The same through a search, and with a filter.
            let searched = try await Fixture.allPages(app, "/api/v1/calls?q=devis", as: owner, limit: 6)
            #expect(searched.flatMap { $0 } == all)
            let filtered = try await Fixture.allPages(app, "/api/v1/calls?outcome=none", as: owner, limit: 8)
            #expect(filtered.flatMap { $0 } == all)
        }
    }

    @Test func badInputIsALocalized422() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app, locale: "fr")
            try await Fixture.call(app, orgID: owner.orgID, at: Date())
            for (query, code) in [("cursor=nope", "calls_cursor_invalid"), ("cursor=v1.AAAA", "calls_cursor_invalid"),
                                  ("cursor=v1.\(Data("s:NaN:x".utf8).base64EncodedString())", "calls_cursor_invalid"),
                                  ("from=2026-13-45", "calls_date_invalid"), ("to=yesterday", "calls_date_invalid"),
                                  ("from=2026-03-20&to=2026-03-01", "calls_date_range_invalid"),
                                  ("outcome=maybe", "calls_outcome_invalid"), ("number=12", "calls_number_invalid"),
                                  ("limit=0", "calls_limit_invalid"), ("limit=1000", "calls_limit_invalid")] {
                let (status, body) = try await Fixture.raw(app, "/api/v1/calls?\(query)", as: owner)
                #expect(status == .unprocessableEntity, "\(query): \(body)")
                #expect(body.contains("\"code\":\"\(code)\""), "\(query): \(body)")
            }
            let (_, french) = try await Fixture.raw(app, "/api/v1/calls?from=2026-02-30", as: owner)
            #expect(french.contains("Date invalide"), "\(french)")
            // A forged cursor of the other database's kind is refused, not a 500.
            let other = CallCursor(key: isPostgres ? .seconds(1) : .microseconds(1), id: UUID()).encoded
            let (status, _) = try await Fixture.raw(app, "/api/v1/calls?cursor=\(other)", as: owner)
            #expect(status == .unprocessableEntity)
        }
    }

    @Test func oneCallWithWhatCameOfIt() async throws {
        try await withAVA { app in
            let org = try await CallingOrg.make(app)
            let owner = org.owner
            let vapiID = UUID().uuidString.lowercased()
            let factory = org.factory(callID: vapiID)
            let start = Date().addingTimeInterval(-300)
            try await postWebhook(app, org.path, factory.statusUpdate("in-progress"))
            try await postWebhook(app, org.path, factory.transcript("assistant", "Bonjour, salon Test, que puis-je faire pour vous ?", at: start))
            try await postWebhook(app, org.path, factory.transcript("user", "Je voudrais une coupe demain.", at: start.addingTimeInterval(5)))
            let callRecord = try #require(try await Call.query(on: app.db).filter(\.$vapiCallID == vapiID).first())
            let callID = try #require(callRecord.id)

            // While it lasts, it is live.
            let live = try #require(try await Fixture.get(app, "/api/v1/calls/\(callID)", as: owner, CallHistoryAPIController.CallDetail.self))
            #expect(live.live)
            #expect(live.transcript.map(\.role) == ["assistant", "user"])

            try await postWebhook(app, org.path, factory.endOfCallReport(
                transcript: "AI: Bonjour\nUser: Je voudrais une coupe demain.", summary: "Léa a pris rendez-vous pour une coupe.",
                startedAt: start, endedAt: Date().addingTimeInterval(125), cost: 0.0734,
                recordingURL: "https://storage.vapi.ai/rec-1.wav"))
            let service = BookingService(orgID: owner.orgID, name: "Coupe", durationMinutes: 30)
            try await service.create(on: app.db)
            let customer = Customer(orgID: owner.orgID, phone: "+33698765432", name: "Léa Martin")
            try await customer.create(on: app.db)
            let startsAt = Date().addingTimeInterval(86_400)
            let appointment = Appointment(orgID: owner.orgID, staffID: nil, serviceID: service.id!, customerID: customer.id!,
                                          startsAt: startsAt, endsAt: startsAt.addingTimeInterval(1800),
                                          blocksUntil: startsAt.addingTimeInterval(1800), source: .call, callID: callID)
            try await appointment.create(on: app.db)
            let message = OwnerMessage(orgID: owner.orgID, callID: callID, name: "Léa Martin", phone: "+33698765432",
                                       reason: "Rappeler pour la couleur", urgency: .high)
            try await message.create(on: app.db)

            let detail = try #require(try await Fixture.get(app, "/api/v1/calls/\(callID)", as: owner, CallHistoryAPIController.CallDetail.self))
            #expect(!detail.live)
            #expect(detail.summary == "Léa a pris rendez-vous pour une coupe.")
            #expect(detail.recordingUrl == "https://storage.vapi.ai/rec-1.wav")
            // Started when Vapi said "in-progress", ended when the report says.
            let stored = try #require(try await Call.find(callID, on: app.db))
            let started = try #require(stored.startedAt)
            let ended = try #require(stored.endedAt)
            #expect(detail.durationSeconds == Int(ended.timeIntervalSince(started).rounded()))
            #expect(detail.endedReason == "customer-ended-call")
            #expect(detail.cost == 0.0734)
            #expect(detail.fromNumber == "+33698765432")
            #expect(detail.callerName == "Léa Martin")
            #expect(detail.transcript.map(\.text) == ["Bonjour, salon Test, que puis-je faire pour vous ?", "Je voudrais une coupe demain."])
            #expect(detail.appointments.map(\.id) == [appointment.id!])
            #expect(detail.appointments.first?.service == "Coupe")
            #expect(detail.messages.map(\.reason) == ["Rappeler pour la couleur"])

            // In the list too, found by what was said.
            let found = try #require(try await Fixture.get(app, "/api/v1/calls?q=coupe", as: owner, List.self))
            #expect(found.items.map(\.id) == [callID])
        }
    }

    @Test func anotherOrganisationsCallIsNotFound() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app)
            let other = try await Owner.create(app)
            let theirs = try await Fixture.call(app, orgID: other.orgID, at: Date(), summary: "Secret")
            for path in ["/api/v1/calls/\(theirs)", "/api/v1/calls/not-a-uuid", "/api/v1/calls/\(UUID())"] {
                let (status, body) = try await Fixture.raw(app, path, as: owner)
                #expect(status == .notFound, "\(path)")
                #expect(!body.contains("Secret"))
            }
            var status: HTTPStatus = .ok
            try await app.testing().test(.GET, "/api/v1/calls", afterResponse: { res throws in status = res.status })
            #expect(status == .unauthorized)
        }
    }

    @Test func transcriptFromTheReportWhenNoLineWasStored() {
        let messages = #"[{"role":"system","message":"prompt"},{"role":"bot","message":"Bonjour","time":1780000000000},{"role":"user","message":"Salut"}]"#
        let fromMessages = CallDetails.transcriptLines(messagesJSON: messages, transcript: nil)
        #expect(fromMessages.map(\.role) == ["assistant", "user"])
        #expect(fromMessages.map(\.text) == ["Bonjour", "Salut"])
        let fromText = CallDetails.transcriptLines(messagesJSON: nil, transcript: "AI: Bonjour\nUser: Je voudrais\nun rendez-vous\nAI: Bien sûr")
        #expect(fromText.map(\.role) == ["assistant", "user", "assistant"])
        #expect(fromText[1].text == "Je voudrais un rendez-vous")
    }
}

