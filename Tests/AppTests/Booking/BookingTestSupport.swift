@testable import App
import AVACore
import Fluent
import Foundation
import Vapor

/// An organisation with one 30-minute service (10-minute buffer), French hours, in Paris.
struct BookingFixture {
    let orgID: UUID
    let service: BookingService

    static func make(_ app: Application, country: String = "FR", timezone: String = "Europe/Paris", locale: String = "fr") async throws -> BookingFixture {
        let org = Org(name: "Salon Test", country: country, timezone: timezone, locale: locale)
        try await org.create(on: app.db)
        let service = BookingService(orgID: org.id!, name: "Coupe", durationMinutes: 30, bufferAfterMinutes: 10, priceCents: 3500, currency: "EUR")
        try await service.create(on: app.db)
        return BookingFixture(orgID: org.id!, service: service)
    }
}

/// The instant of a local wall time in a zone.
func localInstant(_ day: LocalDate, hour: Int, minute: Int = 0, zone: String = "Europe/Paris") -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone)!
    let (year, month, dayOfMonth) = day.components
    return calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute))!
}

/// The next given weekday at least three days from now, in Paris.
func upcoming(_ weekday: Weekday, zone: String = "Europe/Paris") -> LocalDate {
    var day = LocalDate(Date(), in: TimeZone(identifier: zone)!).adding(days: 3)
    while day.weekday != weekday { day = day.adding(days: 1) }
    return day
}
