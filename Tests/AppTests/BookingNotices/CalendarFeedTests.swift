@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// What `parse_ics.py` read from a feed with Python's icalendar package.
struct ParsedICS: Decodable {
    struct Event: Decodable { var uid: String; var summary: String; var description: String; var status: String; var start: Int; var end: Int }
    var name: String
    var events: [Event]
}

enum ICSParser {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("parse_ics.py").path

    /// Runs the Python parser on `ics`; records its complaints as test issues.
    static func parse(_ ics: String) throws -> ParsedICS {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("feed.ics"), output = directory.appendingPathComponent("out")
        let errors = directory.appendingPathComponent("err")
        try Data(ics.utf8).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["AVA_PYTHON"] ?? "python3", script]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        let err = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            Issue.record("parse_ics.py (exit \(process.terminationStatus)): \(err.prefix(2000))")
            throw Abort(.internalServerError)
        }
        return try JSONDecoder().decode(ParsedICS.self, from: Data(contentsOf: output))
    }
}

struct FeedAddress: Content { var url: String?; var createdAt: Date? }

@Suite("Calendar feed")
struct CalendarFeedTests {
    func address(_ app: Application, _ auth: AuthResponse, regenerate: Bool = false) async throws -> String {
        var url: String?
        try await app.testing().test(regenerate ? .POST : .GET,
                                     "/api/v1/booking/calendar-feed" + (regenerate ? "/regenerate" : ""),
                                     headers: .bearer(auth.tokens.accessToken), afterResponse: { res throws in
            #expect(res.status == .ok, "\(res.body.string)")
            url = try res.content.decode(FeedAddress.self).url
        })
        return try #require(url)
    }

    func fetch(_ app: Application, _ url: String) async throws -> (HTTPStatus, HTTPHeaders, String) {
        let path = try #require(URLComponents(string: url)?.path)
        var result: (HTTPStatus, HTTPHeaders, String)?
        try await app.testing().test(.GET, path, afterResponse: { res throws in
            result = (res.status, res.headers, res.body.string)
        })
        return try #require(result)
    }

    @Test func theFeedParsesWithPythonsIcalendar() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app, locale: "he", serviceName: "תספורת, גוונים; ועוד")
            // Long Hebrew notes with a line break: escaped, folded at 75 octets between characters.
            fixture.appointment.notes = String(repeating: "הערה ארוכה מאוד בעברית עם פסיקים, ונקודה-פסיק; ", count: 4) + "\nשורה שנייה"
            try await fixture.appointment.save(on: app.db)
            let url = try await address(app, fixture.auth)
            #expect(url.hasPrefix(app.appConfig.publicURL + "/calendar/"))
            #expect(url.hasSuffix(".ics"))
            #expect(try await address(app, fixture.auth) == url, "the address stays the same until regenerated")

            let (status, headers, body) = try await fetch(app, url)
            #expect(status == .ok)
            #expect(headers.contentType?.type == "text" && headers.contentType?.subType == "calendar")
            let parsed = try ICSParser.parse(body)
            #expect(parsed.name.contains(fixture.auth.organisation.name))
            let event = try #require(parsed.events.first)
            #expect(parsed.events.count == 1)
            #expect(event.uid.hasPrefix(fixture.appointment.id!.uuidString.lowercased()))
            #expect(event.summary == "תספורת, גוונים; ועוד – Léa Martin")
            #expect(event.description.contains(fixture.appointment.notes!))
            #expect(event.description.contains("+33612345678"))
            #expect(event.status == "CONFIRMED")
            #expect(event.start == Int(fixture.appointment.startsAt.timeIntervalSince1970))
            #expect(event.end == Int(fixture.appointment.endsAt.timeIntervalSince1970))
        }
    }

    @Test func cancelledAppointmentsStayInTheFeedMarkedCancelled() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app)
            let url = try await address(app, fixture.auth)
            let before = try ICSParser.parse(try await fetch(app, url).2)
            fixture.appointment.status = .cancelled
            try await fixture.appointment.save(on: app.db)
            let after = try ICSParser.parse(try await fetch(app, url).2)
            #expect(after.events.first?.status == "CANCELLED")
            // Same UID: calendar apps update the event instead of adding another.
            #expect(after.events.first?.uid == before.events.first?.uid)
        }
    }

    @Test func regeneratingKillsTheOldAddress() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app)
            let old = try await address(app, fixture.auth)
            let new = try await address(app, fixture.auth, regenerate: true)
            #expect(new != old)
            #expect(try await fetch(app, old).0 == .notFound)
            #expect(try await fetch(app, new).0 == .ok)
            #expect(try await address(app, fixture.auth) == new)
        }
    }

    @Test func feedsAreSeparateAndTheTokenIsStoredHashed() async throws {
        try await withAVA { app in
            let first = try await NoticeFixture.make(app)
            let other = try await signUp(app, SignupBody(email: uniqueEmail("other")))
            let otherURL = try await address(app, other)
            let otherFeed = try ICSParser.parse(try await fetch(app, otherURL).2)
            #expect(otherFeed.events.isEmpty)
            let firstURL = try await address(app, first.auth)
            #expect(firstURL != otherURL)
            let token = String(firstURL.split(separator: "/").last!.dropLast(4))
            let stored = try #require(try await CalendarFeed.query(on: app.db).filter(\.$org.$id == first.orgID).first())
            #expect(stored.tokenHash != token)
            #expect(stored.tokenEncrypted?.contains(token) == false)
            #expect(try await fetch(app, app.appConfig.publicURL + "/calendar/not-a-real-token-at-all-0123456789.ics").0 == .notFound)
            #expect(try await fetch(app, app.appConfig.publicURL + "/calendar/\(token)").0 == .notFound)
        }
    }

    @Test func concurrentFirstVisitsGetOneAddress() async throws {
        try await withAVA { app in
            let auth = try await signUp(app, SignupBody(email: uniqueEmail("race")))
            let orgID = auth.organisation.id
            let urls = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await CalendarFeedService.address(orgID: orgID, app: app, on: app.db).url }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(Set(urls).count == 1, "every first visit sees the same address")
            #expect(try await CalendarFeed.query(on: app.db).filter(\.$org.$id == orgID).count() == 1)
            let current = try #require(try await address(app, auth))
            #expect(urls.first == current)
            #expect(try await fetch(app, current).0 == .ok)
        }
    }

    @Test func theAddressNeedsASignedInUser() async throws {
        try await withAVA { app in
            try await app.testing().test(.GET, "/api/v1/booking/calendar-feed", afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
            try await app.testing().test(.POST, "/api/v1/booking/calendar-feed/regenerate", afterResponse: { res throws in
                #expect(res.status == .unauthorized)
            })
        }
    }
}
