@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Calls stored directly (the webhook's triggers and columns apply as for real calls).
enum CallHistoryFixture {
    @discardableResult
    static func call(_ app: Application, orgID: UUID, at: Date, duration: TimeInterval = 95, name: String? = nil,
                     from: String? = "+33612345678", outcome: String? = nil, summary: String? = nil, transcript: String? = nil,
                     phoneNumberID: UUID? = nil, status: String = "ended") async throws -> UUID {
        let call = Call()
        call.$org.id = orgID
        call.vapiCallID = "test-\(UUID().uuidString.lowercased())"
        call.fromNumber = from
        call.toNumber = "+33187654321"
        call.status = status
        call.statusRank = CallEventSQL.rank(status)
        call.startedAt = at
        call.endedAt = status == "ended" ? at.addingTimeInterval(duration) : nil
        call.callerName = name
        call.outcome = outcome
        call.summary = summary
        call.transcript = transcript
        call.simulated = false
        call.lastEventAt = Date()
        call.$phoneNumber.id = phoneNumberID
        try await call.create(on: app.db)
        return call.id!
    }

    /// The organisation's time zone set to Paris, so the date filters' days are known.
    static func paris(_ app: Application, orgID: UUID) async throws {
        let org = try #require(try await Org.find(orgID, on: app.db))
        org.timezone = "Europe/Paris"
        try await org.save(on: app.db)
    }

    /// `GET` on the API as `owner`; the decoded body when 200.
    static func get<T: Decodable>(_ app: Application, _ path: String, as owner: Owner, _ type: T.Type,
                                  status: HTTPStatus = .ok, sourceLocation: SourceLocation = #_sourceLocation) async throws -> T? {
        var result: T?
        try await app.testing().test(.GET, path, headers: owner.headers, afterResponse: { res throws in
            #expect(res.status == status, "\(path): \(res.body.string.prefix(400))", sourceLocation: sourceLocation)
            if res.status == .ok { result = try res.content.decode(T.self) }
        })
        return result
    }

    /// The raw answer (for error bodies).
    static func raw(_ app: Application, _ path: String, as owner: Owner) async throws -> (HTTPStatus, String) {
        var result: (HTTPStatus, String) = (.internalServerError, "")
        try await app.testing().test(.GET, path, headers: owner.headers, afterResponse: { res throws in
            result = (res.status, res.body.string)
        })
        return result
    }

    /// A signed-in browser for `owner`'s organisation (signs up through the pages).
    static func browser(_ app: Application, locale: String) async throws -> (WebClient, UUID) {
        let web = WebClient(app)
        web.acceptLanguage = locale
        let email = uniqueEmail("calls")
        _ = try await web.post("/\(locale)/signup", form: ["name": "Dana Levi", "email": email, "password": "correct-horse-battery-42",
                                                          "acceptTerms": "true"], csrfFrom: "/\(locale)/signup")
        let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
        let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
        return (web, membership.$org.id)
    }

    /// Every page of the list, following `nextCursor`.
    static func allPages(_ app: Application, _ path: String, as owner: Owner, limit: Int) async throws -> [[UUID]] {
        var pages: [[UUID]] = []
        var cursor: String?
        repeat {
            let separator = path.contains("?") ? "&" : "?"
            let url = path + separator + "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try #require(try await get(app, url, as: owner, CallHistoryAPIController.CallList.self))
            pages.append(page.items.map(\.id))
            cursor = page.nextCursor
            if pages.count > 100 { Issue.record("pagination does not end"); break }
        } while cursor != nil
        return pages
    }
}
