@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The booking settings and appointments pages: every language, plain forms, localized errors.
@Suite("Booking pages")
struct BookingPagesTests {
    private func signedIn(_ app: Application, locale: String) async throws -> (WebClient, UUID) {
        let web = WebClient(app)
        let email = uniqueEmail("booking")
        _ = try await web.post("/\(locale)/signup", form: ["name": "Dana Levi", "email": email, "password": "correct-horse-battery-42",
                                                          "acceptTerms": "true"], csrfFrom: "/\(locale)/signup")
        let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
        let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
        return (web, membership.$org.id)
    }

    /// Every day open 08:00–20:00, so a slot a few days ahead at 10:00 is bookable whatever today is.
    private func openEveryDay(_ web: WebClient, locale: String) async throws {
        var form: [String: String] = [:]
        for day in Weekday.allCases { form["\(day.rawValue)-0-start"] = "08:00"; form["\(day.rawValue)-0-end"] = "20:00" }
        let saved = try await web.post("/\(locale)/settings/booking/hours", form: form, csrfFrom: "/\(locale)/settings/booking")
        #expect(saved.status == .seeOther, "\(saved.body.string.prefix(300))")
    }

    @Test func pagesRenderInEveryLanguage() async throws {
        try await withAVA { app in
            for (locale, settingsWords, appointmentsWords) in [("fr", "Horaires d’ouverture", "Nouveau rendez-vous"),
                                                               ("en", "Opening hours", "New appointment"),
                                                               ("he", "שעות פעילות", "תור חדש")] {
                let (web, _) = try await signedIn(app, locale: locale)
                let settings = try await web.get("/\(locale)/settings/booking")
                #expect(settings.status == .ok)
                #expect(settings.body.string.contains(settingsWords), "\(locale)")
                #expect(settings.body.string.contains("/calendar/"), "the calendar address is shown")
                let appointments = try await web.get("/\(locale)/appointments")
                #expect(appointments.status == .ok)
                #expect(appointments.body.string.contains(appointmentsWords), "\(locale)")
                #expect(appointments.body.string.contains("href=\"/\(locale)/appointments\""), "the navigation links to it")
                if locale == "he" { #expect(appointments.body.string.contains("dir=\"rtl\"")) }
                // The default hours of the country are in the form (France: 09:00–12:30 and 14:00–18:30).
                if locale == "fr" {
                    #expect(settings.body.string.contains("value=\"09:00\""))
                    #expect(settings.body.string.contains("value=\"18:30\""))
                }
            }
        }
    }

    @Test func signedOutVisitorsAreSentToSignIn() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            let page = try await web.get("/fr/appointments")
            #expect(page.status == .seeOther || page.status == .found)
        }
    }

    @Test func aFormPostCreatesAServiceAndABadOneSaysWhyInFrench() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "fr")
            let created = try await web.post("/fr/settings/booking/services", form: ["name": "Coupe homme", "duration": "30", "buffer": "10", "price": "25,50"],
                                             csrfFrom: "/fr/settings/booking")
            #expect(created.status == .seeOther)
            let service = try #require(try await BookingService.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(service.name == "Coupe homme")
            #expect(service.durationMinutes == 30)
            #expect(service.bufferAfterMinutes == 10)
            #expect(service.priceCents == 2550)
            #expect(service.currency == "EUR")
            #expect(try await web.get("/fr/settings/booking").body.string.contains("Coupe homme"))

            let rejected = try await web.post("/fr/settings/booking/services", form: ["name": "  ", "duration": "30"], csrfFrom: "/fr/settings/booking")
            #expect(rejected.status == .unprocessableEntity)
            #expect(rejected.body.string.contains("Donnez un nom à la prestation"))
            let badDuration = try await web.post("/fr/settings/booking/services", form: ["name": "Long", "duration": "9999"], csrfFrom: "/fr/settings/booking")
            #expect(badDuration.status == .unprocessableEntity)
            #expect(badDuration.body.string.contains("La durée va de 5 à 720 minutes"))
            #expect(badDuration.body.string.contains("value=\"Long\""), "what was typed stays in the form")
            #expect(try await BookingService.query(on: app.db).filter(\.$org.$id == orgID).count() == 1)

            // Deactivate, then activate again.
            _ = try await web.post("/fr/settings/booking/services/\(service.id!)/toggle", form: [:], csrfFrom: "/fr/settings/booking")
            #expect(try await BookingService.find(service.id, on: app.db)?.active == false)
            // Without the CSRF token, nothing happens.
            let forged = try await web.post("/fr/settings/booking/services/\(service.id!)/toggle", form: [:])
            #expect(forged.status == .forbidden)
            #expect(try await BookingService.find(service.id, on: app.db)?.active == false)
        }
    }

    @Test func hoursWithSeveralIntervalsAreSavedAndOverlapsRefusedInHebrew() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "he")
            let ok = try await web.post("/he/settings/booking/hours", form: [
                "sun-0-start": "09:00", "sun-0-end": "13:00", "sun-1-start": "14:00", "sun-1-end": "18:00",
                "fri-0-start": "08:30", "fri-0-end": "12:00",
            ], csrfFrom: "/he/settings/booking")
            #expect(ok.status == .seeOther)
            let hours = try await BookingProfile.forOrg(orgID, on: app.db).weeklyHours
            #expect(hours.intervals(on: .sun).map(\.start.description) == ["09:00", "14:00"])
            #expect(hours.intervals(on: .fri).map(\.end.description) == ["12:00"])
            #expect(hours.intervals(on: .sat).isEmpty)
            #expect(hours.intervals(on: .mon).isEmpty)

            let overlap = try await web.post("/he/settings/booking/hours", form: [
                "mon-0-start": "09:00", "mon-0-end": "13:00", "mon-1-start": "12:00", "mon-1-end": "18:00",
            ], csrfFrom: "/he/settings/booking")
            #expect(overlap.status == .unprocessableEntity)
            #expect(overlap.body.string.contains("שני טווחי שעות באותו יום חופפים"))
            #expect(overlap.body.string.contains("value=\"12:00\""), "the typed hours stay in the form")
            // Nothing changed.
            #expect(try await BookingProfile.forOrg(orgID, on: app.db).weeklyHours == hours)

            let backwards = try await web.post("/he/settings/booking/hours", form: ["tue-0-start": "18:00", "tue-0-end": "09:00"],
                                               csrfFrom: "/he/settings/booking")
            #expect(backwards.status == .unprocessableEntity)
        }
    }

    @Test func rulesAndTimeZoneAreSavedAndAnUnknownZoneRefused() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "en")
            let saved = try await web.post("/en/settings/booking/rules", form: [
                "timezone": "America/Chicago", "minNoticeMinutes": "120", "maxDaysAhead": "30", "slotStepMinutes": "20",
                "transferNumber": "(212) 555-0100",
            ], csrfFrom: "/en/settings/booking")
            #expect(saved.status == .seeOther)
            #expect(try await Org.find(orgID, on: app.db)?.timezone == "America/Chicago")
            let profile = try await BookingProfile.forOrg(orgID, on: app.db)
            #expect(profile.minNoticeMinutes == 120 && profile.maxDaysAhead == 30 && profile.slotStepMinutes == 20)
            #expect(profile.transferNumber == "+12125550100")
            let bad = try await web.post("/en/settings/booking/rules", form: [
                "timezone": "Mars/Olympus", "minNoticeMinutes": "120", "maxDaysAhead": "30", "slotStepMinutes": "20",
            ], csrfFrom: "/en/settings/booking")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("value=\"Mars/Olympus\""))
            #expect(try await Org.find(orgID, on: app.db)?.timezone == "America/Chicago")
        }
    }

    @Test func onlyOwnersAndAdminsChangeTheSettings() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "en")
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$org.$id == orgID).first())
            membership.role = .member
            try await membership.save(on: app.db)
            let refused = try await web.post("/en/settings/booking/services", form: ["name": "Cut", "duration": "30"], csrfFrom: "/en/settings/booking")
            #expect(refused.status == .forbidden)
            #expect(try await BookingService.query(on: app.db).filter(\.$org.$id == orgID).count() == 0)
        }
    }

    @Test func closuresAndStaffAreAddedAndRemoved() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "en")
            #expect(try await web.post("/en/settings/booking/closures", form: ["start": "2027-08-01", "end": "2027-08-15", "label": "Summer"],
                                       csrfFrom: "/en/settings/booking").status == .seeOther)
            let closure = try #require(try await BookingClosure.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(closure.startDate == "2027-08-01" && closure.endDate == "2027-08-15")
            let reversed = try await web.post("/en/settings/booking/closures", form: ["start": "2027-08-15", "end": "2027-08-01"],
                                              csrfFrom: "/en/settings/booking")
            #expect(reversed.status == .unprocessableEntity)
            #expect(reversed.body.string.contains("The end date must not be before the start date"))
            _ = try await web.post("/en/settings/booking/closures/\(closure.id!)/delete", form: [:], csrfFrom: "/en/settings/booking")
            #expect(try await BookingClosure.query(on: app.db).filter(\.$org.$id == orgID).count() == 0)

            #expect(try await web.post("/en/settings/booking/staff", form: ["name": "Room 2"], csrfFrom: "/en/settings/booking").status == .seeOther)
            let member = try #require(try await StaffMember.query(on: app.db).filter(\.$org.$id == orgID).first())
            _ = try await web.post("/en/settings/booking/staff/\(member.id!)/toggle", form: [:], csrfFrom: "/en/settings/booking")
            #expect(try await StaffMember.find(member.id, on: app.db)?.active == false)
            let empty = try await web.post("/en/settings/booking/staff", form: ["name": ""], csrfFrom: "/en/settings/booking")
            #expect(empty.status == .unprocessableEntity)

            // Their own hours, on their page.
            let page = "/en/settings/booking/staff/\(member.id!)"
            #expect(try await web.get(page).status == .ok)
            let own = try await web.post(page, form: ["name": "Room 2", "ownHours": "on", "wed-0-start": "10:00", "wed-0-end": "16:00"],
                                         csrfFrom: page)
            #expect(own.status == .seeOther)
            let reloaded = try #require(try await StaffMember.find(member.id, on: app.db))
            #expect(reloaded.weeklyHours?.intervals(on: .wed).map(\.start.description) == ["10:00"])
            #expect(reloaded.weeklyHours?.intervals(on: .mon).isEmpty == true)
            let overlapping = try await web.post(page, form: ["name": "Room 2", "ownHours": "on", "wed-0-start": "10:00", "wed-0-end": "16:00",
                                                              "wed-1-start": "15:00", "wed-1-end": "17:00"], csrfFrom: page)
            #expect(overlapping.status == .unprocessableEntity)
            #expect(overlapping.body.string.contains("Two opening intervals on the same day overlap"))
            // Back to the business's hours.
            _ = try await web.post(page, form: ["name": "Room 2"], csrfFrom: page)
            #expect(try await StaffMember.find(member.id, on: app.db)?.hours == nil)
            // Another organisation's staff page is not found.
            let (other, _) = try await signedIn(app, locale: "en")
            #expect(try await other.get(page).status == .notFound)
        }
    }

    @Test func anAppointmentIsBookedMovedAndCancelledByHand() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "fr")
            try await openEveryDay(web, locale: "fr")
            _ = try await web.post("/fr/settings/booking/services", form: ["name": "Consultation", "duration": "30"], csrfFrom: "/fr/settings/booking")
            let service = try #require(try await BookingService.query(on: app.db).filter(\.$org.$id == orgID).first())
            let clock = BookingPageClock(org: try #require(try await Org.find(orgID, on: app.db)), locale: .fr)
            let day = clock.localDate(Date().addingTimeInterval(3 * 24 * 3600))

            let booked = try await web.post("/fr/appointments", form: [
                "serviceId": service.id!.uuidString, "date": day, "time": "10:00", "customerName": "Jean Dupont",
                "phone": "06 12 34 56 78", "email": "", "notes": "Premier rendez-vous",
            ], csrfFrom: "/fr/appointments")
            #expect(booked.status == .seeOther, "\(booked.body.string.prefix(500))")
            let appointment = try #require(try await Appointment.query(on: app.db).filter(\.$org.$id == orgID).first())
            #expect(clock.localTime(appointment.startsAt) == "10:00")
            #expect(appointment.source == .manual)
            // The confirmation text and the owner's email are queued.
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == BookingJobKind.customerSMS).count() == 1)

            let week = try await web.get("/fr/appointments?week=\(day)")
            #expect(week.body.string.contains("Jean Dupont"))
            #expect(week.body.string.contains("/fr/appointments/\(appointment.id!)"))
            let detail = try await web.get("/fr/appointments/\(appointment.id!)")
            #expect(detail.status == .ok)
            #expect(detail.body.string.contains("+33612345678"))

            let moved = try await web.post("/fr/appointments/\(appointment.id!)/reschedule", form: ["date": day, "time": "11:30"],
                                           csrfFrom: "/fr/appointments/\(appointment.id!)")
            #expect(moved.status == .seeOther)
            let reloaded = try #require(try await Appointment.find(appointment.id, on: app.db))
            #expect(clock.localTime(reloaded.startsAt) == "11:30")

            let cancelled = try await web.post("/fr/appointments/\(appointment.id!)/cancel", form: [:], csrfFrom: "/fr/appointments/\(appointment.id!)")
            #expect(cancelled.status == .seeOther)
            #expect(try await Appointment.find(appointment.id, on: app.db)?.status == .cancelled)
            #expect(try await web.get("/fr/appointments/\(appointment.id!)?done=cancelled").body.string.contains("Rendez-vous annulé"))
        }
    }

    @Test func doneAndNoShowAreRecorded() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "en")
            try await openEveryDay(web, locale: "en")
            _ = try await web.post("/en/settings/booking/services", form: ["name": "Visit", "duration": "30"], csrfFrom: "/en/settings/booking")
            let service = try #require(try await BookingService.query(on: app.db).filter(\.$org.$id == orgID).first())
            let clock = BookingPageClock(org: try #require(try await Org.find(orgID, on: app.db)), locale: .en)
            let day = clock.localDate(Date().addingTimeInterval(2 * 24 * 3600))
            _ = try await web.post("/en/appointments", form: ["serviceId": service.id!.uuidString, "date": day, "time": "09:00",
                                                               "customerName": "Sam", "phone": "+1 212 555 0100"], csrfFrom: "/en/appointments")
            let appointment = try #require(try await Appointment.query(on: app.db).filter(\.$org.$id == orgID).first())
            let noShow = try await web.post("/en/appointments/\(appointment.id!)/status", form: ["status": "no_show"],
                                            csrfFrom: "/en/appointments/\(appointment.id!)")
            #expect(noShow.status == .seeOther)
            #expect(try await Appointment.find(appointment.id, on: app.db)?.status == .noShow)
            let bogus = try await web.post("/en/appointments/\(appointment.id!)/status", form: ["status": "teleported"],
                                           csrfFrom: "/en/appointments/\(appointment.id!)")
            #expect(bogus.status == .unprocessableEntity)
        }
    }

    @Test func aBadAppointmentFormReRendersWithALocalizedMessage() async throws {
        try await withAVA { app in
            let (web, orgID) = try await signedIn(app, locale: "fr")
            _ = try await web.post("/fr/settings/booking/services", form: ["name": "Consultation", "duration": "30"], csrfFrom: "/fr/settings/booking")
            let service = try #require(try await BookingService.query(on: app.db).filter(\.$org.$id == orgID).first())
            let missingTime = try await web.post("/fr/appointments", form: [
                "serviceId": service.id!.uuidString, "date": "", "time": "", "customerName": "Jean", "phone": "0612345678",
            ], csrfFrom: "/fr/appointments")
            #expect(missingTime.status == .unprocessableEntity)
            #expect(missingTime.body.string.contains("Choisissez une date et une heure."))
            #expect(missingTime.body.string.contains("value=\"Jean\""))
            // A time in the past is refused by the booking rules, in French too.
            let past = try await web.post("/fr/appointments", form: [
                "serviceId": service.id!.uuidString, "date": "2020-01-06", "time": "10:00", "customerName": "Jean", "phone": "0612345678",
            ], csrfFrom: "/fr/appointments")
            #expect(past.status == .unprocessableEntity)
            #expect(past.body.string.contains("alert-error"))
            #expect(try await Appointment.query(on: app.db).count() == 0)
        }
    }

    @Test func anotherOrganisationsAppointmentIsNotFound() async throws {
        try await withAVA { app in
            let fixture = try await NoticeFixture.make(app)
            let (web, _) = try await signedIn(app, locale: "en")
            #expect(try await web.get("/en/appointments/\(fixture.appointment.id!)").status == .notFound)
            let cancel = try await web.post("/en/appointments/\(fixture.appointment.id!)/cancel", form: [:], csrfFrom: "/en/appointments")
            #expect(cancel.status == .notFound)
            #expect(try await Appointment.find(fixture.appointment.id, on: app.db)?.status == .booked)
        }
    }

    @Test func theCalendarAddressCanBeRegeneratedFromThePage() async throws {
        try await withAVA { app in
            let (web, _) = try await signedIn(app, locale: "en")
            func address() async throws -> String? {
                let html = try await web.get("/en/settings/booking").body.string
                guard let range = html.range(of: #"/calendar/[A-Za-z0-9_-]+\.ics"#, options: .regularExpression) else { return nil }
                return String(html[range])
            }
            let before = try #require(try await address())
            #expect(try await web.post("/en/settings/booking/calendar-feed/regenerate", form: [:], csrfFrom: "/en/settings/booking").status == .seeOther)
            let after = try #require(try await address())
            #expect(before != after)
            #expect(try await web.get(before).status == .notFound)
            #expect(try await web.get(after).status == .ok)
        }
    }
}
