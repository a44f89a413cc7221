@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Booking API")
struct BookingAPITests {
    struct Account { var token: String; var orgID: UUID }

    func account(_ app: Application, locale: String = "fr") async throws -> Account {
        let auth = try await signUp(app, SignupBody(email: uniqueEmail(), locale: locale))
        return Account(token: auth.tokens.accessToken, orgID: auth.organisation.id)
    }

    func headers(_ account: Account, language: String = "fr") -> HTTPHeaders {
        ["Authorization": "Bearer \(account.token)", "Accept-Language": language]
    }

    /// Sends JSON and returns status and body.
    @discardableResult
    func call(_ app: Application, _ method: HTTPMethod, _ path: String, _ account: Account, json: String? = nil,
              language: String = "fr") async throws -> (status: HTTPStatus, body: String) {
        var result: (HTTPStatus, String) = (.internalServerError, "")
        try await app.testing().test(method, path, headers: headers(account, language: language), beforeRequest: { req in
            if let json {
                req.headers.contentType = .json
                req.body = ByteBuffer(string: json)
            }
        }, afterResponse: { res throws in
            result = (res.status, res.body.string)
        })
        return result
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(body.utf8))
    }

    func errorCode(_ body: String) -> String? { try? decode(ErrorEnvelope.self, body).error.code }

    @Test func settingsHoursAndRules() async throws {
        try await withAVA { app in
            let owner = try await account(app)
            let (status, body) = try await call(app, .GET, "/api/v1/booking/settings", owner)
            #expect(status == .ok)
            let settings = try decode(BookingSettingsDTO.self, body)
            #expect(settings.timezone == "Europe/Paris" && settings.hours.intervals(on: .mon).count == 2)

            let update = #"{"timezone":"America/New_York","hours":{"mon":[{"start":"08:00","end":"12:00"}],"sat":[{"start":"10:00","end":"14:00"}]},"minNoticeMinutes":0,"slotStepMinutes":20,"transferNumber":"06 11 22 33 44"}"#
            let (changed, changedBody) = try await call(app, .PUT, "/api/v1/booking/settings", owner, json: update)
            #expect(changed == .ok, "\(changedBody)")
            let after = try decode(BookingSettingsDTO.self, changedBody)
            #expect(after.timezone == "America/New_York" && after.slotStepMinutes == 20 && after.transferNumber == "+33611223344")
            #expect(after.hours.intervals(on: .tue).isEmpty && after.hours.intervals(on: .sat).count == 1)

            let overlapping = #"{"hours":{"mon":[{"start":"09:00","end":"12:00"},{"start":"11:00","end":"13:00"}]}}"#
            let (refused, refusedBody) = try await call(app, .PUT, "/api/v1/booking/settings", owner, json: overlapping)
            #expect(refused == .unprocessableEntity && errorCode(refusedBody) == "hours_overlapping")
            #expect(refusedBody.contains("chevauchent"))  // in French
            let (_, englishBody) = try await call(app, .PUT, "/api/v1/booking/settings", owner, json: overlapping, language: "en")
            #expect(englishBody.contains("overlap"))
            for (json, code) in [(#"{"timezone":"Mars/Olympus"}"#, "timezone_invalid"),
                                 (#"{"hours":{"mon":[{"start":"12:00","end":"09:00"}]}}"#, "hours_invalid"),
                                 (#"{"slotStepMinutes":1}"#, "booking_rules_invalid"),
                                 (#"{"transferNumber":"abc"}"#, "invalid_phone")] {
                let (status, body) = try await call(app, .PUT, "/api/v1/booking/settings", owner, json: json)
                #expect(status == .unprocessableEntity && errorCode(body) == code, "\(json) → \(body)")
            }
            let (badJSON, _) = try await call(app, .PUT, "/api/v1/booking/settings", owner, json: #"{"hours":{"funday":[]}}"#)
            #expect(badJSON == .badRequest)
            // Nothing of the refused changes was kept.
            let (_, finalBody) = try await call(app, .GET, "/api/v1/booking/settings", owner)
            #expect(try decode(BookingSettingsDTO.self, finalBody).hours == after.hours)
        }
    }

    @Test func servicesStaffAndClosures() async throws {
        try await withAVA { app in
            let owner = try await account(app)
            let (created, serviceBody) = try await call(app, .POST, "/api/v1/booking/services", owner,
                                                        json: #"{"name":"Coupe","durationMinutes":30,"bufferAfterMinutes":10,"priceCents":3500,"currency":"eur"}"#)
            #expect(created == .created, "\(serviceBody)")
            let service = try decode(ServiceDTO.self, serviceBody)
            #expect(service.currency == "EUR" && service.active)
            let (badService, badBody) = try await call(app, .POST, "/api/v1/booking/services", owner, json: #"{"name":"X","durationMinutes":0}"#)
            #expect(badService == .unprocessableEntity && errorCode(badBody) == "duration_invalid")
            let (updated, updatedBody) = try await call(app, .PUT, "/api/v1/booking/services/\(service.id)", owner,
                                                        json: #"{"name":"Coupe femme","durationMinutes":45}"#)
            #expect(try updated == .ok && decode(ServiceDTO.self, updatedBody).durationMinutes == 45)

            let (staffStatus, staffBody) = try await call(app, .POST, "/api/v1/booking/staff", owner,
                                                          json: #"{"name":"Anna","hours":{"wed":[{"start":"10:00","end":"16:00"}]}}"#)
            #expect(staffStatus == .created, "\(staffBody)")
            let anna = try decode(StaffDTO.self, staffBody)
            #expect(anna.hours?.intervals(on: .wed).count == 1)

            let (closureStatus, closureBody) = try await call(app, .POST, "/api/v1/booking/closures", owner,
                                                              json: #"{"startDate":"2026-12-24","endDate":"2026-12-26","label":"Noël"}"#)
            #expect(closureStatus == .created, "\(closureBody)")
            let closure = try decode(ClosureDTO.self, closureBody)
            let (reversed, reversedBody) = try await call(app, .POST, "/api/v1/booking/closures", owner,
                                                          json: #"{"startDate":"2026-12-26","endDate":"2026-12-24"}"#)
            #expect(reversed == .unprocessableEntity && errorCode(reversedBody) == "date_range_invalid")
            let (badDate, badDateBody) = try await call(app, .POST, "/api/v1/booking/closures", owner, json: #"{"startDate":"2026-02-30"}"#)
            #expect(badDate == .unprocessableEntity && errorCode(badDateBody) == "date_invalid")

            // Another organisation sees none of it and cannot touch it.
            let stranger = try await account(app)
            let (_, strangerList) = try await call(app, .GET, "/api/v1/booking/services", stranger)
            #expect(strangerList == "[]")
            for (method, path) in [(HTTPMethod.PUT, "/api/v1/booking/services/\(service.id)"), (.DELETE, "/api/v1/booking/services/\(service.id)"),
                                   (.PUT, "/api/v1/booking/staff/\(anna.id)"), (.DELETE, "/api/v1/booking/staff/\(anna.id)"),
                                   (.PUT, "/api/v1/booking/closures/\(closure.id)"), (.DELETE, "/api/v1/booking/closures/\(closure.id)")] {
                let json = path.contains("services") ? #"{"name":"Mine","durationMinutes":30}"# : path.contains("staff") ? #"{"name":"Mine"}"# : #"{"startDate":"2027-01-01"}"#
                let (status, _) = try await call(app, method, path, stranger, json: method == .DELETE ? nil : json)
                #expect(status == .notFound, "\(method) \(path)")
            }

            // A member reads but does not change settings.
            let member = try await account(app)
            try await OrgUser.query(on: app.db).filter(\.$org.$id == member.orgID).set(\.$role, to: .member).update()
            let (memberPut, memberBody) = try await call(app, .PUT, "/api/v1/booking/settings", member, json: #"{"slotStepMinutes":30}"#)
            #expect(memberPut == .forbidden && errorCode(memberBody) == "forbidden_role")
            #expect(try await call(app, .GET, "/api/v1/booking/settings", member).status == .ok)

            #expect(try await call(app, .DELETE, "/api/v1/booking/closures/\(closure.id)", owner).status == .noContent)
            #expect(try await call(app, .DELETE, "/api/v1/booking/staff/\(anna.id)", owner).status == .noContent)
            #expect(try await call(app, .DELETE, "/api/v1/booking/services/\(service.id)", owner).status == .noContent)
            #expect(try await call(app, .GET, "/api/v1/booking/services", owner).body == "[]")
        }
    }

    @Test func availabilityAndAppointments() async throws {
        try await withAVA { app in
            let owner = try await account(app)
            let (_, serviceBody) = try await call(app, .POST, "/api/v1/booking/services", owner,
                                                  json: #"{"name":"Coupe","durationMinutes":30,"bufferAfterMinutes":10}"#)
            let service = try decode(ServiceDTO.self, serviceBody)
            let tuesday = upcoming(.tue)
            let (status, body) = try await call(app, .GET, "/api/v1/booking/availability?serviceId=\(service.id)&date=\(tuesday)", owner)
            #expect(status == .ok, "\(body)")
            let availability = try decode(AvailabilityDTO.self, body)
            #expect(availability.timezone == "Europe/Paris")
            #expect(availability.slots.first?.local == "\(tuesday)T09:00")
            #expect(availability.slots.last?.local == "\(tuesday)T18:00")
            #expect(try await call(app, .GET, "/api/v1/booking/availability?serviceId=\(UUID())", owner).status == .unprocessableEntity)
            #expect(try await call(app, .GET, "/api/v1/booking/availability?serviceId=\(service.id)&date=mardi", owner).status == .unprocessableEntity)

            let start = availability.slots[0].start
            let iso = ISO8601DateFormatter().string(from: start)
            let create = #"{"serviceId":"\#(service.id)","start":"\#(iso)","customerName":"Léa Martin","phone":"06 12 34 56 78","notes":"Frange"}"#
            let (created, createdBody) = try await call(app, .POST, "/api/v1/booking/appointments", owner, json: create)
            #expect(created == .created, "\(createdBody)")
            let appointment = try decode(AppointmentDTO.self, createdBody)
            #expect(appointment.customer?.phone == "+33612345678" && appointment.source == "manual" && appointment.status == "booked")
            let (taken, takenBody) = try await call(app, .POST, "/api/v1/booking/appointments", owner, json: create)
            #expect(taken == .unprocessableEntity && errorCode(takenBody) == "slot_taken")
            #expect(takenBody.contains("vient d'être pris"))
            let lunch = ISO8601DateFormatter().string(from: localInstant(tuesday, hour: 13))
            let (outside, outsideBody) = try await call(app, .POST, "/api/v1/booking/appointments", owner,
                                                        json: #"{"serviceId":"\#(service.id)","start":"\#(lunch)","customerName":"Paul","phone":"0700000000"}"#)
            #expect(outside == .unprocessableEntity && errorCode(outsideBody) == "slot_outside_hours")
            let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            let (pastStatus, pastBody) = try await call(app, .POST, "/api/v1/booking/appointments", owner,
                                                        json: #"{"serviceId":"\#(service.id)","start":"\#(past)","customerName":"Paul","phone":"0700000000"}"#)
            #expect(pastStatus == .unprocessableEntity && errorCode(pastBody) == "slot_in_past")

            // The slot is gone from availability (with the buffer: 9:30 too).
            let (_, afterBody) = try await call(app, .GET, "/api/v1/booking/availability?serviceId=\(service.id)&date=\(tuesday)", owner)
            let locals = try decode(AvailabilityDTO.self, afterBody).slots.map(\.local)
            #expect(!locals.contains("\(tuesday)T09:00") && !locals.contains("\(tuesday)T09:30") && locals.contains("\(tuesday)T09:45"))

            let (listed, listBody) = try await call(app, .GET, "/api/v1/booking/appointments?from=\(tuesday)&to=\(tuesday)", owner)
            #expect(try listed == .ok && decode(AppointmentListDTO.self, listBody).appointments.map(\.id) == [appointment.id])
            let (_, emptyBody) = try await call(app, .GET, "/api/v1/booking/appointments?from=\(tuesday.adding(days: 1))&to=\(tuesday.adding(days: 2))", owner)
            #expect(try decode(AppointmentListDTO.self, emptyBody).appointments.isEmpty)

            let moveTo = ISO8601DateFormatter().string(from: localInstant(tuesday, hour: 16))
            let (moved, movedBody) = try await call(app, .PATCH, "/api/v1/booking/appointments/\(appointment.id)", owner, json: #"{"start":"\#(moveTo)"}"#)
            #expect(moved == .ok, "\(movedBody)")
            #expect(try decode(AppointmentDTO.self, movedBody).start == localInstant(tuesday, hour: 16))
            let (badStatus, _) = try await call(app, .PATCH, "/api/v1/booking/appointments/\(appointment.id)", owner, json: #"{"status":"lost"}"#)
            #expect(badStatus == .unprocessableEntity)

            // Another organisation: 404 everywhere.
            let stranger = try await account(app)
            #expect(try await call(app, .GET, "/api/v1/booking/appointments/\(appointment.id)", stranger).status == .notFound)
            #expect(try await call(app, .PATCH, "/api/v1/booking/appointments/\(appointment.id)", stranger, json: #"{"status":"done"}"#).status == .notFound)
            #expect(try await call(app, .POST, "/api/v1/booking/appointments/\(appointment.id)/cancel", stranger).status == .notFound)
            #expect(try await call(app, .GET, "/api/v1/booking/availability?serviceId=\(service.id)", stranger).status == .unprocessableEntity)
            let (_, strangerList) = try await call(app, .GET, "/api/v1/booking/appointments?from=\(tuesday)&to=\(tuesday)", stranger)
            #expect(try decode(AppointmentListDTO.self, strangerList).appointments.isEmpty)

            let (cancelled, cancelledBody) = try await call(app, .POST, "/api/v1/booking/appointments/\(appointment.id)/cancel", owner)
            #expect(try cancelled == .ok && decode(AppointmentDTO.self, cancelledBody).status == "cancelled")
            #expect(try await call(app, .POST, "/api/v1/booking/appointments/\(appointment.id)/cancel", owner).status == .unprocessableEntity)
            let (marked, markedBody) = try await call(app, .PATCH, "/api/v1/booking/appointments/\(appointment.id)", owner, json: #"{"status":"booked"}"#)
            #expect(try marked == .ok && decode(AppointmentDTO.self, markedBody).status == "booked")
            #expect(try await call(app, .GET, "/api/v1/booking/appointments", owner).status == .ok)
            #expect(try await call(app, .GET, "/api/v1/booking/appointments?from=2026-13-01", owner).status == .unprocessableEntity)

            // No sign-in, no booking.
            var anonymous: HTTPStatus = .ok
            try await app.testing().test(.GET, "/api/v1/booking/appointments", afterResponse: { res throws in anonymous = res.status })
            #expect(anonymous == .unauthorized)
        }
    }

    @Test func ownerMessages() async throws {
        try await withAVA { app in
            let owner = try await account(app)
            let tools = ReceptionistTools(db: app.db, orgID: owner.orgID, translations: app.translations)
            let left = try await tools.takeMessage(.init(name: "Marc", phone: "06 12 34 56 78", reason: "Rappeler pour le devis", urgency: "high"))
            let id = try #require(left.messageId)
            let (status, body) = try await call(app, .GET, "/api/v1/booking/messages", owner)
            #expect(status == .ok && body.contains("Rappeler pour le devis") && body.contains("+33612345678"))
            let (done, doneBody) = try await call(app, .PATCH, "/api/v1/booking/messages/\(id)", owner, json: #"{"done":true}"#)
            #expect(done == .ok && doneBody.contains("readAt") && doneBody.contains("doneAt"))
            let (_, openBody) = try await call(app, .GET, "/api/v1/booking/messages?open=true", owner)
            #expect(!openBody.contains("Marc"))
            let stranger = try await account(app)
            #expect(try await call(app, .PATCH, "/api/v1/booking/messages/\(id)", stranger, json: #"{"read":true}"#).status == .notFound)
            #expect(!(try await call(app, .GET, "/api/v1/booking/messages", stranger).body.contains("Marc")))
        }
    }
}
