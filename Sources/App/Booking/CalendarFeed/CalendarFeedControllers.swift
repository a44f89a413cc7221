import Foundation
import Vapor

/// `GET /calendar/{token}.ics`: the organisation's appointments for calendar apps. No sign-in (Google,
/// Outlook and Apple Calendar fetch it on their own): the unguessable token is the only key.
struct CalendarFeedController {
    static func register(on app: Application) {
        app.get("calendar", ":file") { req async throws -> Response in
            let file = req.parameters.get("file") ?? ""
            guard file.hasSuffix(".ics"),
                  let orgID = try await CalendarFeedService.orgID(forToken: String(file.dropLast(4)), on: req.db)
            else { throw AppError.notFound }
            let body = try await CalendarFeedService.feed(orgID: orgID, app: req.application, on: req.db)
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
            headers.replaceOrAdd(name: .contentDisposition, value: "inline; filename=\"ava.ics\"")
            headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
            // The address is a secret: keep it out of search engines and referrers.
            headers.replaceOrAdd(name: "X-Robots-Tag", value: "noindex, nofollow")
            headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
            return Response(status: .ok, headers: headers, body: .init(string: body))
        }
    }
}

/// `GET /api/v1/booking/calendar-feed` and `POST /api/v1/booking/calendar-feed/regenerate`.
struct CalendarFeedAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let feed = routes.grouped("booking", "calendar-feed")
        feed.get { req async throws -> CalendarFeedService.Address in
            let user = try req.requireUser()
            return try await CalendarFeedService.address(orgID: user.orgID, app: req.application, on: req.db)
        }
        feed.post("regenerate") { req async throws -> CalendarFeedService.Address in
            // Like the other booking settings, only owners and admins change it.
            let user = try BookingSettingsAPIController.requireManager(req)
            return try await CalendarFeedService.regenerate(orgID: user.orgID, app: req.application, on: req.db)
        }
    }
}
