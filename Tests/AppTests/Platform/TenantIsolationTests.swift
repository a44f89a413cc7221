@testable import App
import AVACore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Every route that takes an id, tried by a signed-in owner with the ids of another organisation's rows: each must
/// answer 404, show none of that organisation's data and change none of it. The routes are read from the router
/// and the ids from every table that has an `org_id` column, so a new route or a new table is covered without
/// touching this test; a route parameter that is not an id must be listed below, with why it is safe.
@Suite("Tenant isolation")
struct TenantIsolationTests {
    /// Route parameters that are not row ids, and why trying another organisation's "id" there makes no sense.
    static let notIDs: Set<String> = [
        "orgToken",   // the webhook's secret path token: authenticates Vapi, covered by VapiWebhookAuthTests
        "token",      // one-time links (sign-in, invitations, calendar feed): secrets, not ids
        "provider",   // sign-in providers (google, microsoft)
        "locale",
        "file",       // the calendar feed's file name, whose token is the secret (CalendarFeedTests)
        "step",       // the onboarding wizard's step name, always the signed-in owner's own wizard
    ]

    /// Words that only the victim organisation's rows contain.
    static let markers = ["Zorglub", "VICTIM-SECRET", "victim-org-name"]

    @Test("another organisation's ids answer 404 on every route, with none of its data, and change nothing")
    func everyRouteIsScoped() async throws {
        try await withAVA { app in
            let victim = try await Self.victim(app)
            let intruder = try await Owner.create(app, locale: "en")
            let web = try await Self.signedInWeb(app, email: intruder.auth.user.email, password: SignupBody(email: "").password)
            let csrf = try #require(WebClient.csrf(in: try await web.get("/en/settings").body.string))

            let ids = try await Self.rowIDs(of: victim, app)
            #expect(ids.count >= 8, "the victim should own rows in many tables: \(ids.keys.sorted())")
            let before = try await Self.rowCounts(of: victim, app)

            var unexpectedParameters: Set<String> = []
            var leaks: Set<String> = []
            var tried = 0
            for route in app.routes.all {
                let parameters = route.path.compactMap { component -> String? in
                    if case .parameter(let name) = component { return name }
                    return nil
                }
                guard !parameters.isEmpty else { continue }
                let idParameters = parameters.filter { $0.lowercased().hasSuffix("id") }
                let others = Set(parameters).subtracting(idParameters)
                unexpectedParameters.formUnion(others.subtracting(Self.notIDs))
                guard others.isEmpty else { continue }

                for (table, id) in ids.sorted(by: { $0.key < $1.key }) {
                    let path = "/" + route.path.map { component -> String in
                        if case .parameter = component { return id.uuidString }
                        return component.description
                    }.joined(separator: "/")
                    let answer = try await Self.attempt(app, route.method, path, api: path.hasPrefix("/api/"), intruder: intruder,
                                                        web: web, csrf: csrf)
                    tried += 1
                    let leaked = Self.markers.filter { answer.body.contains($0) }
                    if answer.status != .notFound || !leaked.isEmpty {
                        leaks.insert("\(route.method) \(route.path.string) → \(answer.status.code)"
                                     + (leaked.isEmpty ? "" : " showing \(leaked) (a \(table) id)"))
                    }
                }
            }
            #expect(tried > 100, "only \(tried) attempts: are the routes registered?")
            #expect(unexpectedParameters.isEmpty, "route parameters that are neither ids nor listed in notIDs: \(unexpectedParameters.sorted())")
            // One line per route and answer (each is tried with an id from every table).
            let report = leaks.sorted().joined(separator: "\n")
            #expect(leaks.count == 0, "routes whose answer was not a clean 404:\n\(report)")
            let after = try await Self.rowCounts(of: victim, app)
            #expect(before == after, "the victim's rows changed: \(before) → \(after)")
            let message = try #require(try await OwnerMessage.query(on: app.db).filter(\.$org.$id == victim.orgID).first())
            #expect(message.doneAt == nil && message.readAt == nil)
            let appointment = try #require(try await Appointment.query(on: app.db).filter(\.$org.$id == victim.orgID).first())
            #expect(appointment.status == .booked)
        }
    }

    // MARK: The victim: one of everything

    static func victim(_ app: Application) async throws -> Owner {
        let calling = try await CallingOrg.make(app, locale: "fr")
        let owner = calling.owner
        let org = try #require(try await Org.find(owner.orgID, on: app.db))
        org.name = "victim-org-name"
        try await org.save(on: app.db)

        // A call through the webhook, as Vapi would make it: a status, a transcript line, a message, a report.
        let call = calling.factory()
        for body in [call.statusUpdate("in-progress"),
                     call.transcript("user", "Bonjour, ici Zorglub, VICTIM-SECRET.", final: true),
                     call.toolCalls([(id: "t1", name: "takeMessage",
                                      arguments: ["name": "Zorglub", "phone": "+33698765432", "reason": "VICTIM-SECRET rappel"])]),
                     call.endOfCallReport(transcript: "User: Zorglub VICTIM-SECRET", summary: "Zorglub VICTIM-SECRET",
                                          startedAt: Date().addingTimeInterval(-60), endedAt: Date())] {
            let answer = try await postWebhook(app, calling.path, body)
            #expect(answer.status == .ok)
        }

        // Booking: a service, a staff member, a closure, a customer and an appointment.
        let service = BookingService(orgID: owner.orgID, name: "Zorglub cut", durationMinutes: 30)
        try await service.create(on: app.db)
        let staff = StaffMember(orgID: owner.orgID, name: "Zorglub Staff")
        try await staff.create(on: app.db)
        try await BookingClosure(orgID: owner.orgID, startDate: "2030-01-01", endDate: "2030-01-02", label: "VICTIM-SECRET").create(on: app.db)
        let customer = Customer(orgID: owner.orgID, phone: "+33611111111", name: "Zorglub Client")
        try await customer.create(on: app.db)
        let start = Date().addingTimeInterval(3 * 86400).rounded(toMinutes: 30)
        try await Appointment(orgID: owner.orgID, staffID: staff.id, serviceID: service.id!, customerID: customer.id!,
                              startsAt: start, endsAt: start.addingTimeInterval(1800), blocksUntil: start.addingTimeInterval(1800),
                              source: .manual, notes: "VICTIM-SECRET").create(on: app.db)

        // Team and assistant, through the API where it exists (a missing route just adds nothing here).
        _ = try await send(app, .POST, "/api/v1/team/invites", owner, json: ["email": "zorglub-invite@example.com", "role": "member"])
        _ = try await send(app, .GET, "/api/v1/assistant", owner)
        _ = try await send(app, .GET, "/api/v1/booking/calendar-feed", owner)
        return owner
    }

    /// One id per table holding rows of the victim (its organisation's rows, and its user's).
    static func rowIDs(of victim: Owner, _ app: Application) async throws -> [String: UUID] {
        let sql = try #require(app.db as? any SQLDatabase)
        var ids: [String: UUID] = ["orgs": victim.orgID, "users": victim.userID]
        for (table, column) in try await ownedTables(app) {
            let owner = column == "user_id" ? victim.userID : victim.orgID
            let rows = try await sql.raw("SELECT id FROM \(ident: table) WHERE \(ident: column) = \(bind: owner) LIMIT 1").all()
            if let row = rows.first, let id = try? row.decode(column: "id", as: UUID.self) { ids[table] = id }
        }
        return ids
    }

    static func rowCounts(of victim: Owner, _ app: Application) async throws -> [String: Int] {
        let sql = try #require(app.db as? any SQLDatabase)
        var counts: [String: Int] = [:]
        for (table, column) in try await ownedTables(app) where !["auth_sessions", "refresh_tokens", "known_devices", "jobs"].contains(table) {
            let owner = column == "user_id" ? victim.userID : victim.orgID
            let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE \(ident: column) = \(bind: owner)").first()
            counts[table] = try row?.decode(column: "n", as: Int.self) ?? 0
        }
        return counts
    }

    /// Tables with an `id` column owned through `org_id` (or, for a user's own rows, `user_id`).
    static func ownedTables(_ app: Application) async throws -> [(String, String)] {
        let sql = try #require(app.db as? any SQLDatabase)
        var columns: [(table: String, column: String)] = []
        if sql.dialect.name == "sqlite" {
            let tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_fluent%'").all()
            for row in tables {
                let table = try row.decode(column: "name", as: String.self)
                for info in try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all() {
                    columns.append((table, try info.decode(column: "name", as: String.self)))
                }
            }
        } else {
            let rows = try await sql.raw("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_fluent%'
                """).all()
            columns = try rows.map { (try $0.decode(column: "table_name", as: String.self), try $0.decode(column: "column_name", as: String.self)) }
        }
        let byTable = Dictionary(grouping: columns, by: \.table).mapValues { Set($0.map(\.column)) }
        return byTable.compactMap { table, names -> (String, String)? in
            guard names.contains("id") else { return nil }
            if names.contains("org_id") { return (table, "org_id") }
            if names.contains("user_id") { return (table, "user_id") }
            return nil
        }.sorted { $0.0 < $1.0 }
    }

    // MARK: Requests

    static func signedInWeb(_ app: Application, email: String, password: String) async throws -> WebClient {
        let web = WebClient(app)
        web.acceptLanguage = "en"
        let login = try await web.post("/en/login", form: ["identifier": email, "password": password], csrfFrom: "/en/login")
        #expect(login.status == .seeOther || login.status == .found, "sign-in: \(login.status)")
        return web
    }

    static func attempt(_ app: Application, _ method: HTTPMethod, _ path: String, api: Bool, intruder: Owner, web: WebClient,
                        csrf: String) async throws -> (status: HTTPStatus, body: String) {
        if api {
            let body: [String: Any]? = method == .GET || method == .DELETE ? nil
                : ["status": "done", "done": true, "role": "member", "name": "x", "start": "2030-01-01T10:00", "reason": "x"]
            return try await send(app, method, path, intruder, json: body)
        }
        var headers: HTTPHeaders = ["Accept": "text/html", "Accept-Language": "en"]
        headers.add(name: .cookie, value: web.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        var result: (HTTPStatus, String) = (.internalServerError, "")
        try await app.testing().test(method, path, headers: headers, beforeRequest: { req in
            if method != .GET && method != .HEAD {
                try req.content.encode(["_csrf": csrf, "status": "done", "role": "member", "name": "x"], as: .urlEncodedForm)
            }
        }, afterResponse: { res throws in
            result = (res.status, res.body.string)
        })
        return result
    }
}

private extension Date {
    func rounded(toMinutes minutes: Int) -> Date {
        let step = Double(minutes * 60)
        return Date(timeIntervalSince1970: (timeIntervalSince1970 / step).rounded(.up) * step)
    }
}
